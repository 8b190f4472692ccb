"""What every chat answer builds on: the answer being drafted, the review's findings and metric
rows, and the chat's figures from ``knowledge/data/chat.toml``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import Context
from mixcoach.findings.metrics import MetricStatus
from mixcoach.findings.model import Finding
from mixcoach.knowledge.sources import DataError, load_toml


@dataclass
class Draft:
    paragraphs: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    bands: set[str] = field(default_factory=set)  # bands already described

    def add(self, text: str, *, codes: Sequence[str] = (), source: str | None = None) -> None:
        self.paragraphs.append(text)
        self.codes += [c for c in codes if c not in self.codes]
        if source is not None and source not in self.sources:
            self.sources.append(source)


def finding(ctx: Context, *codes: str) -> Finding | None:
    """The first finding of the review with one of ``codes``."""
    return next((f for f in ctx.analysis.findings if f.code in codes), None)


def metric_row(ctx: Context, key: str) -> MetricStatus | None:
    return next((m for m in ctx.analysis.metrics if m.metric == key), None)


def range_text(low: float | None, high: float | None, unit: str, *, scale: float = 1.0) -> str:
    """``"between -16.0 LUFS and -7.0 LUFS"``, ``"at most -1.0 dBTP"``; "" without a target."""

    def value(v: float) -> str:
        return n.with_unit(v * scale, unit)

    if low is not None and high is not None:
        return f"between {value(low)} and {value(high)}"
    if high is not None:
        return f"at most {value(high)}"
    if low is not None:
        return f"at least {value(low)}"
    return ""


def against_range(value: float, low: float | None, high: float | None, unit: str) -> str:
    """Where ``value`` sits: ``"inside the range"``, ``"2.2 LU below the range"``."""
    size_unit = {"LUFS": "LU", "dBTP": "dB", "dBFS": "dB"}.get(unit, unit)
    if high is not None and value > high:
        return f"{n.with_unit(value - high, size_unit)} above the range"
    if low is not None and value < low:
        return f"{n.with_unit(low - value, size_unit)} below the range"
    return "inside the range"


@cache
def _figures() -> dict[str, dict[str, dict[str, object]]]:
    return load_toml("chat")


def figure(section: str, name: str) -> float:
    """A figure of ``knowledge/data/chat.toml`` (each carries its source there)."""
    try:
        entry = _figures()[section][name]
        value = entry["value"]
    except KeyError as exc:
        raise DataError(f"knowledge/data/chat.toml has no {section}.{name} value") from exc
    if not isinstance(value, (int, float)):
        raise DataError(f"knowledge/data/chat.toml {section}.{name} is not a number: {value!r}")
    return float(value)
