"""The metric table: each headline measurement with its target for the genre and feedback type,
a status and a one-line note. The CLI prints it; the web page shows it as cards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from mixcoach.audio.analyze import Measurements
from mixcoach.audio.model import Model
from mixcoach.findings.grading import Context, describe, fmt
from mixcoach.formatting import difference_unit, number
from mixcoach.knowledge.sources import Target, source

Status = Literal["ok", "low", "high", "warning", "unknown"]


class MetricStatus(Model):
    metric: str  # dotted path into the Analysis, e.g. "loudness.integrated_lufs"
    label: str  # "Integrated loudness"
    value: float | str | None
    unit: str
    target_low: float | None
    target_high: float | None
    status: Literal["ok", "low", "high", "warning", "unknown"]
    note: str  # one line a producer understands
    source: str | None = None  # where the target comes from (None: no target)


@dataclass(frozen=True)
class _Row:
    metric: str
    label: str
    unit: str
    value: Callable[[Measurements], float | None]
    target: Callable[[Context], Target | None]
    meaning: str  # what the number is, for the note when no target applies
    low: str  # what being below the target means
    high: str  # what being above it means
    digits: int = 1
    none_is_ok: str | None = None  # the note when None means "nothing there" (no DC offset)


def _levels(name: str) -> Callable[[Context], Target | None]:
    return lambda ctx: getattr(ctx.levels, name)


def _short_term_target(ctx: Context) -> Target | None:
    """The loudest 3 s sit a few LU above the integrated target."""
    above, integrated = (
        ctx.limits.range("metrics.short_term_above_integrated_lu"),
        (ctx.levels.integrated_lufs),
    )
    if integrated.low is None or integrated.high is None or above.low is None or above.high is None:
        return None
    return Target(
        low=integrated.low + above.low, high=integrated.high + above.high, source=above.source
    )


_ROWS: tuple[_Row, ...] = (
    _Row(
        "loudness.integrated_lufs",
        "Integrated loudness",
        "LUFS",
        lambda m: m.loudness.integrated_lufs,
        _levels("integrated_lufs"),
        "average loudness of the whole track",
        "quieter than the range",
        "louder than the range",
    ),
    _Row(
        "loudness.true_peak_dbtp",
        "True peak",
        "dBTP",
        lambda m: m.loudness.true_peak_dbtp,
        _levels("true_peak_dbtp"),
        "highest peak, between samples included",
        "plenty of headroom",
        "above the ceiling, overs in encoding and playback",
    ),
    _Row(
        "loudness.short_term_max_lufs",
        "Loudest 3 s",
        "LUFS",
        lambda m: m.loudness.short_term_max_lufs,
        _short_term_target,
        "loudness of the loudest 3-second stretch",
        "the loudest part is quiet for the style",
        "the loudest part is pushed hard",
    ),
    _Row(
        "loudness.loudness_range_lu",
        "Loudness range (LRA)",
        "LU",
        lambda m: m.loudness.loudness_range_lu,
        _levels("loudness_range_lu"),
        "spread between quiet and loud sections (EBU Tech 3342)",
        "little difference between sections",
        "large swings between sections",
    ),
    _Row(
        "loudness.plr_db",
        "Peak-to-loudness ratio (PLR)",
        "dB",
        lambda m: m.loudness.plr_db,
        _levels("plr_db"),
        "true peak above the integrated loudness",
        "peaks squashed by heavy limiting",
        "peaks well above the body: very dynamic",
    ),
    _Row(
        "loudness.psr_db",
        "Peak-to-short-term ratio (PSR)",
        "dB",
        lambda m: m.loudness.psr_db,
        _levels("psr_db"),
        "peaks above the moment-to-moment loudness",
        "transients flattened",
        "transients stand far out",
    ),
    _Row(
        "dynamics.crest_factor_db",
        "Crest factor",
        "dB",
        lambda m: m.dynamics.crest_factor_db,
        _levels("crest_factor_db"),
        "sample peak above the RMS level",
        "dense and heavily limited",
        "very peaky",
    ),
    _Row(
        "dynamics.dynamic_range_db",
        "Dynamic range",
        "dB",
        lambda m: m.dynamics.dynamic_range_db,
        lambda ctx: None,
        "difference between the loud and the quiet parts",
        "",
        "",
    ),
    _Row(
        "stereo.width",
        "Stereo width",
        "",
        lambda m: m.stereo.width,
        lambda ctx: ctx.profile.stereo.width,
        "side energy over total: 0 mono, 0.5 unrelated channels",
        "narrow image",
        "very wide image, check it in mono",
        digits=2,
    ),
    _Row(
        "stereo.correlation",
        "L/R correlation",
        "",
        lambda m: m.stereo.correlation,
        lambda ctx: ctx.limits.range("metrics.correlation"),
        "+1 mono, 0 unrelated, negative out of phase",
        "out-of-phase content cancels in mono",
        "",
        digits=2,
    ),
    _Row(
        "stereo.mono_loss_db",
        "Loss when folded to mono",
        "dB",
        lambda m: m.stereo.mono_loss_db,
        lambda ctx: ctx.limits.range("metrics.mono_loss_db"),
        "level lost when left and right are summed",
        "",
        "parts cancel in mono",
    ),
    _Row(
        "stereo.balance_db",
        "L/R balance",
        "dB",
        lambda m: m.stereo.balance_db,
        lambda ctx: ctx.limits.range("balance.balance_db"),
        "left level minus right level",
        "leans right",
        "leans left",
    ),
    _Row(
        "stereo.low_end_width",
        "Low-end width (< 120 Hz)",
        "",
        lambda m: m.stereo.low_end_width,
        lambda ctx: ctx.profile.stereo.low_end_width,
        "width below 120 Hz",
        "",
        "stereo bass cancels on mono systems",
        digits=2,
    ),
    _Row(
        "spectrum.tilt_db_per_octave",
        "Spectral tilt",
        "dB/octave",
        lambda m: m.spectrum.tilt_db_per_octave,
        lambda ctx: ctx.profile.tilt_db_per_octave,
        "slope of the long-term spectrum",
        "dark overall",
        "bright overall",
    ),
    _Row(
        "rhythm.tempo_bpm",
        "Tempo",
        "BPM",
        lambda m: m.rhythm.tempo_bpm,
        lambda ctx: ctx.profile.tempo_bpm,
        "beats per minute",
        "slower than the style usually runs",
        "faster than the style usually runs",
    ),
    _Row(
        "defects.clip_run_count",
        "Clipped runs",
        "",
        lambda m: float(m.defects.clip_run_count),
        lambda ctx: Target(high=0.0, source="clip_convention"),
        "runs of consecutive samples at the clip level",
        "",
        "the audio clips",
        digits=0,
    ),
    _Row(
        "defects.dc_offset_dbfs",
        "DC offset",
        "dBFS",
        lambda m: max((v for v in m.defects.dc_offset_dbfs if v is not None), default=None),
        lambda ctx: Target(
            high=ctx.limits.value("dc_offset.suggestion_dbfs"), source="dc_practice"
        ),
        "largest constant offset of any channel",
        "",
        "an offset worth removing",
        none_is_ok="No DC offset.",
    ),
)

#: Rows whose departure from the target is a defect rather than a matter of taste.
_DEFECT_ROWS = {"defects.clip_run_count", "defects.dc_offset_dbfs", "stereo.correlation"}
#: Rows that judge the music itself: not judged in a silent or too short file (the findings
#: that read them do not run either; see ``grading.Content``).
_CONTENT_ROWS = {
    "loudness.integrated_lufs",
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
}


def metric_table(ctx: Context) -> list[MetricStatus]:
    content = ctx.content
    rows = [
        _status(ctx, row)
        if content.judgeable or row.metric not in _CONTENT_ROWS
        else _not_judged(ctx, row, reason=content.reason())
        for row in _ROWS
    ]
    rows.insert(rows.index(next(r for r in rows if r.metric == "rhythm.tempo_bpm")) + 1, _key(ctx))
    return rows


def _status(ctx: Context, row: _Row) -> MetricStatus:
    value = row.value(ctx.track)
    target = row.target(ctx)
    status: Status
    if value is None and row.none_is_ok is not None:
        status, note = "ok", row.none_is_ok
    elif value is None:
        status, note = "unknown", f"Not measured: {_first_note(ctx, row.metric)}."
    elif target is None:
        status, note = "ok", row.meaning[0].upper() + row.meaning[1:] + "."
    else:
        distance = _distance(ctx, row, target, value)
        meaning = row.meaning[0].upper() + row.meaning[1:]
        if distance == 0:
            status, note = "ok", f"{meaning}; in range"
        else:
            status = "high" if distance > 0 else "low"
            if row.metric in _DEFECT_ROWS:
                status = "warning"
            phrase = row.high if distance > 0 else row.low
            note = f"{fmt(abs(distance), difference_unit(row.unit), digits=row.digits)} "
            note += f"{'above' if distance > 0 else 'below'} the target"
            note += f": {phrase}" if phrase else ""
        note += _context(ctx, row, value) + "."
    return MetricStatus(
        metric=row.metric,
        label=row.label,
        value=None if value is None else round(value, 3),
        unit=row.unit,
        target_low=None if target is None else target.low,
        target_high=None if target is None else target.high,
        status=status,
        note=note,
        source=None if target is None else source(target.source).short,
    )


def _not_judged(ctx: Context, row: _Row, *, reason: str) -> MetricStatus:
    """A row of the music in a file that holds too little of it: the value, if measured, and
    why it is not held against the target."""
    value = row.value(ctx.track)
    if value is None:
        note = f"Not measured: {_first_note(ctx, row.metric)}."
    else:
        note = f"Not judged: {reason}."
    return MetricStatus(
        metric=row.metric,
        label=row.label,
        value=None if value is None else round(value, 3),
        unit=row.unit,
        target_low=None,
        target_high=None,
        status="unknown",
        note=note,
    )


def _distance(ctx: Context, row: _Row, target: Target, value: float) -> float:
    """Distance outside the target, 0 within its dead band (as the findings judge it); a tempo
    read at half or double time counts as inside."""
    if row.metric != "rhythm.tempo_bpm":
        return ctx.outside(row.metric.split(".")[-1], target, value)
    return min((target.distance(value * factor) for factor in (1.0, 0.5, 2.0)), key=abs)


def _context(ctx: Context, row: _Row, value: float) -> str:
    """A clause naming whose target it is, and for a premaster what the master will need."""
    if row.metric == "rhythm.tempo_bpm":
        # The one test of an uncertain tempo (Rhythm.judged), before the Analysis carries it.
        rhythm = ctx.track.rhythm.judged(min_confidence=ctx.limits.value("rhythm.min_confidence"))
        clause = " (read at half or double time)" if _octave_off(row, ctx, value) else ""
        if rhythm.uncertain:
            confidence = number(rhythm.confidence, decimals=2)
            clause += f"; uncertain: the pulse is weak (confidence {confidence})"
        return clause
    if row.metric == "loudness.integrated_lufs":
        clause = f" for {ctx.profile.label} as a {ctx.kind}"
        master = ctx.profile.master.integrated_lufs
        if ctx.feedback_type == "mastering" and master.low is not None:
            gain = master.low - value
            if gain > 0:
                clause += (
                    f"; the master target is {describe(master, 'LUFS')}, at least "
                    f"{fmt(gain, 'dB')} of gain from here"
                )
        return clause
    if row.metric == "loudness.true_peak_dbtp" and ctx.feedback_type == "mastering":
        ceiling = ctx.profile.master.true_peak_dbtp
        return f"; set the master limiter's ceiling to {describe(ceiling, 'dBTP')}"
    return ""


def _octave_off(row: _Row, ctx: Context, value: float) -> bool:
    """True when a tempo is only in range once halved or doubled."""
    target = row.target(ctx)
    return (
        target is not None
        and target.distance(value) != 0
        and _distance(ctx, row, target, value) == 0
    )


def _first_note(ctx: Context, metric: str) -> str:
    family = getattr(ctx.track, metric.split(".")[0])
    notes: list[str] = getattr(family, "notes", [])
    return notes[0].rstrip(".") if notes else "no value for this audio"


def _key(ctx: Context) -> MetricStatus:
    tonality = ctx.track.tonality
    if tonality.key is None or tonality.mode is None:
        value: str | None = None
        status: Status = "unknown"
        note = f"Not measured: {_first_note(ctx, 'tonality.key')}."
    else:
        value, status = f"{tonality.key} {tonality.mode}", "ok"
        camelot = f", Camelot {tonality.camelot}" if tonality.camelot else ""
        note = f"Confidence {tonality.confidence:.2f}{camelot}."
    return MetricStatus(
        metric="tonality.key",
        label="Key",
        value=value,
        unit="",
        target_low=None,
        target_high=None,
        status=status,
        note=note,
    )
