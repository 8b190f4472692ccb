"""Stereo rules: stereo_too_narrow, stereo_too_wide, wide_low_end, phase_issue,
channel_imbalance. Width targets come from the genre profile; correlation, mono-loss and
balance limits from thresholds.toml."""

from __future__ import annotations

from mixcoach.audio.stereo import BandWidth
from mixcoach.findings.grading import (
    Context,
    describe,
    evidence,
    fmt,
    merge_ranges,
    worst,
    worst_allowed,
)
from mixcoach.findings.model import Evidence, Finding, Severity
from mixcoach.knowledge.sources import Target

_MAX_RANGES = 20


def width(ctx: Context) -> list[Finding]:
    stereo = ctx.track.stereo
    target = ctx.profile.stereo.width
    source_text = ctx.profile_source(target, section="stereo")
    if stereo.is_mono_source:
        one_channel = ctx.track.file.channels == 1
        return ctx.finding(
            "stereo_too_narrow",
            ctx.severity_of("stereo.mono_source_severity"),
            title="The track is mono." if one_channel else "Both channels are identical: mono.",
            detail=(
                "The file has a single channel"
                if one_channel
                else "Left and right carry the same signal (a mono bounce or a mono fold)"
            )
            + f"; {ctx.profile.label} is released in stereo, with a width of "
            f"{describe(target)}. Check the bounce settings and any mono switch on the mix bus.",
            evidence=[evidence("stereo.width", stereo.width or 0.0, "", target, source_text)],
        )
    if stereo.width is None:
        return []
    distance = ctx.outside("width", target, stereo.width)
    if distance == 0:
        return []
    narrow = distance < 0
    key = "width_low" if narrow else "width_high"
    advice = (
        "Pan supporting parts, use stereo reverbs or doubled parts; keep the lows centred."
        if narrow
        else "Very wide mixes collapse in mono and on phones: check wideners, M/S processing "
        "and out-of-phase reverbs."
    )
    return ctx.finding(
        "stereo_too_narrow" if narrow else "stereo_too_wide",
        ctx.graded(key, distance),
        title=f"The stereo image is {'narrow' if narrow else 'very wide'} for {ctx.profile.label}.",
        detail=f"Width {fmt(stereo.width, digits=2)} (side energy over total) against "
        f"{describe(target, digits=2)}. {advice}",
        evidence=[evidence("stereo.width", stereo.width, "", target, source_text)],
    )


def low_end(ctx: Context) -> list[Finding]:
    value = ctx.track.stereo.low_end_width
    target = ctx.profile.stereo.low_end_width
    if value is None or ctx.outside("low_end_width", target, value) <= 0:
        return []
    severity = ctx.graded("low_end_width", target.distance(value))
    advice = (
        " Stereo bass cancels on mono club systems and wastes headroom; make the lows mono (a"
        " mono-below-120 Hz utility or M/S high-pass on the side)."
    )
    if natural_low_end(ctx):
        severity = worst_allowed(severity, ctx.severity_of("stereo.natural_low_end_severity"))
        advice = (
            " The lows are decorrelated, not inverted, and the track loses only "
            f"{fmt(ctx.track.stereo.mono_loss_db or 0.0, 'dB')} in mono: that is how spaced "
            "microphones record a room, natural for an acoustic or orchestral recording. For"
            " clubs or vinyl, make the lows mono below 120 Hz; otherwise leave them."
        )
    return ctx.finding(
        "wide_low_end",
        severity,
        title="The low end is wide.",
        detail=f"Width below 120 Hz is {fmt(value, digits=2)} against {describe(target, digits=2)}"
        f" for {ctx.profile.label}.{advice}",
        evidence=[
            evidence(
                "stereo.low_end_width",
                value,
                "",
                target,
                ctx.profile_source(target, section="stereo"),
            )
        ],
    )


def _low_bands(ctx: Context) -> list[BandWidth]:
    return [band for band in ctx.track.stereo.bands if band.name in ("sub", "low")]


def natural_low_end(ctx: Context) -> bool:
    """True when the lows are decorrelated the way spaced microphones decorrelate them, not
    inverted or widened: every low band's correlation at or above
    ``phase.natural_low_correlation``, the sub band still coherent
    (``phase.natural_sub_correlation``), and the whole track folding to mono with less than
    ``phase.mono_loss_warning_db`` lost."""
    stereo, limits = ctx.track.stereo, ctx.limits
    floor = limits.value("phase.natural_low_correlation")
    sub = next((b.correlation for b in stereo.bands if b.name == "sub"), None)
    loss = stereo.mono_loss_db
    return (
        loss is not None
        and loss <= limits.value("phase.mono_loss_warning_db")
        and sub is not None
        and sub >= limits.value("phase.natural_sub_correlation")
        and all(b.correlation is None or b.correlation >= floor for b in _low_bands(ctx))
    )


def phase(ctx: Context) -> list[Finding]:
    """Correlation of the whole, of the low bands, mono loss, and the negative stretches."""
    stereo, limits = ctx.track.stereo, ctx.limits
    if stereo.is_mono_source:
        return []
    severities: list[Severity | None] = []
    proof: list[Evidence] = []
    said: list[str] = []
    corr = stereo.correlation
    warn, worst_corr = (
        limits.value("phase.correlation_warning"),
        limits.value("phase.correlation_problem"),
    )
    if corr is not None and ctx.outside("correlation", Target(low=warn, source=""), corr) < 0:
        severities.append("problem" if corr < worst_corr else "warning")
        proof.append(
            evidence(
                "stereo.correlation",
                corr,
                "",
                Target(low=warn, source="correlation_meter"),
                ctx.threshold_source("phase.correlation_warning"),
            )
        )
        said.append(f"the L/R correlation is {fmt(corr, digits=2)} over the whole track")
    loss = stereo.mono_loss_db
    loss_warn, loss_problem = (
        limits.value("phase.mono_loss_warning_db"),
        limits.value("phase.mono_loss_problem_db"),
    )
    if (
        loss is not None
        and ctx.outside("mono_loss_db", Target(high=loss_warn, source=""), loss) > 0
    ):
        severities.append("problem" if loss > loss_problem else "warning")
        proof.append(
            evidence(
                "stereo.mono_loss_db",
                loss,
                "dB",
                Target(high=loss_warn, source="correlation_meter"),
                ctx.threshold_source("phase.mono_loss_warning_db"),
            )
        )
        said.append(f"folding to mono loses {fmt(loss, 'dB')}")
    low_target = ctx.profile.stereo.low_end_correlation
    # Spaced microphones decorrelate the lows down to the natural floor: below the profile's
    # range but above that floor, and with no collapse in mono, the lows are no phase fault.
    natural = limits.value("phase.natural_low_correlation")
    floor = Target(low=min(low_target.low or 0.0, natural), source=low_target.source)
    floor_source = (
        ctx.profile_source(low_target, section="stereo")
        if floor.low == low_target.low
        else ctx.threshold_source("phase.natural_low_correlation")
    )
    for band in _low_bands(ctx):
        if band.correlation is not None and ctx.outside("correlation", floor, band.correlation) < 0:
            severities.append("warning")
            proof.append(
                evidence(
                    f"stereo.bands.{band.name}.correlation",
                    band.correlation,
                    "",
                    floor,
                    floor_source,
                )
            )
            said.append(f"the {band.name} band's correlation is {fmt(band.correlation, digits=2)}")
    ranges = merge_ranges(stereo.correlation_low_points, gap_s=1.0, limit=_MAX_RANGES)
    negative_s = sum(r.end_s - r.start_s for r in stereo.correlation_low_points)
    share = negative_s / max(ctx.track.file.duration_s, 1e-9)
    deepest = stereo.correlation_min
    low_point = limits.value("phase.low_point_correlation")
    if (
        not severities
        and share >= limits.value("phase.low_points_min_fraction")
        and deepest is not None
        and deepest <= low_point
    ):
        severities.append("suggestion")
        proof.append(
            evidence(
                "stereo.correlation_min",
                deepest,
                "",
                Target(low=low_point, source="correlation_meter"),
                ctx.threshold_source("phase.low_point_correlation"),
            )
        )
        said.append(
            f"the correlation turns negative for {negative_s:.1f} s in all ({share:.0%} of it), "
            f"down to {fmt(deepest, digits=2)}"
        )
    severity = worst(*severities)
    if severity is None:
        return []
    return ctx.finding(
        "phase_issue",
        severity,
        title="Parts of the mix are out of phase between left and right.",
        detail="; ".join(said).capitalize()
        + ". Out-of-phase content cancels when the track is played in mono (phones, clubs, "
        "radios): check for a flipped polarity on one side, wideners and M/S tricks.",
        evidence=proof,
        time_ranges=ranges,
    )


def balance(ctx: Context) -> list[Finding]:
    value = ctx.track.stereo.balance_db
    target = ctx.limits.range("balance.balance_db")
    if value is None or ctx.track.stereo.is_mono_source:
        return []
    distance = ctx.outside("balance_db", target, value)
    if distance == 0:
        return []
    side = "left" if value > 0 else "right"
    return ctx.finding(
        "channel_imbalance",
        ctx.graded("balance_db", distance),
        title=f"The {side} channel is louder.",
        detail=f"Left minus right is {fmt(value, 'dB', signed=True)}, outside "
        f"{describe(target, 'dB')}: the image leans {side}. Check the panning of the loudest "
        "parts, a balance control left on the mix bus, or a mismatched output.",
        evidence=[
            evidence(
                "stereo.balance_db", value, "dB", target, ctx.threshold_source("balance.balance_db")
            )
        ],
    )
