"""Answers about the tone: one band or frequency (its level, its target, the EQ move there and
its amount) and EQ settings as a producer types them into an EQ such as ReaEQ."""

from __future__ import annotations

from mixcoach.audio.spectrum import Band
from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import Context, advise
from mixcoach.feedback.chat_draft import Draft, against_range, range_text
from mixcoach.feedback.model import EqMove
from mixcoach.feedback.questions import Question, band_at

#: Where each spectral finding lives when its evidence names no band.
CODE_BANDS = {
    "muddy": "low_mid",
    "too_boomy": "low",
    "too_thin": "low",
    "harsh": "high_mid",
    "too_bright": "air",
    "too_dull": "air",
}
_REAEQ_TYPES = {
    "bell": "Band",
    "low_shelf": "Low Shelf",
    "high_shelf": "High Shelf",
    "high_pass": "High Pass",
    "low_pass": "Low Pass",
}


def band_of_code(ctx: Context, code: str) -> str | None:
    """The band a spectral finding concerns: from its evidence, else the usual one."""
    found = next((f for f in ctx.analysis.findings if f.code == code), None)
    for evidence in [] if found is None else found.evidence:
        for band in ctx.analysis.spectrum.bands:
            if f".{band.name}." in f"{evidence.metric}." and evidence.value is not None:
                return band.name
    return CODE_BANDS.get(code)


def answer_band(ctx: Context, question: Question, draft: Draft, *, name: str | None = None) -> None:
    name = name or question.band or band_at(question.frequency_hz or 1000.0)
    band = next((b for b in ctx.analysis.spectrum.bands if b.name == name), None)
    if band is None or band.level_db is None:
        draft.add("The spectrum could not be measured (the track is silent or too short).")
        return
    if band.name in draft.bands:
        return
    draft.bands.add(band.name)
    text = f"The {_label(band)} measures {n.db(band.level_db)} against the whole mix"
    if band.target_low_db is not None or band.target_high_db is not None:
        text += (
            f"; the {ctx.genre} range is "
            f"{range_text(band.target_low_db, band.target_high_db, 'dB')}, so it sits "
            f"{against_range(band.level_db, band.target_low_db, band.target_high_db, 'dB')}"
        )
    draft.add(text + ".")
    codes = [
        f.code
        for f in ctx.analysis.findings
        if f.code in CODE_BANDS and band_of_code(ctx, f.code) == band.name
    ]
    for code in codes:
        found = next(f for f in ctx.analysis.findings if f.code == code)
        advice = advise(found, ctx)
        reason = f" {advice.why}" if question.why else ""
        draft.add(f"**{advice.title}.** {advice.summary}{reason}", codes=[code], source=code)
    moves = moves_in(ctx, band)
    if moves:
        lines = [f"- {eq_line(move, reaeq=question.setting == 'eq')}" for move in moves]
        draft.add("The EQ move there:\n" + "\n".join(lines), codes=_codes(moves))
    elif question.amount or question.setting == "eq":
        draft.add(
            "So the measurements ask for no cut or boost there. If you still hear a problem, "
            "sweep a narrow bell through the band by ear and compare with a reference at "
            "matched loudness."
        )
    resonances = [
        r for r in ctx.analysis.spectrum.resonances if band.low_hz <= r.frequency_hz < band.high_hz
    ]
    if resonances and not moves:
        listed = ", ".join(
            f"{n.hz(r.frequency_hz)} ({n.amount_db(r.prominence_db)} above its surroundings)"
            for r in resonances[:3]
        )
        draft.add(f"A narrow peak stands out in this band at {listed}.")


def answer_eq(ctx: Context, question: Question, draft: Draft) -> None:
    """Every EQ move of the review, in the EQ's own terms."""
    moves = ctx.presets.eq
    if not moves:
        draft.add(
            "The measurements call for no EQ move: every band sits inside its range for "
            f"{ctx.genre} and no DC offset or resonance needs filtering."
        )
        return
    reaeq = "reaeq" in question.words or question.setting == "eq"
    lines = [f"{i}. {eq_line(move, reaeq=reaeq)}" for i, move in enumerate(moves, 1)]
    intro = "ReaEQ, one band per move:" if "reaeq" in question.words else "The EQ moves:"
    draft.add(intro + "\n" + "\n".join(lines), codes=_codes(moves))


def moves_in(ctx: Context, band: Band) -> list[EqMove]:
    """The EQ moves acting on ``band``: a shelf on the outer band it sits at the edge of, a bell
    or filter on the band holding its frequency."""
    bands = ctx.analysis.spectrum.bands
    outer = {"low_shelf": bands[0].name, "high_shelf": bands[-1].name} if bands else {}

    def acts_on(move: EqMove) -> bool:
        if move.kind in outer:
            return outer[move.kind] == band.name
        return band.low_hz <= move.frequency_hz < band.high_hz

    return [move for move in ctx.presets.eq if acts_on(move)]


def eq_line(move: EqMove, *, reaeq: bool) -> str:
    """One move: ``"High Shelf at 6 kHz, gain +4.0 dB, bandwidth 1.9 oct - Lifts ..."``."""
    shape = _REAEQ_TYPES[move.kind] if reaeq else move.kind.replace("_", " ")
    if move.kind in ("high_pass", "low_pass"):
        return f"{shape} at {n.hz(move.frequency_hz)} - {move.reason}"
    width = (
        f"bandwidth {n.num(move.bandwidth_octaves, decimals=2)} oct"
        if reaeq
        else f"Q {n.num(move.q, decimals=2)}"
    )
    return (
        f"{shape} at {n.hz(move.frequency_hz)}, gain {n.db(move.gain_db, signed=True)}, "
        f"{width} - {move.reason}"
    )


def _label(band: Band) -> str:
    return f"{band.name.replace('_', '-')} band ({n.hz(band.low_hz)}-{n.hz(band.high_hz)})"


def _codes(moves: list[EqMove]) -> list[str]:
    return list(dict.fromkeys(code for move in moves for code in move.finding_codes))
