"""Advice on the song's sections: a chorus or drop that does not lift."""

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


COMPOSERS: dict[str, Composer] = {"section_no_lift": section_no_lift}
