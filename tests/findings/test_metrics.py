"""The metric table: every headline metric with the genre's target for the feedback type."""

from __future__ import annotations

import pytest
from measured import changed, clean_pop_master

from mixcoach.audio.analyze import Measurements
from mixcoach.findings.judge import MetricStatus, judge
from mixcoach.findings.model import FeedbackType
from mixcoach.knowledge.genres import resolve_profile

WANTED = [
    "loudness.integrated_lufs",
    "loudness.true_peak_dbtp",
    "loudness.short_term_max_lufs",
    "loudness.loudness_range_lu",
    "loudness.plr_db",
    "loudness.psr_db",
    "dynamics.crest_factor_db",
    "dynamics.dynamic_range_db",
    "stereo.width",
    "stereo.correlation",
    "stereo.mono_loss_db",
    "stereo.balance_db",
    "stereo.low_end_width",
    "spectrum.tilt_db_per_octave",
    "rhythm.tempo_bpm",
    "tonality.key",
    "defects.clip_run_count",
    "defects.dc_offset_dbfs",
]


def table(
    m: Measurements, feedback_type: FeedbackType = "master_review", genre: str = "pop"
) -> dict[str, MetricStatus]:
    verdict = judge(m, profile=resolve_profile(genre), feedback_type=feedback_type)
    return {row.metric: row for row in verdict.metrics}


def test_clean_master_rows_are_all_ok_with_targets() -> None:
    rows = table(clean_pop_master())
    assert list(rows) == WANTED
    assert {row.status for row in rows.values()} == {"ok"}
    pop = resolve_profile("pop").master
    assert rows["loudness.integrated_lufs"].target_low == pop.integrated_lufs.low
    assert rows["loudness.integrated_lufs"].source
    assert rows["tonality.key"].value == "G minor" and "6A" in rows["tonality.key"].note
    assert all(row.note.endswith(".") for row in rows.values())


@pytest.mark.parametrize("feedback_type", ["mixdown", "mastering"])
def test_a_premaster_is_measured_against_the_mix_targets(feedback_type: FeedbackType) -> None:
    premaster = changed(
        clean_pop_master(),
        loudness__integrated_lufs=-20.0,
        loudness__true_peak_dbtp=-6.0,
        loudness__plr_db=14.0,
        loudness__psr_db=12.0,
        dynamics__crest_factor_db=14.5,
        loudness__short_term_max_lufs=-17.0,
    )
    rows = table(premaster, feedback_type)
    mix = resolve_profile("pop").mix
    assert rows["loudness.integrated_lufs"].target_high == mix.integrated_lufs.high
    assert rows["loudness.integrated_lufs"].status == "ok"
    assert rows["loudness.true_peak_dbtp"].target_high == mix.true_peak_dbtp.high
    if feedback_type == "mastering":  # guidance: what the master will need
        assert "master target is -11.0 to -7.0 LUFS" in rows["loudness.integrated_lufs"].note
        assert "at least 9.0 dB of gain" in rows["loudness.integrated_lufs"].note


def test_out_of_range_rows_say_by_how_much() -> None:
    rows = table(changed(clean_pop_master(), loudness__plr_db=4.0, stereo__balance_db=3.0))
    assert rows["loudness.plr_db"].status == "low"
    assert (
        rows["loudness.plr_db"].note == "3.0 dB below the target: peaks squashed by heavy limiting."
    )
    assert (
        rows["stereo.balance_db"].status == "high"
        and "leans left" in rows["stereo.balance_db"].note
    )


def test_a_level_outside_its_range_is_an_amount_in_lu_or_db() -> None:
    pop = resolve_profile("pop").master
    assert pop.integrated_lufs.low is not None and pop.true_peak_dbtp.high is not None
    quiet_and_hot = changed(
        clean_pop_master(),
        loudness__integrated_lufs=pop.integrated_lufs.low - 4.0,
        loudness__true_peak_dbtp=pop.true_peak_dbtp.high + 1.5,
    )
    rows = table(quiet_and_hot)
    # Two levels 4 LUFS apart are 4 LU apart; a peak 1.5 dBTP over its ceiling is 1.5 dB over.
    assert rows["loudness.integrated_lufs"].note.startswith("4.0 LU below the target")
    assert "1.5 dB above the target" in rows["loudness.true_peak_dbtp"].note


def test_defect_rows_turn_to_warning() -> None:
    rows = table(
        changed(
            clean_pop_master(), defects__clip_run_count=4, defects__dc_offset_dbfs=[-30.0, None]
        )
    )
    assert rows["defects.clip_run_count"].status == "warning"
    assert rows["defects.dc_offset_dbfs"].status == "warning"
    assert rows["defects.dc_offset_dbfs"].value == -30.0


@pytest.mark.parametrize(
    ("tempo", "status"),
    [(124.0, "ok"), (248.0, "ok"), (62.0, "ok"), (100.0, "low"), (140.0, "high")],
)
def test_tempo_accepts_half_and_double_time(tempo: float, status: str) -> None:
    rows = table(changed(clean_pop_master(), rhythm__tempo_bpm=tempo), genre="edm/house")
    assert rows["rhythm.tempo_bpm"].status == status


def test_no_tempo_target_for_a_genre_without_one() -> None:
    row = table(clean_pop_master(), genre="ambient")["rhythm.tempo_bpm"]
    assert row.target_low is None and row.status == "ok"


@pytest.mark.parametrize(("confidence", "uncertain"), [(0.19, True), (0.21, False)])
def test_a_tempo_read_below_the_confidence_threshold_is_noted_uncertain(
    confidence: float, uncertain: bool
) -> None:
    """Either side of thresholds.toml's rhythm.min_confidence (0.2)."""
    row = table(changed(clean_pop_master(), rhythm__confidence=confidence))["rhythm.tempo_bpm"]
    assert ("uncertain" in row.note) is uncertain, row.note
    if uncertain:
        assert f"{confidence:.2f}" in row.note
