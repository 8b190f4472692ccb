"""Analysis documents built from the real measurement models, for feedback tests.

``clean()`` is a well-made pop master as the meters and the judge describe one; the defect
builders change the measurements a planted defect changes and add the finding the judge raises
for it (code, severity, evidence with the genre's target), so the feedback tests exercise the
same documents ``mixcoach.analysis.analyze`` produces.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mixcoach.analysis import SCHEMA_VERSION, Analysis, Reference, Request
from mixcoach.audio.analyze import FileInfo, Measurements
from mixcoach.audio.defects import ClipRun, Defects
from mixcoach.audio.dynamics import Dynamics
from mixcoach.audio.loudness import Loudness, PeakRange
from mixcoach.audio.model import Series, TimeRange
from mixcoach.audio.rhythm import Rhythm
from mixcoach.audio.spectrum import BANDS, Band, Curve, Resonance, Spectrum
from mixcoach.audio.stereo import BandWidth, Stereo
from mixcoach.audio.tonality import Tonality
from mixcoach.findings.judge import MetricStatus, ReferenceComparison
from mixcoach.findings.model import FEEDBACK_TYPES, Evidence, FeedbackType, Finding, Severity
from mixcoach.findings.spectral import deviation_code
from mixcoach.findings.tonal_curve import judge_curve, profile_target
from mixcoach.knowledge.genres import resolve_profile
from mixcoach.knowledge.thresholds import thresholds

PROFILE = "pop genre profile"
#: The clean track's band levels and the pop targets (level_db relative to the total).
BAND_LEVELS = {
    "sub": -14.0,
    "low": -6.5,
    "low_mid": -9.0,
    "mid": -8.0,
    "high_mid": -13.0,
    "presence": -17.0,
    "air": -20.0,
}
BAND_TARGETS = {
    "sub": (-17.0, -11.0),
    "low": (-9.0, -4.0),
    "low_mid": (-11.0, -7.0),
    "mid": (-10.0, -6.0),
    "high_mid": (-15.0, -11.0),
    "presence": (-19.0, -15.0),
    "air": (-23.0, -17.0),
}
LOUDNESS_TARGET = {
    "mixdown": (-23.0, -14.0),
    "mastering": (-23.0, -12.0),
    "master_review": (-11.0, -7.0),
}


def _loudness(**changes: Any) -> Loudness:
    values = dict(
        integrated_lufs=-9.4,
        loudness_range_lu=6.1,
        short_term_max_lufs=-7.2,
        momentary_max_lufs=-6.1,
        true_peak_dbtp=-1.2,
        true_peak_per_channel_dbtp=[-1.2, -1.4],
        sample_peak_dbfs=-1.5,
        plr_db=8.2,
        psr_db=7.4,
        short_term_lufs=Series(
            start_s=0.0,
            hop_s=1.0,
            values=[-14.0, -12.0, -10.5, -9.5, -9.0, -8.2, -7.2, -9.8, -8.8, -8.0, -11.0, None],
        ),
        momentary_lufs=Series(start_s=0.0, hop_s=0.1, values=[-9.0, -8.5]),
        true_peak_over_threshold_dbtp=-1.0,
        true_peak_overs=[],
        notes=[],
    )
    values.update(changes)
    return Loudness(**values)


def _spectrum(levels: dict[str, float]) -> Spectrum:
    bands = []
    for name, low, high in BANDS:
        level = levels[name]
        t_low, t_high = BAND_TARGETS[name]
        delta = level - t_high if level > t_high else level - t_low if level < t_low else 0.0
        bands.append(
            Band(
                name=name,
                low_hz=low,
                high_hz=high,
                level_db=level,
                target_low_db=t_low,
                target_high_db=t_high,
                delta_db=round(delta, 1),
            )
        )
    spectrum = Spectrum(
        bands=bands,
        tilt_db_per_octave=-4.5,
        centroid_hz=1850.0,
        high_cutoff_hz=None,
        resonances=[],
        curve=Curve(frequencies_hz=list(CURVE_HZ), level_db=[float(v) for v in POP_CURVE]),
        notes=[],
    )
    target, deviations = judge_curve(spectrum, resolve_profile("pop", None), thresholds())
    return spectrum.model_copy(update={"target_curve": target, "deviations": deviations})


#: The curve's 1/6-octave points from 20 Hz, and the clean track's curve: the pop target itself.
CURVE_HZ = 20.0 * 2 ** ((np.arange(60) + 0.5) / 6)
POP_CURVE = profile_target(resolve_profile("pop", None), CURVE_HZ)


def curve_with_move(frequency_hz: float, gain_db: float) -> list[float]:
    """The clean curve with a bell of ``gain_db`` at ``frequency_hz``, about 1.4 octaves wide
    (a Q of 1): Gaussian in octaves, as a broad EQ move reads on a 1/6-octave curve."""
    octaves = np.log2(CURVE_HZ / frequency_hz)
    return [float(v) for v in POP_CURVE + gain_db * np.exp(-0.5 * (octaves / 0.6) ** 2)]


def _stereo(**changes: Any) -> Stereo:
    values = dict(
        is_mono_source=False,
        width=0.18,
        correlation=0.62,
        correlation_min=0.21,
        correlation_low_points=[],
        correlation_series=Series(start_s=0.0, hop_s=1.0, values=[0.6, 0.62]),
        mono_loss_db=0.6,
        balance_db=0.1,
        low_end_width=0.03,
        bands=[
            BandWidth(
                name=name,
                low_hz=low,
                high_hz=high,
                width=0.05 if low < 250 else 0.2,
                correlation=0.8,
            )
            for name, low, high in BANDS
        ],
        notes=[],
    )
    values.update(changes)
    return Stereo(**values)


def _defects(**changes: Any) -> Defects:
    values = dict(
        clipped_samples=0,
        clip_level_dbfs=None,
        clip_runs=[],
        clip_run_count=0,
        dc_offset_dbfs=[None, None],
        silence_start_s=0.0,
        silence_end_s=0.0,
        nonfinite_samples=0,
        notes=[],
    )
    values.update(changes)
    return Defects(**values)


def _metrics(kind: FeedbackType, loud: Loudness, stereo: Stereo) -> list[MetricStatus]:
    low, high = LOUDNESS_TARGET[kind]
    rows = [
        (
            "loudness.integrated_lufs",
            "Integrated loudness",
            loud.integrated_lufs,
            "LUFS",
            low,
            high,
        ),
        ("loudness.true_peak_dbtp", "True peak", loud.true_peak_dbtp, "dBTP", None, -1.0),
        ("loudness.loudness_range_lu", "Loudness range", loud.loudness_range_lu, "LU", 4.0, 9.0),
        ("loudness.plr_db", "Peak-to-loudness ratio", loud.plr_db, "dB", 7.0, 14.0),
        ("stereo.width", "Stereo width", stereo.width, "", 0.1, 0.35),
    ]
    metrics = []
    for metric, label, value, unit, t_low, t_high in rows:
        if value is None:
            status = "unknown"
        elif t_high is not None and value > t_high:
            status = "high"
        elif t_low is not None and value < t_low:
            status = "low"
        else:
            status = "ok"
        metrics.append(
            MetricStatus(
                metric=metric,
                label=label,
                value=value,
                unit=unit,
                target_low=t_low,
                target_high=t_high,
                status=status,
                note=f"{label} against the pop profile.",
            )
        )
    return metrics


def clean(kind: FeedbackType = "master_review", *, tempo_bpm: float | None = 120.0) -> Analysis:
    """A well-made pop track: every metric inside its range, no findings."""
    loud = _loudness()
    stereo = _stereo()
    if kind != "master_review":
        # A mixdown or a mix for mastering: no limiter yet, peaks with headroom.
        loud = _loudness(
            integrated_lufs=-17.5,
            true_peak_dbtp=-4.8,
            sample_peak_dbfs=-5.0,
            plr_db=12.7,
            psr_db=11.0,
            short_term_max_lufs=-15.0,
            short_term_lufs=Series(
                start_s=0.0,
                hop_s=1.0,
                values=[-22.0, -20.0, -18.5, -17.5, -16.0, -15.0, -17.8, -16.5, None],
            ),
        )
    return Analysis(
        schema_version=SCHEMA_VERSION,
        request=Request(feedback_type=kind, genre="pop", subgenre=None, genre_label="Pop"),
        file=FileInfo(
            path="song.wav",
            format="wav",
            codec="pcm_s24le",
            sample_rate_hz=44100,
            bit_depth=24,
            sample_format="int",
            bitrate_kbps=None,
            channels=2,
            channel_layout=["L", "R"],
            duration_s=183.4,
            size_bytes=48_000_000,
        ),
        loudness=loud,
        dynamics=Dynamics(
            crest_factor_db=10.5,
            dynamic_range_db=8.0,
            transient_strength_db=9.0,
            limited_peak_fraction=0.05,
            limiting_db=1.0,
            notes=[],
        ),
        spectrum=_spectrum(BAND_LEVELS),
        stereo=stereo,
        rhythm=Rhythm(
            tempo_bpm=tempo_bpm,
            confidence=0.9 if tempo_bpm else 0.1,
            tempo_candidates_bpm=[] if tempo_bpm is None else [tempo_bpm, tempo_bpm / 2],
            notes=[],
        ),
        tonality=Tonality(key="A", mode="minor", confidence=0.82, camelot="8A", notes=[]),
        defects=_defects(),
        metrics=_metrics(kind, loud, stereo),
        findings=[],
        reference=None,
        notes=[],
    )


def finding(
    code: str,
    *evidence: Evidence,
    severity: Severity = "warning",
    title: str = "",
    detail: str = "",
    times: list[tuple[float, float]] | None = None,
) -> Finding:
    return Finding(
        code=code,
        severity=severity,
        title=title or code.replace("_", " "),
        detail=detail or f"The {code.replace('_', ' ')} finding.",
        evidence=list(evidence),
        time_ranges=[TimeRange(start_s=a, end_s=b) for a, b in times or []],
        feedback_types=list(FEEDBACK_TYPES),
    )


def evidence(
    metric: str,
    value: float,
    unit: str,
    low: float | None,
    high: float | None,
    source: str = PROFILE,
) -> Evidence:
    return Evidence(
        metric=metric, value=value, unit=unit, target_low=low, target_high=high, source=source
    )


def with_changes(analysis: Analysis, *findings: Finding, **blocks: Any) -> Analysis:
    """``analysis`` with measurement blocks replaced, metrics recomputed, findings added."""
    updated = analysis.model_copy(update=blocks)
    kind = updated.request.feedback_type
    return updated.model_copy(
        update={
            "metrics": _metrics(kind, updated.loudness, updated.stereo),
            "findings": [*analysis.findings, *findings],
        }
    )


# --- planted defects, as the meters measure them and the judge reports them -----------------


def clipped(analysis: Analysis) -> Analysis:
    runs = [ClipRun(start_s=t, end_s=t + 0.002, channel=0, samples=90) for t in (62.3, 71.0, 95.5)]
    loud = analysis.loudness.model_copy(
        update={
            "true_peak_dbtp": 1.4,
            "sample_peak_dbfs": 0.0,
            "true_peak_per_channel_dbtp": [1.4, 1.1],
        }
    )
    return with_changes(
        analysis,
        finding(
            "clipping",
            evidence("defects.clipped_samples", 2150, "", None, 0),
            severity="problem",
            times=[(62.3, 62.31), (71.0, 71.01), (95.5, 95.51)],
        ),
        finding(
            "true_peak_over",
            evidence("loudness.true_peak_dbtp", 1.4, "dBTP", None, -1.0),
            severity="problem",
        ),
        loudness=loud,
        defects=analysis.defects.model_copy(
            update={
                "clipped_samples": 2150,
                "clip_level_dbfs": 0.0,
                "clip_runs": runs,
                "clip_run_count": 24,
            }
        ),
    )


def too_loud(analysis: Analysis) -> Analysis:
    low, high = LOUDNESS_TARGET[analysis.request.feedback_type]
    loud = analysis.loudness.model_copy(
        update={
            "integrated_lufs": -5.8,
            "plr_db": 5.1,
            "true_peak_dbtp": -0.7,
            "loudness_range_lu": 3.1,
        }
    )
    return with_changes(
        analysis,
        finding(
            "too_loud",
            evidence("loudness.integrated_lufs", -5.8, "LUFS", low, high),
            severity="problem",
        ),
        finding(
            "over_compressed", evidence("loudness.plr_db", 5.1, "dB", 7.0, 14.0), severity="warning"
        ),
        loudness=loud,
    )


def too_quiet(analysis: Analysis) -> Analysis:
    low, high = LOUDNESS_TARGET[analysis.request.feedback_type]
    loud = analysis.loudness.model_copy(
        update={"integrated_lufs": -16.3, "true_peak_dbtp": -6.1, "sample_peak_dbfs": -6.4}
    )
    return with_changes(
        analysis,
        finding("too_quiet", evidence("loudness.integrated_lufs", -16.3, "LUFS", low, high)),
        loudness=loud,
    )


def spectral(analysis: Analysis, band: str, change_db: float, code: str) -> Analysis:
    """A broad bell of ``change_db`` at the centre of ``band``, judged against the pop target
    curve as the judge does it (the band levels move with it; the finding quotes the stretch of
    the curve that leaves the target)."""
    levels = dict(BAND_LEVELS)
    levels[band] += change_db
    low, high = next((lo, hi) for name, lo, hi in BANDS if name == band)
    spectrum = _spectrum(levels)
    curve = Curve(
        frequencies_hz=list(CURVE_HZ),
        level_db=curve_with_move(float(np.sqrt(low * high)), change_db),  # type: ignore[arg-type]
    )
    target, deviations = judge_curve(
        spectrum.model_copy(update={"curve": curve}), resolve_profile("pop", None), thresholds()
    )
    spectrum = spectrum.model_copy(
        update={"curve": curve, "target_curve": target, "deviations": deviations}
    )
    raised = [d for d in deviations if deviation_code(d) == code]
    assert raised, f"a {change_db:+} dB move on the {band} band raises no {code}: {deviations}"
    return with_changes(
        analysis,
        finding(
            code,
            *(
                evidence(
                    f"spectrum.deviations.{deviations.index(d)}.amount_db",
                    d.amount_db,
                    "dB",
                    -d.tolerance_db,
                    d.tolerance_db,
                )
                for d in raised
            ),
        ),
        spectrum=spectrum,
    )


def mono_folded(analysis: Analysis) -> Analysis:
    stereo = analysis.stereo.model_copy(
        update={
            "is_mono_source": True,
            "width": 0.0,
            "correlation": 1.0,
            "mono_loss_db": 0.0,
            "low_end_width": 0.0,
        }
    )
    return with_changes(
        analysis,
        finding("stereo_too_narrow", evidence("stereo.width", 0.0, "", 0.1, 0.35)),
        stereo=stereo,
    )


def polarity_flipped(analysis: Analysis) -> Analysis:
    stereo = analysis.stereo.model_copy(
        update={
            "width": 0.97,
            "correlation": -0.94,
            "correlation_min": -0.99,
            "mono_loss_db": 24.0,
            "low_end_width": 0.98,
            "correlation_low_points": [TimeRange(start_s=0.0, end_s=183.4)],
            "correlation_series": Series(start_s=0.0, hop_s=1.0, values=[-0.93, -0.95]),
        }
    )
    return with_changes(
        analysis,
        finding(
            "phase_issue",
            evidence("stereo.correlation", -0.94, "", 0.0, None),
            severity="problem",
            times=[(0.0, 183.4)],
        ),
        stereo=stereo,
    )


def wide_low_end(analysis: Analysis) -> Analysis:
    stereo = analysis.stereo.model_copy(update={"low_end_width": 0.41})
    return with_changes(
        analysis,
        finding("wide_low_end", evidence("stereo.low_end_width", 0.41, "", None, 0.1)),
        stereo=stereo,
    )


def imbalanced(analysis: Analysis) -> Analysis:
    stereo = analysis.stereo.model_copy(update={"balance_db": 7.0})
    return with_changes(
        analysis,
        finding("channel_imbalance", evidence("stereo.balance_db", 7.0, "dB", -1.0, 1.0)),
        stereo=stereo,
    )


def dc_offset(analysis: Analysis) -> Analysis:
    defects = analysis.defects.model_copy(update={"dc_offset_dbfs": [-26.0, -26.0]})
    return with_changes(
        analysis,
        finding("dc_offset", evidence("defects.dc_offset_dbfs", -26.0, "dBFS", None, -60.0)),
        defects=defects,
    )


def with_reference(analysis: Analysis) -> Analysis:
    """A reference 3.2 LU louder and brighter than the track."""
    ref_loud = analysis.loudness.model_copy(
        update={"integrated_lufs": (analysis.loudness.integrated_lufs or 0) + 3.2}
    )
    measured = Measurements(
        file=analysis.file,
        loudness=ref_loud,
        dynamics=analysis.dynamics,
        spectrum=analysis.spectrum,
        stereo=analysis.stereo,
        rhythm=analysis.rhythm,
        tonality=analysis.tonality,
        defects=analysis.defects,
        notes=[],
    )
    reference = Reference(
        measurements=measured,
        comparison=ReferenceComparison(loudness_difference_lu=-3.2, gain_to_match_db=3.2),
    )
    return with_changes(
        analysis,
        finding(
            "reference_louder",
            evidence(
                "reference.loudness_difference_lu",
                -3.2,
                "LU",
                -1.0,
                1.0,
                source="the reference track",
            ),
            severity="suggestion",
            detail="The reference is 3.2 LU louder than your track.",
        ),
        reference=reference,
    )


def overs(analysis: Analysis) -> Analysis:
    """True-peak overs only (inter-sample), no clipping."""
    loud = analysis.loudness.model_copy(
        update={
            "true_peak_dbtp": 0.6,
            "true_peak_overs": [PeakRange(start_s=45.2, end_s=45.3, peak_dbtp=0.6)],
        }
    )
    return with_changes(
        analysis,
        finding(
            "true_peak_over",
            evidence("loudness.true_peak_dbtp", 0.6, "dBTP", None, -1.0),
            times=[(45.2, 45.3)],
        ),
        loudness=loud,
    )


def resonant(analysis: Analysis) -> Analysis:
    """Harsh upper mids with a ringing resonance."""
    harsh = spectral(analysis, "high_mid", 5.0, "harsh")
    spectrum = harsh.spectrum.model_copy(
        update={
            "resonances": [
                Resonance(frequency_hz=3150.0, prominence_db=7.0, persistence_fraction=0.8)
            ]
        }
    )
    return harsh.model_copy(update={"spectrum": spectrum})
