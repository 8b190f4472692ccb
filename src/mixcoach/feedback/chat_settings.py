"""Answers about processing settings: the bus compressor, the limiter and the stereo width, from
the review's presets; where the measurements call for none, it says so and why."""

from __future__ import annotations

from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import Context
from mixcoach.feedback.chat_draft import Draft, figure, metric_row, range_text
from mixcoach.feedback.questions import Question


def answer_compressor(ctx: Context, question: Question, draft: Draft) -> None:
    c = ctx.presets.compressor
    if c is not None:
        every = {
            "threshold": f"threshold {n.db(c.threshold_dbfs, unit='dBFS')}",
            "ratio": f"ratio {n.ratio(c.ratio)}",
            "attack": f"attack {n.ms(c.attack_ms)}",
            "release": f"release {n.ms(c.release_ms)}",
            "knee": f"knee {n.amount_db(c.knee_db)}",
            "makeup": f"make-up {n.amount_db(c.makeup_db)}",
        }
        asked = _asked(question, every)
        draft.add(
            f"Bus compressor: {', '.join(asked)}. {c.reason}",
            codes=c.finding_codes,
            source="bus_compression",
        )
        return
    psr = ctx.analysis.loudness.psr_db
    row = metric_row(ctx, "loudness.psr_db")
    measured = ""
    if psr is not None:
        target = "" if row is None else f" ({range_text(row.target_low, row.target_high, 'dB')})"
        measured = f" the peak-to-short-term ratio (PSR) measures {n.db(psr)}{target}, and"
    lra = ctx.analysis.loudness.loudness_range_lu
    spread = "" if lra is None else f" the loudness range {n.lu(lra)}:"
    text = (
        f"The measurements call for no compression of their own:{measured}{spread} nothing "
        "asks for more control."
    )
    if not (question.aspect or question.amount):
        draft.add(text, source="bus_compression")
        return
    glue = [f"ratio {n.ratio(figure('glue_compressor', 'ratio'))}"]
    glue.append(f"attack {n.ms(figure('glue_compressor', 'attack_ms'))}")
    tempo = ctx.analysis.rhythm.tempo_bpm
    if tempo:
        glue.append(f"release {n.ms(30000.0 / tempo)} (an eighth note at {n.bpm(tempo)})")
    glue.append("threshold set so the loudest passages read 1 to 2 dB of gain reduction")
    draft.add(
        f"{text} If you want gentle glue anyway, start at {', '.join(glue)}.",
        source="bus_compression",
    )


def answer_limiter(ctx: Context, question: Question, draft: Draft) -> None:
    if ctx.kind == "mixdown":
        peak = ctx.analysis.loudness.true_peak_dbtp
        measured = "" if peak is None else f" Its true peak is {n.db(peak, unit='dBTP')} now."
        draft.add(
            "No limiter on a mixdown: leave the peaks and the headroom for mastering (peaks "
            f"around -6 dBFS, nothing on the mix bus that sets the loudness).{measured}",
            source="mixdown_for_mastering",
        )
        return
    lim = ctx.presets.limiter
    if lim is None:
        ceilings = [v.true_peak_max_dbtp for v in ctx.delivery if v.true_peak_max_dbtp is not None]
        if not ceilings:
            draft.add("No limiter is called for, and no platform guidance is known.")
            return
        draft.add(
            "The loudness and peaks call for no limiting. If you limit anyway, keep the ceiling "
            f"at {n.db(min(ceilings), unit='dBTP')} (true-peak mode), the strictest platform "
            "guidance for this loudness.",
            source="limiting",
        )
        return
    every = {
        "ceiling": f"ceiling {n.db(lim.ceiling_dbtp, unit='dBTP')} (true-peak mode)",
        "gain": f"input gain {n.db(lim.input_gain_db, signed=True)}",
        "release": f"release {n.ms(lim.release_ms)}",
    }
    asked = _asked(question, every)
    target = (
        f", aiming at {n.lufs(lim.target_lufs)} integrated" if lim.target_lufs is not None else ""
    )
    draft.add(
        f"Limiter: {', '.join(asked)}{target}. {lim.reason}",
        codes=lim.finding_codes,
        source="limiting",
    )


def answer_width(ctx: Context, draft: Draft) -> None:
    moves = ctx.presets.stereo
    if not moves:
        draft.add("No width move is called for.")
        return
    lines = []
    for move in moves:
        amount = (
            "mono"
            if move.width_percent == 0
            else f"side signal at {n.percent(move.width_percent)} of its level"
        )
        lines.append(f"- {amount} from {n.hz(move.low_hz)} to {n.hz(move.high_hz)}: {move.reason}")
    draft.add(
        "Width:\n" + "\n".join(lines),
        codes=[c for move in moves for c in move.finding_codes],
    )


def _asked(question: Question, every: dict[str, str]) -> list[str]:
    """The parts the question asks for (attack and release together), else all of them."""
    wanted = [
        text for key, text in every.items() if key in question.words or key == question.aspect
    ]
    if "makeup" in every and "make-up" in question.words:
        wanted.append(every["makeup"])
    return list(dict.fromkeys(wanted)) or list(every.values())
