"""The feedback opens with the worst issue for its feedback type, with its amount, and its
verdict follows the worst finding worth acting on.

Real music nobody on the team made (Drascula and Singularity excerpts) with two defects planted
at once, a serious one and a slight one: a master 6.7 LU under its genre's range with a DC
offset of 0.4 %, a clipped render with a mild high shelf, and an inverted channel on a master
2.5 LU under its range. Each file is measured once and judged per feedback type.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import builders as b
import mixes
import numpy as np
import pytest
from chat_questions import numbers_with, says
from recordings import DRASCULA, SINGULARITY, at_loudness, excerpt, hard_clipped, high_shelf, write

from mixcoach.analysis import Analysis, assemble
from mixcoach.audio.analyze import Measurements, measure
from mixcoach.feedback.model import DETAIL_LEVELS, Feedback, FeedbackRequest
from mixcoach.feedback.offline import OfflineEngine
from mixcoach.feedback.plan import build_plan
from mixcoach.findings.model import FeedbackType, Finding
from mixcoach.knowledge.genres import resolve_profile

GENRE = "general"
PROFILE = resolve_profile(GENRE)
#: The bottom of the genre's master range: the quiet masters are planted under it.
MASTER_LOW_LUFS = PROFILE.master.integrated_lufs.low or 0.0
ENGINE = OfflineEngine()

Plant = Callable[[np.ndarray, int], np.ndarray]
#: name -> (recording, planted defects).
PLANTS: dict[str, tuple[Path, Plant]] = {
    "quiet_dc": (
        DRASCULA / "track4.ogg",
        lambda a, sr: at_loudness(a, sr, lufs=MASTER_LOW_LUFS - 6.7) + 0.004,
    ),
    "clipped_shelf": (
        SINGULARITY / "Awakening.ogg",
        lambda a, sr: hard_clipped(
            high_shelf(at_loudness(a, sr, lufs=-12.0), sr, gain_db=2.0, corner_hz=6000.0),
            gain_db=6.0,
        ),
    ),
    "inverted_quiet": (
        DRASCULA / "track2.ogg",
        lambda a, sr: mixes.plant_polarity_flip(at_loudness(a, sr, lufs=MASTER_LOW_LUFS - 2.5)),
    ),
}


@pytest.fixture(scope="module")
def judged(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, FeedbackType], Analysis]:
    folder = tmp_path_factory.mktemp("headline")

    @cache
    def measured(name: str) -> Measurements:
        path, plant = PLANTS[name]
        audio, rate = excerpt(path, start_s=30.0, seconds=15.0)
        return measure(write(folder / f"{name}.wav", plant(audio, rate), rate))

    @cache
    def run(name: str, kind: FeedbackType) -> Analysis:
        return assemble(measured(name), profile=PROFILE, feedback_type=kind)

    return run


def compose(analysis: Analysis, detail: str) -> Feedback:
    kind = analysis.request.feedback_type
    return ENGINE.compose(analysis, FeedbackRequest(feedback_type=kind, detail=detail))


def first_sentence(text: str) -> str:
    """Up to the first full stop that ends a sentence (not one inside a number)."""
    return re.split(r"(?<=[.!?])\s+(?=[A-Z])", text, maxsplit=1)[0]


def finding(analysis: Analysis, code: str) -> Finding:
    return next(f for f in analysis.findings if f.code == code)


def outside_lu(found: Finding) -> float:
    e = found.evidence[0]
    return (e.target_low or 0.0) - (e.value or 0.0)


def leads_with(feedback: Feedback, code: str) -> None:
    """The first action the page and the PDF show answers ``code``, and the plan leads with it."""
    assert feedback.plan is not None and feedback.plan.lead_code == code
    first = next(s for s in feedback.sections if s.kind == "finding")
    assert first.finding_codes[0] == code, first


def not_close_to_ready(feedback: Feedback) -> None:
    assert "close to ready" not in feedback.headline.lower(), feedback.headline
    assert "solid" not in feedback.headline.lower(), feedback.headline
    assert "Not ready" in feedback.headline, feedback.headline


@pytest.mark.parametrize("detail", DETAIL_LEVELS)
def test_a_master_far_too_quiet_leads_with_its_loudness_not_a_small_dc_offset(
    judged: Callable[[str, FeedbackType], Analysis], detail: str
) -> None:
    analysis = judged("quiet_dc", "master_review")
    quiet = finding(analysis, "too_quiet")
    assert quiet.severity == "problem" and 6.0 <= outside_lu(quiet) <= 7.5
    assert "dc_offset" in {f.code for f in analysis.findings}  # the slight defect is found too
    feedback = compose(analysis, detail)
    opening = first_sentence(feedback.headline)
    assert says(opening, analysis.loudness.integrated_lufs, "LUFS"), opening
    assert says(opening, outside_lu(quiet), "LU"), opening
    assert "quieter" in opening and "DC" not in opening, opening
    leads_with(feedback, "too_quiet")
    not_close_to_ready(feedback)


@pytest.mark.parametrize("kind", ["master_review", "mixdown", "mastering"])
@pytest.mark.parametrize("detail", ["simple", "detailed"])
def test_a_clipped_render_leads_with_the_clipping_before_a_mild_tonal_finding(
    judged: Callable[[str, FeedbackType], Analysis], kind: FeedbackType, detail: str
) -> None:
    analysis = judged("clipped_shelf", kind)
    assert finding(analysis, "clipping").severity == "problem"
    feedback = compose(analysis, detail)
    opening = first_sentence(feedback.headline)
    assert "clips" in opening, opening
    runs = analysis.defects.clip_run_count
    assert f"{runs:,} clipped runs" in opening, opening
    leads_with(feedback, "clipping")
    not_close_to_ready(feedback)


@pytest.mark.parametrize("kind", ["master_review", "mixdown"])
@pytest.mark.parametrize("detail", ["simple", "pro"])
def test_an_inverted_channel_leads_before_a_slight_loudness_miss(
    judged: Callable[[str, FeedbackType], Analysis], kind: FeedbackType, detail: str
) -> None:
    analysis = judged("inverted_quiet", kind)
    if kind == "master_review":
        quiet = finding(analysis, "too_quiet")
        assert quiet.severity != "problem" and 2.0 <= outside_lu(quiet) <= 3.0
    feedback = compose(analysis, detail)
    opening = first_sentence(feedback.headline)
    assert "polarity" in opening, opening
    assert says(opening, analysis.stereo.mono_loss_db, "dB"), opening
    assert "LUFS" not in opening, opening
    leads_with(feedback, "phase_issue")
    not_close_to_ready(feedback)


@pytest.mark.parametrize("name", sorted(PLANTS))
@pytest.mark.parametrize("kind", ["master_review", "mixdown", "mastering"])
def test_the_verdict_follows_the_worst_finding_worth_acting_on(
    judged: Callable[[str, FeedbackType], Analysis], name: str, kind: FeedbackType
) -> None:
    analysis = judged(name, kind)
    feedback = compose(analysis, "simple")
    acting = [
        f.severity
        for f in analysis.findings
        if kind in f.feedback_types and f.severity in ("problem", "warning", "suggestion")
    ]
    verdict = feedback.headline.lower()
    if "problem" in acting:
        assert "not ready" in verdict and "close to ready" not in verdict, feedback.headline
    elif "warning" in acting:
        assert "close to ready" in verdict, feedback.headline
    # The amount in the opening sentence is one the review measured, never a stray number.
    opening = first_sentence(feedback.headline)
    assert numbers_with(opening, "LUFS") == [] or says(
        opening, analysis.loudness.integrated_lufs, "LUFS"
    )


@pytest.mark.parametrize(("peak_dbtp", "lead"), [(0.1, "too_quiet"), (2.5, "true_peak_over")])
def test_between_two_delivery_problems_the_one_further_outside_its_range_leads(
    peak_dbtp: float, lead: str
) -> None:
    """6.7 LU under a range whose problem step is 4 LU, against peaks 1.1 or 3.5 dB over a
    ceiling whose problem step is 1 dB: the larger multiple of its step leads."""
    quiet = b.finding(
        "too_quiet",
        b.evidence("loudness.integrated_lufs", -22.7, "LUFS", -16.0, -7.0),
        severity="problem",
    )
    over = b.finding(
        "true_peak_over",
        b.evidence("loudness.true_peak_dbtp", peak_dbtp, "dBTP", None, -1.0),
        severity="problem",
    )
    for order in ((quiet, over), (over, quiet)):
        analysis = b.with_changes(b.clean("master_review"), *order)
        plan = build_plan(analysis)
        assert plan.lead_code == lead
        feedback = compose(analysis, "simple")
        assert next(s for s in feedback.sections if s.kind == "finding").finding_codes[0] == lead
