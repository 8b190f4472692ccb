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

A number repaired (or quoted right) can still stand in a wrong claim: "-9.5 LUFS, far too loud"
on a master inside its range. So the words that judge a measured metric (too loud / too quiet /
in range, above / below the target or ceiling, which way to move it) are re-read against the
metric's status in the Analysis's metric table; when they claim the opposite of what was measured,
the sentence is rewritten to say what was (the value, and where it sits against its target).
Claims about a platform or the reference are left alone: the metric's status is about the genre's
target, not theirs.

Numbers without a unit (counts, "3 things") are not checked. :class:`GroundedStream` applies the
same check to a text arriving in chunks, releasing each sentence once it is complete, so nothing
unchecked reaches the reader.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from mixcoach.feedback import numbers as n
from mixcoach.feedback.facts import Fact, distance_outside
from mixcoach.feedback.model import Claim, Grounding
from mixcoach.feedback.numbers import UNITS, UnitClass
from mixcoach.findings.metrics import MetricStatus

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
#: Names that may follow the number instead ("-16.6 LUFS integrated").
_NAMED_AFTER = re.compile(r"\s*(integrated|short-term|true peak|true-peak|lra|plr|psr)\b", re.I)

Verdict = Literal["ok", "low", "high"]
#: Words that judge a level against its target, by the verdict they claim.
_TARGET = r"[^;:]{0,40}?\b(?:target|range|window|norm|genre|style)"
_TARGET_OR_CEILING = r"[^;:]{0,40}?\b(?:target|range|ceiling|limit|window|norm|genre|style)"
_CLAIMS: tuple[tuple[Verdict, re.Pattern[str]], ...] = (
    (
        "high",
        re.compile(
            r"\b(?:too (?:loud|hot|high|bright|wide|peaky)|over(?:ly)? (?:loud|hot)|exceed\w*"
            r"|hotter than|(?:above|over|louder than) (?:the |its |your |this )"
            rf"{_TARGET_OR_CEILING})",
            re.IGNORECASE,
        ),
    ),
    (
        "low",
        re.compile(
            r"\b(?:too (?:quiet|low|soft|dull|narrow|flat)|short of"
            rf"|(?:below|under|quieter than) (?:the |its |your |this ){_TARGET})",
            re.IGNORECASE,
        ),
    ),
    (
        "ok",
        re.compile(
            r"\b(?:in range|on target|spot on|where it should be|(?:is|are|looks|sounds|sits) "
            r"(?:fine|good|right)|(?:within|inside) (?:the |its |your |this )?[^;:]{0,40}?"
            r"\b(?:target|range|window))",
            re.IGNORECASE,
        ),
    ),
)
#: Advice that moves a level up (right for a low one) or down (right for a high one).
_MOVES: dict[Verdict, re.Pattern[str]] = {
    "low": re.compile(
        r"\b(?:turn (?:\w+ ){0,2}up|raise|boost|push (?:\w+ ){0,2}(?:up|harder)|increase"
        r"|bring (?:\w+ ){0,2}up|add (?:more )?gain)\b",
        re.IGNORECASE,
    ),
    "high": re.compile(
        r"\b(?:turn (?:\w+ ){0,2}down|lower (?:it|the)|reduce|pull (?:\w+ ){0,2}(?:down|back)"
        r"|back (?:\w+ ){0,2}off|bring (?:\w+ ){0,2}down|decrease)\b",
        re.IGNORECASE,
    ),
}
_NEGATION = re.compile(r"\b(?:not|never|no need to|without|n't)\s+(?:\w+\s+){0,2}$", re.I)
#: A claim about another target than the genre's: left to the model.
_OTHER_TARGET = re.compile(
    r"\b(?:spotify|apple|youtube|tidal|amazon|deezer|soundcloud|platform|streaming|reference)",
    re.IGNORECASE,
)


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
    """Checks texts against one set of facts, and claims against the metric table."""

    def __init__(
        self,
        facts: Sequence[Fact],
        *,
        metrics: Sequence[MetricStatus] = (),
        stated: Sequence[str] = (),
    ) -> None:
        """``stated``: texts Mixcoach itself wrote about the track (finding details, the plan,
        delivery notes); the numbers in them may be quoted too."""
        self._facts: dict[UnitClass, list[float]] = {}
        for text in stated:
            for quoted in find_numbers(text):
                self._facts.setdefault(quoted.family, []).append(quoted.value)
        self._by_key = {fact.key: fact for fact in facts}
        self._judged = {
            m.metric: m
            for m in metrics
            if m.status in ("ok", "low", "high") and isinstance(m.value, (int, float))
        }
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
        rewritten = self._recheck_claims(text)
        if rewritten is not None:
            text, claim = rewritten
            claims.append(claim)
        return text, claims, len(quoted)

    def _repair_fact(self, sentence: str, number: Quoted) -> Fact | None:
        subject = self._subject(sentence, number)
        return None if subject is None else self._by_key.get(subject[0])

    def _subject(self, sentence: str, number: Quoted) -> tuple[str, int, int] | None:
        """The metric ``number`` is the value of (its key, where its name starts and ends), when
        its name stands just before it (or just after: "-16.6 LUFS integrated")."""
        start = max(0, number.start - _REPAIR_WINDOW_CHARS)
        between = find_numbers(sentence[start : number.start])
        if between:  # a name before another number belongs to that one
            start += between[-1].end
        window = sentence[start : number.start].lower()
        after = _NAMED_AFTER.match(sentence, number.end)
        candidates = [(window, start)]
        if after is not None:
            candidates.append((after.group(1).lower(), after.start(1)))
        for text, offset in candidates:
            for name, key in _REPAIRABLE:
                fact = self._by_key.get(key)
                at = text.rfind(name)
                if at >= 0 and fact is not None:
                    entry = UNITS.get(fact.unit.lower())
                    if entry is not None and entry[0] in _COMPATIBLE[number.family]:
                        return key, offset + at, offset + at + len(name)
        return None

    def _recheck_claims(self, sentence: str) -> tuple[str, Claim] | None:
        """The sentence rewritten, when it judges a measured metric against what was measured."""
        for number in find_numbers(sentence):
            subject = self._subject(sentence, number)
            metric = None if subject is None else self._judged.get(subject[0])
            if metric is None or subject is None:
                continue
            clause = _clause(sentence, subject[1:], number.end)
            said = _contradiction(metric.status, clause)
            if said is None:
                continue
            statement = _statement(metric)
            lead = re.match(r"\s*(?:[-*+]\s+|\d+[.)]\s+)?", sentence)
            rewritten = (lead.group(0) if lead else "") + statement
            return rewritten, Claim(
                text=said,
                sentence=sentence.strip(),
                action="repaired",
                replacement=statement,
                reason=f"it said {said!r}, but {statement[0].lower()}{statement[1:-1]}",
            )
        return None

    def ground(self, text: str) -> tuple[str, Grounding]:
        """``text`` with unsupported claims repaired or dropped, and the account of it."""
        stream = GroundedStream(self)
        return stream.feed(text) + stream.flush(), stream.report()


def _clause(sentence: str, name: tuple[int, int], number_end: int) -> str:
    """The part of ``sentence`` about one metric: from the sentence's start (or its name, when
    another metric is named before it) up to the next metric named after its number and name."""
    name_start, name_end = name
    after = max(number_end, name_end)
    rest = sentence[after:].lower()
    ends = [rest.find(other) for other, _ in _REPAIRABLE]
    cut = min((e for e in ends if e >= 0), default=len(rest))
    before = sentence[: min(name_start, number_end)].lower()
    begin = name_start if any(other in before for other, _ in _REPAIRABLE) else 0
    return sentence[begin : after + cut]


#: The claims that contradict each status.
_WRONG: dict[str, tuple[Verdict, ...]] = {
    "ok": ("low", "high"),
    "low": ("high", "ok"),
    "high": ("low", "ok"),
}


def _contradiction(status: str, clause: str) -> str | None:
    """The words in ``clause`` that claim the opposite of ``status`` (None: nothing does)."""
    if _OTHER_TARGET.search(clause):
        return None
    wrong = _WRONG[status]
    for verdict, pattern in _CLAIMS:
        if verdict in wrong:
            said = _affirmed(pattern, clause)
            if said is not None:
                return said
    if status in ("low", "high"):
        opposite: Verdict = "high" if status == "low" else "low"
        return _affirmed(_MOVES[opposite], clause)
    return None


def _affirmed(pattern: re.Pattern[str], text: str) -> str | None:
    """The first match of ``pattern`` in ``text`` that is not negated ("not too loud")."""
    for match in pattern.finditer(text):
        if not _NEGATION.search(text[: match.start()]):
            return match.group(0).strip()
    return None


def _statement(metric: MetricStatus) -> str:
    """What was measured, in one sentence: the value and where it sits against its target."""
    value = float(metric.value) if isinstance(metric.value, (int, float)) else 0.0
    target = n.target_range(metric.target_low, metric.target_high, metric.unit)
    distance = distance_outside(value, metric.target_low, metric.target_high)
    written = n.with_unit(value, metric.unit)
    if distance == 0:
        return f"{metric.label} is {written}, within its target of {target}."
    amount = n.with_unit(abs(distance), n.DISTANCE_UNIT.get(metric.unit, metric.unit))
    side = "above" if distance > 0 else "below"
    return f"{metric.label} is {written}, {amount} {side} its target of {target}."


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
