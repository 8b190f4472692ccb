"""Two versions of one track: does the later one sound like the same song, and what changed.

Pure functions of two Analysis documents (no audio, no database):

- :func:`fingerprint_match` says whether two analyses are renders of the same song, from what
  the analysis already measured: duration, tempo, key and the short-term loudness curve (its
  shape, correlated over time, so a louder or clipped render of the same mix still matches);
- :func:`compare_versions` says, per finding, whether the later version fixed it, still has it
  (better or worse, by how much, in the finding's own unit) or brought it in; and per metric
  (the metric table and the band levels) how far it moved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import ConfigDict

from mixcoach.audio.model import Model
from mixcoach.formatting import difference_unit

if TYPE_CHECKING:
    from mixcoach.analysis import Analysis
    from mixcoach.findings.model import Evidence, Finding

#: Renders of one song differ in length by a tail or a count-in at most.
DURATION_TOLERANCE = 0.05
DURATION_TOLERANCE_S = 2.0
#: Tempo readings of one song within this ratio (half and double time count as the same).
TEMPO_TOLERANCE = 0.04
#: A key is compared only when both readings are this confident.
KEY_CONFIDENCE = 0.5
#: Loudness curves of one song correlate above this (a different song scores near 0).
CURVE_CORRELATION = 0.8
#: A metric that moved less than this (in its own unit) is unchanged.
UNCHANGED = 0.05

FindingStatus = Literal["fixed", "still_there", "new"]
Trend = Literal["better", "worse", "unchanged"]


class FingerprintMatch(Model):
    same_song: bool
    duration_ratio: float  # shorter / longer
    tempo_agrees: bool | None  # None when either version has no steady tempo
    key_agrees: bool | None  # None when either key reading is not confident
    curve_correlation: float | None  # of the short-term loudness curves; None when too short


class FindingChange(Model):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    code: str
    """The finding's code."""
    status: FindingStatus
    """`fixed`, `still_there` or `new`."""
    title: str
    """The finding's title in the version that has it (the later one when both do)."""
    severity_before: str | None
    """Its severity in the earlier version (None when absent)."""
    severity_after: str | None
    """Its severity in the later version (None when absent)."""
    metric: str | None
    """The evidence its amount is read from, as a dotted path (None when it has none)."""
    unit: str
    """The unit of the values."""
    change_unit: str
    """The unit of a difference between the values (`LU` for levels in `LUFS`)."""
    value_before: float | None
    """The evidence's value in the earlier version."""
    value_after: float | None
    """The evidence's value in the later version."""
    #: How far outside its target the finding's evidence sits, before and after (0 inside).
    excess_before: float | None
    """How far outside its target the evidence sits in the earlier version (0 inside)."""
    excess_after: float | None
    """How far outside its target the evidence sits in the later version (0 inside)."""
    trend: Trend | None
    """For a finding still there: `better`, `worse` or `unchanged`."""


class MetricChange(Model):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    metric: str
    """The metric, as a dotted path into the Analysis."""
    label: str
    """Its name to show."""
    unit: str
    """Its unit."""
    change_unit: str
    """The unit of the change (`LU` for a level in `LUFS`, `dB` for one in `dBTP`)."""
    value_before: float | None
    """Its value in the earlier version."""
    value_after: float | None
    """Its value in the later version."""
    change: float | None
    """The later value minus the earlier one."""


class VersionComparison(Model):
    findings: list[FindingChange]  # fixed first, then still there, then new
    metrics: list[MetricChange]


def fingerprint_match(a: Analysis, b: Analysis) -> FingerprintMatch:
    """Whether ``a`` and ``b`` are renders of the same song (see the module docstring)."""
    shorter, longer = sorted((a.file.duration_s, b.file.duration_s))
    ratio = shorter / longer if longer > 0 else 0.0
    duration_ok = longer - shorter <= max(DURATION_TOLERANCE * longer, DURATION_TOLERANCE_S)
    tempo_agrees = _tempo_agrees(a.rhythm.tempo_bpm, b.rhythm.tempo_bpm)
    key_agrees = None
    if min(a.tonality.confidence, b.tonality.confidence) >= KEY_CONFIDENCE:
        key_agrees = (a.tonality.key, a.tonality.mode) == (b.tonality.key, b.tonality.mode)
    correlation = _curve_correlation(
        a.loudness.short_term_lufs.values, b.loudness.short_term_lufs.values
    )
    same = (
        duration_ok
        and tempo_agrees is not False
        and key_agrees is not False
        and correlation is not None
        and correlation >= CURVE_CORRELATION
    )
    return FingerprintMatch(
        same_song=same,
        duration_ratio=ratio,
        tempo_agrees=tempo_agrees,
        key_agrees=key_agrees,
        curve_correlation=correlation,
    )


def _tempo_agrees(a: float | None, b: float | None) -> bool | None:
    if a is None or b is None:
        return None
    ratio = max(a, b) / min(a, b)
    return any(abs(ratio / multiple - 1) <= TEMPO_TOLERANCE for multiple in (1.0, 2.0))


def _curve_correlation(a: list[float | None], b: list[float | None]) -> float | None:
    """Pearson correlation of two loudness curves over their common length (silence read as
    the quietest point of the curve, so digital silence lines up with digital silence)."""
    length = min(len(a), len(b))
    if length < 10:
        return None
    x, y = _filled(a[:length]), _filled(b[:length])
    if x.std() == 0 or y.std() == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def _filled(values: list[float | None]) -> np.ndarray:
    present = [v for v in values if v is not None]
    floor = min(present) if present else 0.0
    return np.array([floor if v is None else v for v in values], dtype=float)


def compare_versions(before: Analysis, after: Analysis) -> VersionComparison:
    """What changed from ``before`` to ``after``: each finding fixed, still there or new, and
    each metric's change."""
    earlier = {f.code: f for f in before.findings}
    later = {f.code: f for f in after.findings}
    changes = [_finding_change(earlier[code], later.get(code)) for code in earlier]
    changes += [_finding_change(None, later[code]) for code in later if code not in earlier]
    order = {"fixed": 0, "still_there": 1, "new": 2}
    changes.sort(key=lambda change: order[change.status])
    return VersionComparison(findings=changes, metrics=_metric_changes(before, after))


def _finding_change(before: Finding | None, after: Finding | None) -> FindingChange:
    shown = after or before
    if shown is None:
        raise ValueError("a finding change needs the finding in at least one version")
    status: FindingStatus = "new" if before is None else "fixed" if after is None else "still_there"
    evidence_before = _evidence(before)
    evidence_after = _evidence(after)
    # Read the same metric in both versions: the one the finding names first.
    lead = evidence_before or evidence_after
    if lead is not None and after is not None and before is not None:
        evidence_after = next(
            (e for e in after.evidence if e.metric == lead.metric), evidence_after
        )
    excess_before = _excess(evidence_before)
    excess_after = _excess(evidence_after)
    trend: Trend | None = None
    if status == "still_there" and excess_before is not None and excess_after is not None:
        step = excess_after - excess_before
        trend = "unchanged" if abs(step) < UNCHANGED else "worse" if step > 0 else "better"
    return FindingChange(
        code=shown.code,
        status=status,
        title=shown.title,
        severity_before=None if before is None else before.severity,
        severity_after=None if after is None else after.severity,
        metric=None if lead is None else lead.metric,
        unit="" if lead is None else lead.unit,
        change_unit="" if lead is None else difference_unit(lead.unit),
        value_before=None if evidence_before is None else evidence_before.value,
        value_after=None if evidence_after is None else evidence_after.value,
        excess_before=excess_before,
        excess_after=excess_after,
        trend=trend,
    )


def _evidence(finding: Finding | None) -> Evidence | None:
    if finding is None or not finding.evidence:
        return None
    return finding.evidence[0]


def _excess(evidence: Evidence | None) -> float | None:
    """How far the evidence's value lies outside its target range (0 inside, or no target)."""
    if evidence is None or evidence.value is None:
        return None
    value = evidence.value
    if evidence.target_high is not None and value > evidence.target_high:
        return value - evidence.target_high
    if evidence.target_low is not None and value < evidence.target_low:
        return evidence.target_low - value
    return 0.0


def _metric_changes(before: Analysis, after: Analysis) -> list[MetricChange]:
    rows = {m.metric: m for m in after.metrics}
    changes = []
    for old in before.metrics:
        new = rows.get(old.metric)
        if new is None or isinstance(old.value, str) or isinstance(new.value, str):
            continue
        changes.append(
            MetricChange(
                metric=old.metric,
                label=old.label,
                unit=old.unit,
                change_unit=difference_unit(old.unit),
                value_before=old.value,
                value_after=new.value,
                change=_difference(old.value, new.value),
            )
        )
    bands_after = {band.name: band for band in after.spectrum.bands}
    for band in before.spectrum.bands:
        later_band = bands_after.get(band.name)
        if later_band is None:
            continue
        changes.append(
            MetricChange(
                metric=f"spectrum.bands.{band.name}.level_db",
                label=f"{band.name.replace('_', ' ')} band level",
                unit="dB",
                change_unit="dB",
                value_before=band.level_db,
                value_after=later_band.level_db,
                change=_difference(band.level_db, later_band.level_db),
            )
        )
    return changes


def _difference(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before
