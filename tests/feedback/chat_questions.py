"""Producer questions for the offline chat, each checked against the review it is asked about.

Reviews are real recordings with one planted defect (:func:`build_reviews`); every check reads
the expected value from that review's own Analysis and presets (never a number written here), so
the same bank runs on any recording. Checks read the answer as a user does: the number with its
unit, the time, the ratio, the count of steps, the direction of a move.

``TUNING`` is what the chat was developed against. ``HELD_OUT`` was written before any tuning and
is only measured: its answer rate is reported, not tuned for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import mixes
import numpy as np
from scipy import signal
from signals import write

from mixcoach.analysis import Analysis, analyze
from mixcoach.feedback.delivery import platform_verdicts
from mixcoach.feedback.model import EqMove, PlatformVerdict, Presets
from mixcoach.feedback.offline import OfflineEngine
from mixcoach.feedback.plan import build_plan
from mixcoach.findings.model import FeedbackType

GENRE = "general"


# --- Reviews: one planted defect each --------------------------------------------------------


def plant_bell(
    audio: np.ndarray, *, sample_rate_hz: int, centre_hz: float, gain_db: float, q: float = 1.0
) -> np.ndarray:
    """An RBJ-cookbook peaking EQ (a bell) on ``(2, n)`` audio."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * centre_hz / sample_rate_hz
    alpha = np.sin(w0) / (2 * q)
    b = np.array([1 + alpha * a, -2 * np.cos(w0), 1 - alpha * a])
    den = np.array([1 + alpha / a, -2 * np.cos(w0), 1 - alpha / a])
    return signal.lfilter(b / den[0], den / den[0], audio, axis=1)


def peak_at(audio: np.ndarray, dbfs: float) -> np.ndarray:
    """Bounced with its sample peak at ``dbfs`` (a mixdown with headroom)."""
    return audio * (10 ** (dbfs / 20) / np.max(np.abs(audio)))


#: review name -> (which excerpt, how it is judged, the planted defect).
PLANTS: dict[str, tuple[int, FeedbackType, Callable[[np.ndarray, int], np.ndarray]]] = {
    "clean": (0, "master_review", lambda a, sr: a),
    "clipped": (0, "master_review", lambda a, sr: mixes.plant_clipping(a)),
    "loud": (0, "master_review", lambda a, sr: mixes.plant_brickwall(a, sample_rate_hz=sr)),
    "dc": (0, "master_review", lambda a, sr: mixes.plant_dc_offset(a)),
    "inverted": (0, "master_review", lambda a, sr: mixes.plant_polarity_flip(a)),
    "bell300": (
        1,
        "mixdown",
        lambda a, sr: peak_at(plant_bell(a, sample_rate_hz=sr, centre_hz=300, gain_db=8), -6),
    ),
    "dull": (
        1,
        "mixdown",
        lambda a, sr: peak_at(
            mixes.plant_high_shelf(a, sample_rate_hz=sr, gain_db=-10, corner_hz=6000), -6
        ),
    ),
    "premaster": (1, "mastering", lambda a, sr: peak_at(a, -6)),
}


def build_reviews(
    excerpts: list[np.ndarray], *, sample_rate_hz: int, folder: Path
) -> dict[str, Analysis]:
    """Each review of :data:`PLANTS`, analysed by mixcoach.analysis.analyze from a WAV file."""
    reviews = {}
    for name, (which, kind, plant) in PLANTS.items():
        audio = plant(excerpts[which], sample_rate_hz)
        path = write(folder / f"{name}.wav", audio, sample_rate_hz=sample_rate_hz, subtype="FLOAT")
        reviews[name] = analyze(path, genre=GENRE, feedback_type=kind)
    return reviews


# --- What a check sees ------------------------------------------------------------------------


@dataclass
class Asked:
    """A question put to the chat about one review, and what came back."""

    analysis: Analysis
    presets: Presets
    delivery: list[PlatformVerdict]
    text: str
    codes: list[str]

    @property
    def actions(self) -> int:
        """How many steps the review's plan has."""
        return len(build_plan(self.analysis).steps)


Check = Callable[[Asked], bool]


@dataclass(frozen=True)
class Question:
    review: str
    text: str
    check: Check
    #: Earlier questions of the same conversation, asked first (their answers kept as turns).
    before: tuple[str, ...] = field(default=())


def ask(engine: OfflineEngine, analysis: Analysis, question: Question) -> Asked:
    from mixcoach.feedback.model import ChatMessage, Conversation

    conversation = Conversation()
    for earlier in question.before:
        answer = engine.chat(analysis, None, conversation, earlier).result()
        conversation = Conversation(
            turns=[
                *conversation.turns,
                ChatMessage(role="user", content=earlier),
                ChatMessage(role="assistant", content=answer.text),
            ]
        )
    answer = engine.chat(analysis, None, conversation, question.text).result()
    presets = engine.presets(analysis)
    delivery = platform_verdicts(analysis, engine.platforms())
    return Asked(analysis, presets, delivery, answer.text, answer.finding_codes)


# --- Reading the answer -----------------------------------------------------------------------

_NUMBER = r"([+-]?\d[\d,]*(?:\.\d+)?)"


def numbers_with(text: str, unit: str) -> list[float]:
    """Every number written with ``unit`` right after it ("-14.0 LUFS", "2.5:1", "300 Hz")."""
    if unit == ":1":
        pattern = _NUMBER + r":1\b"
    else:
        pattern = _NUMBER + r"\s?" + re.escape(unit) + r"(?![A-Za-z])"
    values = [float(m.replace(",", "")) for m in re.findall(pattern, text)]
    if unit == "Hz":  # kHz written as such
        values += [
            1000 * float(m.replace(",", "")) for m in re.findall(_NUMBER + r"\s?kHz\b", text)
        ]
    return values


def says(text: str, value: float | None, unit: str, *, tol: float = 0.051) -> bool:
    """The answer writes ``value`` in ``unit`` (within ``tol``; sizes may be written unsigned)."""
    if value is None:
        return False
    return any(
        abs(v - value) <= tol or abs(abs(v) - abs(value)) <= tol for v in numbers_with(text, unit)
    )


def times(text: str) -> list[float]:
    """Positions written as m:ss or m:ss.s."""
    return [int(m) * 60 + float(s) for m, s in re.findall(r"\b(\d{1,2}):(\d{2}(?:\.\d)?)\b", text)]


def says_time(text: str, seconds: float, *, tol: float = 1.6) -> bool:
    return any(abs(t - seconds) <= tol for t in times(text))


def steps(text: str) -> int:
    return len(re.findall(r"(?m)^\d+\. ", text))


def says_not_measured(text: str) -> bool:
    lowered = text.lower()
    honest = any(w in lowered for w in ("not measure", "cannot", "can't", "does not measure"))
    return honest and any(w in lowered for w in ("stem", "solo", "reference"))


def off_topic(text: str) -> bool:
    return text.lower().startswith("that is outside what i can help with")


# --- Expected values, from the review ---------------------------------------------------------


def band(a: Asked, name: str):  # type: ignore[no-untyped-def]
    return next(b for b in a.analysis.spectrum.bands if b.name == name)


def band_answer(a: Asked, name: str, *, amount: bool) -> bool:
    """The band's level is quoted, and how far the curve leaves the genre's target there (each
    stretch's amount) or that it stays within the tolerance; with ``amount``, the gain of each
    EQ move reaching into the band or, when none does, a plain 'no move'."""
    b = band(a, name)
    stretches = [
        d for d in a.analysis.spectrum.deviations if d.low_hz < b.high_hz and d.high_hz >= b.low_hz
    ]
    lowered = a.text.lower()
    judged = (
        all(says(a.text, abs(d.amount_db), "dB") for d in stretches)
        if stretches
        else "within" in lowered
    )
    quoted = says(a.text, b.level_db, "dB") and judged
    if not amount:
        return quoted
    moves = [m for m in a.presets.eq if m.gain_db and _reaches(m, b.low_hz, b.high_hz)]
    if moves:
        return quoted and all(says(a.text, m.gain_db, "dB") for m in moves)
    return quoted and any(w in lowered for w in ("no cut", "no boost", "no eq", "nothing to"))


def _reaches(move: EqMove, low_hz: float, high_hz: float) -> bool:
    """A shelf acts on everything past its corner, a bell across its bandwidth."""
    if move.kind in ("low_shelf", "high_pass"):
        return low_hz < move.frequency_hz
    if move.kind in ("high_shelf", "low_pass"):
        return high_hz > move.frequency_hz
    half = 2 ** (move.bandwidth_octaves / 2)
    return move.frequency_hz / half < high_hz and move.frequency_hz * half > low_hz


def metric(a: Asked, key: str) -> float:
    row = next(m for m in a.analysis.metrics if m.metric == key)
    assert isinstance(row.value, (int, float))
    return float(row.value)


def loudest(a: Asked) -> tuple[float, float]:
    series = a.analysis.loudness.short_term_lufs
    pairs = [(v, series.start_s + i * series.hop_s) for i, v in enumerate(series.values) if v]
    value, at = max(pairs)
    return at, value


def quietest(a: Asked) -> tuple[float, float]:
    series = a.analysis.loudness.short_term_lufs
    pairs = [(v, series.start_s + i * series.hop_s) for i, v in enumerate(series.values) if v]
    value, at = min(pairs)
    return at, value


def top_code(a: Asked) -> bool:
    """The answer is about the plan's most important step (its finding first)."""
    first = build_plan(a.analysis).first(1)
    return bool(first) and a.codes[:1] == first[0].finding_codes[:1]


def platform(a: Asked, name: str) -> PlatformVerdict:
    return next(v for v in a.delivery if v.platform == name)


def camelot_neighbours(code: str) -> set[str]:
    number, letter = int(code[:-1]), code[-1]
    other = "B" if letter == "A" else "A"
    return {
        f"{(number % 12) + 1}{letter}",
        f"{((number - 2) % 12) + 1}{letter}",
        f"{number}{other}",
    }


def eq_moves_given(a: Asked) -> bool:
    return bool(a.presets.eq) and all(
        says(a.text, m.frequency_hz, "Hz", tol=max(1.0, 0.01 * m.frequency_hz))
        and (m.kind in ("high_pass", "low_pass") or says(a.text, m.gain_db, "dB"))
        for m in a.presets.eq
    )


def compressor_answer(a: Asked, field_name: str, unit: str) -> bool:
    c = a.presets.compressor
    if c is not None:
        return says(a.text, float(getattr(c, field_name)), unit, tol=0.6)
    return bool(numbers_with(a.text, unit)) and "compress" in a.text.lower()


def ceiling_answer(a: Asked) -> bool:
    if a.analysis.request.feedback_type == "mixdown":
        return "no limiter" in a.text.lower()
    if a.presets.limiter is not None:
        return says(a.text, a.presets.limiter.ceiling_dbtp, "dBTP")
    return says(a.text, min(v.true_peak_max_dbtp or 0 for v in a.delivery), "dBTP")


# --- The questions ----------------------------------------------------------------------------

TUNING: list[Question] = [
    Question(
        "clean",
        "How loud is it?",
        lambda a: (
            says(a.text, a.analysis.loudness.integrated_lufs, "LUFS")
            and says(
                a.text,
                next(m.target_low for m in a.analysis.metrics if "integrated" in m.metric),
                "LUFS",
            )
        ),
    ),
    Question(
        "bell300",
        "How much should I cut around 300 Hz?",
        lambda a: band_answer(a, "low_mid", amount=True),
    ),
    Question(
        "bell300",
        "and at 5 kHz?",
        lambda a: band_answer(a, "presence", amount=True),
        before=("How much should I cut around 300 Hz?",),
    ),
    Question(
        "clipped",
        "Where does it clip?",
        lambda a: (
            says_time(a.text, a.analysis.defects.clip_runs[0].start_s)
            and f"{a.analysis.defects.clip_run_count:,}" in a.text
        ),
    ),
    Question(
        "clean",
        "What's the DC offset?",
        lambda a: says(
            a.text, max(v for v in a.analysis.defects.dc_offset_dbfs if v is not None), "dBFS"
        ),
    ),
    Question(
        "dc",
        "Is there any DC offset?",
        lambda a: (
            says(a.text, max(v for v in a.analysis.defects.dc_offset_dbfs if v is not None), "dBFS")
            and "high-pass" in a.text.lower()
        ),
    ),
    Question(
        "clean",
        "Which part is the loudest?",
        lambda a: says_time(a.text, loudest(a)[0]) and says(a.text, loudest(a)[1], "LUFS"),
    ),
    Question(
        "premaster",
        "What ratio for the bus compressor?",
        lambda a: compressor_answer(a, "ratio", ":1"),
    ),
    Question("dull", "Give me a ReaEQ setting", lambda a: eq_moves_given(a) and "oct" in a.text),
    Question(
        "dull",
        "Summarise in three steps",
        lambda a: steps(a.text) == min(3, a.actions) and a.actions > 0,
    ),
    Question("clipped", "What should I fix first?", top_code),
    Question(
        "premaster",
        "What attack and release should I use on the compressor?",
        lambda a: (
            compressor_answer(a, "attack_ms", "ms") and compressor_answer(a, "release_ms", "ms")
        ),
    ),
    Question(
        "loud",
        "How much will Spotify turn it down?",
        lambda a: (
            says(a.text, platform(a, "spotify").gain_db, "dB")
            and says(a.text, platform(a, "spotify").target_lufs, "LUFS")
        ),
    ),
    Question(
        "clean",
        "What key is it in and what keys can I mix it with?",
        lambda a: (
            a.analysis.tonality.camelot is not None
            and all(c in a.text for c in camelot_neighbours(a.analysis.tonality.camelot))
            and f"{a.analysis.tonality.key} {a.analysis.tonality.mode}" in a.text
        ),
    ),
    Question(
        "clean",
        "Can I mix this with a 60 BPM track?",
        lambda a: (
            says(a.text, a.analysis.rhythm.tempo_bpm, "BPM", tol=0.6) and "half" in a.text.lower()
        ),
    ),
    Question(
        "inverted",
        "Why does it sound hollow in mono?",
        lambda a: (
            says(a.text, a.analysis.stereo.mono_loss_db, "dB") and "polarity" in a.text.lower()
        ),
    ),
    Question("bell300", "Is the vocal too loud?", lambda a: says_not_measured(a.text)),
    Question(
        "clean",
        "What's the LRA?",
        lambda a: says(a.text, a.analysis.loudness.loudness_range_lu, "LU"),
    ),
    Question(
        "clean",
        "What's the crest factor?",
        lambda a: says(a.text, a.analysis.dynamics.crest_factor_db, "dB"),
    ),
    Question(
        "clipped",
        "What happens at 0:10?",
        lambda a: says_time(a.text, 10.0, tol=0.6) and "LUFS" in a.text,
    ),
    Question("loud", "What limiter ceiling should I use?", ceiling_answer),
    Question(
        "dull",
        "Why?",
        lambda a: band_answer(a, "air", amount=False),
        before=("Is the top end dull?",),
    ),
    Question("clean", "What's the weather in Paris?", lambda a: off_topic(a.text)),
]

HELD_OUT: list[Question] = [
    Question(
        "dull",
        "How many dB should I boost the highs?",
        lambda a: band_answer(a, "air", amount=True),
    ),
    Question(
        "clean",
        "What's the true peak?",
        lambda a: says(a.text, a.analysis.loudness.true_peak_dbtp, "dBTP"),
    ),
    Question(
        "clean",
        "what's the correlation?",
        lambda a: f"{a.analysis.stereo.correlation:.2f}" in a.text,
    ),
    Question("loud", "What's the PSR?", lambda a: says(a.text, a.analysis.loudness.psr_db, "dB")),
    Question(
        "clipped",
        "How many clips are there?",
        lambda a: f"{a.analysis.defects.clip_run_count:,}" in a.text,
    ),
    Question(
        "dc",
        "How do I remove the DC offset in Reaper?",
        lambda a: (
            "high-pass" in a.text.lower()
            and any(
                says(a.text, m.frequency_hz, "Hz", tol=1)
                for m in a.presets.eq
                if m.kind == "high_pass"
            )
        ),
    ),
    Question(
        "bell300",
        "Give me an EQ setting for the low mids",
        lambda a: band_answer(a, "low_mid", amount=True),
    ),
    Question(
        "bell300",
        "What about the sub?",
        lambda a: band_answer(a, "sub", amount=True),
        before=("Give me an EQ setting for the low mids",),
    ),
    Question("premaster", "What should the limiter ceiling be?", ceiling_answer),
    Question(
        "premaster",
        "Make me a plan in 5 steps",
        lambda a: (
            steps(a.text) == min(5, a.actions) and (a.actions > 0 or "nothing" in a.text.lower())
        ),
    ),
    Question("loud", "What's the first thing to fix?", top_code),
    Question(
        "inverted",
        "Is the stereo image ok?",
        lambda a: f"{a.analysis.stereo.correlation:.2f}" in a.text and "polarity" in a.text.lower(),
    ),
    Question(
        "clean",
        "What's the tempo?",
        lambda a: says(a.text, a.analysis.rhythm.tempo_bpm, "BPM", tol=0.6),
    ),
    Question(
        "clean",
        "What Camelot key is it?",
        lambda a: a.analysis.tonality.camelot is not None and a.analysis.tonality.camelot in a.text,
    ),
    Question(
        "clean",
        "Will it work with a track at double the tempo?",
        lambda a: (
            a.analysis.rhythm.tempo_bpm is not None
            and says(a.text, 2 * a.analysis.rhythm.tempo_bpm, "BPM", tol=0.6)
        ),
    ),
    Question(
        "loud",
        "Is it too loud for Apple Music?",
        lambda a: says(a.text, platform(a, "apple-music").gain_db, "dB"),
    ),
    Question(
        "clipped",
        "Which part is the quietest?",
        lambda a: says_time(a.text, quietest(a)[0]) and says(a.text, quietest(a)[1], "LUFS"),
    ),
    Question("dull", "How does the kick sound?", lambda a: says_not_measured(a.text)),
    Question(
        "clean",
        "How wide is it?",
        lambda a: (
            a.analysis.stereo.width is not None
            and says(a.text, round(100 * a.analysis.stereo.width), "%", tol=0.6)
        ),
    ),
    Question(
        "premaster",
        "What threshold should I set on the compressor?",
        lambda a: (
            compressor_answer(a, "threshold_dbfs", "dBFS")
            or (a.presets.compressor is None and says(a.text, a.analysis.loudness.psr_db, "dB"))
        ),
    ),
    Question(
        "clean",
        "How is the balance between left and right?",
        lambda a: says(a.text, a.analysis.stereo.balance_db, "dB"),
    ),
    Question("clean", "Write me a poem about cats", lambda a: off_topic(a.text)),
    Question(
        "bell300",
        "why?",
        lambda a: band_answer(a, "low_mid", amount=False),
        before=("Is it muddy?",),
    ),
    Question(
        "clipped",
        "What's the sample peak?",
        lambda a: says(a.text, a.analysis.loudness.sample_peak_dbfs, "dBFS"),
    ),
]
