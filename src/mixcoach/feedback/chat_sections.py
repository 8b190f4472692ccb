"""Answers about the song's sections (``Analysis.sections``): which is loudest, whether the
chorus or drop lifts, where it is, one section's figures, a chorus against the verses.

A chorus or drop is a peak section: the sections the meter marks ``peak`` and the repeats of
their material (same letter), as the section rules read them; a verse is any other section.
Each section is named by its letter and its place (``C, 0:25-0:50``) as the findings name it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from mixcoach.audio.sections import SongSection
from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import Context
from mixcoach.feedback.chat_draft import Draft, finding
from mixcoach.feedback.questions import BAND_WORDS, Question
from mixcoach.findings.section_rules import name

_LIFT = (
    "lift",
    "rise",
    "build",
    "arrive",
    "hit",
    "bigger",
    "as big",
    "as loud",
    "jump",
    "kick in",
    "louder than",
)
_WIDTH = ("narrow", "wide", "width", "stereo", "mono")
_TONE = ("dark", "bright", "dull", "tilt", "muffled", "shine")
#: How a question says each direction ("duller" asks whether it is darker).
_STEMS = {
    "narrower": ("narrow",),
    "wider": ("wide", "wider"),
    "darker": ("dark", "dull", "muffled"),
    "brighter": ("bright", "shine"),
}
_DYNAMICS = ("psr", "dynamic", "punch", "squash", "compress")
#: A question that asks yes or no ("is it wider?"), not how much ("how wide is it?").
_YES_NO = r"(is|are|does|do|did|has|have|will|can|could|should|was|were)\b"


def answer_sections(ctx: Context, question: Question, draft: Draft) -> bool:
    """The answer from the sections; False (nothing added) when the track has none."""
    sections = [s for s in ctx.analysis.sections if s.integrated_lufs is not None]
    if not sections:
        return False
    text = question.text
    chosen = _chosen(sections, question)
    if any(word in text for word in _WIDTH):
        _contrast(
            ctx,
            sections,
            draft,
            "width",
            lambda s: s.width,
            "",
            2,
            "section_peak_narrow",
            ("narrower", "wider"),
            text,
        )
    elif any(word in text for word in _TONE) or question.band is not None:
        if question.band is not None:
            _band(sections, chosen, question.band, draft)
        else:
            _contrast(
                ctx,
                sections,
                draft,
                "spectral tilt",
                lambda s: s.tilt_db_per_octave,
                "dB/oct",
                1,
                "section_peak_dark",
                ("darker", "brighter"),
                text,
            )
    elif question.moment in ("loudest", "quietest"):  # a superlative before any lift word
        loudest = question.moment == "loudest"
        pick = (max if loudest else min)(sections, key=_lufs)
        word = "loudest" if loudest else "quietest"
        draft.add(f"The {word} section is {_figures(pick, ctx)}.")
    elif any(word in text for word in _LIFT) or (
        question.section == "peak" and question.ordinal is None and "where" not in text
    ):
        _lift(ctx, sections, draft)
    elif question.section == "any" and question.ordinal is None:
        draft.add(_listing(sections, ctx))
    else:
        lines = [_figures(s, ctx, dynamics=any(w in text for w in _DYNAMICS)) for s in chosen]
        draft.add(_sentence(question, chosen) + "; ".join(lines) + ".")
    return True


def peak_sections(sections: Sequence[SongSection]) -> list[SongSection]:
    """The chorus or drop sections: peak material and its repeats, in time order."""
    labels = {s.label for s in sections if s.energy == "peak"}
    return [s for s in sections if s.label in labels]


def _lufs(section: SongSection) -> float:
    return section.integrated_lufs if section.integrated_lufs is not None else -200.0


def _chosen(sections: list[SongSection], question: Question) -> list[SongSection]:
    """The sections the question names: by role (chorus, verse), then by ordinal."""
    peaks = peak_sections(sections)
    if question.section == "peak" and peaks:
        pool = peaks
    elif question.section == "other":
        pool = [s for s in sections if s not in peaks] or sections
    else:
        pool = sections
    if question.ordinal is None:
        return pool
    index = question.ordinal - 1 if question.ordinal > 0 else len(pool) - 1
    return [pool[min(index, len(pool) - 1)]]


def _sentence(question: Question, chosen: list[SongSection]) -> str:
    if question.section == "peak":
        what = "chorus or drop" if len(chosen) == 1 else "choruses or drops"
        return f"Mixcoach reads the {what} as the loudest material and its repeats: "
    if question.section == "other":
        return "The verses (the sections outside the loudest material): "
    return "That section: " if len(chosen) == 1 else "The sections: "


def _figures(section: SongSection, ctx: Context, *, dynamics: bool = False) -> str:
    """``C, 0:25-0:50, at -16.1 LUFS (short-term up to -14.1 LUFS), 2.3 LU above the track``."""
    parts = [f"{name(section)}, at {n.lufs(_lufs(section))}"]
    if section.short_term_max_lufs is not None:
        parts[0] += f" (short-term up to {n.lufs(section.short_term_max_lufs)})"
    integrated = ctx.analysis.loudness.integrated_lufs
    if integrated is not None:
        diff = _lufs(section) - integrated
        side = "above" if diff >= 0 else "below"
        parts.append(f"{n.lu(diff)} {side} the whole track")
    if dynamics and section.psr_db is not None:
        parts.append(f"PSR {n.db(section.psr_db)}")
    if section.width is not None:
        parts.append(f"width {n.num(section.width, decimals=2)}")
    return ", ".join(parts)


def _listing(sections: list[SongSection], ctx: Context) -> str:
    peaks = peak_sections(sections)
    lines = [f"- {_figures(s, ctx)}{' (chorus or drop)' if s in peaks else ''}" for s in sections]
    return (
        f"Mixcoach finds {len(sections)} sections (a letter repeats where the material does):\n"
        + "\n".join(lines)
    )


def _lift(ctx: Context, sections: list[SongSection], draft: Draft) -> None:
    """Each chorus against the section before it and against the first chorus, and the
    judge's verdict (its tolerance decides the yes or no)."""
    peaks = peak_sections(sections)
    if not peaks:
        draft.add("No section stands out as a chorus or drop: the level stays even.")
        return
    found = finding(ctx, "section_no_lift")
    lines = []
    for number, section in enumerate(peaks):
        index = sections.index(section)
        said = [f"- {name(section)} at {n.lufs(_lufs(section))}"]
        if index > 0:
            rise = _lufs(section) - _lufs(sections[index - 1])
            side = "above" if rise >= 0 else "below"
            said.append(f"{n.lu(rise)} {side} the section before it")
        if number > 0:
            under = _lufs(peaks[0]) - _lufs(section)
            side = "under" if under >= 0 else "over"
            said.append(f"{n.lu(under)} {side} the first chorus")
        lines.append(", ".join(said))
    verdict = (
        "No: a chorus or drop does not lift. " + found.detail.split(" Bring")[0]
        if found is not None
        else "Yes: every chorus or drop lifts over what leads into it."
    )
    draft.add(verdict + "\n" + "\n".join(lines), codes=[] if found is None else [found.code])


def _contrast(
    ctx: Context,
    sections: list[SongSection],
    draft: Draft,
    what: str,
    value: Callable[[SongSection], float | None],
    unit: str,
    digits: int,
    code: str,
    words: tuple[str, str],
    asked: str,
) -> None:
    """The loudest section's ``value`` against the verses' (the sections outside the chorus
    material; all the others when every section is chorus), weighted by duration; the judge's
    verdict, which compares it with the rest of the song, when it fired. ``words`` say a lower
    and a higher value ("narrower", "wider"); a question ``asked`` with one of them gets a yes
    or no."""
    loudest = max(sections, key=_lufs)
    peaks = peak_sections(sections)
    rest = [s for s in sections if s not in peaks and value(s) is not None]
    rest = rest or [s for s in sections if s is not loudest and value(s) is not None]
    own = value(loudest)
    if own is None or not rest:
        draft.add(f"The sections' {what} could not be compared (too few measured).")
        return
    seconds = sum(s.end_s - s.start_s for s in rest)
    others = sum((value(s) or 0.0) * (s.end_s - s.start_s) for s in rest) / seconds

    def show(v: float) -> str:
        return f"{n.num(v, decimals=digits)} {unit}".rstrip()

    lower, higher = words
    side = lower if own < others else higher
    found = finding(ctx, code)
    judged = (
        f"Mixcoach flags it: {found.detail.split('. ')[0]}."
        if found is not None
        else "Mixcoach flags nothing there."
    )
    named = next(
        (w for w in words if any(re.search(rf"\b{stem}", asked) for stem in _STEMS[w])), None
    )
    yes_no = named is not None and re.match(_YES_NO, asked) is not None
    answer = "" if not yes_no else ("Yes: t" if named == side else "No: t")
    each = ""
    if len(peaks) > 1:
        listed = ", ".join(f"{name(s)} {show(v)}" for s in peaks if (v := value(s)) is not None)
        each = f" Each chorus: {listed}."
    draft.add(
        f"{answer or 'T'}he loudest section ({name(loudest)}) has a "
        f"{what} of {show(own)}, against {show(others)} for the verses around it, so it is "
        f"{show(abs(own - others))} {side}.{each} {judged}",
        codes=[] if found is None else [code],
    )


def _band(sections: list[SongSection], chosen: list[SongSection], band: str, draft: Draft) -> None:
    label = next(phrase for phrase, value in BAND_WORDS if value == band)
    lines = [
        f"- {name(s)}: {n.db(level)}"
        for s in (chosen or sections)
        if (level := s.band_db.get(band)) is not None
    ]
    draft.add(f"The {label} against each section's own level:\n" + "\n".join(lines))
