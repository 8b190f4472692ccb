"""A version comparison in words, for the page, the PDF and the language model's facts:
"Compared with v1, v2 fixed the clipping. The top end is now 2.0 dB brighter than in v1."."""

from __future__ import annotations

from dataclasses import dataclass

from mixcoach.feedback.model import Section
from mixcoach.feedback.numbers import unit_class, with_unit
from mixcoach.findings.versions import UNCHANGED, FindingChange, MetricChange, VersionComparison
from mixcoach.formatting import count, listing, number, signed

#: A band level that moved less than this between versions is not worth a sentence.
BAND_CHANGE_DB = 1.0

#: How each band's rise reads.
BAND_WORDS = {
    "sub": ("the sub", "heavier", "lighter"),
    "low": ("the low end", "heavier", "lighter"),
    "low_mid": ("the low mids", "fuller", "thinner"),
    "mid": ("the mids", "more forward", "further back"),
    "high_mid": ("the upper mids", "more forward", "further back"),
    "presence": ("the presence range", "brighter", "darker"),
    "air": ("the top end", "brighter", "darker"),
}


#: Findings as a producer names the problem ("v2 fixed the clipping").
FINDING_NAMES = {
    "true_peak_over": "the true peak over the ceiling",
    "too_loud": "the excess loudness",
    "too_quiet": "the low loudness",
    "over_compressed": "the over-compression",
    "under_compressed": "the loose dynamics",
    "stereo_too_narrow": "the narrow image",
    "stereo_too_wide": "the over-wide image",
    "phase_issue": "the phase problem",
    "channel_imbalance": "the channel imbalance",
    "wide_low_end": "the wide low end",
    "too_bright": "the excess brightness",
    "too_dull": "the dull top end",
    "too_boomy": "the boom",
    "too_thin": "the thin low end",
    "muddy": "the muddiness",
    "harsh": "the harshness",
}


@dataclass(frozen=True)
class VersionFacts:
    """A review compared with its track's previous version, and the names both go by."""

    comparison: VersionComparison
    before: str  # "v1"
    after: str  # "v2", the review the feedback is about

    def summary(self) -> str:
        return explain_versions(self.comparison, before=self.before, after=self.after)


def version_block(facts: VersionFacts) -> str:
    """The comparison as prompt facts: every finding fixed, still there (better or worse, by
    how much) or new, and every metric that moved, with both values."""
    lines = [
        f"VERSIONS (this track is {facts.after}, a new version of {facts.before}; tell the "
        f"producer what {facts.after} fixed, what is still there and what is new)",
        f"- In words: {facts.summary()}",
    ]
    for change in facts.comparison.findings:
        lines.append(f"- {_finding_fact(change, facts)}")
    for metric in facts.comparison.metrics:
        if metric.change is None or metric.value_before is None or metric.value_after is None:
            continue
        if abs(metric.change) < UNCHANGED:
            continue
        lines.append(
            f"- {metric.label}: {quantity(metric.value_before, metric.unit)} in {facts.before}, "
            f"{quantity(metric.value_after, metric.unit)} in {facts.after} "
            f"({signed(metric.change, metric.change_unit)})"
        )
    return "\n".join(lines)


def version_section(facts: VersionFacts) -> Section:
    """The comparison as the feedback's section on what changed since the previous version."""
    return Section(
        kind="overview",
        title=f"Since {facts.before}",
        body=facts.summary(),
        finding_codes=[],
    )


def _finding_fact(change: FindingChange, facts: VersionFacts) -> str:
    def value(amount: float | None) -> str:
        return "not measured" if amount is None else quantity(amount, change.unit)

    if change.status == "fixed":
        return f"Fixed in {facts.after}: {change.title} (was {value(change.value_before)})"
    if change.status == "new":
        return f"New in {facts.after}: {change.title} ({value(change.value_after)})"
    trend = "" if change.trend is None else f", {change.trend}"
    step = moved(change)
    if change.trend in ("better", "worse") and step is not None:
        trend += f" by {number(step)} {change.change_unit}".rstrip()
    return (
        f"Still there{trend}: {change.title} ({value(change.value_before)} in {facts.before}, "
        f"{value(change.value_after)} in {facts.after})"
    )


def explain_versions(comparison: VersionComparison, *, before: str, after: str) -> str:
    """A few sentences: what ``after`` fixed and brought in, what it still has (better or
    worse than ``before``, by how much) and the band levels that moved by ``BAND_CHANGE_DB``
    or more. The version names open no sentence, so a file name keeps its own case."""
    fixed = [_name(c) for c in comparison.findings if c.status == "fixed"]
    new = [_name(c) + _amount(c) for c in comparison.findings if c.status == "new"]
    still = [c for c in comparison.findings if c.status == "still_there"]
    moves = []
    if fixed:
        moves.append(f"fixed {listing(fixed)}")
    if new:
        moves.append(f"brought in {listing(new)}")
    # "fixed A and B, and brought in C": the comma keeps the two lists apart.
    joined = (" and " if len(fixed) < 2 else ", and ").join(moves)
    sentences = [f"Compared with {before}, {after} {joined}"] if moves else []
    sentences += [f"{_name(c)} is still there{_trend(c, before=before)}" for c in still]
    sentences += [_band(m, before=before) for m in comparison.metrics if _band_moved(m)]
    if not sentences:
        return f"No finding and no band level changed from {before} to {after}."
    return " ".join(text[0].upper() + text[1:] + "." for text in sentences)


def _name(change: FindingChange) -> str:
    return FINDING_NAMES.get(change.code, "the " + change.code.replace("_", " "))


def _trend(change: FindingChange, *, before: str) -> str:
    """ ", better than in v1 by 2.0 LU": how much nearer its target (or further) it sits."""
    if change.trend is None or change.trend == "unchanged":
        return ", unchanged" if change.trend == "unchanged" else ""
    step = moved(change)
    if step is None:
        return f", {change.trend} than in {before}"
    return f", {change.trend} than in {before} by {number(step)} {change.change_unit}".rstrip()


def moved(change: FindingChange) -> float | None:
    """How much nearer its target (or further) a finding still there sits, in its unit."""
    if change.excess_before is None or change.excess_after is None:
        return None
    return abs(change.excess_after - change.excess_before)


def _amount(change: FindingChange) -> str:
    value = change.value_after
    return "" if value is None else f" ({quantity(value, change.unit)})"


def quantity(value: float, unit: str) -> str:
    """A value as the feedback writes it; a whole count ("275 runs") without decimals."""
    if unit_class(unit) is None and float(value).is_integer():
        return f"{count(int(value))} {unit}".rstrip()
    return with_unit(value, unit)


def _band_moved(metric: MetricChange) -> bool:
    return (
        metric.metric.startswith("spectrum.bands.")
        and metric.change is not None
        and abs(metric.change) >= BAND_CHANGE_DB
    )


def _band(metric: MetricChange, *, before: str) -> str:
    name = metric.metric.split(".")[2]
    where, up, down = BAND_WORDS.get(name, (metric.label, "louder", "quieter"))
    change = metric.change or 0.0
    direction = up if change > 0 else down
    return f"{where} is now {number(abs(change))} dB {direction} than in {before}"
