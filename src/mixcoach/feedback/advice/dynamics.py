"""Advice on dynamics: over- and under-compressed."""

from __future__ import annotations

from mixcoach import formatting
from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import base as h
from mixcoach.feedback.advice.base import Advice, Composer, Context
from mixcoach.findings.model import Finding


def over_compressed(f: Finding, ctx: Context) -> Advice:
    e = h.evidence(f)
    if e is None:
        return h.generic(f, ctx)
    limiting = ctx.analysis.dynamics.limiting_db
    measured = f"{h.label(e)} is {h.value(e)}, below the {ctx.genre} range ({h.target(e)})."
    if limiting is not None and limiting > 0:
        measured += f" The loud parts show {formatting.limiting(limiting)} of limiting."
    degree = h.degree(abs(h.distance(e)), small=1.5, large=4.0)
    if ctx.is_mix:
        summary = (
            "The mix is squashed: take the limiter off the mix bus and loosen the bus "
            "compression so the drums can hit."
        )
        steps = [
            "Remove the limiter from the mix bus; mastering will do that job.",
            "On the bus compressor, slow the attack and lower the ratio until its gain "
            "reduction only moves on the loudest hits.",
            "Try parallel compression on the drums instead of compressing the whole bus.",
        ]
    else:
        # The plan's limiter gain: it eases the limiter only as far as the genre's range lets.
        gain = h.limiter_gain(ctx)
        if gain is not None and gain <= -0.1:
            summary = (
                f"The dynamics are {degree} flattened: ease the limiter by {n.amount_db(gain)} "
                "and let the transients breathe."
            )
            eased = f"Reduce the limiter's input gain by {n.amount_db(gain)} and check the "
        else:
            summary = (
                f"The dynamics are {degree} flattened, yet easing the limiter would drop the "
                f"master below the {ctx.genre} range: the limiting happened before the master."
            )
            eased = "Check the "
        steps = [
            eased + f"{h.label(e).lower()} again (it is {h.amount(e)} below the range now).",
            "If the mix arrived over-compressed, ask for a version without bus limiting: "
            "mastering cannot restore the dynamics.",
        ]
    why = (
        "Flattened transients cost punch and make the sections sound the same; after streaming "
        "normalisation a crushed master sounds quieter, not louder."
    )
    return Advice(
        f.code,
        "Over-compressed",
        "the flattened dynamics",
        summary,
        measured,
        why,
        steps,
        h.limiter_settings(ctx),
    )


def under_compressed(f: Finding, ctx: Context) -> Advice:
    e = h.evidence(f)
    if e is None:
        return h.generic(f, ctx)
    measured = f"{h.label(e)} is {h.value(e)}, above the {ctx.genre} range ({h.target(e)})."
    summary = (
        f"The level moves more than {ctx.genre} usually does: ride the quiet sections up and "
        "add gentle bus compression."
    )
    steps = [
        "Automate the quiet sections up and the loud ones down before compressing anything.",
        "Then glue the mix with gentle bus compression on the loud parts only.",
    ]
    if ctx.kind != "mixdown":
        steps[0] = (
            "If one section stands out, automate the gain into the chain for that section rather "
            "than compressing everything harder."
        )
    why = (
        "Quiet passages disappear on phones and in cars while loud ones jump out; listeners "
        "reach for the volume."
    )
    return Advice(
        f.code,
        "Level moves too much",
        "the level swings",
        summary,
        measured,
        why,
        steps,
        h.compressor_settings(ctx),
    )


COMPOSERS: dict[str, Composer] = {
    "over_compressed": over_compressed,
    "under_compressed": under_compressed,
}
