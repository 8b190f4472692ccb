"""Generic thresholds the findings use whatever the genre: severity steps, clipping run counts,
DC offset, phase and balance limits, silence, resolution, reference-comparison limits.

Data in ``knowledge/data/thresholds.toml``, each threshold with its source.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import ValidationError

from mixcoach.audio.model import Model
from mixcoach.knowledge.sources import (
    DataError,
    Target,
    Value,
    load_toml,
    parse_target,
    parse_value,
    source,
)

Severity = Literal["info", "suggestion", "warning", "problem"]
SEVERITIES: tuple[Severity, ...] = ("info", "suggestion", "warning", "problem")
FeedbackType = Literal["mixdown", "mastering", "master_review"]
FEEDBACK_TYPES: tuple[FeedbackType, ...] = ("mixdown", "mastering", "master_review")


class Escalation(Model):
    """Distances outside a target range at which a finding becomes a warning, then a problem."""

    warning: float
    problem: float
    source: str

    def severity(self, distance: float) -> Severity | None:
        """None inside the range (distance 0), else suggestion, warning or problem."""
        size = abs(distance)
        if size == 0:
            return None
        if size >= self.problem:
            return "problem"
        return "warning" if size >= self.warning else "suggestion"


class CodeRules(Model):
    feedback_types: list[FeedbackType]  # the feedback types the code matters for
    # The most severe it may be, by type (pydantic copies the default per instance).
    max_severity: dict[FeedbackType, Severity] = {}  # noqa: RUF012


class Thresholds(Model):
    escalation: dict[str, dict[str, Escalation]]  # feedback type or "default" -> metric -> steps
    codes: dict[str, CodeRules]
    leads: dict[FeedbackType, list[str]]  # the codes that matter most for each feedback type
    values: dict[str, Value]  # "section.name" -> value
    ranges: dict[str, Target]  # "section.name" -> range
    severities: dict[str, dict[str, Severity]]  # "section.name" -> feedback type -> severity

    def steps(self, metric: str, feedback_type: str) -> Escalation:
        """The escalation for ``metric``, the feedback type's own when it has one."""
        own = self.escalation.get(feedback_type, {})
        return own.get(metric) or self.escalation["default"][metric]

    def value(self, key: str) -> float:
        return self.values[key].value

    def range(self, key: str) -> Target:
        return self.ranges[key]


@cache
def thresholds() -> Thresholds:
    raw = load_toml("thresholds")
    try:
        escalation = {
            kind: {metric: Escalation(**steps) for metric, steps in table.items()}
            for kind, table in raw.pop("escalation").items()
        }
        codes = {code: CodeRules(**rules) for code, rules in raw.pop("codes").items()}
        leads = raw.pop("leads")
        source(str(leads.pop("source")))
    except (KeyError, TypeError, ValidationError) as exc:
        raise DataError(f"thresholds.toml: {exc}") from exc
    if set(leads) != set(FEEDBACK_TYPES) or any(set(c) - set(codes) for c in leads.values()):
        raise DataError(f"thresholds.toml [leads]: expected codes per feedback type, got {leads}")
    for kind, table in escalation.items():
        if kind != "default" and kind not in FEEDBACK_TYPES:
            raise DataError(f"thresholds.toml [escalation.{kind}]: not a feedback type")
        for steps in table.values():
            source(steps.source)
    values: dict[str, Value] = {}
    ranges: dict[str, Target] = {}
    severities: dict[str, dict[str, Severity]] = {}
    for section, table in raw.items():
        for name, entry in table.items():
            key, where = f"{section}.{name}", f"thresholds.toml [{section}] {name}"
            _sort(entry, key=key, where=where, values=values, ranges=ranges, severities=severities)
    return Thresholds(
        escalation=escalation,
        codes=codes,
        leads=leads,
        values=values,
        ranges=ranges,
        severities=severities,
    )


def _sort(
    entry: Any,
    *,
    key: str,
    where: str,
    values: dict[str, Value],
    ranges: dict[str, Target],
    severities: dict[str, dict[str, Severity]],
) -> None:
    """File one entry as a value, a range or a per-feedback-type severity table."""
    if not isinstance(entry, dict):
        raise DataError(f"{where}: expected a table with a source, got {entry!r}")
    if "value" in entry:
        values[key] = parse_value(entry, where=where)
    elif "low" in entry or "high" in entry:
        ranges[key] = parse_target(entry, where=where)
    else:
        source(str(entry.get("source")))
        table = {k: v for k, v in entry.items() if k != "source"}
        if set(table) - set(FEEDBACK_TYPES) or set(table.values()) - set(SEVERITIES):
            raise DataError(f"{where}: expected feedback type = severity pairs, got {table!r}")
        severities[key] = table
