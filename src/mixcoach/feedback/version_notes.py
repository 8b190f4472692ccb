"""A version comparison in words, for the page, the PDF and the language model's facts:
"v2 fixed the clipping; the top end is now 2.0 dB brighter than v1"."""

from __future__ import annotations

from mixcoach.findings.versions import FindingChange, MetricChange, VersionComparison
from mixcoach.formatting import listing, number

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


def explain_versions(comparison: VersionComparison, *, before: str, after: str) -> str:
    """One paragraph: what ``after`` fixed, what it still has (better or worse, by how much),
    what it brought in, and the band levels that moved by ``BAND_CHANGE_DB`` or more."""
    fixed = [_name(c) for c in comparison.findings if c.status == "fixed"]
    still = [c for c in comparison.findings if c.status == "still_there"]
    new = [c for c in comparison.findings if c.status == "new"]
    parts = []
    if fixed:
        parts.append(f"{after} fixed {listing(fixed)}")
    for change in still:
        parts.append(f"{_name(change)} is still there{_trend(change, before=before)}")
    for change in new:
        parts.append(f"{after} brought in {_name(change)}{_amount(change)}")
    parts += [_band(m, before=before) for m in comparison.metrics if _band_moved(m)]
    if not parts:
        return f"{after} measures like {before}: no finding and no band level changed."
    return "; ".join(parts) + "."


def _name(change: FindingChange) -> str:
    return FINDING_NAMES.get(change.code, "the " + change.code.replace("_", " "))


def _trend(change: FindingChange, *, before: str) -> str:
    if change.trend is None or change.trend == "unchanged":
        return ""
    step = _step(change)
    amount = "" if step is None else f" by {number(abs(step))} {change.unit}".rstrip()
    return f", {change.trend}{amount} than {before}"


def _step(change: FindingChange) -> float | None:
    if change.value_before is None or change.value_after is None:
        return None
    return change.value_after - change.value_before


def _amount(change: FindingChange) -> str:
    value = change.value_after
    if value is None:
        return ""
    decimals = 0 if float(value).is_integer() else 1
    return f" ({number(value, decimals=decimals)} {change.unit})".replace(" )", ")")


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
    return f"{where} is now {number(abs(change))} dB {up if change > 0 else down} than {before}"
