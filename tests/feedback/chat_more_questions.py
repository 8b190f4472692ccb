"""Producer questions about a song's sections, its codec copies and what changed since the last
version, each checked against the review it is asked about.

Reviews are built from real recordings (:func:`build_reviews`): ``song`` joins Singularity
excerpts into verse, chorus, verse, chorus with the second chorus planted 3 dB quieter;
``coded`` is a Drascula excerpt limited loud, with the whole excerpt put through the real
delivery codecs; ``v2`` is a second version of a clipped Drascula excerpt, re-rendered without
the clipping and with a brighter top. Every check reads its expected value from the review's
own Analysis, codec results or version comparison (never a number written here).

The last 26 questions are everyday phrasings of the same reviews ("which bit", "how hot is it",
"what's my headroom", "settings for FabFilter Pro-L", "what happens at 1:23", "is the vocal too
loud?"), each checked against the value, time, plan or setting it asks for; 8 of them are held
out by the same rule.

The bank is split by a fixed hash of the question text, chosen before any tuning: a question
whose CRC-32 is divisible by 3 is held out (measured and reported, not tuned for).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from chat_questions import numbers_with, says, says_not_measured, says_time, steps
from recordings import DRASCULA, SINGULARITY, excerpt, hard_clipped, high_shelf, write
from test_decoded_ceiling import loud_master, through_all

from mixcoach.analysis import Analysis, analyze
from mixcoach.api.codec_journey import with_decoded_peaks
from mixcoach.audio.codecs import CodecResult
from mixcoach.audio.sections import SongSection
from mixcoach.feedback.chat_sections import peak_sections
from mixcoach.feedback.delivery import known_platforms, platform_verdicts
from mixcoach.feedback.model import Conversation
from mixcoach.feedback.offline import OfflineEngine
from mixcoach.feedback.plan import build_plan
from mixcoach.feedback.presets import derive_presets
from mixcoach.feedback.version_notes import VersionFacts, quantity
from mixcoach.findings.versions import compare_versions
from mixcoach.jobs.codec_runs import CodecRun
from mixcoach.knowledge.platforms import delivery_codec, platform

#: The second chorus's planted shortfall.
QUIETER_CHORUS_DB = -3.0


@dataclass(frozen=True)
class Review:
    analysis: Analysis
    version: VersionFacts | None = None


def song(folder: Path, *, second_chorus_db: float = QUIETER_CHORUS_DB) -> Path:
    """Verse, chorus, verse, chorus (25 s each): the verses 10 dB under, the second chorus
    ``second_chorus_db`` under the first."""
    verse, rate = excerpt(SINGULARITY / "Through Space.ogg", start_s=40.0, seconds=25.0)
    chorus, _ = excerpt(SINGULARITY / "Media Threat.ogg", start_s=90.0, seconds=25.0)
    verse = 10 ** (-10 / 20) * verse
    again = 10 ** (second_chorus_db / 20) * chorus
    return write(
        folder / f"song{second_chorus_db:+.0f}.wav",
        np.concatenate([verse, chorus, verse, again], axis=1),
        rate,
    )


def build_reviews(folder: Path) -> dict[str, Review]:
    reviews = {"song": Review(analyze(song(folder), feedback_type="master_review"))}
    audio, rate = excerpt(DRASCULA / "track1.ogg", start_s=30.0, seconds=20.0)
    master = loud_master(audio, rate, how="limited")
    coded = analyze(write(folder / "coded.wav", master, rate), feedback_type="master_review")
    run = CodecRun(results=through_all(master, rate))
    reviews["coded"] = Review(with_decoded_peaks(coded, run))
    raw, rate = excerpt(DRASCULA / "track23.ogg", start_s=20.0, seconds=20.0)
    raw = raw * (0.5 / np.max(np.abs(raw)))
    v1 = analyze(write(folder / "v1.wav", hard_clipped(raw, gain_db=9.0), rate))
    fixed = high_shelf(raw, rate, gain_db=4.0, corner_hz=5000.0)
    v2 = analyze(write(folder / "v2.wav", fixed * (0.7 / np.max(np.abs(fixed))), rate))
    reviews["v2"] = Review(v2, VersionFacts(compare_versions(v1, v2), before="v1", after="v2"))
    return reviews


# --- What a check sees ------------------------------------------------------------------------


@dataclass
class Asked:
    review: Review
    text: str

    @property
    def analysis(self) -> Analysis:
        return self.review.analysis

    @property
    def sections(self) -> list[SongSection]:
        return [s for s in self.analysis.sections if s.integrated_lufs is not None]


Check = Callable[[Asked], bool]


@dataclass(frozen=True)
class Question:
    review: str
    text: str
    check: Check

    @property
    def held_out(self) -> bool:
        return zlib.crc32(self.text.encode()) % 3 == 0


def ask(engine: OfflineEngine, review: Review, question: Question) -> Asked:
    answer = engine.chat(
        review.analysis, None, Conversation(), question.text, version=review.version
    )
    return Asked(review, answer.result().text)


# --- Expected values --------------------------------------------------------------------------


def names(a: Asked, section: SongSection) -> bool:
    """The section's letter with its start and end written as m:ss."""
    return (
        re.search(rf"\b{section.label}\b", a.text) is not None
        and says_time(a.text, section.start_s, tol=1.0)
        and says_time(a.text, section.end_s, tol=1.0)
    )


def section_answer(a: Asked, section: SongSection) -> bool:
    return names(a, section) and says(a.text, section.integrated_lufs, "LUFS")


def loudest(a: Asked) -> bool:
    return section_answer(a, max(a.sections, key=lambda s: s.integrated_lufs or -200))


def quietest(a: Asked) -> bool:
    return section_answer(a, min(a.sections, key=lambda s: s.integrated_lufs or 0))


def nth(k: int) -> Check:
    return lambda a: section_answer(a, a.sections[k])


def choruses(a: Asked) -> bool:
    return all(section_answer(a, s) for s in peak_sections(a.sections))


def verses(a: Asked) -> bool:
    peaks = peak_sections(a.sections)
    return all(names(a, s) for s in a.sections if s not in peaks)


def no_lift(a: Asked) -> bool:
    """A no, the quieter chorus named, and how far under the first chorus it falls."""
    first, *later = peak_sections(a.sections)
    worst = min(later, key=lambda s: s.integrated_lufs or 0)
    shortfall = (first.integrated_lufs or 0) - (worst.integrated_lufs or 0)
    return a.text.startswith("No") and names(a, worst) and says(a.text, shortfall, "LU")


def _weighted(a: Asked, value: Callable[[SongSection], float | None]) -> tuple[float, float]:
    loud = max(a.sections, key=lambda s: s.integrated_lufs or -200)
    peaks = peak_sections(a.sections)
    rest = [s for s in a.sections if s not in peaks]
    seconds = sum(s.end_s - s.start_s for s in rest)
    others = sum((value(s) or 0) * (s.end_s - s.start_s) for s in rest) / seconds
    return value(loud) or 0.0, others


def contrast(field: str, lower: str, higher: str, *, unit: str, digits: int) -> Check:
    """The loudest section's value and the verses', and the right direction word."""

    def check(a: Asked) -> bool:
        own, others = _weighted(a, lambda s: getattr(s, field))
        word = lower if own < others else higher
        shown = [f"{own:.{digits}f}", f"{others:.{digits}f}"]
        quoted = all(v in a.text for v in shown)
        if unit:
            quoted = quoted and says(a.text, own, unit) and says(a.text, others, unit)
        return quoted and word in a.text

    return check


def structure(a: Asked) -> bool:
    return all(names(a, s) for s in a.sections) and f"{len(a.sections)} sections" in a.text


def codec(a: Asked, name: str) -> bool:
    result = _result(a, name)
    return (
        result.codec in a.text
        and says(a.text, result.true_peak_dbtp, "dBTP")
        and says(a.text, result.loudness_change_lu, "LU")
    )


def _result(a: Asked, name: str) -> CodecResult:
    return next(r for r in a.analysis.codecs if r.codec.startswith(name))


def service(name: str) -> Check:
    def check(a: Asked) -> bool:
        used = delivery_codec(platform(name), [r.codec for r in a.analysis.codecs])
        return codec(a, used.split()[0])

    return check


def every_codec(a: Asked) -> bool:
    return all(codec(a, r.codec.split()[0]) for r in a.analysis.codecs)


def check_codecs(a: Asked) -> bool:
    return "Check the codecs" in a.text and not a.analysis.codecs


def change_of(code: str) -> Check:
    """The finding's fate since the previous version, with its value there."""

    def check(a: Asked) -> bool:
        assert a.review.version is not None
        change = next(c for c in a.review.version.comparison.findings if c.code == code)
        word = {"fixed": "fixed", "new": "New", "still_there": "still there"}[change.status]
        value = change.value_before if change.status == "fixed" else change.value_after
        quoted = value is None or quantity(value, change.unit) in a.text
        return word in a.text and quoted

    return check


def what_changed(a: Asked) -> bool:
    """Every fixed finding named, and every band level that moved a decibel or more."""
    assert a.review.version is not None
    comparison = a.review.version.comparison
    fixed = [c for c in comparison.findings if c.status == "fixed"]
    bands = [
        m
        for m in comparison.metrics
        if m.metric.startswith("spectrum.bands.") and m.change is not None and abs(m.change) >= 1
    ]
    return (
        bool(fixed)
        and "fixed" in a.text
        and all(says(a.text, abs(m.change or 0), "dB") for m in bands)
    )


def first_version(a: Asked) -> bool:
    return "first version" in a.text


def _metric(a: Asked, key: str) -> float | None:
    row = next((m for m in a.analysis.metrics if m.metric == key), None)
    return float(row.value) if row is not None and isinstance(row.value, (int, float)) else None


def measured(key: str, unit: str) -> Check:
    """The metric's measured value, with its unit."""
    return lambda a: says(a.text, _metric(a, key), unit)


def hot(a: Asked) -> bool:
    """How loud and how high it peaks: integrated loudness and true peak."""
    return measured("loudness.integrated_lufs", "LUFS")(a) and measured(
        "loudness.true_peak_dbtp", "dBTP"
    )(a)


def squashed(a: Asked) -> bool:
    """The dynamics asked about: the peak-to-loudness ratio, and the short-term one."""
    return measured("loudness.plr_db", "dB")(a) or measured("loudness.psr_db", "dB")(a)


def peak_width(a: Asked) -> bool:
    """Each chorus's width, to two decimals."""
    return all(
        s.width is not None and f"{s.width:.2f}" in a.text for s in peak_sections(a.sections)
    )


def louder_for(name: str) -> Check:
    """The service's loudness target and how far under it this track plays there."""

    def check(a: Asked) -> bool:
        verdict = next(
            v for v in platform_verdicts(a.analysis, known_platforms()) if v.platform == name
        )
        return says(a.text, verdict.target_lufs, "LUFS") and says(
            a.text, verdict.level_below_target_db, "dB"
        )

    return check


def key_and_tempo(a: Asked) -> bool:
    tonality, rhythm = a.analysis.tonality, a.analysis.rhythm
    return f"{tonality.key} {tonality.mode}" in a.text and says(
        a.text, rhythm.tempo_bpm, "BPM", tol=0.6
    )


def first_step(a: Asked) -> bool:
    """The plan's most important step, as the plan words it."""
    first = build_plan(a.analysis).first(1)
    return bool(first) and first[0].title.lower() in a.text.lower()


def plan_of(count: int) -> Check:
    """``count`` numbered steps (or every step of a shorter plan)."""
    return lambda a: steps(a.text) == min(count, len(build_plan(a.analysis).steps)) > 0


def at_time(seconds: float) -> Check:
    """The short-term loudness at that moment and the section it falls in."""

    def check(a: Asked) -> bool:
        series = a.analysis.loudness.short_term_lufs
        ends = [series.start_s + i * series.hop_s for i in range(len(series.values))]
        # The 3 s windows that hold the moment (each value covers the 3 s before its time).
        near = [
            v
            for v, end in zip(series.values, ends, strict=True)
            if v is not None and 0 <= end - seconds <= 3
        ]
        section = next(s for s in a.sections if s.start_s <= seconds < s.end_s)
        loud = any(says(a.text, v, "LUFS") for v in near)
        return loud and re.search(rf"\b{section.label}\b", a.text) is not None

    return check


def limiter_settings(a: Asked) -> bool:
    """The plan's limiter: its ceiling and its input gain."""
    limiter = derive_presets(a.analysis, platforms=known_platforms()).limiter
    return (
        limiter is not None
        and says(a.text, limiter.ceiling_dbtp, "dBTP")
        and says(a.text, limiter.input_gain_db, "dB")
    )


def eq_settings(a: Asked) -> bool:
    """Every EQ move's frequency and gain (a plain no-EQ answer when the plan has none)."""
    moves = derive_presets(a.analysis, platforms=known_platforms()).eq
    if not moves:
        return "no eq" in a.text.lower() or "nothing to" in a.text.lower()
    return all(
        says(a.text, m.frequency_hz, "Hz", tol=max(1.0, 0.01 * m.frequency_hz))
        and (m.kind in ("high_pass", "low_pass") or says(a.text, m.gain_db, "dB"))
        for m in moves
    )


def not_measured(a: Asked) -> bool:
    return says_not_measured(a.text)


# --- The questions (split by :attr:`Question.held_out`) ---------------------------------------

BANK: list[Question] = [
    # Sections: loudest, quietest, one by number
    Question("song", "What's the loudest section of the song?", loudest),
    Question("song", "Which bit of the track hits hardest in level?", loudest),
    Question("song", "Where's the loudest part?", loudest),
    Question("song", "Which section is the quietest?", quietest),
    Question("song", "What's the softest part of the song?", quietest),
    Question("song", "How loud is the first section?", nth(0)),
    Question("song", "How loud is section 3?", nth(2)),
    Question("song", "What level is the fourth part at?", nth(3)),
    Question("song", "How loud is the last section?", nth(-1)),
    Question("song", "Tell me about the third section", nth(2)),
    # Choruses and drops
    Question("song", "Do my choruses lift enough?", no_lift),
    Question("song", "Does the drop hit harder than the verse?", no_lift),
    Question("song", "Is the second chorus as big as the first?", no_lift),
    Question("song", "Does the hook rise above what comes before it?", no_lift),
    Question("song", "Does the chorus build?", no_lift),
    Question("song", "When does the chorus come in?", choruses),
    Question("song", "Where are the drops?", choruses),
    Question("song", "How loud is the chorus?", choruses),
    Question("song", "Where do the verses sit?", verses),
    Question("song", "What's the structure of the track?", structure),
    Question("song", "How many sections does it have?", structure),
    Question("song", "Can you break down the arrangement for me?", structure),
    # A chorus against the verses
    Question(
        "song",
        "Is my chorus wider than the verses?",
        contrast("width", "narrower", "wider", unit="", digits=2),
    ),
    Question(
        "song",
        "Does the drop get narrower?",
        contrast("width", "narrower", "wider", unit="", digits=2),
    ),
    Question(
        "song",
        "Is the stereo width of the chorus bigger than the verse?",
        contrast("width", "narrower", "wider", unit="", digits=2),
    ),
    Question(
        "song",
        "Is the chorus darker than the verses?",
        contrast("tilt_db_per_octave", "darker", "brighter", unit="dB/oct", digits=1),
    ),
    Question(
        "song",
        "Does the drop sound duller than the rest?",
        contrast("tilt_db_per_octave", "darker", "brighter", unit="dB/oct", digits=1),
    ),
    # Codecs
    Question("coded", "How does it sound after AAC encoding?", lambda a: codec(a, "AAC")),
    Question("coded", "What happens to the peaks as an MP3?", lambda a: codec(a, "MP3")),
    Question("coded", "Will Opus make it clip?", lambda a: codec(a, "Opus")),
    Question("coded", "How will it sound on Spotify?", service("spotify")),
    Question("coded", "What does Apple Music's encoded copy peak at?", service("apple-music")),
    Question("coded", "How does it sound streamed on YouTube?", service("youtube")),
    Question("coded", "What do the codecs do to my master?", every_codec),
    Question("coded", "Does it survive lossy encoding?", every_codec),
    Question("song", "How will it sound after AAC?", check_codecs),
    Question("song", "What does the codec conversion do to it?", check_codecs),
    # Versions
    Question("v2", "What's different from the last version?", what_changed),
    Question("v2", "What changed since v1?", what_changed),
    Question("v2", "Did the new bounce fix the clipping?", change_of("clipping")),
    Question("v2", "Did I fix the distortion?", change_of("clipping")),
    Question("v2", "Is it better than the previous mix?", what_changed),
    Question("v2", "What improved since the earlier version?", what_changed),
    Question("song", "What changed since the last version?", first_version),
    Question("song", "Did I fix the clipping from the previous mix?", first_version),
    # Everyday phrasings: sections, level, dynamics, width, delivery, music, plans, times,
    # plugin settings, and what is not measured
    Question("song", "Which part gets the loudest?", loudest),
    Question("song", "Where does it get loudest?", loudest),
    Question("song", "Which section is the loudest one?", loudest),
    Question("song", "Which bit is the quietest?", quietest),
    Question("coded", "How hot is it?", hot),
    Question("coded", "How hot is the master running?", hot),
    Question("coded", "Is it too squashed?", squashed),
    Question("coded", "Have I crushed the dynamics?", squashed),
    Question("v2", "What's my headroom?", measured("loudness.true_peak_dbtp", "dBTP")),
    Question(
        "v2", "How much headroom have I got left?", measured("loudness.true_peak_dbtp", "dBTP")
    ),
    Question("song", "How wide is the chorus?", peak_width),
    Question("song", "Can I make it louder for Spotify?", louder_for("spotify")),
    Question("song", "Is it loud enough for Apple Music?", louder_for("apple-music")),
    Question("song", "What's the key and bpm?", key_and_tempo),
    Question("song", "What key and tempo is this in?", key_and_tempo),
    Question("coded", "What first?", first_step),
    Question("song", "What should I tackle first?", first_step),
    Question("coded", "Give me 3 steps", plan_of(3)),
    Question("song", "What are the two things to do?", plan_of(2)),
    Question("song", "What happens at 1:23?", at_time(83.0)),
    Question("song", "What's going on around 0:40?", at_time(40.0)),
    Question("coded", "Settings for FabFilter Pro-L", limiter_settings),
    Question("coded", "What should I set my limiter to?", limiter_settings),
    Question("song", "ReaEQ settings please", eq_settings),
    Question("song", "Is the vocal too loud?", not_measured),
    Question("coded", "Is the kick cutting through?", not_measured),
]

TUNING = [q for q in BANK if not q.held_out]
HELD_OUT = [q for q in BANK if q.held_out]


# --- Figures agree with the analysis ----------------------------------------------------------


def section_figures(a: Asked) -> list[float]:
    """Every LUFS and LU figure a section answer may quote: each section's loudness and
    short-term maximum, the track's integrated loudness, and any difference between two of
    those levels."""
    levels = [s.integrated_lufs for s in a.sections if s.integrated_lufs is not None]
    levels += [s.short_term_max_lufs for s in a.sections if s.short_term_max_lufs is not None]
    if a.analysis.loudness.integrated_lufs is not None:
        levels.append(a.analysis.loudness.integrated_lufs)
    series = a.analysis.loudness.short_term_lufs.values
    levels += [v for v in series if v is not None]
    return levels


#: A paragraph or line about sections ("C, 0:25-0:50") or one codec ("- **AAC 256 kbps**").
_MEASURED_PART = re.compile(r"\b[A-Z], \d+:\d\d-\d+:\d\d|^- \*\*(AAC|Opus|MP3) ")


def unsupported(a: Asked) -> list[str]:
    """Figures in the answer's section and codec parts that no measured value accounts for
    (LUFS: a level; LU: the difference of two levels)."""
    levels = section_figures(a)
    parts = [p for p in re.split(r"\n", a.text) if _MEASURED_PART.search(p)]
    text = "\n".join(parts)
    out = [f"{v} LUFS" for v in numbers_with(text, "LUFS") if not _near(v, levels)]
    gaps = [abs(x - y) for x in levels[:40] for y in levels[:40]]
    gaps += [abs(s.lift_lu) for s in a.sections if s.lift_lu is not None]
    gaps += [abs(r.loudness_change_lu) for r in a.analysis.codecs if r.loudness_change_lu]
    out += [f"{v} LU" for v in numbers_with(text, "LU") if not _near(abs(v), gaps)]
    return out


def _near(value: float, pool: list[float]) -> bool:
    return any(abs(value - p) <= 0.051 for p in pool)
