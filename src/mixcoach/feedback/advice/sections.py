"""Advice on the song's sections: a chorus or drop that does not lift, or that closes in."""

from __future__ import annotations

from mixcoach.feedback.advice import base as h
from mixcoach.feedback.advice.base import Advice, Composer, Context
from mixcoach.findings.model import Finding


def section_no_lift(f: Finding, ctx: Context) -> Advice:
    # The judge's detail names each section, its times and the LU it falls short by.
    measured = h.fallback(f)
    summary = "A chorus or drop does not rise over what leads into it: give it somewhere to go."
    steps = (
        [
            "Thin or lower the section before it, and add level, parts or width to the chorus "
            "itself; automate the lead and drums up where it starts."
        ]
        if ctx.kind == "mixdown"
        else [
            "Ease the limiter and bus compression so the loud sections keep their rise, or "
            "automate the master gain up by about a decibel into the chorus."
        ]
    )
    why = "Listeners feel a song's shape by its rises; a chorus that sags makes the song feel flat."
    return Advice(
        f.code,
        "A peak section that does not lift",
        "the chorus that does not lift",
        summary,
        measured,
        why,
        steps,
    )


def section_peak_character(f: Finding, ctx: Context) -> Advice:
    # The judge's detail names the section, its times and how far it falls under the rest.
    narrow = f.code == "section_peak_narrow"
    word = "narrower" if narrow else "darker"
    steps = (
        [
            "Widen the chorus itself (doubled or panned parts, wider pads or reverb) and keep "
            "the verses a little narrower."
            if narrow
            else "Bring up the cymbals and the top of the vocal in the chorus, and thin the "
            "low-mid parts that arrive with it."
        ]
        if ctx.kind == "mixdown"
        else [
            "Automate a touch of side level up where the chorus starts, and ease the bus "
            "compression that works hardest there."
            if narrow
            else "Automate a gentle high shelf up where the chorus starts, and ease the limiting "
            "that dulls the loudest section."
        ]
    )
    return Advice(
        f.code,
        f"The loudest section is {word}",
        f"the {word} loudest section",
        f"The loudest section gets louder but {word} than the rest: it closes in where it "
        "should open up.",
        h.fallback(f),
        "A chorus or drop reads bigger when it opens up in width and top end as well as level.",
        steps,
    )


COMPOSERS: dict[str, Composer] = {
    "section_no_lift": section_no_lift,
    "section_peak_narrow": section_peak_character,
    "section_peak_dark": section_peak_character,
}
