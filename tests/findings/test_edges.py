"""Judgement thresholds at their edges: a reading just inside a threshold (or its dead band) and
one just outside it, so that moving the threshold, its dead band or an escalation step fails.

The thresholds are written out here, not read from the knowledge files, on purpose: they are
what the findings promise (genres.toml, thresholds.toml), and a change to them must be seen.
"""

from __future__ import annotations

import pytest
from measured import changed, clean_pop_master, clip_runs

from mixcoach.audio.analyze import Measurements
from mixcoach.findings.judge import judge
from mixcoach.findings.model import FeedbackType, Severity
from mixcoach.knowledge.genres import resolve_profile


def severity_of(
    m: Measurements, code: str, *, feedback_type: FeedbackType = "master_review", genre: str = "pop"
) -> Severity | None:
    """The severity of the one finding ``code`` raises, or None when it raises none."""
    verdict = judge(m, profile=resolve_profile(genre), feedback_type=feedback_type)
    found = [f for f in verdict.findings if f.code == code]
    assert len(found) <= 1, [f.code for f in verdict.findings]
    return found[0].severity if found else None


# --- True-peak ceiling: -1 dBTP for a master, -3 dBTP for a mixdown; dead band 0.1 dB; a master
# escalates 0.5 dB over (warning) and 1 dB over (problem), a mixdown 2 and 3 dB over.


@pytest.mark.parametrize(
    ("feedback_type", "peak_dbtp", "severity"),
    [
        ("master_review", -1.0 + 0.05, None),  # inside the dead band
        ("master_review", -1.0 + 0.15, "suggestion"),
        ("master_review", -1.0 + 0.45, "suggestion"),
        ("master_review", -1.0 + 0.55, "warning"),
        ("master_review", -1.0 + 0.95, "warning"),
        ("master_review", -1.0 + 1.05, "problem"),
        ("mixdown", -3.0 + 0.05, None),
        ("mixdown", -3.0 + 0.15, "suggestion"),
        ("mixdown", -3.0 + 1.95, "suggestion"),
        ("mixdown", -3.0 + 2.05, "warning"),
        ("mixdown", -3.0 + 2.95, "warning"),
        ("mixdown", -3.0 + 3.05, "problem"),
    ],
)
def test_true_peak_ceiling_edges(
    feedback_type: FeedbackType, peak_dbtp: float, severity: Severity | None
) -> None:
    """A quiet jazz track (-16 LUFS, so no platform's stricter ceiling for loud masters
    applies), PLR kept in range as the peak moves."""
    m = changed(
        clean_pop_master(),
        loudness__true_peak_dbtp=peak_dbtp,
        loudness__integrated_lufs=-16.0,
        loudness__plr_db=peak_dbtp + 16.0,
        loudness__psr_db=12.0,
    )
    if feedback_type == "mixdown":  # a mixdown's ranges: -32..-14 LUFS, PLR 12..28 dB
        m = changed(m, loudness__integrated_lufs=-20.0, loudness__plr_db=peak_dbtp + 20.0)
    assert severity_of(m, "true_peak_over", feedback_type=feedback_type, genre="jazz") == severity


# --- Over-compression: pop master PSR 6..11 dB and PLR 7..12 dB, dead band 0.5 dB, escalating
# 1.5 dB (warning) and 3 dB (problem) outside.


@pytest.mark.parametrize(
    ("psr_db", "severity"),
    [
        (6.0 - 0.4, None),  # inside the dead band
        (6.0 - 0.6, "suggestion"),
        (6.0 - 1.4, "suggestion"),
        (6.0 - 1.6, "warning"),
        (6.0 - 2.9, "warning"),
        (6.0 - 3.1, "problem"),
    ],
)
def test_over_compressed_psr_edges(psr_db: float, severity: Severity | None) -> None:
    m = changed(clean_pop_master(), loudness__psr_db=psr_db)  # PLR 8.5 dB, in range
    assert severity_of(m, "over_compressed") == severity


@pytest.mark.parametrize(
    ("plr_db", "severity"),
    [(7.0 - 0.4, None), (7.0 - 0.6, "suggestion"), (7.0 - 1.6, "warning"), (7.0 - 3.1, "problem")],
)
def test_over_compressed_plr_edges(plr_db: float, severity: Severity | None) -> None:
    m = changed(clean_pop_master(), loudness__plr_db=plr_db)  # PSR 7.8 dB, in range
    assert severity_of(m, "over_compressed") == severity


@pytest.mark.parametrize(("plr_db", "severity"), [(12.0 + 0.4, None), (12.0 + 0.6, "suggestion")])
def test_under_compressed_plr_edges(plr_db: float, severity: Severity | None) -> None:
    m = changed(clean_pop_master(), loudness__plr_db=plr_db)
    assert severity_of(m, "under_compressed") == severity


# --- Integrated loudness: pop master -11..-7 LUFS, dead band 0.5 LU, escalating 2 LU (warning)
# and 4 LU (problem) outside.


@pytest.mark.parametrize(
    ("lufs", "code", "severity"),
    [
        (-7.0 + 0.4, "too_loud", None),
        (-7.0 + 0.6, "too_loud", "suggestion"),
        (-7.0 + 1.9, "too_loud", "suggestion"),
        (-7.0 + 2.1, "too_loud", "warning"),
        (-7.0 + 3.9, "too_loud", "warning"),
        (-7.0 + 4.1, "too_loud", "problem"),
        (-11.0 - 0.4, "too_quiet", None),
        (-11.0 - 0.6, "too_quiet", "suggestion"),
        (-11.0 - 2.1, "too_quiet", "warning"),
    ],
)
def test_integrated_loudness_edges(lufs: float, code: str, severity: Severity | None) -> None:
    m = changed(clean_pop_master(), loudness__integrated_lufs=lufs)
    assert severity_of(m, code) == severity


# --- Clipping (thresholds.toml [clipping]): runs of 3 samples or more count; 10 counted runs
# with one at least 0.25 ms long make a problem; a clip level below -0.1 dBFS was turned down.


def clipped(count: int, *, samples: int, level_dbfs: float = 0.0) -> Measurements:
    return changed(
        clean_pop_master(),  # 44.1 kHz
        defects__clip_runs=[r.model_dump() for r in clip_runs(count, samples=samples)],
        defects__clip_run_count=count,
        defects__clipped_samples=count * samples,
        defects__clip_level_dbfs=level_dbfs,
    )


@pytest.mark.parametrize(
    ("count", "samples", "severity"),
    [
        (20, 2, None),  # two samples at the clip level are not a clip
        (20, 3, "warning"),  # counted, but each flat top is 0.07 ms: masked
        (9, 12, "warning"),  # long enough (0.27 ms) but one run short of many
        (10, 12, "problem"),
        (10, 11, "warning"),  # 11 samples at 44.1 kHz: 0.249 ms, just under 0.25 ms
    ],
)
def test_clipping_edges(count: int, samples: int, severity: Severity | None) -> None:
    assert severity_of(clipped(count, samples=samples), "clipping") == severity


@pytest.mark.parametrize(("level_dbfs", "turned_down"), [(-0.05, False), (-0.15, True)])
def test_clipping_below_full_scale_edge(level_dbfs: float, turned_down: bool) -> None:
    m = clipped(3, samples=12, level_dbfs=level_dbfs)
    verdict = judge(m, profile=resolve_profile("pop"), feedback_type="master_review")
    (clip,) = [f for f in verdict.findings if f.code == "clipping"]
    assert ("turned down" in clip.detail) == turned_down
