"""Answers about the listener's copy: the track through AAC, Opus and MP3 (``Analysis.codecs``,
there once the review's codec check has run), or through the codec a named service uses."""

from __future__ import annotations

from mixcoach.audio.codecs import CODECS, CodecResult
from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import Context
from mixcoach.feedback.chat_draft import Draft
from mixcoach.feedback.questions import Question
from mixcoach.formatting import counted, signed
from mixcoach.knowledge.platforms import delivery_ceiling, delivery_codec, platform

NOT_RUN = (
    "The codec check has not run for this review, so I have no decoded copy to read. Press "
    '"Check the codecs" in the streaming panel: it puts the whole track through AAC 256 kbps, '
    "Opus 160 kbps and MP3 320 kbps and measures each decoded copy's true peak and loudness; "
    "ask again once it is done."
)
MIX_ONLY = (
    "The codec check's results join a master review: a mixdown is not what the services "
    "encode. Review the master with the feedback type master review and press "
    '"Check the codecs" there.'
)


def answer_codecs(ctx: Context, question: Question, draft: Draft) -> None:
    results = ctx.analysis.codecs
    if not results:
        draft.add(NOT_RUN if ctx.kind == "master_review" else MIX_ONLY, source="limiting")
        return
    names = [r.codec for r in results]
    wanted = {c.name for c in CODECS if c.name.split()[0] in question.codecs}
    services: dict[str, str] = {}  # codec name -> the services asked about that use it
    for name in question.platforms:
        on = platform(name)
        used = delivery_codec(on, names)
        services[used] = f"{services[used]} and {on.label}" if used in services else on.label
        wanted.add(used)
    chosen = [r for r in results if r.codec in wanted] or list(results)
    most = delivery_ceiling(
        on=[], integrated_lufs=None, sample_peak_dbfs=None, codecs=[]
    ).decoded_peak_max_dbtp
    lines = [_line(r, services.get(r.codec), most) for r in chosen]
    over = [r for r in chosen if r.true_peak_dbtp is not None and r.true_peak_dbtp > most]
    advice = ""
    ceiling = ctx.plan.ceiling_dbtp
    if over and ceiling is not None:
        advice = (
            f"\n\nThe decoded copy should peak at or below {n.db(most, unit='dBTP')}: set the "
            f"limiter's true-peak ceiling to {n.db(ceiling, unit='dBTP')} (the review's ceiling, "
            "which allows for the codec's overshoot)."
        )
    elif not over:
        advice = f"\n\nEvery decoded copy here stays at or below {n.db(most, unit='dBTP')}."
    draft.add("\n".join(lines) + advice, source="limiting")


def _line(result: CodecResult, services: str | None, most: float) -> str:
    head = f"- **{result.codec}**" + ("" if services is None else f" ({services} uses it)")
    said = []
    if result.true_peak_dbtp is not None:
        peak = f"the true peak reads {signed(result.true_peak_dbtp, 'dBTP')}"
        if result.true_peak_change_db is not None:
            peak += f" ({signed(result.true_peak_change_db, 'dB')} through the codec)"
        if result.true_peak_dbtp > most:
            peak += f", over {n.db(most, unit='dBTP')}"
        said.append(peak)
    if result.loudness_change_lu is not None:
        said.append(f"the loudness moves {signed(result.loudness_change_lu, 'LU')}")
    said.append(
        f"{counted(result.clipped_samples, 'decoded sample')} past full scale"
        if result.clipped_samples
        else "no decoded sample goes past full scale"
    )
    return f"{head}: " + ", ".join(said) + "."
