"""How measured values read in the terminal report and the PDF: one place, one wording."""

from __future__ import annotations

from collections.abc import Sequence

from mixcoach.audio.model import TimeRange

#: Time ranges listed before "and N more".
MAX_RANGES_SHOWN = 4


def format_time(seconds: float) -> str:
    """``75.26`` -> ``"1:15.3"``; rounded to tenths before splitting, so never ``"0:60.0"``."""
    tenths = round(max(seconds, 0.0) * 10)
    minutes, rest = divmod(tenths, 600)
    return f"{minutes}:{rest / 10:04.1f}"


def format_ranges(ranges: Sequence[TimeRange]) -> str:
    shown = ", ".join(
        f"{format_time(r.start_s)}-{format_time(r.end_s)}" for r in ranges[:MAX_RANGES_SHOWN]
    )
    extra = len(ranges) - MAX_RANGES_SHOWN
    return shown + (f" and {extra} more" if extra > 0 else "")


def format_value(value: float | str | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if float(value).is_integer() and not unit:
        return str(int(value))  # counts
    digits = 1 if abs(value) >= 0.1 else 3
    return f"{value:.{digits}f} {unit}".strip()


def format_target(low: float | None, high: float | None, unit: str) -> str:
    if low is None and high is None:
        return ""
    if low is None:
        return f"≤ {high:g} {unit}".strip()
    if high is None:
        return f"≥ {low:g} {unit}".strip()
    return f"{low:g} to {high:g} {unit}".strip()
