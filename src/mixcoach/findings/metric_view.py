"""How a metric reads wherever it is shown: one status vocabulary and one formatter, so the web
page and the PDF report cannot disagree.

The metric table (:mod:`mixcoach.findings.metrics`) judges each value; this module decides what
a producer sees of that judgement:

- the shown status: ``info`` ("For reference") for a value with no target (the key, the
  dynamic range outside a genre's range, the tempo, which describes the music and is no
  defect), ``ok`` ("In range"), ``low``/``high`` ("Low"/"High"), ``problem`` ("Problem", a
  defect such as clipped runs or DC offset out of range) and ``unknown`` ("Not measured");
- the figure: counts with no decimals and thousands separators, ratios with two decimals,
  everything else with one (none from 100 up), never ``-0.0``: a true peak of -0.004 dBTP
  reads ``-0.0`` dBTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import ConfigDict

from mixcoach.audio.model import Model
from mixcoach.audio.rhythm import Rhythm
from mixcoach.findings.metrics import MetricStatus
from mixcoach.formatting import count, number

ShownStatus = Literal["info", "ok", "low", "high", "problem", "unknown"]

STATUS_TEXT: dict[ShownStatus, str] = {
    "info": "For reference",
    "ok": "In range",
    "low": "Low",
    "high": "High",
    "problem": "Problem",
    "unknown": "Not measured",
}
_SHOWN: dict[str, ShownStatus] = {
    "ok": "ok",
    "low": "low",
    "high": "high",
    "warning": "problem",
    "unknown": "unknown",
}
_TEMPO = "rhythm.tempo_bpm"


class MetricView(Model):
    """One metric as the page's card and the PDF's row show it."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    metric: str
    """The metric, as a dotted path into the Analysis."""
    label: str
    """Its name to show."""
    status: ShownStatus
    """Its status: `info` (for reference), `ok`, `low`, `high`, `problem` or `unknown`."""
    status_text: str
    """The status in words, as the page's pill and the PDF's row show it."""
    value_text: str
    """The figure without its unit (`-0.0`), `—` when not measured."""
    unit: str
    """The unit shown after the figure; empty when there is none."""
    target_text: str
    """The target range in words, empty when there is none."""
    note: str
    """What the figure means, in a sentence."""


def metric_views(metrics: Sequence[MetricStatus], rhythm: Rhythm) -> list[MetricView]:
    """The views of ``metrics`` (the Analysis's metric table), in its order."""
    return [_view(metric, rhythm) for metric in metrics]


def figure(metric: MetricStatus, value: float | str | None) -> str:
    """``value`` (the metric's or one of its target's ends) as the metric's figures read."""
    counted = metric.unit == "runs" or metric.metric.endswith("_count")
    return format_figure(value, metric.unit, counted=counted)


def format_figure(value: float | str | None, unit: str, *, counted: bool = False) -> str:
    """A measured figure without its unit: counts whole, ratios (no unit) with two decimals,
    the rest with one (none from 100 up); "—" when there is none."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if counted:
        return count(round(value))
    if not unit:
        return number(value, decimals=2)
    return number(value, decimals=0 if abs(value) >= 100 else 1)


def shown_status(metric: MetricStatus) -> ShownStatus:
    """A value with no target cannot be "in range", only for reference; an out-of-range defect
    is a problem."""
    if metric.status == "ok" and metric.target_low is None and metric.target_high is None:
        return "info"
    return _SHOWN[metric.status]


def _view(metric: MetricStatus, rhythm: Rhythm) -> MetricView:
    numeric = isinstance(metric.value, (int, float))
    base = {
        "metric": metric.metric,
        "label": metric.label,
        "value_text": figure(metric, metric.value),
        "unit": metric.unit if numeric else "",
    }
    if metric.metric == _TEMPO and numeric and metric.status != "unknown":
        return MetricView(**base, status="info", **_tempo_words(metric, rhythm))
    status = shown_status(metric)
    return MetricView(
        **base,
        status=status,
        status_text=STATUS_TEXT[status],
        target_text=_target(metric),
        note=metric.note,
    )


def _tempo_words(metric: MetricStatus, rhythm: Rhythm) -> dict[str, str]:
    """The tempo is information: the style's usual range, and how sure the reading is."""
    low, high = metric.target_low, metric.target_high
    usual = (
        f"The style usually runs {figure(metric, low)} to {figure(metric, high)} BPM"
        if low is not None and high is not None
        else "No usual tempo for this genre"
    )
    note = f"Confidence {number(rhythm.confidence, decimals=2)}"
    if rhythm.uncertain:
        note += ": the pulse is weak"
        if rhythm.alternative_bpm is not None:
            note += f"; it may be {figure(metric, rhythm.alternative_bpm)} BPM"
            note += f" ({rhythm.alternative_relation} time)"
    return {
        "status_text": "Uncertain" if rhythm.uncertain else STATUS_TEXT["info"],
        "target_text": usual,
        "note": note + ".",
    }


def _target(metric: MetricStatus) -> str:
    low, high = metric.target_low, metric.target_high
    unit = f" {metric.unit}" if metric.unit else ""
    if low is not None and high is not None:
        return f"Target {figure(metric, low)} to {figure(metric, high)}{unit}"
    if high is not None:
        return f"Target at most {figure(metric, high)}{unit}"
    if low is not None:
        return f"Target at least {figure(metric, low)}{unit}"
    return "No target for this genre"
