"""Grounding: every number a text quotes must be one of the measured facts.

The check reads each sentence, finds the numbers that carry a unit (LUFS, LU, dB, dBFS, dBTP,
Hz/kHz, BPM, ms/s/min, %, ``n:1`` ratios, ``m:ss`` positions; the first number of a range such as
``10-30 ms`` takes the second's unit) and looks each up among the facts
(:func:`mixcoach.feedback.facts.collect_facts`) of a compatible unit:

- a number matches a fact when they agree to the precision the number was written with
  (``-14 LUFS`` matches -13.62, ``-13.7 LUFS`` does not; an ``m:ss`` position within a second);
- levels (LUFS, dBFS, dBTP) compare with their sign when one is written, otherwise by size;
  plain dB and LU amounts compare by size (the sentence says which way);
- a number that matches no fact is *repaired* when a metric's name stands just before it (``true
  peak of +0.5 dBTP``) and that metric was measured: the measured value is written instead;
- otherwise the sentence is *dropped*.

Numbers without a unit (counts, "3 things") are not checked. :class:`GroundedStream` applies the
same check to a text arriving in chunks, releasing each sentence once it is complete, so nothing
unchecked reaches the reader.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mixcoach.feedback import numbers as n
from mixcoach.feedback.facts import Fact
from mixcoach.feedback.model import Claim, Grounding
from mixcoach.feedback.numbers import UNITS, UnitClass

_NUMBER = r"(?<![\w.,])([+\-\u2212\u2013]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"
_UNIT = (
    r"(db/octave|db/oct|dbtp|dbfs|dbr|db|lufs|lkfs|lu|khz|hz|bpm|ms|seconds|second|secs|sec|s"
    r"|minutes|min|percent|%)(?![a-z0-9])"
)
_WITH_UNIT = re.compile(rf"{_NUMBER}\s?{_UNIT}", re.IGNORECASE)
_RANGE_HEAD = re.compile(rf"{_NUMBER}\s*(?:-|\u2013|\u2014|to|and)\s*$", re.IGNORECASE)
_CLOCK = re.compile(r"(?<![\d:.])(\d{1,2}):([0-5]\d)(?![\d:])")
_RATIO = re.compile(r"(?<![\d.:])(\d+(?:\.\d+)?)\s*:\s*1(?![\d.:])")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

#: Which facts a number of each unit family may match.
_COMPATIBLE: dict[UnitClass, tuple[UnitClass, ...]] = {
    "lufs": ("lufs",),
    "level": ("level",),
    "diff": ("diff", "level", "lufs"),
    "hz": ("hz",),
    "bpm": ("bpm",),
    "s": ("s",),
    "pct": ("pct",),
    "ratio": ("ratio",),
    "slope": ("slope",),
}
_SIGNED: tuple[UnitClass, ...] = ("lufs", "level")

#: Metric names that let a misquoted number be repaired, most specific first.
_REPAIRABLE: tuple[tuple[str, str], ...] = (
    ("short-term", "loudness.short_term_max_lufs"),
    ("momentary", "loudness.momentary_max_lufs"),
    ("true peak", "loudness.true_peak_dbtp"),
    ("true-peak", "loudness.true_peak_dbtp"),
    ("sample peak", "loudness.sample_peak_dbfs"),
    ("loudness range", "loudness.loudness_range_lu"),
    ("lra", "loudness.loudness_range_lu"),
    ("integrated", "loudness.integrated_lufs"),
    ("plr", "loudness.plr_db"),
    ("peak-to-loudness", "loudness.plr_db"),
    ("psr", "loudness.psr_db"),
    ("crest factor", "dynamics.crest_factor_db"),
    ("tempo", "rhythm.tempo_bpm"),
    ("tilt", "spectrum.tilt_db_per_octave"),
)
#: How far before a number a metric's name may stand to be taken as the number's subject.
_REPAIR_WINDOW_CHARS = 40


@dataclass(frozen=True)
class Quoted:
    """One number found in a text: its value in the family's base unit, and how it was written."""

    start: int
    end: int
    text: str
    value: float
    family: UnitClass
    signed: bool
    tolerance: float


def find_numbers(text: str) -> list[Quoted]:
    """Every unit-bearing number in ``text``, in order."""
    found: list[Quoted] = []
    for match in _WITH_UNIT.finditer(text):
        family, factor = UNITS[match.group(4).lower()]
        if family == "s" and _is_decade(match):
            continue
        found.append(_quoted(match.start(), match.end(), match.group(0), match, family, factor))
        head = _RANGE_HEAD.search(text, 0, match.start())
        if head is not None:
            found.append(
                _quoted(
                    head.start(),
                    head.end(),
                    head.group(0).rstrip(" -\u2013\u2014toand"),
                    head,
                    family,
                    factor,
                )
            )
    for match in _CLOCK.finditer(text):
        value = int(match.group(1)) * 60 + int(match.group(2))
        found.append(
            Quoted(match.start(), match.end(), match.group(0), float(value), "s", False, 1.0)
        )
    for match in _RATIO.finditer(text):
        decimals = len(match.group(1).partition(".")[2])
        found.append(
            Quoted(
                match.start(),
                match.end(),
                match.group(0),
                float(match.group(1)),
                "ratio",
                False,
                0.5 * 10.0**-decimals + 1e-9,
            )
        )
    return sorted(found, key=lambda q: q.start)


def _is_decade(match: re.Match[str]) -> bool:
    """``80s`` and ``808s`` are a decade and drum machines, not seconds: an ``s`` glued to a
    whole number of 100 or more, or to one ending in 0, is a plural."""
    whole = match.group(2).replace(",", "")
    glued = match.group(4) == "s" and match.group(0)[-2:-1].isdigit()
    return glued and not match.group(3) and (int(whole) >= 100 or whole.endswith("0"))


def _quoted(
    start: int, end: int, text: str, match: re.Match[str], family: UnitClass, factor: float
) -> Quoted:
    sign, whole, fraction = match.group(1), match.group(2), match.group(3) or ""
    value = float(whole.replace(",", "") + fraction) * factor
    if sign and sign != "+":
        value = -value
    decimals = max(len(fraction) - 1, 0)
    return Quoted(
        start, end, text.strip(), value, family, bool(sign), 0.5 * 10.0**-decimals * factor + 1e-9
    )


class Grounder:
    """Checks texts against one set of facts."""

    def __init__(self, facts: Sequence[Fact]) -> None:
        self._facts: dict[UnitClass, list[float]] = {}
        self._by_key = {fact.key: fact for fact in facts}
        for fact in facts:
            entry = UNITS.get(fact.unit.lower())
            if entry is not None:
                family, factor = entry
                self._facts.setdefault(family, []).append(fact.value * factor)

    def supports(self, quoted: Quoted) -> bool:
        for family in _COMPATIBLE[quoted.family]:
            for value in self._facts.get(family, ()):
                if quoted.signed and family in _SIGNED and quoted.family in _SIGNED:
                    distance = abs(quoted.value - value)
                else:
                    distance = abs(abs(quoted.value) - abs(value))
                if distance <= quoted.tolerance:
                    return True
        return False

    def check_sentence(self, sentence: str) -> tuple[str | None, list[Claim], int]:
        """The sentence as it may be printed (None: drop it), what was changed, numbers checked."""
        quoted = find_numbers(sentence)
        claims: list[Claim] = []
        text = sentence
        # Work from the end so earlier positions stay valid while repairs change the length.
        for number in reversed(quoted):
            if self.supports(number):
                continue
            fact = self._repair_fact(sentence, number)
            if fact is None:
                claims.append(
                    Claim(
                        text=number.text,
                        sentence=sentence.strip(),
                        action="dropped",
                        replacement=None,
                        reason="no measured value matches it",
                    )
                )
                continue
            replacement = n.with_unit(fact.value, fact.unit)
            text = text[: number.start] + replacement + text[number.end :]
            claims.append(
                Claim(
                    text=number.text,
                    sentence=sentence.strip(),
                    action="repaired",
                    replacement=replacement,
                    reason=f"the measured {fact.label.lower()} is {replacement}",
                )
            )
        if any(claim.action == "dropped" for claim in claims):
            return None, claims, len(quoted)
        return text, claims, len(quoted)

    def _repair_fact(self, sentence: str, number: Quoted) -> Fact | None:
        window = sentence[max(0, number.start - _REPAIR_WINDOW_CHARS) : number.start].lower()
        if find_numbers(window):
            return None  # another number stands between the metric's name and this one
        for name, key in _REPAIRABLE:
            fact = self._by_key.get(key)
            if name in window and fact is not None:
                entry = UNITS.get(fact.unit.lower())
                if entry is not None and entry[0] in _COMPATIBLE[number.family]:
                    return fact
        return None

    def ground(self, text: str) -> tuple[str, Grounding]:
        """``text`` with unsupported claims repaired or dropped, and the account of it."""
        stream = GroundedStream(self)
        return stream.feed(text) + stream.flush(), stream.report()


class GroundedStream:
    """Grounds text that arrives in chunks; ``feed`` returns what may be shown so far.

    A sentence is released once it is complete; the whitespace after it waits for the next
    sentence, so a dropped sentence takes the space before it along. A line whose every sentence
    is dropped disappears with its line break. The result is the same however the text is cut.
    """

    def __init__(self, grounder: Grounder) -> None:
        self._grounder = grounder
        self._pending = ""
        self._checked = 0
        self._claims: list[Claim] = []
        self._line_had_text = False  # the current line received text
        self._line_kept = False  # and some of it was kept

    def feed(self, chunk: str) -> str:
        self._pending += chunk
        cut = self._pending.rfind("\n") + 1
        ends = list(_SENTENCE_END.finditer(self._pending, cut))
        if ends:
            cut = ends[-1].start()
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        return self._check(ready)

    def flush(self) -> str:
        ready, self._pending = self._pending, ""
        return self._check(ready)

    def report(self) -> Grounding:
        return Grounding(
            checked=self._checked,
            repaired=[c for c in self._claims if c.action == "repaired"],
            dropped=[c for c in self._claims if c.action == "dropped"],
        )

    def _check(self, text: str) -> str:
        out: list[str] = []
        for line in text.splitlines(keepends=True):
            body = line.rstrip("\n")
            out.append(self._check_line(body))
            if len(body) < len(line):  # the line ends here
                if self._line_kept or not self._line_had_text:
                    out.append(line[len(body) :])
                self._line_had_text = self._line_kept = False
        return "".join(out)

    def _check_line(self, body: str) -> str:
        kept: list[str] = []
        gap = ""
        for piece in re.split(r"(?<=[.!?])(\s+)", body):
            if not piece:
                continue
            if piece.isspace():
                gap += piece
                continue
            self._line_had_text = True
            checked, claims, count = self._grounder.check_sentence(piece)
            self._checked += count
            self._claims += claims
            if checked is not None:
                kept.append((gap if self._line_kept else "") + checked)
                self._line_kept = True
            gap = ""
        return "".join(kept) + gap
