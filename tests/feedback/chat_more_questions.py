"""Producer questions about a song's sections, its codec copies and what changed since the last
version, each checked against the review it is asked about.

Reviews are built from real recordings (:func:`build_reviews`): ``song`` joins Singularity
excerpts into verse, chorus, verse, chorus with the second chorus planted 3 dB quieter;
``coded`` is a Drascula excerpt limited loud, with the whole excerpt put through the real
delivery codecs; ``v2`` is a second version of a clipped Drascula excerpt, re-rendered without
the clipping and with a brighter top. Every check reads its expected value from the review's
own Analysis, codec results or version comparison (never a number written here).

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
from chat_questions import numbers_with, says, says_time
from recordings import DRASCULA, SINGULARITY, excerpt, hard_clipped, high_shelf, write
from test_decoded_ceiling import loud_master, through_all

from mixcoach.analysis import Analysis, analyze
from mixcoach.api.codec_journey import with_decoded_peaks
from mixcoach.audio.codecs import CodecResult
from mixcoach.audio.sections import SongSection
from mixcoach.feedback.chat_sections import peak_sections
from mixcoach.feedback.model import Conversation
from mixcoach.feedback.offline import OfflineEngine
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
