"""How feedback writes numbers, and which family each unit belongs to.

Every number the engines print goes through these functions, so the grounding check
(:mod:`mixcoach.feedback.grounding`) reads back exactly what was written. Minus signs are ASCII
hyphens; frequencies from 1 kHz up are written in kHz with one decimal.
"""

from __future__ import annotations

from typing import Literal

from mixcoach import formatting

UnitClass = Literal["lufs", "level", "diff", "hz", "bpm", "s", "pct", "ratio", "slope"]

#: Unit as written (lower case) -> (family, factor to the family's base unit).
UNITS: dict[str, tuple[UnitClass, float]] = {
    "lufs": ("lufs", 1.0),
    "lkfs": ("lufs", 1.0),
    "lu": ("diff", 1.0),
    "db": ("diff", 1.0),
    "dbr": ("diff", 1.0),
    "dbfs": ("level", 1.0),
    "dbtp": ("level", 1.0),
    "db/oct": ("slope", 1.0),
    "db/octave": ("slope", 1.0),
    "hz": ("hz", 1.0),
    "khz": ("hz", 1000.0),
    "bpm": ("bpm", 1.0),
    "ms": ("s", 0.001),
    "s": ("s", 1.0),
    "sec": ("s", 1.0),
    "secs": ("s", 1.0),
    "second": ("s", 1.0),
    "seconds": ("s", 1.0),
    "min": ("s", 60.0),
    "minutes": ("s", 60.0),
    "%": ("pct", 1.0),
    "percent": ("pct", 1.0),
    ":1": ("ratio", 1.0),
}


def unit_class(unit: str) -> UnitClass | None:
    """The family of a unit as it appears in an Evidence or Fact (``"LUFS"``, ``"dBTP"``...)."""
    entry = UNITS.get(unit.strip().lower())
    return None if entry is None else entry[0]


def num(value: float, *, decimals: int = 1, signed: bool = False) -> str:
    """``value`` rounded to ``decimals``, without a negative zero; ``signed`` adds ``+``."""
    rounded = round(value, decimals)
    if rounded == 0:
        rounded = 0.0
    text = f"{rounded:.{decimals}f}"
    return f"+{text}" if signed and rounded > 0 else text


def lufs(value: float) -> str:
    return f"{num(value)} LUFS"


def lu(value: float) -> str:
    return f"{num(abs(value))} LU"


def db(value: float, *, unit: str = "dB", signed: bool = False) -> str:
    return f"{num(value, signed=signed)} {unit}"


def amount_db(value: float) -> str:
    """A size in dB, always positive (the sentence says which way)."""
    return f"{num(abs(value))} dB"


def hz(value: float) -> str:
    return formatting.frequency(value)


def bpm(value: float) -> str:
    return formatting.bpm(value)


def clock(seconds: float) -> str:
    """A position in the track as ``m:ss``."""
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def seconds(value: float) -> str:
    return f"{num(value)} s"


def ms(value: float) -> str:
    return f"{round(value):d} ms"


def percent(value: float) -> str:
    return f"{round(value):d}%"


def ratio(value: float) -> str:
    return f"{num(value)}:1"


def with_unit(value: float, unit: str) -> str:
    """Write ``value`` in ``unit`` the way the rest of the feedback does."""
    family = unit_class(unit)
    if family == "hz":
        return hz(value)
    if family == "bpm":
        return bpm(value)
    if unit == "s":
        return seconds(value)
    if unit == "ms":
        return ms(value)
    if family == "pct":
        return percent(value)
    if family == "ratio":
        return ratio(value)
    if unit:
        return f"{num(value)} {unit}"
    return str(int(value)) if float(value).is_integer() else num(value, decimals=2)


def target_range(low: float | None, high: float | None, unit: str) -> str:
    """A target in words: ``-11.0 LUFS to -7.0 LUFS``, ``at most -1.0 dBTP``..."""
    if low is not None and high is not None:
        return f"{with_unit(low, unit)} to {with_unit(high, unit)}"
    if high is not None:
        return f"at most {with_unit(high, unit)}"
    if low is not None:
        return f"at least {with_unit(low, unit)}"
    return "none"


#: A distance between two levels is an amount in dB (or LU), whatever the levels' unit.
DISTANCE_UNIT = {"LUFS": "LU", "dBTP": "dB", "dBFS": "dB"}
