"""Answers about one measured value asked for by name: the value, the target it was judged
against, where it sits, and the move when a finding concerns it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mixcoach import formatting as fmt
from mixcoach.analysis import Analysis
from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import Context, advise
from mixcoach.feedback.chat_draft import Draft, against_range, finding, metric_row, range_text
from mixcoach.feedback.model import Step


@dataclass(frozen=True)
class Measure:
    label: str
    unit: str
    value: Callable[[Analysis], float | None]
    metric: str | None = None  # its row in the metric table (the target), if it has one
    codes: tuple[str, ...] = ()  # the findings that concern it
    scale: float = 1.0  # the metric row's unit to the one written (a width fraction -> %)
    decimals: int = 1


def _dc(a: Analysis) -> float | None:
    offsets = [v for v in a.defects.dc_offset_dbfs if v is not None]
    return max(offsets) if offsets else None


def _percent(value: float | None) -> float | None:
    return None if value is None else 100 * value


MEASURES: dict[str, Measure] = {
    "dc_offset": Measure(
        "The DC offset (the larger channel's)",
        "dBFS",
        _dc,
        "defects.dc_offset_dbfs",
        ("dc_offset",),
    ),
    "lra": Measure(
        "The loudness range (LRA)",
        "LU",
        lambda a: a.loudness.loudness_range_lu,
        "loudness.loudness_range_lu",
        ("under_compressed", "over_compressed"),
    ),
    "crest": Measure(
        "The crest factor",
        "dB",
        lambda a: a.dynamics.crest_factor_db,
        "dynamics.crest_factor_db",
        ("over_compressed", "under_compressed"),
    ),
    "psr": Measure(
        "The peak-to-short-term-loudness ratio (PSR)",
        "dB",
        lambda a: a.loudness.psr_db,
        "loudness.psr_db",
        ("over_compressed", "under_compressed"),
    ),
    "plr": Measure(
        "The peak-to-loudness ratio (PLR)",
        "dB",
        lambda a: a.loudness.plr_db,
        "loudness.plr_db",
        ("over_compressed", "under_compressed"),
    ),
    "true_peak": Measure(
        "The true peak",
        "dBTP",
        lambda a: a.loudness.true_peak_dbtp,
        "loudness.true_peak_dbtp",
        ("true_peak_over", "clipping"),
    ),
    "sample_peak": Measure(
        "The sample peak", "dBFS", lambda a: a.loudness.sample_peak_dbfs, None, ("clipping",)
    ),
    "integrated": Measure(
        "The integrated loudness",
        "LUFS",
        lambda a: a.loudness.integrated_lufs,
        "loudness.integrated_lufs",
        ("too_loud", "too_quiet"),
    ),
    "short_term_max": Measure(
        "The loudest 3 s (short-term maximum)",
        "LUFS",
        lambda a: a.loudness.short_term_max_lufs,
        "loudness.short_term_max_lufs",
    ),
    "momentary_max": Measure(
        "The momentary maximum", "LUFS", lambda a: a.loudness.momentary_max_lufs
    ),
    "dynamic_range": Measure("The dynamic range (DR)", "dB", lambda a: a.dynamics.dynamic_range_db),
    "transients": Measure(
        "The transient strength (how far hits rise above the sustain)",
        "dB",
        lambda a: a.dynamics.transient_strength_db,
        None,
        ("over_compressed",),
    ),
    "limiting": Measure(
        "The estimated limiting on the loud parts",
        "dB",
        lambda a: a.dynamics.limiting_db,
        None,
        ("over_compressed",),
    ),
    "tilt": Measure(
        "The spectral tilt",
        "dB/octave",
        lambda a: a.spectrum.tilt_db_per_octave,
        "spectrum.tilt_db_per_octave",
        ("too_bright", "too_dull"),
        decimals=2,
    ),
    "centroid": Measure("The spectral centroid", "Hz", lambda a: a.spectrum.centroid_hz),
    "cutoff": Measure(
        "The high-frequency cut-off",
        "Hz",
        lambda a: a.spectrum.high_cutoff_hz,
        None,
        ("low_resolution_source",),
    ),
    "balance": Measure(
        "The left-right balance (left minus right)",
        "dB",
        lambda a: a.stereo.balance_db,
        "stereo.balance_db",
        ("channel_imbalance",),
    ),
    "sample_rate": Measure("The sample rate", "Hz", lambda a: float(a.file.sample_rate_hz)),
    "duration": Measure("The duration", "s", lambda a: a.file.duration_s),
    "mono_loss": Measure(
        "The level lost when folded to mono",
        "dB",
        lambda a: a.stereo.mono_loss_db,
        "stereo.mono_loss_db",
        ("phase_issue",),
    ),
    "width": Measure(
        "The stereo width (side energy over the total)",
        "%",
        lambda a: _percent(a.stereo.width),
        "stereo.width",
        ("stereo_too_wide", "stereo_too_narrow", "phase_issue", "wide_low_end"),
        scale=100.0,
    ),
}
#: Values that stand for the whole stereo picture: answered with width, correlation and mono loss.
STEREO = ("width", "correlation", "mono_loss")


def answer_value(ctx: Context, name: str, draft: Draft, *, why: bool = False) -> None:
    if name in STEREO:
        _stereo(ctx, draft, why=why)
    elif name == "clips":
        _clips(ctx, draft)
    elif name == "silence":
        _silence(ctx, draft)
    elif name in MEASURES:
        _measure(ctx, MEASURES[name], draft, why=why)


def _measure(ctx: Context, measure: Measure, draft: Draft, *, why: bool) -> None:
    value = measure.value(ctx.analysis)
    if value is None:
        draft.add(f"{measure.label} could not be measured on this track (silent or too short).")
        return
    text = f"{measure.label} measures {_written(value, measure)}."
    row = None if measure.metric is None else metric_row(ctx, measure.metric)
    if row is not None and (row.target_low is not None or row.target_high is not None):
        low, high = row.target_low, row.target_high
        scaled = [None if v is None else v * measure.scale for v in (low, high)]
        text += (
            f" The {ctx.genre} target for this feedback type is "
            f"{range_text(low, high, measure.unit, scale=measure.scale)}: it sits "
            f"{against_range(value, scaled[0], scaled[1], measure.unit)}."
        )
    limiter = _limiter_over(ctx, value) if measure.metric == "loudness.true_peak_dbtp" else None
    if limiter is not None:
        # The plan's ceiling can sit below the genre's range (a platform's guidance, or a
        # codec's overshoot): the words follow the plan, not the range.
        ceiling = ctx.plan.ceiling_dbtp or 0.0
        text += (
            f" The plan's limiter ceiling is {n.db(ceiling, unit='dBTP')}, so it is "
            f"{n.db(value - ceiling)} too high; the plan's step: {limiter.title}."
        )
    draft.add(text)
    if limiter is None:
        _finding_move(ctx, measure.codes, draft, why=why)


def _limiter_over(ctx: Context, true_peak_dbtp: float) -> Step | None:
    """The plan's limiter step when the true peak is above the plan's ceiling."""
    ceiling = ctx.plan.ceiling_dbtp
    if ceiling is None or true_peak_dbtp <= ceiling:
        return None
    return next((step for step in ctx.plan.steps if step.move == "limiter"), None)


def _written(value: float, measure: Measure) -> str:
    if measure.unit == "dB/octave":
        return f"{n.num(value, decimals=measure.decimals)} dB/octave"
    return n.with_unit(value, measure.unit)


def _finding_move(ctx: Context, codes: tuple[str, ...], draft: Draft, *, why: bool) -> None:
    """What the review's finding on this value says to do (and why, when asked)."""
    found = finding(ctx, *codes)
    if found is None:
        if codes:
            draft.add("No finding was raised on it: nothing to change for this value.")
        return
    advice = advise(found, ctx)
    reason = f" {advice.why}" if why else ""
    step = ctx.plan.step_for(found.code)
    move = "" if step is None else f" The plan's step: {step.title}" + _setting(step) + "."
    draft.add(f"**{advice.title}.** {advice.summary}{reason}{move}".strip(), codes=[found.code])


def _setting(step: Step) -> str:
    """The filter a step sets, when its title does not already say where."""
    if step.eq is None or n.hz(step.eq.frequency_hz) in step.title:
        return ""
    shape = step.eq.kind.replace("_", "-")
    return f" ({shape} at {n.hz(step.eq.frequency_hz)})"


def _stereo(ctx: Context, draft: Draft, *, why: bool) -> None:
    stereo = ctx.analysis.stereo
    parts = []
    if stereo.width is not None:
        row = metric_row(ctx, "stereo.width")
        target = ""
        if row is not None and row.target_low is not None and row.target_high is not None:
            # The target as the share it is judged in (the measured facts hold it so).
            target = (
                f" (a share of {n.num(stereo.width, decimals=2)} against the {ctx.genre} range "
                f"{n.num(row.target_low, decimals=2)} to {n.num(row.target_high, decimals=2)})"
            )
        parts.append(f"the width measures {n.percent(100 * stereo.width)}{target}")
    if stereo.correlation is not None:
        parts.append(
            f"the left-right correlation {n.num(stereo.correlation, decimals=2)} (+1 is mono, 0 "
            "unrelated channels, below 0 out of phase)"
        )
    if stereo.mono_loss_db is not None:
        parts.append(f"folding to mono loses {n.db(stereo.mono_loss_db)}")
    if not parts:
        draft.add("The stereo image could not be measured (the file is mono or silent).")
        return
    draft.add(f"In the stereo image, {fmt.listing(parts)}.")
    _finding_move(ctx, MEASURES["width"].codes, draft, why=why)


def _clips(ctx: Context, draft: Draft) -> None:
    defects = ctx.analysis.defects
    if not defects.clip_run_count:
        draft.add("No clipping was found: no run of samples sits flat at the clip level.")
        return
    longest = max(defects.clip_runs, key=lambda run: run.samples, default=None)
    where = (
        ""
        if longest is None
        else f", the longest ({fmt.counted(longest.samples, 'sample')}) at "
        f"{fmt.format_time(longest.start_s)}"
    )
    first = min((run.start_s for run in defects.clip_runs), default=None)
    start = "" if first is None else f"; the first at {fmt.format_time(first)}"
    draft.add(f"The track has {fmt.counted(defects.clip_run_count, 'clipped run')}{where}{start}.")
    _finding_move(ctx, ("clipping",), draft, why=False)


def _silence(ctx: Context, draft: Draft) -> None:
    defects = ctx.analysis.defects
    draft.add(
        f"The music starts after {n.seconds(defects.silence_start_s)} of silence and ends "
        f"{n.seconds(defects.silence_end_s)} before the end of the file."
    )
    _finding_move(ctx, ("silence_padding",), draft, why=False)
