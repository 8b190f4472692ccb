"""Silence and sound too short to be programme: the rules that judge the music do not run, the
file rules still do, a note says why, and the minimum comes from thresholds.toml."""

from __future__ import annotations

import pytest
from measured import MUSIC_CODES, changed, clean_pop_master, clip_runs, eq_on_curve

from mixcoach.audio.analyze import Measurements
from mixcoach.findings.judge import Judgement, judge
from mixcoach.findings.model import FeedbackType
from mixcoach.knowledge.genres import resolve_profile
from mixcoach.knowledge.thresholds import thresholds

MINIMUM_S = thresholds().value("content.min_sound_s")


def run(m: Measurements, feedback_type: FeedbackType = "master_review") -> Judgement:
    return judge(m, profile=resolve_profile("pop"), feedback_type=feedback_type)


def faulty(
    *, duration_s: float, silence_start_s: float = 0.0, silence_end_s: float = 0.0
) -> Measurements:
    """A short pop master with a fault in every family: loud, narrow, dull, imbalanced."""
    dull = eq_on_curve(
        clean_pop_master(duration_s=duration_s),
        shape="high_shelf",
        frequency_hz=6000.0,
        gain_db=-14.0,
    )
    return changed(
        dull,
        loudness__integrated_lufs=-5.0,
        stereo__width=0.01,
        stereo__balance_db=4.0,
        defects__silence_start_s=silence_start_s,
        defects__silence_end_s=silence_end_s,
    )


def test_the_same_faults_are_judged_on_a_full_length_track() -> None:
    verdict = run(faulty(duration_s=180.0))
    assert {"too_loud", "stereo_too_narrow", "channel_imbalance", "too_dull"} <= {
        f.code for f in verdict.findings
    }
    assert verdict.notes == []


@pytest.mark.parametrize(("margin_s", "judged"), [(-0.1, False), (0.1, True)])
def test_the_music_is_judged_from_the_minimum_sound_in_the_thresholds(
    margin_s: float, judged: bool
) -> None:
    """The minimum counts sound, not file length: 10 s of file with silence around it."""
    sound = MINIMUM_S + margin_s
    m = faulty(duration_s=10.0, silence_start_s=5.0, silence_end_s=5.0 - sound)
    verdict = run(m)
    codes = {f.code for f in verdict.findings}
    assert bool(codes & MUSIC_CODES) is judged
    assert (verdict.notes == []) is judged
    if not judged:
        (note,) = verdict.notes
        assert f"{sound:.2f} s of sound" in note and f"at least {MINIMUM_S:.1f} s" in note
        # The padding around the short sound is still a fact worth a finding.
        assert "silence_padding" in codes


def test_file_rules_still_judge_a_short_file() -> None:
    m = changed(
        faulty(duration_s=0.5),
        defects__clip_runs=[r.model_dump() for r in clip_runs(12)],
        defects__clip_run_count=12,
        loudness__true_peak_dbtp=0.5,
    )
    verdict = run(m)
    codes = {f.code for f in verdict.findings}
    assert {"clipping", "true_peak_over"} <= codes
    assert not codes & MUSIC_CODES


@pytest.mark.parametrize("feedback_type", ["mixdown", "mastering", "master_review"])
def test_a_silent_file_gets_no_music_or_padding_findings(feedback_type: FeedbackType) -> None:
    m = changed(
        faulty(duration_s=30.0, silence_start_s=30.0, silence_end_s=30.0),
        loudness__true_peak_dbtp=-70.0,  # below -60 dBFS: silent, though not digital zero
    )
    verdict = run(m, feedback_type)
    assert verdict.findings == []
    (note,) = verdict.notes
    assert "silent" in note and "30.00 s" in note and "-60 dBFS" in note
    statuses = {row.metric: row for row in verdict.metrics}
    for metric in ("loudness.integrated_lufs", "stereo.width", "spectrum.tilt_db_per_octave"):
        assert statuses[metric].status == "unknown", metric
        assert statuses[metric].target_low is None and statuses[metric].target_high is None
        assert "silent" in statuses[metric].note
    assert statuses["loudness.true_peak_dbtp"].status == "ok"  # peaks are still judged


def test_a_reference_too_short_to_judge_raises_no_comparison_findings() -> None:
    track = clean_pop_master()
    reference = changed(
        clean_pop_master(duration_s=0.5), loudness__integrated_lufs=-4.0, defects__silence_end_s=0.0
    )
    verdict = judge(
        track, profile=resolve_profile("pop"), feedback_type="mastering", reference=reference
    )
    assert verdict.comparison is not None  # still measured and shown
    assert not [f for f in verdict.findings if f.code.startswith("reference_")]
    (note,) = verdict.notes
    assert "reference holds 0.50 s" in note
    louder = judge(
        track,
        profile=resolve_profile("pop"),
        feedback_type="mastering",
        reference=changed(clean_pop_master(), loudness__integrated_lufs=-4.0),
    )
    assert any(f.code.startswith("reference_") for f in louder.findings)
