"""Answers about the tone: one band or frequency (its level, its target, the EQ move there and
its amount) and EQ settings as a producer types them into an EQ such as ReaEQ."""

from __future__ import annotations

from mixcoach.audio.spectrum import Band, Deviation
from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import Context, advise
from mixcoach.feedback.chat_draft import Draft
from mixcoach.feedback.model import EqMove
from mixcoach.feedback.questions import Question, band_at
from mixcoach.findings.spectral import deviation_code

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
    """The band a spectral finding concerns: where its largest stretch of the curve peaks,
    else the usual one."""
    stretches = [d for d in ctx.analysis.spectrum.deviations if deviation_code(d) == code]
    if stretches:
        return band_at(max(stretches, key=lambda d: abs(d.amount_db)).peak_hz)
    return CODE_BANDS.get(code)


def deviations_in(ctx: Context, band: Band) -> list[Deviation]:
    """The stretches of the curve off the target that reach into ``band``."""
    return [
        d
        for d in ctx.analysis.spectrum.deviations
        if d.low_hz < band.high_hz and d.high_hz >= band.low_hz
    ]


def against_target_curve(ctx: Context, band: Band) -> str:
    """Where the band sits against the genre's target curve, as the findings judged it."""
    stretches = deviations_in(ctx, band)
    if stretches:
        return " ".join(
            f"Against the {ctx.genre} target curve it has {n.amount_db(d.amount_db)} "
            f"{'too much' if d.amount_db > 0 else 'too little'} around {n.hz(d.peak_hz)} "
            f"({n.hz(d.low_hz)} to {n.hz(d.high_hz)}), past the {n.amount_db(d.tolerance_db)} "
            "that well-made tracks stay within."
            for d in stretches
        )
    if ctx.analysis.spectrum.target_curve is None:
        return "It was not judged against a target."
    return (
        f"It stays within the tolerance of the {ctx.genre} target curve there (the few dB "
        "well-made tracks in the style wander by)."
    )


def answer_band(ctx: Context, question: Question, draft: Draft, *, name: str | None = None) -> None:
    name = name or question.band or band_at(question.frequency_hz or 1000.0)
    band = next((b for b in ctx.analysis.spectrum.bands if b.name == name), None)
    if band is None or band.level_db is None:
        draft.add("The spectrum could not be measured (the track is silent or too short).")
        return
    if band.name in draft.bands:
        return
    draft.bands.add(band.name)
    draft.add(
        f"The {_label(band)} measures {n.db(band.level_db)} against the whole mix. "
        + against_target_curve(ctx, band)
    )
    present = {f.code: f for f in ctx.analysis.findings}
    codes = list(
        dict.fromkeys(
            code for d in deviations_in(ctx, band) if (code := deviation_code(d)) in present
        )
    )
    for code in codes:
        advice = advise(present[code], ctx)
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
    """The EQ moves acting on ``band``: a shelf or filter on the bands on its side of the corner,
    a bell on the bands its bandwidth reaches into."""

    def acts_on(move: EqMove) -> bool:
        if move.kind in ("low_shelf", "high_pass"):
            return band.low_hz < move.frequency_hz
        if move.kind in ("high_shelf", "low_pass"):
            return band.high_hz > move.frequency_hz
        half = 2 ** (move.bandwidth_octaves / 2)
        return move.frequency_hz / half < band.high_hz and move.frequency_hz * half > band.low_hz

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
