"""The move the words state is the plan's move: the same frequency, direction and amount in the
offline feedback (every detail level), the chat's answer about that frequency and the facts given
to the LLM, as the presets and previews apply.

Real music nobody on the team made (Drascula at 44.1 kHz, Singularity at 48 kHz) with tonal
defects planted in code, large enough that the measured gap to the genre's target curve is far
bigger than the most one master EQ move takes: the gap may be quoted as a measurement ("sits
11.3 dB above the target curve"), never as the move.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import mixes
import numpy as np
import pytest
import recordings

from mixcoach.analysis import Analysis, assemble
from mixcoach.audio.analyze import Measurements, measure
from mixcoach.feedback import numbers as n
from mixcoach.feedback.fact_sheet import fact_sheet
from mixcoach.feedback.model import DETAIL_LEVELS, Conversation, EqMove, FeedbackRequest, Plan
from mixcoach.feedback.offline import OfflineEngine
from mixcoach.feedback.plan import build_plan
from mixcoach.findings.model import FEEDBACK_TYPES, FeedbackType
from mixcoach.knowledge.genres import resolve_profile

ENGINE = OfflineEngine()
TRACKS = {
    "drascula4": recordings.DRASCULA / "track4.ogg",
    "drascula2": recordings.DRASCULA / "track2.ogg",
    "awakening": recordings.SINGULARITY / "Awakening.ogg",
    "coherence": recordings.SINGULARITY / "Coherence.ogg",
}
Plant = Callable[[np.ndarray, int], np.ndarray]
TONAL: dict[str, Plant] = {
    "boomy": lambda a, sr: mixes.plant_low_shelf(a, sample_rate_hz=sr, gain_db=10.0),
    "muddy": lambda a, sr: mixes.plant_low_shelf(
        a, sample_rate_hz=sr, gain_db=8.0, corner_hz=500.0
    ),
    "bright": lambda a, sr: mixes.plant_high_shelf(a, sample_rate_hz=sr, gain_db=10.0),
    "dull": lambda a, sr: mixes.plant_high_shelf(
        a, sample_rate_hz=sr, gain_db=-10.0, corner_hz=6000.0
    ),
}
LEVELS: dict[str, Plant] = {
    "hot_master": lambda a, sr: mixes.plant_brickwall(
        a, sample_rate_hz=sr, drive_db=22.0, ceiling_dbtp=-0.1
    ),
    "quiet_master": lambda a, sr: mixes.plant_gain(
        mixes.master(a, target_lufs=-9.0, sample_rate_hz=sr, ceiling_dbtp=-1.0), gain_db=-10.0
    ),
    "limited_mix": lambda a, sr: mixes.plant_brickwall(a, sample_rate_hz=sr, drive_db=14.0),
}
PLANTS = {**TONAL, **LEVELS}
#: Each track with two tonal defects (one low, one high), and the level defects on one track of
#: each sample rate.
CASES = [
    ("drascula4", "muddy"),
    ("drascula4", "bright"),
    ("drascula2", "boomy"),
    ("drascula2", "dull"),
    ("awakening", "boomy"),
    ("awakening", "bright"),
    ("coherence", "muddy"),
    ("coherence", "dull"),
    ("drascula4", "hot_master"),
    ("awakening", "quiet_master"),
    ("coherence", "limited_mix"),
]

FREQUENCY = r"\d+(?:\.\d+)? k?Hz"
#: An EQ move in words: "a wide bell cut of 3.0 dB at 339 Hz", "lift around 95 Hz by about
#: 10.3 dB" (the old wording, which quoted the measured gap as the move).
EQ_WORDS = re.compile(
    rf"\b(?P<verb>cut|boost|lift)s?(?: it)?(?: around (?P<at1>{FREQUENCY}))? (?:of|by)"
    rf"(?: about)? (?P<db>\d+\.\d) dB(?: at (?P<at2>{FREQUENCY}))?"
)
#: An EQ move as settings: "bell at 339 Hz, gain -3.0 dB" (chat), "EQ bell at 339 Hz, -3.0 dB"
#: (the facts for the LLM).
EQ_SETTINGS = re.compile(rf"\bat (?P<at>{FREQUENCY}), (?:gain )?(?P<db>[+-]\d+\.\d) dB")
#: A level move: "pull the master fader down by 6.7 dB", "raise the limiter's input gain by
#: 1.4 dB", "back the limiter off by 2.0 dB", "ease the limiter by 2.0 dB".
LEVEL_WORDS = re.compile(
    r"\b(?P<verb>[Pp]ull|[Ll]ower|[Rr]aise|[Rr]educe|[Bb]ack|[Ee]ase)\b[^.:;]*? (?:by|off by) "
    r"(?P<db>\d+\.\d) dB"
)

pytestmark = pytest.mark.skipif(
    not all(path.exists() for path in TRACKS.values()),
    reason="Debian's drascula-music and singularity-music are needed",
)


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Measurements]:
    folder = tmp_path_factory.mktemp("words")

    @cache
    def run(track: str, plant: str) -> Measurements:
        audio, rate = recordings.excerpt(TRACKS[track])
        path = recordings.write(folder / f"{track}-{plant}.wav", PLANTS[plant](audio, rate), rate)
        return measure(path)

    return run


def judged(measurements: Measurements, kind: FeedbackType) -> Analysis:
    return assemble(measurements, profile=resolve_profile("general"), feedback_type=kind)


def eq_statements(text: str) -> list[tuple[int, float, str | None]]:
    """Every EQ move the text states: (direction, amount in dB, frequency as written)."""
    found: list[tuple[int, float, str | None]] = []
    for m in EQ_WORDS.finditer(text):
        way = -1 if m["verb"] == "cut" else 1
        found.append((way, float(m["db"]), m["at2"] or m["at1"]))
    for m in EQ_SETTINGS.finditer(text):
        gain = float(m["db"])
        found.append((-1 if gain < 0 else 1, abs(gain), m["at"]))
    return found


def plan_eq(plan: Plan) -> list[EqMove]:
    return [s.eq for s in plan.steps if s.eq is not None and s.move == "eq"]


def stated_by_plan(statement: tuple[int, float, str | None], plan: Plan) -> bool:
    way, amount, at = statement
    return any(
        (move.gain_db < 0) == (way < 0)
        and abs(abs(move.gain_db) - amount) < 0.051
        and (at is None or at == n.hz(move.frequency_hz))
        for move in plan_eq(plan)
    )


def texts(analysis: Analysis) -> dict[str, str]:
    """The review's words: the feedback at each detail level and the facts for the LLM."""
    kind = analysis.request.feedback_type
    words = {
        detail: ENGINE.compose(
            analysis, FeedbackRequest(feedback_type=kind, detail=detail)
        ).markdown()
        for detail in DETAIL_LEVELS
    }
    plan = build_plan(analysis, platforms=ENGINE.platforms())
    words["facts"] = fact_sheet(
        analysis,
        findings=analysis.findings,
        presets=ENGINE.presets(analysis),
        delivery=[],
        plan=plan,
    )
    return words


def ask(analysis: Analysis, question: str) -> str:
    return ENGINE.chat(analysis, None, Conversation(), question).result().text


TONAL_CASES = [
    (track, plant, kind) for track, plant in CASES if plant in TONAL for kind in FEEDBACK_TYPES
]


@pytest.mark.parametrize(("track", "plant", "kind"), TONAL_CASES)
def test_every_eq_move_the_words_state_is_the_plans(
    measured: Callable[[str, str], Measurements], track: str, plant: str, kind: FeedbackType
) -> None:
    analysis = judged(measured(track, plant), kind)
    plan = build_plan(analysis, platforms=ENGINE.platforms())
    moves = plan_eq(plan)
    assert moves, "the planted defect gets an EQ move"
    if kind != "mixdown":
        # The planted defect is larger than one master move takes: the gap and the move differ.
        gaps = [abs(d.amount_db) for d in analysis.spectrum.deviations]
        assert max(gaps) > max(abs(m.gain_db) for m in moves) + 0.3
    for source, text in texts(analysis).items():
        statements = eq_statements(text)
        wrong = [s for s in statements if not stated_by_plan(s, plan)]
        assert not wrong, (source, wrong)
        # Every move of the plan is stated somewhere in the detailed words, with its amount.
        if source in ("detailed", "pro", "facts"):
            for move in moves:
                way = -1 if move.gain_db < 0 else 1
                said = (way, abs(move.gain_db), n.hz(move.frequency_hz))
                assert said in statements, (source, said, statements)


@pytest.mark.parametrize(("track", "plant", "kind"), TONAL_CASES)
def test_the_chat_answer_about_a_frequency_states_the_plans_move_there(
    measured: Callable[[str, str], Measurements], track: str, plant: str, kind: FeedbackType
) -> None:
    analysis = judged(measured(track, plant), kind)
    plan = build_plan(analysis, platforms=ENGINE.platforms())
    for move in plan_eq(plan):
        verb = "cut" if move.gain_db < 0 else "boost"
        answer = ask(analysis, f"How much should I {verb} around {n.hz(move.frequency_hz)}?")
        statements = eq_statements(answer)
        wrong = [s for s in statements if not stated_by_plan(s, plan)]
        assert not wrong, (move, wrong, answer)
        way = -1 if move.gain_db < 0 else 1
        assert (way, abs(move.gain_db), n.hz(move.frequency_hz)) in statements, answer


def test_a_capped_move_says_why_it_is_smaller_than_the_gap(
    measured: Callable[[str, str], Measurements],
) -> None:
    analysis = judged(measured("drascula4", "muddy"), "master_review")
    fb = ENGINE.compose(analysis, FeedbackRequest(feedback_type="master_review", detail="simple"))
    plan = build_plan(analysis, platforms=ENGINE.platforms())
    section = next(s for s in fb.sections if s.kind == "finding" and s.title == "Muddy")
    move = next(m for m in plan_eq(plan) if "muddy" in m.finding_codes)
    worst = max(
        (d for d in analysis.spectrum.deviations if d.amount_db > 0), key=lambda d: d.amount_db
    )
    # The measurement, as a measurement: the gap above the target curve, where it peaks.
    gap = re.search(rf"around ({FREQUENCY}) it sits (\d+\.\d) dB above", section.body)
    assert gap is not None, section.body
    assert gap[1] == n.hz(worst.peak_hz)
    assert float(gap[2]) == pytest.approx(worst.amount_db, abs=0.051)
    # The move, with the plan's amount, and why it stops there.
    assert abs(move.gain_db) < worst.amount_db
    assert (-1, abs(move.gain_db), n.hz(move.frequency_hz)) in eq_statements(section.body)
    assert "stops at 3.0 dB" in section.body and "listen again" in section.body


LEVEL_CASES = [
    ("drascula4", "hot_master", "master_review"),
    ("awakening", "quiet_master", "master_review"),
    ("coherence", "limited_mix", "mixdown"),
    ("coherence", "limited_mix", "mastering"),
]


@pytest.mark.parametrize(("track", "plant", "kind"), LEVEL_CASES)
def test_every_level_move_the_words_state_is_the_plans(
    measured: Callable[[str, str], Measurements], track: str, plant: str, kind: FeedbackType
) -> None:
    analysis = judged(measured(track, plant), kind)
    plan = build_plan(analysis, platforms=ENGINE.platforms())
    gains = [s.gain_db for s in plan.steps if s.gain_db is not None and s.move != "balance"]
    gains += [s.limiter.input_gain_db for s in plan.steps if s.limiter is not None]
    gains = [g for g in gains if abs(g) >= 0.1]
    assert gains, "the planted level defect gets a gain move"
    for detail in DETAIL_LEVELS:
        text = ENGINE.compose(
            analysis, FeedbackRequest(feedback_type=kind, detail=detail)
        ).markdown()
        said = [
            (1 if m["verb"].lower() == "raise" else -1, float(m["db"]))
            for m in LEVEL_WORDS.finditer(text)
        ]
        if detail != "simple":  # the simple words name only the three most important steps
            assert said, (detail, text)
        for way, amount in said:
            assert any((g > 0) == (way > 0) and abs(abs(g) - amount) < 0.051 for g in gains), (
                detail,
                way,
                amount,
                gains,
            )


@pytest.mark.parametrize(("track", "plant"), CASES)
def test_the_plans_gains_in_order_land_on_its_loudness_target(
    measured: Callable[[str, str], Measurements], track: str, plant: str
) -> None:
    """A fader move for headroom comes before the limiter, so the limiter's input gain is what
    the lowered bounce needs, and the previews' "all fixes" ends at the target the words name."""
    analysis = judged(measured(track, plant), "mastering")
    plan = build_plan(analysis, platforms=ENGINE.platforms())
    limiter = next((s.limiter for s in plan.steps if s.limiter is not None), None)
    assert limiter is not None and limiter.target_lufs is not None
    integrated = analysis.loudness.integrated_lufs
    assert integrated is not None
    faders = sum(s.gain_db or 0.0 for s in plan.steps if s.move == "gain")
    assert integrated + faders + limiter.input_gain_db == pytest.approx(
        limiter.target_lufs, abs=0.1
    )
