"""The terminal report of one Analysis: metrics with targets and status, then the findings."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from mixcoach.analysis import Analysis, Reference
from mixcoach.findings.judge import MetricStatus
from mixcoach.findings.model import Finding
from mixcoach.formatting import format_ranges, format_target, format_time, format_value

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
    """The differences that matter, track minus reference, in words."""
    c = reference.comparison
    lines = []
    if c.loudness_difference_lu is not None:
        line = f"Loudness: {c.loudness_difference_lu:+.1f} LU against the reference"
        if c.gain_to_match_db is not None:
            line += f"; {c.gain_to_match_db:+.1f} dB on the track matches it"
        lines.append(line)
    bands = [b for b in c.band_differences if b.difference_db is not None]
    if bands:
        lines.append(
            "Balance, loudness-matched: "
            + ", ".join(f"{b.name.replace('_', ' ')} {b.difference_db:+.1f} dB" for b in bands)
        )
    if c.plr_difference_db is not None:
        lines.append(f"Peak-to-loudness ratio: {c.plr_difference_db:+.1f} dB")
    if c.loudness_range_difference_lu is not None:
        lines.append(f"Loudness range: {c.loudness_range_difference_lu:+.1f} LU")
    if c.width_difference is not None:
        lines.append(f"Stereo width: {c.width_difference:+.2f}")
    if c.track_tempo_bpm is not None and c.reference_tempo_bpm is not None:
        lines.append(
            f"Tempo: {c.track_tempo_bpm:.1f} against {c.reference_tempo_bpm:.1f} BPM "
            f"({c.tempo_relation})"
        )
    if c.track_key is not None and c.reference_key is not None:
        lines.append(f"Key: {c.track_key} against {c.reference_key} ({c.key_relation})")
    text = Text(f"\nAgainst the reference {reference.measurements.file.path}", style="bold")
    for line in lines:
        text.append(f"\n  {line}")
    return text
