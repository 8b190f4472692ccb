"""Advice on the stereo image: width, phase, balance and the low end."""

from __future__ import annotations

from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import base as h
from mixcoach.feedback.advice.base import Advice, Composer, Context
from mixcoach.findings.model import Finding


def stereo_too_narrow(f: Finding, ctx: Context) -> Advice:
    width = ctx.analysis.stereo.width
    measured = (
        f"The side signal carries {n.percent(100 * width)} of the energy, below the "
        f"{ctx.genre} range."
        if width is not None
        else h.fallback(f)
    )
    summary = (
        "The image is narrow: spread doubled parts and effects to the sides, keep kick, bass "
        "and lead vocal in the middle."
    )
    if ctx.kind == "mixdown":
        steps = [
            "Pan double-tracked guitars, backing vocals, keys and percussion to opposite sides; "
            "record real doubles instead of copies.",
            "Use stereo reverbs and delays on sends; keep the low end centred.",
        ]
    else:
        steps = [
            "Lift the side signal above the low end with a mid/side EQ or a width control, "
            "gently: side boosts also raise noise and phase problems.",
        ]
    why = "A narrow mix crowds everything into the centre, so elements mask each other."
    return Advice(
        f.code,
        "Narrow stereo image",
        "the narrow image",
        summary,
        measured,
        why,
        steps,
        h.width_settings(ctx, f.code),
    )


def stereo_too_wide(f: Finding, ctx: Context) -> Advice:
    stereo = ctx.analysis.stereo
    parts = []
    if stereo.width is not None:
        parts.append(f"The side signal carries {n.percent(100 * stereo.width)} of the energy")
    if stereo.mono_loss_db is not None:
        parts.append(f"folding to mono loses {n.amount_db(stereo.mono_loss_db)}")
    measured = (", and ".join(parts) + ".") if parts else h.fallback(f)
    summary = (
        "The image is wider than it can afford: whatever lives in the sides drops out in mono. "
        "Reduce the wideners."
    )
    steps = (
        [
            "Remove or reduce stereo wideners and short-delay doubling, starting with the widest "
            "elements; keep one or two wide features.",
            "Check multi-microphone sources for polarity and alignment.",
        ]
        if ctx.kind == "mixdown"
        else ["Reduce the side level above the low end with a mid/side EQ or width control."]
    )
    why = "Phones, smart speakers and club systems play in mono or close to it."
    return Advice(
        f.code,
        "Stereo image too wide",
        "the over-wide image",
        summary,
        measured,
        why,
        steps,
        h.width_settings(ctx, f.code),
    )


def phase_issue(f: Finding, ctx: Context) -> Advice:
    stereo = ctx.analysis.stereo
    where = h.where(f) or h.around(stereo.correlation_low_points)
    parts = []
    if stereo.mono_loss_db is not None:
        parts.append(f"folding to mono loses {n.amount_db(stereo.mono_loss_db)}")
    if stereo.correlation_low_points:
        parts.append(f"the correlation drops below zero{where}")
    measured = (
        ("Left and right cancel each other: " + " and ".join(parts) + ".")
        if parts
        else (h.fallback(f))
    )
    step = h.plan_step(ctx, f.code)
    flipped = step is not None and step.move == "polarity_flip"
    if flipped:
        cancels = (
            "the track nearly cancels in mono"
            if stereo.mono_loss_db is None
            else f"folding it to mono loses {n.amount_db(stereo.mono_loss_db)}"
        )
        summary = (
            f"One channel looks polarity-inverted: {cancels}. Flip the polarity of one channel."
        )
        steps = ["Flip the polarity of one channel of the whole track and check it in mono."]
    else:
        summary = (
            f"Parts of the mix are out of phase{where}: find the element that cancels in mono "
            "and flip or align it."
        )
        steps = [
            "Solo groups in mono and listen for the one that thins out; flip its polarity or "
            "align it in time.",
            "Take phase-based wideners off bass instruments.",
        ]
        if ctx.kind != "mixdown":
            steps.append(
                "A master can only narrow the low end in the meantime: the real fix is in the mix."
            )
    why = "Out-of-phase material loses its low end and its centre in mono."
    return Advice(f.code, "Phase problems", "the phase cancellation", summary, measured, why, steps)


def channel_imbalance(f: Finding, ctx: Context) -> Advice:
    balance = ctx.analysis.stereo.balance_db
    if balance is None:
        return h.generic(f, ctx)
    louder, quieter = ("left", "right") if balance > 0 else ("right", "left")
    measured = f"The {louder} channel is {n.amount_db(balance)} louder than the {quieter}."
    summary = f"The mix leans {louder}: recentre the lead elements and rebalance the arrangement."
    steps = (
        [
            "Check that kick, snare, bass and lead vocal are panned dead centre.",
            "Counterweight loud parts on one side with parts on the other; check the mix bus for "
            "a stray pan or balance setting.",
        ]
        if ctx.kind == "mixdown"
        else [
            f"A balance correction of {n.amount_db(balance)} towards the {quieter} side "
            "recentres the image; if one element causes it, fix it in the mix instead."
        ]
    )
    why = "A lopsided image moves the vocal and the kick off centre on speakers."
    return Advice(
        f.code, "Left-right imbalance", "the left-right imbalance", summary, measured, why, steps
    )


def wide_low_end(f: Finding, ctx: Context) -> Advice:
    width = ctx.analysis.stereo.low_end_width
    measured = (
        f"Below the low-end split, {n.percent(100 * width)} of the energy is in the side signal."
        if width is not None
        else h.fallback(f)
    )
    summary = "The low end is wide: make the bass and the kick mono so they keep their weight."
    steps = (
        [
            "Make the bass and the kick mono, or high-pass the side channel of wide bass sources.",
            "Filter the low end out of reverb and delay returns.",
        ]
        if ctx.kind == "mixdown"
        else ["Fold the low end to mono with a mid/side high-pass or a low-end width control."]
    )
    why = "Low-frequency side energy cancels in mono and makes the low end vague on big systems."
    return Advice(
        f.code,
        "Wide low end",
        "the wide low end",
        summary,
        measured,
        why,
        steps,
        h.width_settings(ctx, f.code),
    )


COMPOSERS: dict[str, Composer] = {
    "stereo_too_narrow": stereo_too_narrow,
    "stereo_too_wide": stereo_too_wide,
    "phase_issue": phase_issue,
    "channel_imbalance": channel_imbalance,
    "wide_low_end": wide_low_end,
}
