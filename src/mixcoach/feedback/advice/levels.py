"""Advice on level, peaks and loudness: clipping, true-peak overs, too loud, too quiet."""

from __future__ import annotations

from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import base as h
from mixcoach.feedback.advice.base import Advice, Composer, Context
from mixcoach.findings.model import Finding
from mixcoach.formatting import count
from mixcoach.knowledge.thresholds import thresholds


def clipping(f: Finding, ctx: Context) -> Advice:
    defects = ctx.analysis.defects
    runs = defects.clip_run_count
    step = h.plan_step(ctx, "clipping")
    level = defects.clip_level_dbfs
    below_full_scale = level is not None and level < thresholds().value(
        "clipping.turned_down_below_dbfs"
    )
    # The plan names the count and the longest run first: "1,317 clipped runs, the longest at 1:11".
    counted = step.evidence.rstrip(".") if step is not None and runs else ""
    measured = (
        f"{counted}; {count(defects.clipped_samples)} samples sit flat at the clip level."
        if counted
        else h.fallback(f)
    )
    if below_full_scale and level is not None:
        measured += (
            f" The flat tops sit at {n.db(level, unit='dBFS')}, below full scale: the clipping "
            "happened earlier in the chain and the file was turned down afterwards."
        )
    summary = (
        f"The track clips ({counted}): that distortion is printed into the file and cannot be "
        "removed later."
        if counted
        else "The track clips: that distortion is printed into the file and cannot be removed "
        "later."
    )
    if ctx.is_mix:
        steps = [
            "Pull the master fader (or the buses feeding it) down until the mix peaks clearly "
            "below full scale, and take any limiter or clipper off the mix bus.",
            "If one channel clips on its own, reduce the gain into the plugin that clips.",
        ]
        why = "A mix that clips hands the mastering stage distortion it cannot undo."
    else:
        steps = [
            "Go back to an unclipped mix or premaster if you have one: a limiter cannot repair "
            "flat-topped peaks.",
            "Put a true-peak limiter last in the chain and make sure nothing after it adds gain.",
        ]
        why = (
            "Clipped peaks are audible as crackle on the transients, and streaming encoders make "
            "them worse."
        )
    if below_full_scale:
        steps.insert(
            0,
            "Lowering the output level now will not help: find the stage that "
            "clipped before the file was turned down.",
        )
    heavy = runs >= thresholds().value("clipping.problem_runs")
    if heavy:
        why += (
            f" With {count(runs)} clipped runs this is not an isolated over but a gain-staging "
            "problem."
        )
    return Advice(f.code, "Clipping", "the clipping", summary, measured, why, steps)


def true_peak_over(f: Finding, ctx: Context) -> Advice:
    e = h.evidence(f, "true_peak")
    if e is None:
        return h.generic(f, ctx)
    where = h.where(f)
    over = h.amount(e)
    ceiling = (
        "its ceiling" if e.target_high is None else n.db(e.target_high, unit=e.unit) + " ceiling"
    )
    measured = f"True peak reaches {h.value(e)}{where}, {over} above the {ceiling}."
    if ctx.is_mix:
        # The plan's one fader move answers the peaks and the loudness together; a mix that
        # arrives limited gets no fader move: its new bounce, without the limiter, answers them.
        fader = h.fader_move(ctx, f.code)
        why = "A mix needs room above its peaks so mastering can work without overs."
        if fader is None:
            summary = (
                f"The true peak reaches {h.value(e)}: the bounce without the mix-bus limiter "
                f"should peak below the {ceiling}."
            )
            steps = ["Measure the new bounce's peaks before any fader move."]
        else:
            summary = (
                f"The true peak reaches {h.value(e)}: leave more headroom in the mix by pulling "
                f"the master fader down by {fader}."
            )
            steps = [
                f"Lower the master fader by {fader} and check that nothing on the mix bus is "
                "limiting."
            ]
    else:
        plan_ceiling = ctx.plan.ceiling_dbtp
        if plan_ceiling is not None and plan_ceiling < (e.target_high or 0.0):
            measured += (
                f" For a master this loud the strictest platform asks for "
                f"{n.db(plan_ceiling, unit='dBTP')}."
            )
        ceiling_text = n.db(
            plan_ceiling if plan_ceiling is not None else e.target_high or -1.0, unit="dBTP"
        )
        summary = (
            f"Inter-sample peaks reach {h.value(e)}: switch the limiter to true-peak mode and "
            f"set its ceiling to {ceiling_text}."
        )
        why = (
            "Lossy encoders (AAC, Ogg, MP3) add overshoot, so peaks above the ceiling turn into "
            "audible distortion after upload."
        )
        steps = [
            "Switch the limiter to true-peak (oversampled) detection and set the ceiling to "
            f"{ceiling_text}, then measure again after dither and any sample-rate conversion."
        ]
    return Advice(
        f.code,
        "True-peak overs",
        "the true-peak overs",
        summary,
        measured,
        why,
        steps,
        h.limiter_settings(ctx),
    )


def too_loud(f: Finding, ctx: Context) -> Advice:
    e = h.evidence(f, "integrated", "lufs")
    if e is None:
        return h.generic(f, ctx)
    size = abs(h.distance(e))
    degree = h.degree(size, small=1.5, large=4.0)
    measured = (
        f"Integrated loudness is {h.value(e)}, {h.amount(e)} above the {ctx.genre} range "
        f"({h.target(e)})."
    )
    down = h.turned_down(ctx)
    if ctx.is_mix:
        fader = h.fader_move(ctx, f.code)
        summary = (
            f"At {h.value(e)} this mix is {degree} too loud: take the limiter off the mix bus"
            + (f" and pull the master fader down by {fader}." if fader else ".")
        )
        why = (
            "A loud mix almost always has a limiter or clipper on the bus; mastering needs "
            "the peaks and the headroom you have spent."
        )
        steps = ["Bypass any limiter, clipper or maximiser on the mix bus and export again."]
        if fader:
            steps.append(
                f"Pull the master fader down by {fader} so the loudness and the peaks sit "
                "inside the mix targets; measure again after the limiter is off."
            )
    else:
        gain = h.limiter_gain(ctx)
        back_off = n.amount_db(gain) if gain is not None else h.amount(e)
        summary = (
            f"At {h.value(e)} the master is {degree} louder than {ctx.genre} needs: back the "
            f"limiter off by {back_off}."
        )
        why = "Past the genre's range, extra loudness costs punch and clarity."
        if down:
            loudest = min(down, key=lambda v: v.gain_db)
            why += (
                f" Streaming will not reward it: {loudest.label} alone turns it down by "
                f"{n.amount_db(loudest.gain_db)}."
            )
        steps = [
            f"Reduce the limiter's input gain by {back_off} and compare at matched loudness: "
            "the drums should hit harder.",
            "If you want density without more limiting, add gentle bus compression or parallel "
            "saturation before the limiter.",
        ]
    return Advice(
        f.code,
        "Too loud",
        "the excess loudness",
        summary,
        measured,
        why,
        steps,
        h.limiter_settings(ctx),
    )


def too_quiet(f: Finding, ctx: Context) -> Advice:
    e = h.evidence(f, "integrated", "lufs")
    if e is None:
        return h.generic(f, ctx)
    measured = (
        f"Integrated loudness is {h.value(e)}, {h.amount(e)} below the {ctx.genre} range "
        f"({h.target(e)})."
    )
    quiet = [v for v in ctx.delivery if v.verdict == "plays_quiet"]
    if ctx.is_mix:
        summary = (
            f"The mix sits at {h.value(e)}, quieter than usual; that is fine for mastering "
            "as long as the balance is right."
        )
        why = "A mix's loudness matters less than its headroom; mastering adds the level."
        steps = [
            "Leave it: do not add a limiter to reach loudness. If a few transients set the peak "
            "level, tame them on their own channels."
        ]
    else:
        # The plan's limiter gain, which is what its preset and preview apply.
        gain = h.limiter_gain(ctx)
        raise_by = n.amount_db(gain) if gain is not None else h.amount(e)
        summary = (
            f"At {h.value(e)} the master is {h.amount(e)} quieter than {ctx.genre} usually sits: "
            f"raise the limiter's input gain by {raise_by}."
        )
        why = "A quiet master sounds smaller than its neighbours in a playlist or a DJ set."
        if quiet:
            why += f" {quiet[0].note}"
        steps = [
            f"Raise the gain into the limiter by {raise_by} with a true-peak ceiling, and "
            "watch the gain reduction.",
            "If that takes more than a few dB of limiting, split the work: a gentle compressor "
            "or a clipper first, then the limiter.",
        ]
    return Advice(
        f.code,
        "Too quiet",
        "the low loudness",
        summary,
        measured,
        why,
        steps,
        h.limiter_settings(ctx),
    )


COMPOSERS: dict[str, Composer] = {
    "clipping": clipping,
    "true_peak_over": true_peak_over,
    "too_loud": too_loud,
    "too_quiet": too_quiet,
}
