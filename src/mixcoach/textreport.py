"""The terminal report of one Analysis: metrics with targets and status, then the findings."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from mixcoach.analysis import Analysis, Reference
from mixcoach.audio.model import TimeRange
from mixcoach.findings.judge import MetricStatus
from mixcoach.findings.model import Finding

_STATUS_STYLE = {
    "ok": "green",
    "low": "yellow",
    "high": "yellow",
    "warning": "red",
    "unknown": "dim",
}
_SEVERITY_STYLE = {"problem": "bold red", "warning": "red", "suggestion": "yellow", "info": "cyan"}
_FEEDBACK_LABEL = {
    "mixdown": "mixdown",
    "mastering": "mix for mastering",
    "master_review": "master",
}
_MAX_RANGES_SHOWN = 4


def render_analysis(analysis: Analysis) -> Group:
    """Everything a producer reads in the terminal for one file."""
    parts: list[Any] = [
        _header(analysis),
        _metrics_table(analysis.metrics),
        _findings(analysis.findings),
    ]
    if analysis.reference is not None:
        parts.append(_reference(analysis.reference))
    notes = analysis.all_notes()
    if notes:
        parts.append(Text("\n".join(f"note: {note}" for note in notes), style="dim"))
    parts.append(Text(""))
    return Group(*parts)


def _header(analysis: Analysis) -> Text:
    info = analysis.file
    depth = f"{info.bit_depth}-bit {info.sample_format}" if info.bit_depth else info.codec
    channels = {1: "mono", 2: "stereo"}.get(info.channels, f"{info.channels} channels")
    request = analysis.request
    text = Text()
    text.append(info.path, style="bold")
    text.append(
        f"\n{info.format.upper()} · {depth} · {info.sample_rate_hz / 1000:g} kHz · {channels} · "
        f"{format_time(info.duration_s)}"
    )
    text.append(
        f"\nJudged as a {_FEEDBACK_LABEL[request.feedback_type]} for {request.genre_label}",
        style="dim",
    )
    return text


def _metrics_table(metrics: list[MetricStatus]) -> Table:
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("Metric")
    table.add_column("Value", justify="right")
    table.add_column("Target", justify="right")
    table.add_column("Status")
    table.add_column("", overflow="fold")
    for metric in metrics:
        style = _STATUS_STYLE.get(metric.status, "")
        table.add_row(
            metric.label,
            format_value(metric.value, metric.unit),
            format_target(metric.target_low, metric.target_high, metric.unit),
            Text(metric.status, style=style),
            "" if metric.status == "ok" else metric.note,  # explain only what needs a look
        )
    return table


def _findings(findings: list[Finding]) -> Group:
    if not findings:
        return Group(Text("\nNo findings: nothing here needs attention.", style="green"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for finding in findings:
        text = Text(finding.title)
        if finding.time_ranges:
            text.append(f"  [{format_ranges(finding.time_ranges)}]", style="dim")
        text.append(f"\n{finding.detail}", style="dim")
        grid.add_row(Text(finding.severity, style=_SEVERITY_STYLE.get(finding.severity, "")), text)
    return Group(Text(f"\nFindings ({len(findings)})", style="bold"), grid)


def _reference(reference: Reference) -> Text:
    comparison = reference.comparison
    text = Text(f"\nAgainst the reference {reference.measurements.file.path}", style="bold")
    for name, value in comparison.model_dump().items():
        if isinstance(value, (int, float)) and value is not None:
            text.append(f"\n  {name.replace('_', ' ')}: {value:+.1f}")
    return text


def format_time(seconds: float) -> str:
    """``75.25`` -> ``"1:15.3"``."""
    minutes, rest = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes)}:{rest:04.1f}"


def format_ranges(ranges: list[TimeRange]) -> str:
    shown = ", ".join(
        f"{format_time(r.start_s)}-{format_time(r.end_s)}" for r in ranges[:_MAX_RANGES_SHOWN]
    )
    extra = len(ranges) - _MAX_RANGES_SHOWN
    return shown + (f" and {extra} more" if extra > 0 else "")


def format_value(value: float | str | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if float(value).is_integer() and not unit:
        return str(int(value))  # counts
    digits = 1 if abs(value) >= 0.1 else 3
    return f"{value:.{digits}f} {unit}".strip()


def format_target(low: float | None, high: float | None, unit: str) -> str:
    if low is None and high is None:
        return ""
    if low is None:
        return f"≤ {high:g} {unit}".strip()
    if high is None:
        return f"≥ {low:g} {unit}".strip()
    return f"{low:g} to {high:g} {unit}".strip()
