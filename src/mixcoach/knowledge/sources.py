"""Sources and sourced values: every target and threshold Mixcoach judges by says where it is from.

The data files in ``knowledge/data/`` are TOML read with :mod:`tomllib`. Each range is a
:class:`Target` (``low``, ``high``, ``source``) and each single threshold a :class:`Value`
(``value``, ``source``); ``source`` is a key of ``sources.toml``, checked when the data load.
"""

from __future__ import annotations

import math
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from pydantic import ValidationError

from mixcoach.audio.model import Model


class Source(Model):
    key: str
    short: str  # quoted in a finding's evidence
    citation: str  # the full reference


class Target(Model):
    """An acceptable range; ``None`` leaves that end open."""

    low: float | None = None
    high: float | None = None
    source: str  # a key of sources.toml

    def distance(self, value: float) -> float:
        """How far ``value`` lies outside the range: > 0 above it, < 0 below it, 0 inside."""
        if self.high is not None and value > self.high:
            return value - self.high
        if self.low is not None and value < self.low:
            return value - self.low
        return 0.0

    def shifted(self, offset: float) -> Target:
        """The same range moved by ``offset`` (open ends stay open)."""
        return self.model_copy(
            update={
                "low": None if self.low is None else self.low + offset,
                "high": None if self.high is None else self.high + offset,
            }
        )

    @property
    def centre(self) -> float | None:
        if self.low is None or self.high is None:
            return None
        return (self.low + self.high) / 2


class Value(Model):
    """One threshold with its source."""

    value: float
    source: str


class DataError(ValueError):
    """A data file under ``knowledge/data`` is malformed (a packaging or editing mistake)."""


def load_toml(name: str) -> dict[str, Any]:
    """The parsed ``knowledge/data/<name>.toml``."""
    text = resources.files("mixcoach.knowledge").joinpath("data", f"{name}.toml").read_text("utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"knowledge/data/{name}.toml is not valid TOML: {exc}") from exc


@cache
def sources() -> dict[str, Source]:
    """Every source, by key."""
    raw = load_toml("sources")
    try:
        return {key: Source(key=key, **entry) for key, entry in raw.items()}
    except (TypeError, ValidationError) as exc:
        raise DataError(f"knowledge/data/sources.toml: {exc}") from exc


def source(key: str) -> Source:
    """The source named ``key``; DataError when there is none."""
    known = sources()
    if key not in known:
        raise DataError(f"unknown source {key!r}; known sources: {', '.join(sorted(known))}")
    return known[key]


def parse_target(raw: Any, *, where: str) -> Target:
    """A :class:`Target` from a TOML table, its source checked; ``where`` names it in errors."""
    try:
        target = Target.model_validate(raw)
    except ValidationError as exc:
        raise DataError(f"{where}: {exc}") from exc
    source(target.source)
    ends = [end for end in (target.low, target.high) if end is not None]
    if not ends or not all(math.isfinite(end) for end in ends):
        raise DataError(f"{where}: a range needs at least one finite end, got {raw!r}")
    if target.low is not None and target.high is not None and target.low > target.high:
        raise DataError(f"{where}: low {target.low} is above high {target.high}")
    return target


def parse_value(raw: Any, *, where: str) -> Value:
    try:
        value = Value.model_validate(raw)
    except ValidationError as exc:
        raise DataError(f"{where}: {exc}") from exc
    source(value.source)
    return value
