"""A master review whose codec check has run states the decoded peak and a ceiling from it, and
that ceiling, applied with the plan's limiter, keeps the decoded AAC and Opus copies at or below
-1 dBTP. Real recordings pushed into a limiter and a clipper, real encoders (the av wheel)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from recordings import DRASCULA, SINGULARITY, excerpt, write

from mixcoach.analysis import Analysis, analyze
from mixcoach.api.codec_journey import with_decoded_peaks
from mixcoach.audio.codecs import CODECS, CodecResult, loudness_of, through_codec
from mixcoach.feedback.facts import collect_facts
from mixcoach.feedback.model import Feedback, FeedbackRequest, LimiterSettings
from mixcoach.feedback.offline import OfflineEngine
from mixcoach.jobs.codec_runs import CodecRun
from mixcoach.preview.render import apply_limiter

ENGINE = OfflineEngine()
#: "after AAC encoding it peaks at +0.4 dBTP: lower the [limiter's true-peak] ceiling to -1.5 dBTP"
SAID = re.compile(
    r"after (\w+) encoding it peaks at ([+-]?\d+\.\d) dBTP: lower the (?:limiter's true-peak )?"
    r"ceiling to (-\d+\.\d) dBTP",
    re.IGNORECASE,
)


def loud_master(audio: np.ndarray, rate: int, *, how: str) -> np.ndarray:
    """The recording at about -8 LUFS: through a limiter at -0.5 dBTP, or hard-clipped."""
    gain_db = -8.0 - (loudness_of(audio, rate).integrated_lufs or -8.0)
    if how == "clipped":
        return np.clip(audio * 10 ** ((gain_db - 1.0) / 20), -0.99, 0.99).astype(np.float32)
    settings = LimiterSettings(
        ceiling_dbtp=-0.5,
        input_gain_db=gain_db,
        release_ms=50,
        target_lufs=None,
        reason="",
        finding_codes=[],
    )
    return apply_limiter(audio, settings, sample_rate_hz=rate).astype(np.float32)


def through_all(audio: np.ndarray, rate: int) -> list[CodecResult]:
    original = loudness_of(audio, rate)
    return [through_codec(audio, rate, codec, original=original) for codec in CODECS]


def reviewed(tmp_path: Path, master: np.ndarray, rate: int) -> tuple[Analysis, list[CodecResult]]:
    analysis = analyze(write(tmp_path / "master.wav", master, rate), feedback_type="master_review")
    results = through_all(master, rate)
    run = CodecRun(results=results)
    return with_decoded_peaks(analysis, run), results


def words(feedback: Feedback) -> str:
    steps = " ".join(f"{s.title} {s.evidence} {s.reason}" for s in feedback.plan.steps)
    return " ".join([feedback.markdown(), steps]) if feedback.plan else feedback.markdown()


@pytest.mark.parametrize(
    ("path", "how"),
    [
        (DRASCULA / "track1.ogg", "limited"),
        (DRASCULA / "track2.ogg", "clipped"),
        (SINGULARITY / "Awakening.ogg", "limited"),
    ],
)
def test_the_verdict_quotes_the_decoded_peak_and_its_ceiling_holds(
    tmp_path: Path, path: Path, how: str
) -> None:
    audio, rate = excerpt(path, start_s=30.0, seconds=15.0)
    master = loud_master(audio, rate, how=how)
    analysis, results = reviewed(tmp_path, master, rate)
    feedback = ENGINE.feedback(
        analysis, FeedbackRequest(feedback_type="master_review", detail="detailed")
    ).result()
    assert feedback.plan is not None

    said = SAID.findall(words(feedback))
    assert said, words(feedback)
    worst = max(results, key=lambda r: r.true_peak_change_db or 0.0)
    for codec, peak, ceiling in said:
        # The worst codec's measured decoded peak, and one ceiling everywhere: the plan's.
        assert codec == worst.codec.split()[0]
        assert float(peak) == pytest.approx(worst.true_peak_dbtp, abs=0.051)
        assert float(ceiling) == feedback.plan.ceiling_dbtp
    assert feedback.plan.ceiling_dbtp is not None
    # The codec overshoots, so the ceiling sits below the -1 dBTP the decoded copy may reach.
    assert feedback.plan.ceiling_dbtp < -1.0
    presets = ENGINE.presets(analysis)
    assert presets.limiter is not None
    assert presets.limiter.ceiling_dbtp == feedback.plan.ceiling_dbtp

    # Applied, the plan's limiter keeps every listener's decoded copy at or below -1 dBTP.
    limiter = next(s.limiter for s in feedback.plan.steps if s.limiter is not None)
    fixed = apply_limiter(master, limiter, sample_rate_hz=rate)
    for result in through_all(fixed, rate)[:2]:  # AAC and Opus, the ones that overshoot
        assert result.true_peak_dbtp is not None
        assert result.true_peak_dbtp <= -1.0, (result.codec, result.true_peak_dbtp)


def test_the_decoded_peaks_are_facts_the_model_may_quote(tmp_path: Path) -> None:
    audio, rate = excerpt(DRASCULA / "track1.ogg", start_s=30.0, seconds=10.0)
    analysis, results = reviewed(tmp_path, loud_master(audio, rate, how="limited"), rate)
    facts = {fact.key: fact.value for fact in collect_facts(analysis)}
    assert facts["codecs.aac.true_peak_dbtp"] == results[0].true_peak_dbtp
    assert facts["codecs.opus.true_peak_change_db"] == results[1].true_peak_change_db


def test_without_a_codec_run_the_guidance_sets_the_ceiling(tmp_path: Path) -> None:
    audio, rate = excerpt(DRASCULA / "track1.ogg", start_s=30.0, seconds=10.0)
    master = loud_master(audio, rate, how="limited")
    analysis = analyze(write(tmp_path / "master.wav", master, rate), feedback_type="master_review")
    assert with_decoded_peaks(analysis, None) is analysis
    feedback = ENGINE.feedback(analysis, FeedbackRequest(feedback_type="master_review")).result()
    assert not SAID.findall(words(feedback))
