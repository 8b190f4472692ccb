"""One story per review: findings, plan, presets, feedback text and the chat's plan answer agree.

Real music nobody on the team made (a 25 s excerpt of the Drascula soundtrack), with defects
planted in code: a loudness-war limiter on the mix, clipping, an inverted channel, and a loud
master whose peaks sit above the strictest platform ceiling. Each file is measured once and
judged for all three feedback types (``assemble``), then read at every detail level.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import mixes
import numpy as np
import pytest
import signals
import soundfile as sf

from mixcoach.analysis import Analysis, assemble
from mixcoach.audio.analyze import Measurements, measure
from mixcoach.feedback.model import DETAIL_LEVELS, Conversation, Feedback, FeedbackRequest
from mixcoach.feedback.offline import OfflineEngine
from mixcoach.feedback.plan import build_plan
from mixcoach.findings.model import FEEDBACK_TYPES, FeedbackType
from mixcoach.knowledge.genres import resolve_profile

TRACK = Path("/usr/share/scummvm/drascula/audio/track4.ogg")
ENGINE = OfflineEngine()
EXCERPT_S = (20.0, 45.0)

Plant = Callable[[np.ndarray, int], np.ndarray]
PLANTS: dict[str, Plant] = {
    "clean": lambda a, sr: a,
    "limited": lambda a, sr: mixes.plant_brickwall(a, sample_rate_hz=sr, drive_db=14.0),
    "clipping": lambda a, sr: mixes.plant_clipping(a, drive_db=8.0),
    "inverted": lambda a, sr: mixes.plant_polarity_flip(a),
    "hot_master": lambda a, sr: mixes.master(
        a, target_lufs=-8.0, sample_rate_hz=sr, ceiling_dbtp=-0.9
    ),
}
#: An internal metric key (``defects.clip_run_count``) or an unformatted float count.
INTERNAL_KEY = re.compile(r"\b[a-z]+\.[a-z]+_[a-z_]+\b|\b\d+\.0 runs\b")

pytestmark = pytest.mark.skipif(not TRACK.exists(), reason="Debian's drascula-music is needed")


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Measurements]:
    folder = tmp_path_factory.mktemp("story")

    @cache
    def excerpt() -> tuple[np.ndarray, int]:
        audio, rate = sf.read(str(TRACK), always_2d=True)
        start, end = (round(t * rate) for t in EXCERPT_S)
        return audio[start:end].T.astype(np.float64), rate

    @cache
    def run(name: str) -> Measurements:
        audio, rate = excerpt()
        path = signals.write(
            folder / f"{name}.wav", PLANTS[name](audio, rate), sample_rate_hz=rate, subtype="FLOAT"
        )
        return measure(path)

    return run


_JUDGED: dict[tuple[str, str], Analysis] = {}


def review(measured: Callable[[str], Measurements], name: str, kind: FeedbackType) -> Analysis:
    """``name``'s measurements judged as ``kind`` (once per session)."""
    if (name, kind) not in _JUDGED:
        profile = resolve_profile("general")
        _JUDGED[name, kind] = assemble(measured(name), profile=profile, feedback_type=kind)
    return _JUDGED[name, kind]


def feedback(analysis: Analysis, detail: str) -> Feedback:
    request = FeedbackRequest(feedback_type=analysis.request.feedback_type, detail=detail)
    return ENGINE.compose(analysis, request)


def dbtp_values(text: str, after: str) -> set[float]:
    return {float(v) for v in re.findall(after + r" (-?\d+\.\d) dBTP", text)}


CASES = [(name, kind) for name in PLANTS for kind in FEEDBACK_TYPES]


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_the_review_tells_one_story(
    measured: Callable[[str], Measurements], name: str, kind: FeedbackType
) -> None:
    analysis = review(measured, name, kind)
    plan = build_plan(analysis)
    presets = ENGINE.presets(analysis)
    texts = {detail: feedback(analysis, detail) for detail in DETAIL_LEVELS}
    # The presets are the plan's settings: one ceiling, one target.
    if kind == "mixdown":
        assert plan.ceiling_dbtp is None and plan.target_lufs is None
        assert presets.limiter is None
        assert not [s for s in plan.steps if s.move == "limiter"]
    if presets.limiter is not None:
        assert presets.limiter.ceiling_dbtp == plan.ceiling_dbtp
        assert presets.limiter.target_lufs == plan.target_lufs
    if kind != "mixdown":
        # The findings' own sentences reach the language model's facts: the same one ceiling.
        details = " ".join(f.detail for f in analysis.findings)
        named = dbtp_values(details, "ceiling to")
        assert named <= {plan.ceiling_dbtp}, (named, plan.ceiling_dbtp)
    for detail, fb in texts.items():
        text = fb.markdown()
        assert fb.plan == plan
        assert not INTERNAL_KEY.search(text), (detail, INTERNAL_KEY.search(text))
        assert "-0.0" not in text
        if kind == "mixdown":
            assert "true-peak mode" not in text and "limiter's input gain" not in text
        else:
            # Every ceiling the text names is the plan's one ceiling.
            named = dbtp_values(text, "ceiling") | dbtp_values(text, "ceiling to")
            assert named <= {plan.ceiling_dbtp}, (detail, named, plan.ceiling_dbtp)
        if kind == "mastering" and plan.target_lufs is not None:
            profile = resolve_profile("general").master.integrated_lufs
            assert profile.low is not None and profile.high is not None
            assert plan.target_lufs == pytest.approx((profile.low + profile.high) / 2, abs=0.05)
    simple = [s for s in texts["simple"].sections if s.kind == "finding"]
    acting = [s for s in plan.steps if s.finding_codes]
    assert len(simple) == min(3, len(acting))
    pro = texts["pro"].markdown()
    if acting:
        assert "Confidence:" in pro and "Why:" in pro


@pytest.mark.parametrize("kind", FEEDBACK_TYPES)
def test_the_headline_is_the_top_finding_worded_from_its_evidence(
    measured: Callable[[str], Measurements], kind: FeedbackType
) -> None:
    headlines = []
    for name in ("limited", "clipping", "inverted"):
        analysis = review(measured, name, kind)
        fb = feedback(analysis, "detailed")
        plan = fb.plan
        assert plan is not None and plan.lead_code is not None, name
        lead = next(s for s in fb.sections if s.kind == "finding")
        assert plan.lead_code in lead.finding_codes
        worst = min(
            (f for f in analysis.findings if kind in f.feedback_types),
            key=lambda f: ["problem", "warning", "suggestion", "info"].index(f.severity),
        )
        step = plan.first(1)[0]
        assert step.root_cause or worst.severity == step.severity
        headlines.append(fb.headline)
    assert len(set(headlines)) == 3
    assert len({h.split(".")[0] for h in headlines}) >= 2  # they do not open alike


def test_an_inverted_channel_is_one_polarity_flip_never_a_width_cut(
    measured: Callable[[str], Measurements],
) -> None:
    for kind in FEEDBACK_TYPES:
        analysis = review(measured, "inverted", kind)
        plan = build_plan(analysis)
        assert plan.steps[0].move == "polarity_flip", [s.move for s in plan.steps]
        presets = ENGINE.presets(analysis)
        assert presets.stereo == [], presets.stereo
        assert "polarity" in presets.notes[0]
        text = feedback(analysis, "simple").markdown()
        assert "Flip the polarity" in text and "mono below" not in text


def test_clipping_is_counted_honestly_with_the_longest_run_first(
    measured: Callable[[str], Measurements],
) -> None:
    analysis = review(measured, "clipping", "master_review")
    defects = analysis.defects
    assert defects.clip_run_count > 1
    longest = defects.clip_runs[0]
    text = feedback(analysis, "detailed").markdown()
    minutes, seconds = divmod(round(longest.start_s), 60)
    assert f"{defects.clip_run_count:,d} clipped runs, the longest" in text
    assert f"at {minutes}:{seconds:02d}" in text


def test_a_too_loud_mix_gets_one_fader_move_and_mastering_aims_at_the_genre(
    measured: Callable[[str], Measurements],
) -> None:
    mix = review(measured, "limited", "mixdown")
    plan = build_plan(mix)
    (level,) = [s for s in plan.steps if s.move in ("remove_bus_limiter", "gain")]
    assert level.gain_db is not None and level.gain_db < 0
    amount = f"{abs(level.gain_db):.1f} dB"
    text = feedback(mix, "detailed").markdown()
    moves = set(re.findall(r"master fader down by (\d+\.\d) dB", text))
    assert moves == {amount.split()[0]}, moves
    mastering = build_plan(review(measured, "limited", "mastering"))
    integrated = mix.loudness.integrated_lufs
    assert mastering.target_lufs is not None and integrated is not None
    assert mastering.target_lufs < integrated - 1  # the genre's level, not the mix's
    assert mastering.steps[0].move == "remove_bus_limiter"


def test_a_hot_master_is_told_the_one_ceiling(measured: Callable[[str], Measurements]) -> None:
    analysis = review(measured, "hot_master", "master_review")
    plan = build_plan(analysis)
    peak = analysis.loudness.true_peak_dbtp
    assert plan.ceiling_dbtp is not None and peak is not None and peak > plan.ceiling_dbtp
    limiter = next(s for s in plan.steps if s.move == "limiter")
    assert f"{plan.ceiling_dbtp:.1f} dBTP" in limiter.title
    text = feedback(analysis, "detailed").markdown()
    assert "lower its ceiling by" not in text


@pytest.mark.parametrize("name", ["limited", "inverted"])
def test_the_chat_plan_answer_follows_the_plan(
    measured: Callable[[str], Measurements], name: str
) -> None:
    analysis = review(measured, name, "mixdown")
    fb = feedback(analysis, "detailed")
    answer = ENGINE.chat(analysis, fb, Conversation(), "What should I fix first?").result().text
    assert "true-peak mode" not in answer
    assert fb.plan is not None
    if name == "inverted":
        assert "polarity" in answer.lower()
