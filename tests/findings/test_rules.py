"""The rules on measurements built directly: each threshold from the profile or thresholds.toml
raises its code at the right severity, and stays silent on a clean master."""

from __future__ import annotations

import math

import pytest
from measured import POP_BANDS, changed, clean_pop_master, clip_runs, eq_on_curve

from mixcoach.audio.analyze import Measurements
from mixcoach.audio.model import TimeRange
from mixcoach.errors import InputError
from mixcoach.findings.judge import Judgement, judge
from mixcoach.findings.model import FEEDBACK_TYPES, FINDING_CODES, SEVERITIES, FeedbackType, Finding
from mixcoach.knowledge.genres import resolve_profile

POP = resolve_profile("pop")


def run(
    m: Measurements, feedback_type: FeedbackType = "master_review", genre: str = "pop"
) -> Judgement:
    return judge(m, profile=resolve_profile(genre), feedback_type=feedback_type)


def only(judgement: Judgement, code: str) -> Finding:
    found = [f for f in judgement.findings if f.code == code]
    assert len(found) == 1, [f.code for f in judgement.findings]
    return found[0]


def codes(judgement: Judgement) -> set[str]:
    return {f.code for f in judgement.findings}


def test_clean_master_gets_few_mild_findings() -> None:
    verdict = run(clean_pop_master())
    assert all(f.severity in ("info", "suggestion") for f in verdict.findings)
    assert len(verdict.findings) <= 2


@pytest.mark.parametrize("feedback_type", FEEDBACK_TYPES)
def test_findings_are_well_formed_and_sorted(feedback_type: FeedbackType) -> None:
    m = changed(
        clean_pop_master(),
        loudness__integrated_lufs=-5.0,
        stereo__balance_db=4.0,
        spectrum__bands__air=-12.0,
    )
    verdict = run(m, feedback_type)
    assert verdict.findings
    ranks = [SEVERITIES.index(f.severity) for f in verdict.findings]
    assert ranks == sorted(ranks, reverse=True)
    for finding in verdict.findings:
        assert finding.code in FINDING_CODES
        assert finding.evidence and all(e.source for e in finding.evidence)
        assert finding.feedback_types
        assert finding.title.endswith(".") and len(finding.detail) > 40


def test_feedback_type_changes_the_judgement_of_a_loud_limited_file() -> None:
    """-8 LUFS with PLR 7: a problem as a mixdown, fine as an EDM master."""
    loud = changed(
        clean_pop_master(),
        loudness__integrated_lufs=-8.0,
        loudness__plr_db=7.0,
        loudness__psr_db=6.5,
        loudness__true_peak_dbtp=-1.0,
        dynamics__crest_factor_db=7.5,
        dynamics__limiting_db=4.0,
    )
    as_mix = run(loud, "mixdown", "edm/house")
    assert only(as_mix, "too_loud").severity == "problem"
    assert "limit" in only(as_mix, "too_loud").detail
    assert only(as_mix, "over_compressed").severity in ("warning", "problem")
    as_master = run(loud, "master_review", "edm/house")
    assert {f.severity for f in as_master.findings} <= {"info", "suggestion"}
    assert not codes(as_master) & {"too_loud", "over_compressed"}


@pytest.mark.parametrize(
    ("runs", "samples", "severity"), [(15, 12, "problem"), (2, 12, "warning"), (20, 2, None)]
)
def test_clipping_counts_runs_of_three_or_more_samples(
    runs: int, samples: int, severity: str | None
) -> None:
    m = changed(
        clean_pop_master(),
        defects__clip_runs=[r.model_dump() for r in clip_runs(runs, samples=samples)],
        defects__clip_run_count=runs,
        defects__clipped_samples=runs * samples,
        defects__clip_level_dbfs=0.0,
    )
    verdict = run(m)
    if severity is None:
        assert "clipping" not in codes(verdict)
        return
    clip = only(verdict, "clipping")
    assert clip.severity == severity
    assert f"{runs} runs" in clip.detail
    assert clip.time_ranges and clip.time_ranges[0].start_s == pytest.approx(1.0)


def test_clipping_below_full_scale_is_named_as_clipped_then_turned_down() -> None:
    m = changed(
        clean_pop_master(),
        defects__clip_runs=[r.model_dump() for r in clip_runs(3)],
        defects__clip_run_count=3,
        defects__clip_level_dbfs=-3.0,
    )
    assert "turned down" in only(run(m), "clipping").detail


@pytest.mark.parametrize(
    ("feedback_type", "peak", "severity"),
    [
        ("master_review", -0.8, "suggestion"),
        ("master_review", -0.4, "warning"),
        ("master_review", 0.3, "problem"),
        ("mixdown", -2.5, "suggestion"),
        ("mixdown", -0.8, "warning"),
        ("mixdown", 0.1, "problem"),
        ("mastering", -2.0, "suggestion"),
    ],
)
def test_true_peak_ceiling_depends_on_the_feedback_type(
    feedback_type: FeedbackType, peak: float, severity: str
) -> None:
    m = changed(
        clean_pop_master(),
        loudness__true_peak_dbtp=peak,
        loudness__integrated_lufs=-16.0,
        loudness__plr_db=peak + 16.0,
        loudness__psr_db=12.0,
    )
    found = only(run(m, feedback_type, "jazz"), "true_peak_over")
    assert found.severity == severity
    assert found.evidence[0].value == pytest.approx(peak)


def test_loud_master_is_told_what_platforms_do() -> None:
    found = only(run(changed(clean_pop_master(), loudness__integrated_lufs=-5.0)), "too_loud")
    assert found.severity == "warning"  # 2 LU above the -11..-7 pop range
    assert "Spotify by 9.0 dB" in found.detail and "Apple Music by 11.0 dB" in found.detail
    assert found.evidence[0].target_low == -11.0 and found.evidence[0].target_high == -7.0


@pytest.mark.parametrize(
    ("feedback_type", "lufs", "severity"),
    [
        ("master_review", -29.5, "problem"),
        ("master_review", -12.0, "suggestion"),
        ("mixdown", -40.0, "suggestion"),
    ],
)
def test_too_quiet(feedback_type: FeedbackType, lufs: float, severity: str) -> None:
    m = changed(
        clean_pop_master(), loudness__integrated_lufs=lufs, loudness__true_peak_dbtp=lufs + 8.5
    )
    assert only(run(m, feedback_type), "too_quiet").severity == severity


@pytest.mark.parametrize(
    ("plr", "psr", "severity"),
    [(4.0, 7.8, "problem"), (6.0, 7.8, "suggestion"), (8.5, 4.0, "warning")],
)
def test_over_compressed_from_plr_or_psr(plr: float, psr: float, severity: str) -> None:
    m = changed(clean_pop_master(), loudness__plr_db=plr, loudness__psr_db=psr)
    assert only(run(m), "over_compressed").severity == severity


def test_under_compressed_is_at_most_a_suggestion_and_only_a_note_for_a_mixdown() -> None:
    m = changed(clean_pop_master(), loudness__plr_db=19.0, loudness__psr_db=10.0)
    assert only(run(m), "under_compressed").severity == "suggestion"
    mix = changed(
        m, loudness__plr_db=30.0, loudness__integrated_lufs=-20.0, loudness__true_peak_dbtp=-6.0
    )
    assert only(run(mix, "mixdown"), "under_compressed").severity == "info"


def test_mono_source_is_too_narrow() -> None:
    m = changed(clean_pop_master(), stereo__is_mono_source=True, stereo__width=0.0)
    found = only(run(m), "stereo_too_narrow")
    assert found.severity == "warning" and "identical" in found.title
    assert "phase_issue" not in codes(run(m))


@pytest.mark.parametrize(
    ("width", "code", "severity"),
    [
        (0.02, "stereo_too_narrow", "suggestion"),
        (0.0, "stereo_too_narrow", "warning"),
        (0.45, "stereo_too_wide", "suggestion"),
        (0.55, "stereo_too_wide", "warning"),
        (0.75, "stereo_too_wide", "problem"),
    ],
)
def test_width_against_the_genre_range(width: float, code: str, severity: str) -> None:
    assert only(run(changed(clean_pop_master(), stereo__width=width)), code).severity == severity


def test_wide_low_end() -> None:
    """A widened bass decorrelates the sub too: a problem in pop."""
    widened = changed(
        clean_pop_master(),
        stereo__low_end_width=0.5,
        stereo__bands__sub__correlation=0.0,
        stereo__bands__low__correlation=0.0,
    )
    found = only(run(widened), "wide_low_end")
    assert found.severity == "problem"
    assert found.evidence[0].target_high == POP.stereo.low_end_width.high


def test_wide_low_end_of_a_spaced_pair_is_at_most_a_suggestion() -> None:
    """Spaced microphones: the sub stays coherent, the low band decorrelates, mono loses little."""
    spaced = changed(
        clean_pop_master(),
        stereo__low_end_width=0.4,
        stereo__bands__sub__correlation=0.85,
        stereo__bands__low__correlation=-0.1,
        stereo__mono_loss_db=1.8,
    )
    verdict = run(spaced)
    assert only(verdict, "wide_low_end").severity == "suggestion"
    assert "spaced microphones" in only(verdict, "wide_low_end").detail
    assert "phase_issue" not in codes(verdict)


def test_phase_issue_from_correlation_mono_loss_and_low_bands() -> None:
    flipped = changed(
        clean_pop_master(), stereo__correlation=-0.6, stereo__mono_loss_db=7.0, stereo__width=0.8
    )
    found = only(run(flipped), "phase_issue")
    assert found.severity == "problem"
    assert {e.metric for e in found.evidence} == {"stereo.correlation", "stereo.mono_loss_db"}
    # Lows below the natural floor of spaced microphones (-0.25) are out of phase, in any genre.
    inverted_lows = changed(clean_pop_master(), stereo__bands__low__correlation=-0.4)
    assert only(run(inverted_lows), "phase_issue").severity == "warning"
    assert "phase_issue" in codes(run(inverted_lows, genre="classical"))
    # Decorrelated lows above that floor are how a spaced pair records a room: no phase fault.
    decorrelated = changed(clean_pop_master(), stereo__bands__low__correlation=-0.1)
    assert "phase_issue" not in codes(run(decorrelated))


def test_negative_correlation_stretches_are_located_when_they_add_up() -> None:
    """2.5 s below zero: worth pointing at in a 40 s track (6 %), not in a 3-minute one."""
    points = [
        TimeRange(start_s=10.0, end_s=11.5).model_dump(),
        TimeRange(start_s=30.0, end_s=31.0).model_dump(),
    ]
    short = changed(
        clean_pop_master(duration_s=40.0),
        stereo__correlation_low_points=points,
        stereo__correlation_min=-0.35,
    )
    found = only(run(short), "phase_issue")
    assert found.severity == "suggestion" and "2.5 s" in found.detail
    assert [(r.start_s, r.end_s) for r in found.time_ranges] == [(10.0, 11.5), (30.0, 31.0)]
    assert [e.metric for e in found.evidence] == ["stereo.correlation_min"]
    long = changed(
        clean_pop_master(duration_s=180.0),
        stereo__correlation_low_points=points,
        stereo__correlation_min=-0.35,
    )
    assert "phase_issue" not in codes(run(long))


def test_shallow_negative_correlation_dips_are_not_a_phase_issue() -> None:
    """Wide, decorrelated pads dip just below zero now and then: not worth a finding."""
    points = [TimeRange(start_s=10.0, end_s=13.0).model_dump()]
    shallow = changed(
        clean_pop_master(duration_s=40.0),
        stereo__correlation_low_points=points,
        stereo__correlation_min=-0.05,
    )
    assert "phase_issue" not in codes(run(shallow))


@pytest.mark.parametrize(
    ("balance", "severity", "side"),
    [(7.0, "problem", "left"), (-2.0, "suggestion", "right"), (-4.0, "warning", "right")],
)
def test_channel_imbalance(balance: float, severity: str, side: str) -> None:
    found = only(run(changed(clean_pop_master(), stereo__balance_db=balance)), "channel_imbalance")
    assert found.severity == severity and side in found.title


@pytest.mark.parametrize(
    ("dc", "severity"),
    [(-55.0, None), (-45.0, "suggestion"), (-30.0, "warning"), (-20.0, "problem")],
)
def test_dc_offset(dc: float, severity: str | None) -> None:
    verdict = run(changed(clean_pop_master(), defects__dc_offset_dbfs=[None, dc]))
    if severity is None:
        assert "dc_offset" not in codes(verdict)
    else:
        found = only(verdict, "dc_offset")
        assert found.severity == severity and "Channel R" in found.detail


def test_silence_padding_is_located_and_mild_for_a_mixdown() -> None:
    m = changed(
        clean_pop_master(duration_s=100.0), defects__silence_start_s=3.0, defects__silence_end_s=2.5
    )
    found = only(run(m), "silence_padding")
    assert found.severity == "warning"
    assert [(r.start_s, r.end_s) for r in found.time_ranges] == [(0.0, 3.0), (97.5, 100.0)]
    assert only(run(m, "mixdown"), "silence_padding").severity == "info"


def test_low_resolution_source() -> None:
    lossy = changed(
        clean_pop_master(),
        file__sample_format="lossy",
        file__codec="mp3",
        file__bit_depth=None,
        file__bitrate_kbps=128.0,
    )
    assert only(run(lossy), "low_resolution_source").severity == "warning"
    assert only(run(lossy, "mixdown"), "low_resolution_source").severity == "suggestion"
    cut = changed(clean_pop_master(), spectrum__high_cutoff_hz=15000.0)
    assert "15000 Hz" in only(run(cut), "low_resolution_source").detail
    assert "low_resolution_source" not in codes(run(clean_pop_master()))


TONAL = {"too_boomy", "too_thin", "muddy", "harsh", "too_bright", "too_dull"}
#: code -> the codes that would read the move backwards.
BACKWARDS = {
    "too_boomy": {"too_thin"},
    "too_thin": {"too_boomy", "muddy"},
    "muddy": {"too_thin"},
    "harsh": {"too_dull"},
    "too_bright": {"too_dull"},
    "too_dull": {"too_bright", "harsh"},
}


@pytest.mark.parametrize(
    ("shape", "frequency_hz", "gain_db", "code"),
    [
        ("low_shelf", 120.0, 10.0, "too_boomy"),
        ("low_shelf", 150.0, -10.0, "too_thin"),
        ("bell", 300.0, 8.0, "muddy"),
        ("bell", 3000.0, 8.0, "harsh"),
        ("bell", 3000.0, -8.0, "too_dull"),
        ("high_shelf", 6000.0, 10.0, "too_bright"),
        ("high_shelf", 6000.0, -10.0, "too_dull"),
    ],
)
def test_a_broad_eq_move_is_named_with_its_place_direction_and_amount(
    shape: str, frequency_hz: float, gain_db: float, code: str
) -> None:
    moved = eq_on_curve(clean_pop_master(), shape=shape, frequency_hz=frequency_hz, gain_db=gain_db)
    verdict = run(moved)
    tonal = codes(verdict) & TONAL
    assert code in tonal and not tonal & BACKWARDS[code], tonal
    stretch = max(verdict.spectrum.deviations, key=lambda d: abs(d.amount_db))
    assert (stretch.amount_db > 0) == (gain_db > 0)
    if shape == "bell":  # where it departs most, and by about the planted gain
        assert abs(math.log2(stretch.peak_hz / frequency_hz)) <= 1 / 3
        assert abs(stretch.amount_db) == pytest.approx(abs(gain_db), abs=2.0)
    finding = only(verdict, code)
    assert f"{abs(stretch.amount_db):.1f} dB too" in finding.detail


def test_a_clean_master_on_its_target_curve_raises_no_tonal_finding() -> None:
    verdict = run(clean_pop_master())
    assert not codes(verdict) & TONAL and verdict.spectrum.deviations == []
    target = verdict.spectrum.target_curve
    assert target is not None
    judged = [(lo, hi) for lo, hi in zip(target.low_db, target.high_db, strict=True) if lo]
    # 90 Hz to 11 kHz at 1/6 octave, each with a tolerance a few dB wide.
    assert len(judged) >= 40 and all(2 * 2.5 <= hi - lo <= 2 * 12 for lo, hi in judged)


def test_a_move_just_inside_the_tolerance_raises_nothing_and_just_outside_a_suggestion() -> None:
    clean = clean_pop_master()
    tolerance = run(clean).spectrum.target_curve
    assert tolerance is not None
    inside = run(eq_on_curve(clean, shape="bell", frequency_hz=2000.0, gain_db=2.0))
    assert inside.spectrum.deviations == []
    outside = run(eq_on_curve(clean, shape="bell", frequency_hz=2000.0, gain_db=6.0))
    assert only(outside, "harsh").severity in ("suggestion", "warning")


def test_silent_track_judges_without_crashing() -> None:
    silent = changed(
        clean_pop_master(),
        loudness__integrated_lufs=None,
        loudness__true_peak_dbtp=None,
        loudness__plr_db=None,
        loudness__psr_db=None,
        loudness__loudness_range_lu=None,
        loudness__short_term_max_lufs=None,
        stereo__width=None,
        stereo__correlation=None,
        stereo__balance_db=None,
        stereo__low_end_width=None,
        stereo__mono_loss_db=None,
        **{f"spectrum__bands__{n}": None for n in POP_BANDS},
        loudness__notes=["Digital silence: no loudness."],
    )
    verdict = run(silent)
    assert not [f for f in verdict.findings if f.severity in ("warning", "problem")]
    status = {m.metric: m for m in verdict.metrics}
    assert status["loudness.integrated_lufs"].status == "unknown"
    assert "Digital silence" in status["loudness.integrated_lufs"].note


def test_unknown_feedback_type_is_an_input_error() -> None:
    with pytest.raises(InputError, match="'remix'"):
        judge(clean_pop_master(), profile=POP, feedback_type="remix")  # type: ignore[arg-type]
