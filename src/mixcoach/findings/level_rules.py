"""Level and dynamics rules: too_loud, too_quiet, true_peak_over, clipping, over_compressed,
under_compressed.

A mixdown (and a mix prepared for mastering) is judged for headroom: the profile's ``mix``
ranges. A master is judged for delivery: the profile's ``master`` ranges, the streaming
platforms' playback and their true-peak guidance for lossy encoding.
"""

from __future__ import annotations

from mixcoach.audio.model import TimeRange
from mixcoach.findings.grading import Context, describe, evidence, fmt, merge_ranges, worst
from mixcoach.findings.model import Evidence, Finding, Severity
from mixcoach.formatting import decoded_peak
from mixcoach.knowledge.platforms import (
    DecodedOvershoot,
    DeliveryCeiling,
    delivery_ceiling,
    platforms,
    playback,
)
from mixcoach.knowledge.sources import Target, source

#: Time ranges listed per finding, at most (the longest are kept).
_MAX_RANGES = 20


def loudness(ctx: Context) -> list[Finding]:
    integrated = ctx.track.loudness.integrated_lufs
    if integrated is None:
        return []
    target = ctx.levels.integrated_lufs
    distance = ctx.outside("integrated_lufs", target, integrated)
    if distance == 0:
        return []
    code = "too_loud" if distance > 0 else "too_quiet"
    proof = [
        evidence("loudness.integrated_lufs", integrated, "LUFS", target, ctx.profile_source(target))
    ]
    where = f"{fmt(integrated, 'LUFS')} integrated, {fmt(abs(distance), 'LU')} "
    where += f"{'above' if distance > 0 else 'below'} the {describe(target, 'LUFS')} "
    where += f"{ctx.profile.label} {ctx.kind} range."
    if ctx.is_master:
        why = _platform_sentence(integrated, ctx.track.loudness.true_peak_dbtp, louder=distance > 0)
    elif distance > 0:
        why = (
            " A mixdown this loud has almost always been limited or clipped on the mix bus: the "
            "mastering stage "
            "loses its headroom and the dynamics cannot be restored. Take the limiter off and "
            "bounce with peaks around -6 dBFS."
        )
        limiting = ctx.track.dynamics.limiting_db
        if limiting is not None and limiting > 0:
            why += f" About {fmt(limiting, 'dB')} of limiting is measured on the loud parts."
            proof.append(evidence("dynamics.limiting_db", limiting, "dB", None, "measured"))
    else:
        why = " Raise the level before the bounce (or in mastering); nothing is lost in 24-bit."
    title = f"The {ctx.kind} is {'too loud' if distance > 0 else 'quiet'} for {ctx.profile.label}."
    return ctx.finding(
        code,
        ctx.graded("integrated_lufs", distance),
        title=title,
        detail=where + why,
        evidence=proof,
    )


def _platform_sentence(integrated: float, peak: float | None, *, louder: bool) -> str:
    plays = playback(integrated_lufs=integrated, true_peak_dbtp=peak)
    if louder:
        down = [p for p in plays if p.action == "turned down"]
        if not down:
            return ""
        parts = ", ".join(f"{p.label} by {fmt(-p.gain_db, 'dB')}" for p in down)
        return (
            f" Streaming normalisation turns it down ({parts}): the extra loudness only costs "
            "punch."
        )
    quiet = [p for p in plays if p.target_lufs is not None and p.playback_lufs is not None]
    below = [p for p in quiet if (p.target_lufs or 0.0) - (p.playback_lufs or 0.0) > 0.5]
    if not below:
        return ""
    parts = ", ".join(
        f"{p.label} {fmt((p.target_lufs or 0.0) - (p.playback_lufs or 0.0), 'dB')}" for p in below
    )
    return f" It will play quieter than other releases on platforms that do not raise it ({parts})."


def true_peak(ctx: Context) -> list[Finding]:
    loud = ctx.track.loudness
    peak = loud.true_peak_dbtp
    if peak is None:
        return []
    target = ctx.levels.true_peak_dbtp
    distance = ctx.outside("true_peak_dbtp", target, peak)
    ranges = merge_ranges(loud.true_peak_overs, gap_s=0.5, limit=_MAX_RANGES)
    proof = [evidence("loudness.true_peak_dbtp", peak, "dBTP", target, ctx.profile_source(target))]
    chosen = delivery_ceiling(
        on=platforms(),
        integrated_lufs=loud.integrated_lufs,
        sample_peak_dbfs=loud.sample_peak_dbfs,
        codecs=ctx.track.codecs,
    )
    if distance > 0:
        over = chosen.decoded_over
        if ctx.is_master and over is not None:
            why = f" {_decoded_words(chosen, over)}"
        elif ctx.is_master:
            why = (
                " Lossy encoding (AAC, Ogg, MP3) and playback converters overshoot peaks this "
                "close to full scale and distort; set the limiter's true-peak ceiling to "
                f"{fmt(chosen.ceiling_dbtp, 'dBTP')}."  # the plan's ceiling, not the genre's
            )
        else:
            why = (
                " Leave headroom for mastering: pull the mix bus down until the peaks sit around "
                "-6 dBFS."
            )
        return ctx.finding(
            "true_peak_over",
            ctx.graded("true_peak_dbtp", distance),
            title=f"True peak of {fmt(peak, 'dBTP')} is above the {ctx.kind} ceiling.",
            detail=f"The true peak reaches {fmt(peak, 'dBTP')}, {fmt(distance, 'dB')} above "
            f"the {ctx.kind} ceiling of {fmt(target.high or 0.0, 'dBTP')}.{why}",
            evidence=proof,
            time_ranges=ranges,
        )
    over = chosen.decoded_over
    if ctx.is_master and over is not None and peak > chosen.ceiling_dbtp:
        return _decoded_over(ctx, chosen, over, peak, ranges)
    if ctx.is_master:
        return _codec_headroom(ctx, peak, ranges)
    return []


def _decoded_words(chosen: DeliveryCeiling, by: DecodedOvershoot) -> str:
    """The decoded peak and the ceiling it asks for, as one sentence (the plan's ceiling)."""
    said = decoded_peak(by.codec, by.decoded_peak_dbtp)
    return (
        f"{said[0].upper()}{said[1:]}: lower the limiter's true-peak ceiling to "
        f"{fmt(chosen.ceiling_dbtp, 'dBTP')}, so every service's decoded copy stays at or below "
        f"{fmt(chosen.decoded_peak_max_dbtp, 'dBTP')}."
    )


def _decoded_over(
    ctx: Context,
    chosen: DeliveryCeiling,
    by: DecodedOvershoot,
    peak: float,
    ranges: list[TimeRange],
) -> list[Finding]:
    """A master inside the guidance whose decoded copy (measured) peaks above -1 dBTP."""
    decoded = by.decoded_peak_dbtp
    # A decoded copy over full scale clips in a fixed-point decoder: audible, not only advised.
    severity: Severity = "warning" if decoded > 0.0 else "suggestion"
    slug = by.codec.split()[0].lower()
    return ctx.finding(
        "true_peak_over",
        severity,
        title=f"The decoded copy peaks at {fmt(decoded, 'dBTP')} after "
        f"{by.codec.split()[0]} encoding.",
        detail=f"The master peaks at {fmt(peak, 'dBTP')}. {_decoded_words(chosen, by)}",
        evidence=[
            evidence(
                f"codecs.{slug}.true_peak_dbtp",
                decoded,
                "dBTP",
                Target(high=chosen.decoded_peak_max_dbtp, source="aes_td1008"),
                source("aes_td1008").short,
            )
        ],
        time_ranges=ranges,
    )


def _codec_headroom(ctx: Context, peak: float, ranges: list[TimeRange]) -> list[Finding]:
    """A loud master within the general ceiling but above a platform's stricter one."""
    integrated = ctx.track.loudness.integrated_lufs
    strict = [
        p
        for p in platforms()
        if p.ceiling_dbtp(integrated_lufs=integrated) < p.true_peak_max_dbtp
        and peak > p.ceiling_dbtp(integrated_lufs=integrated)
    ]
    if not strict:
        return []
    first = strict[0]
    ceiling = first.ceiling_dbtp(integrated_lufs=integrated)
    names = ", ".join(p.label for p in strict)
    return ctx.finding(
        "true_peak_over",
        "suggestion",
        title=f"Leave a little more true-peak headroom for {names}.",
        detail=f"The true peak reaches {fmt(peak, 'dBTP')} on a master louder than "
        f"{fmt(first.loud_master_lufs or -14.0, 'LUFS')}; {names} advises at most "
        f"{fmt(ceiling, 'dBTP')} for such masters, because lossy encoding of loud material "
        "overshoots more.",
        evidence=[
            evidence(
                "loudness.true_peak_dbtp",
                peak,
                "dBTP",
                Target(high=ceiling, source=first.source),
                f"{first.label} ({source(first.source).short})",
            )
        ],
        time_ranges=ranges,
    )


def clipping(ctx: Context) -> list[Finding]:
    defects = ctx.track.defects
    shortest = ctx.limits.value("clipping.min_run_samples")
    counted = [run for run in defects.clip_runs if run.samples >= shortest]
    if not counted:
        return []
    # The runs are listed longest first (at most 200): when all listed ones count, so do the rest.
    total = defects.clip_run_count if len(counted) == len(defects.clip_runs) else len(counted)
    longest = counted[0]
    longest_ms = 1000.0 * longest.samples / ctx.track.file.sample_rate_hz
    # Many short overs are masked by the music; the track's worst problem needs long flat tops.
    many = total >= ctx.limits.value("clipping.problem_runs")
    audible = longest_ms >= ctx.limits.value("clipping.problem_longest_ms")
    severity: Severity = "problem" if many and audible else "warning"
    level = defects.clip_level_dbfs
    detail = (
        f"{total} runs of {int(shortest)} or more consecutive samples sit at the clip level "
        f"({defects.clipped_samples} samples in all); the longest is {longest.samples} samples "
        f"({longest_ms:.2f} ms) at {longest.start_s:.2f} s."
    )
    proof = [
        evidence(
            "defects.clip_run_count",
            float(total),
            "runs",
            Target(high=0.0, source="clip_convention"),
            ctx.threshold_source("clipping.problem_runs"),
        )
    ]
    if level is not None and level < ctx.limits.value("clipping.turned_down_below_dbfs"):
        detail += (
            f" The runs sit at {fmt(level, 'dBFS')}, not at full scale: the audio was clipped "
            "earlier and turned down afterwards, so the distortion is baked in."
        )
        proof.append(evidence("defects.clip_level_dbfs", level, "dBFS", None, "measured"))
    detail += (
        " Find the stage that clips (an insert, the mix bus, the converter) and lower its input;"
        " use a true-peak limiter instead of clipping."
    )
    return ctx.finding(
        "clipping",
        severity,
        title=f"The {ctx.kind} clips in {total} places.",
        detail=detail,
        evidence=proof,
        time_ranges=merge_ranges(counted, gap_s=0.25, limit=_MAX_RANGES),
    )


def dynamics(ctx: Context) -> list[Finding]:
    """over_compressed when PLR or PSR is below the range; under_compressed when PLR is above."""
    loud, levels = ctx.track.loudness, ctx.levels
    measured = [
        ("loudness.plr_db", "PLR", loud.plr_db, levels.plr_db),
        ("loudness.psr_db", "PSR", loud.psr_db, levels.psr_db),
    ]
    below = [
        (metric, name, value, target)
        for metric, name, value, target in measured
        if value is not None and ctx.outside(metric.split(".")[1], target, value) < 0
    ]
    if below:
        severity = worst(
            *(
                ctx.graded(metric.split(".")[1], target.distance(value))
                for metric, _, value, target in below
            )
        )
        said = "; ".join(
            f"{name} {fmt(value, 'dB')} against {describe(target, 'dB')}"
            for _, name, value, target in below
        )
        why = (
            " The peaks have been limited or clipped down to the body of the sound: transients "
            "lose their punch and the track tires the ear."
        )
        if ctx.is_master:
            why += " Back the limiter off by a few dB; normalisation will even the loudness out."
        else:
            why += (
                " On a mixdown this leaves mastering nothing to work with: remove the mix-bus "
                "limiter and keep heavy compression to the sources that need it."
            )
        return ctx.finding(
            "over_compressed",
            severity,
            title=f"The {ctx.kind} is over-compressed for {ctx.profile.label}.",
            detail=f"{said}.{why}",
            evidence=[
                evidence(metric, value, "dB", target, ctx.profile_source(target))
                for metric, _, value, target in below
            ]
            + _dynamics_support(ctx),
        )
    plr, target = loud.plr_db, levels.plr_db
    if plr is None or ctx.outside("plr_db", target, plr) <= 0:
        return []
    return ctx.finding(
        "under_compressed",
        ctx.graded("plr_db", target.distance(plr)),
        title=f"The {ctx.kind} is more dynamic than most {ctx.profile.label} releases.",
        detail=f"PLR {fmt(plr, 'dB')} against {describe(target, 'dB')}. That is a choice, not "
        "a fault: under streaming normalisation it keeps its punch; for a denser sound, gentle "
        "bus compression before the limiter narrows the gap.",
        evidence=[
            evidence("loudness.plr_db", plr, "dB", target, ctx.profile_source(target)),
            *_dynamics_support(ctx),
        ],
    )


def _dynamics_support(ctx: Context) -> list[Evidence]:
    loud, dyn = ctx.track.loudness, ctx.track.dynamics
    levels = ctx.levels
    support = []
    if dyn.crest_factor_db is not None:
        support.append(
            evidence(
                "dynamics.crest_factor_db",
                dyn.crest_factor_db,
                "dB",
                levels.crest_factor_db,
                ctx.profile_source(levels.crest_factor_db),
            )
        )
    if loud.loudness_range_lu is not None:
        support.append(
            evidence(
                "loudness.loudness_range_lu",
                loud.loudness_range_lu,
                "LU",
                levels.loudness_range_lu,
                ctx.profile_source(levels.loudness_range_lu),
            )
        )
    if dyn.limiting_db is not None:
        support.append(evidence("dynamics.limiting_db", dyn.limiting_db, "dB", None, "measured"))
    return support
