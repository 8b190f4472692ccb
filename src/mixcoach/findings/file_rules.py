"""File-level rules: dc_offset, silence_padding, low_resolution_source."""

from __future__ import annotations

from mixcoach.audio.model import TimeRange
from mixcoach.findings.grading import Context, evidence, fmt, worst
from mixcoach.findings.model import SEVERITIES, Evidence, Finding, Severity
from mixcoach.knowledge.sources import Target


def dc_offset(ctx: Context) -> list[Finding]:
    offsets = [
        (channel, value)
        for channel, value in enumerate(ctx.track.defects.dc_offset_dbfs)
        if value is not None
    ]
    if not offsets:
        return []
    channel, value = max(offsets, key=lambda item: item[1])
    limits = ctx.limits
    severity: Severity | None = None
    for step in SEVERITIES[1:]:  # suggestion, warning, problem: each has its level
        if value > limits.value(f"dc_offset.{step}_dbfs"):
            severity = step
    if severity is None:
        return []
    layout = ctx.track.file.channel_layout
    name = layout[channel] if channel < len(layout) else f"channel {channel + 1}"
    return ctx.finding(
        "dc_offset",
        severity,
        title="The audio carries a DC offset.",
        detail=f"Channel {name} is offset by {fmt(value, 'dBFS')} (the limit is "
        f"{fmt(limits.value('dc_offset.suggestion_dbfs'), 'dBFS')}). An offset wastes headroom, "
        "shifts compressor and limiter thresholds and clicks at edits: high-pass at 5-20 Hz or "
        "use a DC-removal filter, and check the interface or plug-in that adds it.",
        evidence=[
            evidence(
                f"defects.dc_offset_dbfs.{channel}",
                value,
                "dBFS",
                Target(high=limits.value("dc_offset.suggestion_dbfs"), source="dc_practice"),
                ctx.threshold_source("dc_offset.suggestion_dbfs"),
            )
        ],
    )


def silence(ctx: Context) -> list[Finding]:
    """Silence before the first sound and after the last; none in a file that is all silence
    (there is nothing it pads: the judgement's note says the file is silent)."""
    if ctx.content.silent:
        return []
    defects, duration = ctx.track.defects, ctx.track.file.duration_s
    limits = ctx.limits
    beyond = limits.value("silence.warning_beyond_s")
    parts: list[str] = []
    proof: list[Evidence] = []
    ranges: list[TimeRange] = []
    severity: Severity | None = None
    for edge, seconds in (("start", defects.silence_start_s), ("end", defects.silence_end_s)):
        target = limits.range(f"silence.{edge}_s")
        over = target.distance(seconds)
        if over <= 0:
            continue
        severity = "warning" if over >= beyond or severity == "warning" else "suggestion"
        parts.append(f"{seconds:.2f} s of silence at the {edge}")
        proof.append(
            evidence(
                f"defects.silence_{edge}_s",
                seconds,
                "s",
                target,
                ctx.threshold_source(f"silence.{edge}_s"),
            )
        )
        ranges.append(
            TimeRange(start_s=0.0, end_s=round(seconds, 3))
            if edge == "start"
            else TimeRange(start_s=round(max(0.0, duration - seconds), 3), end_s=round(duration, 3))
        )
    if severity is None:
        return []
    return ctx.finding(
        "silence_padding",
        severity,
        title="The file is padded with silence.",
        detail=" and ".join(parts).capitalize()
        + ". Trim it before delivery: streaming playlists and albums play the gap as is.",
        evidence=proof,
        time_ranges=ranges,
    )


def resolution(ctx: Context) -> list[Finding]:
    """One low_resolution_source finding for a lossy file, a low bit depth or sample rate, or
    a spectrum cut off well below the file's Nyquist frequency (the worst severity wins)."""
    info, limits = ctx.track.file, ctx.limits
    reasons: list[tuple[Severity, str, Evidence]] = []
    if info.sample_format == "lossy":
        rate = f" at {info.bitrate_kbps:.0f} kb/s" if info.bitrate_kbps else ""
        reasons.append(
            (
                ctx.severity_of("resolution.lossy_severity"),
                f"The file is lossy ({info.codec}{rate}): it has already lost detail and gained "
                "encoder overshoots.",
                Evidence(
                    metric="file.sample_format",
                    value=None,
                    unit="",
                    target_low=None,
                    target_high=None,
                    source=ctx.threshold_source("resolution.min_bit_depth"),
                ),
            )
        )
    for metric, key, value, unit in (
        ("file.bit_depth", "resolution.min_bit_depth", info.bit_depth, "bit"),
        ("file.sample_rate_hz", "resolution.min_sample_rate_hz", info.sample_rate_hz, "Hz"),
    ):
        minimum = limits.value(key)
        if value is not None and value < minimum:
            reasons.append(
                (
                    ctx.severity_of("resolution.below_minimum_severity"),
                    f"It is {value} {unit}, below the {minimum:.0f} {unit} streaming delivery "
                    "expects.",
                    evidence(
                        metric,
                        float(value),
                        unit,
                        Target(low=minimum, source="resolution_practice"),
                        ctx.threshold_source(key),
                    ),
                )
            )
    cutoff = ctx.track.spectrum.high_cutoff_hz
    minimum = limits.value("resolution.min_high_cutoff_hz")
    if cutoff is not None and cutoff < minimum and info.sample_rate_hz >= 2 * minimum:
        reasons.append(
            (
                ctx.severity_of("resolution.cutoff_severity"),
                f"Its spectrum stops at {cutoff:.0f} Hz although the file could hold up to "
                f"{info.sample_rate_hz / 2:.0f} Hz: a lossy file, a low sample rate or a steep "
                "low-pass somewhere upstream.",
                evidence(
                    "spectrum.high_cutoff_hz",
                    cutoff,
                    "Hz",
                    Target(low=minimum, source="resolution_practice"),
                    ctx.threshold_source("resolution.min_high_cutoff_hz"),
                ),
            )
        )
    if not reasons:
        return []
    return ctx.finding(
        "low_resolution_source",
        worst(*(severity for severity, _, _ in reasons)),
        title="The audio comes from a lower-resolution source than delivery needs.",
        detail=" ".join(text for _, text, _ in reasons)
        + " Judge, master and deliver from a lossless bounce at the session's resolution.",
        evidence=[proof for _, _, proof in reasons],
    )
