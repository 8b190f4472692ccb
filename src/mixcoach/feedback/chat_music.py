"""Answers about the key and the tempo, and whether another track mixes with this one
(harmonic mixing on the Camelot wheel; tempos within a pitch fader's range, or at half or double
time)."""

from __future__ import annotations

from mixcoach import formatting
from mixcoach.audio.tonality import camelot
from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import Context
from mixcoach.feedback.chat_draft import Draft, figure
from mixcoach.feedback.questions import Question

_PITCH_CLASSES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def answer_key(ctx: Context, question: Question, draft: Draft) -> None:
    tonality = ctx.analysis.tonality
    if tonality.key is None or tonality.mode is None:
        draft.add("No clear tonal centre was found, so I cannot name a key.")
        return
    confidence = _confidence(tonality.confidence)
    code = tonality.camelot
    named = f" ({code} in Camelot notation)" if code else ""
    draft.add(
        f"The key reads as {tonality.key} {tonality.mode}{named}, with {confidence} confidence."
    )
    if code is None or not (question.compatibility or question.other_key):
        return
    neighbours = neighbours_of(code)
    text = (
        f"For harmonic mixing, {code} blends with {neighbours[0]} (the same key), "
        f"{neighbours[1]} and {neighbours[2]} (a fifth apart) and {neighbours[3]} (its relative "
        f"{'major' if code.endswith('A') else 'minor'})."
    )
    if question.other_key is not None:
        tonic, mode = question.other_key
        other = _camelot_of(tonic, mode)
        if other is not None:
            verdict = "mixes well with it" if other in neighbours else "clashes with it"
            text += f" {tonic} {mode} is {other}: this track {verdict}."
    draft.add(text)


def answer_tempo(ctx: Context, question: Question, draft: Draft) -> None:
    rhythm = ctx.analysis.rhythm
    tempo = rhythm.tempo_bpm
    if tempo is None:
        draft.add("No steady pulse was found, so I cannot give a tempo.")
        return
    text = (
        f"The tempo measures {formatting.tempo(rhythm)}, with "
        f"{_confidence(rhythm.confidence)} confidence."
    )
    others = [b for b in rhythm.tempo_candidates_bpm if abs(b - tempo) > 1][:1]
    if others and not rhythm.uncertain:  # an uncertain reading already names its runner-up
        text += f" The next likeliest reading is {n.bpm(others[0])}."
    draft.add(text)
    if not (question.compatibility or question.other_bpm):
        return
    pitch = figure("tempo", "pitch_range_percent")
    slowest, fastest = tempo * (1 - pitch / 100), tempo * (1 + pitch / 100)
    text = (
        f"Half time is {n.bpm(tempo / 2)}, double time {n.bpm(tempo * 2)}. A pitch fader's "
        f"{n.num(pitch, decimals=0)}% range beat-matches tracks from {n.bpm(slowest)} to "
        f"{n.bpm(fastest)}."
    )
    if question.other_bpm is not None:
        text += " " + _match(tempo, question.other_bpm, pitch)
    draft.add(text)


def neighbours_of(code: str) -> list[str]:
    """The code itself, one step each way on the wheel, and the relative major/minor."""
    number, letter = int(code[:-1]), code[-1]
    return [
        code,
        f"{(number - 2) % 12 + 1}{letter}",
        f"{number % 12 + 1}{letter}",
        f"{number}{'B' if letter == 'A' else 'A'}",
    ]


def _match(tempo: float, other: float, pitch_percent: float) -> str:
    for factor, how in ((1.0, "directly"), (0.5, "at half time"), (2.0, "at double time")):
        target = tempo * factor
        change = 100 * (other - target) / target
        if abs(change) <= pitch_percent:
            shift = "" if abs(change) < 0.5 else f" with a {n.num(abs(change))}% pitch change"
            return f"A {n.bpm(other)} track mixes {how}{shift}."
    return f"A {n.bpm(other)} track is outside the pitch range, even at half or double time."


def _camelot_of(tonic: str, mode: str) -> str | None:
    base = _PITCH_CLASSES.get(tonic[0])
    if base is None:
        return None
    shift = 1 if tonic.endswith("#") else -1 if tonic.endswith("b") else 0
    return camelot(tonic=(base + shift) % 12, mode=mode)


def _confidence(value: float) -> str:
    return "high" if value >= 0.7 else "moderate" if value >= 0.4 else "low"
