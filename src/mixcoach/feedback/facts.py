"""The measured facts: every number feedback may quote, with a label and a unit.

One list serves two purposes: the LLM prompt prints it (so the model sees what it may quote),
and the grounding check accepts a number only when it matches one of these facts. The list holds
the Analysis's measurements, the targets they were judged against, the distances between the two,
the reference comparison, the delivery verdicts and the derived preset settings.
"""

from __future__ import annotations

from collections.abc import Sequence

from mixcoach.analysis import Analysis
from mixcoach.audio.analyze import Measurements
from mixcoach.audio.dynamics import LIMITING_FLOOR_DB
from mixcoach.audio.model import Model, TimeRange
from mixcoach.audio.spectrum import BANDS
from mixcoach.audio.stereo import LOW_END_HZ
from mixcoach.feedback import numbers as n
from mixcoach.feedback.model import Plan, PlatformVerdict, Presets
from mixcoach.knowledge.sources import Target


class Fact(Model):
    key: str  # dotted path, e.g. "loudness.integrated_lufs"
    label: str  # "Integrated loudness"
    value: float
    unit: str  # "LUFS", "dBTP", "dB", "LU", "Hz", "BPM", "s", "ms", "%", ":1", "dB/oct", ""


def collect_facts(
    analysis: Analysis,
    *,
    presets: Presets | None = None,
    delivery: Sequence[PlatformVerdict] = (),
    plan: Plan | None = None,
) -> list[Fact]:
    facts = _definitions()
    facts += _measurements(analysis, prefix="")
    facts += _judgement(analysis)
    if analysis.reference is not None:
        facts += _measurements(analysis.reference.measurements, prefix="reference.")
        comparison = analysis.reference.comparison
        facts += _some(
            (
                "reference.loudness_difference_lu",
                "Loudness difference from the reference",
                comparison.loudness_difference_lu,
                "LU",
            ),
            (
                "reference.gain_to_match_db",
                "Gain to match the reference",
                comparison.gain_to_match_db,
                "dB",
            ),
        )
    facts += _delivery(delivery)
    if presets is not None:
        facts += _presets(presets)
    if plan is not None:
        facts += _plan(plan, analysis)
    return facts


def _definitions() -> list[Fact]:
    """How Mixcoach measures: band edges, the low-end split, the loudness windows (EBU R128)."""
    edges = sorted({edge for _, low, high in BANDS for edge in (low, high)})
    return [
        *(
            Fact(key=f"definitions.band_edge.{i}", label="Band edge", value=edge, unit="Hz")
            for i, edge in enumerate(edges)
        ),
        Fact(
            key="definitions.low_end_split_hz",
            label="Low-end split",
            value=LOW_END_HZ[1],
            unit="Hz",
        ),
        Fact(
            key="definitions.short_term_window_s",
            label="Short-term loudness window",
            value=3.0,
            unit="s",
        ),
        Fact(
            key="definitions.limiting_floor_db",
            label="Limiting measured up to",
            value=LIMITING_FLOOR_DB,
            unit="dB",
        ),
        Fact(
            key="definitions.momentary_window_s",
            label="Momentary loudness window",
            value=0.4,
            unit="s",
        ),
    ]


def _some(*rows: tuple[str, str, float | None, str]) -> list[Fact]:
    return [
        Fact(key=key, label=label, value=float(value), unit=unit)
        for key, label, value, unit in rows
        if value is not None
    ]


def _measurements(m: Analysis | Measurements, *, prefix: str) -> list[Fact]:
    loud, dyn, spec, st, defects = m.loudness, m.dynamics, m.spectrum, m.stereo, m.defects
    facts = _some(
        ("loudness.integrated_lufs", "Integrated loudness", loud.integrated_lufs, "LUFS"),
        ("loudness.loudness_range_lu", "Loudness range", loud.loudness_range_lu, "LU"),
        (
            "loudness.short_term_max_lufs",
            "Short-term loudness, maximum",
            loud.short_term_max_lufs,
            "LUFS",
        ),
        (
            "loudness.momentary_max_lufs",
            "Momentary loudness, maximum",
            loud.momentary_max_lufs,
            "LUFS",
        ),
        ("loudness.true_peak_dbtp", "True peak", loud.true_peak_dbtp, "dBTP"),
        ("loudness.sample_peak_dbfs", "Sample peak", loud.sample_peak_dbfs, "dBFS"),
        ("loudness.plr_db", "Peak-to-loudness ratio", loud.plr_db, "dB"),
        ("loudness.psr_db", "Peak-to-short-term-loudness ratio", loud.psr_db, "dB"),
        ("dynamics.crest_factor_db", "Crest factor", dyn.crest_factor_db, "dB"),
        ("dynamics.dynamic_range_db", "Dynamic range", dyn.dynamic_range_db, "dB"),
        ("dynamics.transient_strength_db", "Transient strength", dyn.transient_strength_db, "dB"),
        ("dynamics.limiting_db", "Estimated limiting", dyn.limiting_db, "dB"),
        ("spectrum.tilt_db_per_octave", "Spectral tilt", spec.tilt_db_per_octave, "dB/oct"),
        ("spectrum.centroid_hz", "Spectral centroid", spec.centroid_hz, "Hz"),
        ("spectrum.high_cutoff_hz", "High-frequency cut-off", spec.high_cutoff_hz, "Hz"),
        ("stereo.mono_loss_db", "Level lost in mono", st.mono_loss_db, "dB"),
        ("stereo.balance_db", "Left-right balance", st.balance_db, "dB"),
        ("stereo.width_percent", "Stereo width", None if st.width is None else 100 * st.width, "%"),
        (
            "stereo.low_end_width_percent",
            "Low-end width",
            None if st.low_end_width is None else 100 * st.low_end_width,
            "%",
        ),
        ("rhythm.tempo_bpm", "Tempo", m.rhythm.tempo_bpm, "BPM"),
        ("rhythm.confidence_percent", "Tempo confidence", 100 * m.rhythm.confidence, "%"),
        (
            "tonality.confidence_percent",
            "Key confidence",
            100 * m.tonality.confidence if m.tonality.key is not None else None,
            "%",
        ),
        ("file.duration_s", "Duration", m.file.duration_s, "s"),
        ("file.sample_rate_hz", "Sample rate", float(m.file.sample_rate_hz), "Hz"),
        ("defects.silence_start_s", "Silence before the music", defects.silence_start_s, "s"),
        ("defects.silence_end_s", "Silence after the music", defects.silence_end_s, "s"),
        ("defects.clip_level_dbfs", "Clip level", defects.clip_level_dbfs, "dBFS"),
    )
    facts += _some(
        *(
            (f"rhythm.tempo_candidates_bpm.{i}", "Tempo alternative", bpm, "BPM")
            for i, bpm in enumerate(m.rhythm.tempo_candidates_bpm)
        ),
        *(
            (f"defects.dc_offset_dbfs.{i}", "DC offset", offset, "dBFS")
            for i, offset in enumerate(defects.dc_offset_dbfs)
        ),
        *(
            (f"loudness.true_peak_per_channel_dbtp.{i}", "True peak of one channel", peak, "dBTP")
            for i, peak in enumerate(loud.true_peak_per_channel_dbtp)
        ),
    )
    for band in spec.bands:
        key = f"spectrum.bands.{band.name}"
        facts += _some(
            (f"{key}.low_hz", f"{band.name} band, lower edge", band.low_hz, "Hz"),
            (f"{key}.high_hz", f"{band.name} band, upper edge", band.high_hz, "Hz"),
            (f"{key}.level_db", f"{band.name} band level", band.level_db, "dB"),
            (f"{key}.target_low_db", f"{band.name} band target, low", band.target_low_db, "dB"),
            (f"{key}.target_high_db", f"{band.name} band target, high", band.target_high_db, "dB"),
            (f"{key}.delta_db", f"{band.name} band outside its target by", band.delta_db, "dB"),
        )
    for i, d in enumerate(spec.deviations):
        key = f"spectrum.deviations.{i}"
        facts += _some(
            (f"{key}.low_hz", "Stretch of the curve off the target, from", d.low_hz, "Hz"),
            (f"{key}.high_hz", "Stretch of the curve off the target, to", d.high_hz, "Hz"),
            (f"{key}.peak_hz", "Stretch of the curve off the target, peak", d.peak_hz, "Hz"),
            (f"{key}.amount_db", "Curve minus target at the peak", d.amount_db, "dB"),
            (f"{key}.tolerance_db", "Target curve tolerance at the peak", d.tolerance_db, "dB"),
        )
    for i, resonance in enumerate(spec.resonances):
        facts += _some(
            (f"spectrum.resonances.{i}.frequency_hz", "Resonance", resonance.frequency_hz, "Hz"),
            (
                f"spectrum.resonances.{i}.prominence_db",
                "Resonance prominence",
                resonance.prominence_db,
                "dB",
            ),
        )
    for band_width in st.bands:
        facts += _some(
            (
                f"stereo.bands.{band_width.name}.width_percent",
                f"{band_width.name} band width",
                None if band_width.width is None else 100 * band_width.width,
                "%",
            ),
        )
    for result in m.codecs:
        # The decoded peaks the verdict quotes ("after AAC encoding it peaks at +0.4 dBTP").
        name, key = result.codec.split()[0], f"codecs.{result.codec.split()[0].lower()}"
        facts += _some(
            (
                f"{key}.true_peak_dbtp",
                f"True peak after {name} encoding",
                result.true_peak_dbtp,
                "dBTP",
            ),
            (
                f"{key}.true_peak_change_db",
                f"True peak change through {name}",
                result.true_peak_change_db,
                "dB",
            ),
            (
                f"{key}.loudness_change_lu",
                f"Loudness change through {name}",
                result.loudness_change_lu,
                "LU",
            ),
        )
    facts += _times("loudness.true_peak_overs", loud.true_peak_overs)
    facts += _times("stereo.correlation_low_points", st.correlation_low_points)
    facts += _times("defects.clip_runs", defects.clip_runs)
    return [fact.model_copy(update={"key": prefix + fact.key}) for fact in facts]


def _times(key: str, ranges: Sequence[TimeRange]) -> list[Fact]:
    """Each place's start and end, and the longest one's length (prompts summarise places)."""
    facts: list[Fact] = []
    for i, span in enumerate(ranges):
        facts += _some(
            (f"{key}.{i}.start_s", "Starts at", span.start_s, "s"),
            (f"{key}.{i}.end_s", "Ends at", span.end_s, "s"),
        )
    if ranges:
        longest = max(span.end_s - span.start_s for span in ranges)
        facts += _some((f"{key}.longest_s", "Longest of these", longest, "s"))
    return facts


def _judgement(analysis: Analysis) -> list[Fact]:
    facts: list[Fact] = []
    for metric in analysis.metrics:
        if isinstance(metric.value, (int, float)):
            facts += _some((metric.metric, metric.label, float(metric.value), metric.unit))
            facts += _distance(
                metric.metric,
                metric.label,
                float(metric.value),
                metric.target_low,
                metric.target_high,
                metric.unit,
            )
        facts += _some(
            (
                f"{metric.metric}.target_low",
                f"{metric.label}, target low",
                metric.target_low,
                metric.unit,
            ),
            (
                f"{metric.metric}.target_high",
                f"{metric.label}, target high",
                metric.target_high,
                metric.unit,
            ),
        )
    for finding in analysis.findings:
        for evidence in finding.evidence:
            key = f"findings.{finding.code}.{evidence.metric}"
            facts += _some(
                (key, evidence.metric, evidence.value, evidence.unit),
                (
                    f"{key}.target_low",
                    f"{evidence.metric}, target low",
                    evidence.target_low,
                    evidence.unit,
                ),
                (
                    f"{key}.target_high",
                    f"{evidence.metric}, target high",
                    evidence.target_high,
                    evidence.unit,
                ),
            )
            if evidence.value is not None:
                facts += _distance(
                    key,
                    evidence.metric,
                    evidence.value,
                    evidence.target_low,
                    evidence.target_high,
                    evidence.unit,
                )
        facts += _times(f"findings.{finding.code}.time_ranges", finding.time_ranges)
    return facts


def distance_outside(value: float, low: float | None, high: float | None) -> float:
    """How far ``value`` lies outside ``[low, high]``: positive above, negative below, else 0."""
    return Target(low=low, high=high, source="evidence").distance(value)


def _distance(
    key: str, label: str, value: float, low: float | None, high: float | None, unit: str
) -> list[Fact]:
    distance = distance_outside(value, low, high)
    if distance == 0:
        return []
    unit = n.DISTANCE_UNIT.get(unit, unit)
    return _some((f"{key}.outside_target", f"{label}, outside its target by", distance, unit))


def _delivery(delivery: Sequence[PlatformVerdict]) -> list[Fact]:
    facts: list[Fact] = []
    for verdict in delivery:
        key = f"delivery.{verdict.platform}"
        facts += _some(
            (f"{key}.target_lufs", f"{verdict.label} loudness target", verdict.target_lufs, "LUFS"),
            (
                f"{key}.true_peak_max_dbtp",
                f"{verdict.label} true-peak guidance",
                verdict.true_peak_max_dbtp,
                "dBTP",
            ),
            (f"{key}.gain_db", f"{verdict.label} playback gain", verdict.gain_db, "dB"),
            (
                f"{key}.resulting_peak_dbtp",
                f"{verdict.label} true peak after its gain",
                verdict.resulting_peak_dbtp,
                "dBTP",
            ),
            (
                f"{key}.below_target",
                f"{verdict.label}: level below its other tracks",
                verdict.level_below_target_db or None,
                "dB",
            ),
        )
    return facts


def _presets(presets: Presets) -> list[Fact]:
    facts: list[Fact] = []
    for i, move in enumerate(presets.eq):
        facts += _some(
            (f"presets.eq.{i}.frequency_hz", f"EQ {move.kind} frequency", move.frequency_hz, "Hz"),
            (f"presets.eq.{i}.gain_db", f"EQ {move.kind} gain", move.gain_db, "dB"),
        )
    if presets.compressor is not None:
        c = presets.compressor
        facts += _some(
            ("presets.compressor.threshold_dbfs", "Compressor threshold", c.threshold_dbfs, "dBFS"),
            ("presets.compressor.ratio", "Compressor ratio", c.ratio, ":1"),
            ("presets.compressor.attack_ms", "Compressor attack", c.attack_ms, "ms"),
            ("presets.compressor.release_ms", "Compressor release", c.release_ms, "ms"),
            ("presets.compressor.knee_db", "Compressor knee", c.knee_db, "dB"),
            ("presets.compressor.makeup_db", "Compressor make-up gain", c.makeup_db, "dB"),
        )
    if presets.limiter is not None:
        lim = presets.limiter
        facts += _some(
            ("presets.limiter.ceiling_dbtp", "Limiter ceiling", lim.ceiling_dbtp, "dBTP"),
            ("presets.limiter.input_gain_db", "Limiter input gain", lim.input_gain_db, "dB"),
            ("presets.limiter.release_ms", "Limiter release", lim.release_ms, "ms"),
            ("presets.limiter.target_lufs", "Loudness target", lim.target_lufs, "LUFS"),
        )
    for i, width in enumerate(presets.stereo):
        facts += _some(
            (f"presets.stereo.{i}.low_hz", "Width move, lower edge", width.low_hz, "Hz"),
            (f"presets.stereo.{i}.high_hz", "Width move, upper edge", width.high_hz, "Hz"),
            (f"presets.stereo.{i}.width_percent", "Width setting", width.width_percent, "%"),
        )
    return facts


def _plan(plan: Plan, analysis: Analysis) -> list[Fact]:
    """The plan's targets, each step's settings, and how far the track is from the targets."""
    loud = analysis.loudness
    facts = _some(
        ("plan.target_lufs", "Loudness target", plan.target_lufs, "LUFS"),
        ("plan.ceiling_dbtp", "Limiter ceiling", plan.ceiling_dbtp, "dBTP"),
        ("plan.peak_target_dbtp", "Peak target", plan.peak_target_dbtp, "dBTP"),
    )
    if plan.target_lufs is not None and loud.integrated_lufs is not None:
        facts += _some(
            (
                "plan.to_target_lu",
                "To the loudness target",
                plan.target_lufs - loud.integrated_lufs,
                "LU",
            )
        )
    for ceiling in (plan.ceiling_dbtp, plan.peak_target_dbtp):
        if ceiling is not None and loud.true_peak_dbtp is not None:
            facts += _some(
                (
                    "plan.peak_over_ceiling_db",
                    "True peak over the ceiling",
                    loud.true_peak_dbtp - ceiling,
                    "dB",
                )
            )
    for i, step in enumerate(plan.steps):
        key = f"plan.steps.{i}"
        facts += _some((f"{key}.gain_db", f"{step.title}: gain", step.gain_db, "dB"))
        if step.eq is not None:
            facts += _some(
                (f"{key}.eq.frequency_hz", "EQ frequency", step.eq.frequency_hz, "Hz"),
                (f"{key}.eq.gain_db", "EQ gain", step.eq.gain_db, "dB"),
            )
        if step.limiter is not None:
            facts += _some(
                (
                    f"{key}.limiter.ceiling_dbtp",
                    "Limiter ceiling",
                    step.limiter.ceiling_dbtp,
                    "dBTP",
                ),
                (
                    f"{key}.limiter.input_gain_db",
                    "Limiter input gain",
                    step.limiter.input_gain_db,
                    "dB",
                ),
                (f"{key}.limiter.target_lufs", "Loudness target", step.limiter.target_lufs, "LUFS"),
            )
        if step.width is not None:
            facts += _some(
                (f"{key}.width.width_percent", "Width setting", step.width.width_percent, "%"),
                (f"{key}.width.low_hz", "Width move, lower edge", step.width.low_hz, "Hz"),
                (f"{key}.width.high_hz", "Width move, upper edge", step.width.high_hz, "Hz"),
            )
    return facts
