"""How values read on every surface: findings, feedback, prompts, the PDF and the terminal.

One place, one wording: numbers never read ``-0.0``, signed amounts carry ``+`` or ``-``,
counts carry thousands separators (``1,317``), positions in the track read ``m:ss`` (or
``m:ss.s`` where tenths matter), ranges ``low to high unit``. The feedback's own writers
(:mod:`mixcoach.feedback.numbers`, which the grounding check reads back) build on these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mixcoach.audio.model import TimeRange

if TYPE_CHECKING:
    from mixcoach.audio.rhythm import Rhythm

#: Time ranges listed before "and N more".
MAX_RANGES_SHOWN = 4


def number(value: float, *, decimals: int = 1, signed: bool = False) -> str:
    """``value`` rounded to ``decimals``, never ``-0.0``; ``signed`` writes ``+`` on positives."""
    rounded = round(value, decimals)
    if rounded == 0:
        rounded = 0.0  # -0.0 compares equal to 0: this drops its sign
    text = f"{rounded:.{decimals}f}"
    return f"+{text}" if signed and rounded > 0 else text


def signed(value: float, unit: str = "dB", *, decimals: int = 1) -> str:
    """A change: ``-6.8 dB``, ``+1.5 LU``, ``0.0 dB`` (never ``-0.0`` or ``+0.0``)."""
    return f"{number(value, decimals=decimals, signed=True)} {unit}".strip()


def decoded_peak(codec: str, peak_dbtp: float) -> str:
    """What a codec's decoded copy peaks at: ``after AAC encoding it peaks at +0.4 dBTP``
    (``codec`` is a delivery codec's name, ``"AAC 256 kbps"``; its first word names it)."""
    return f"after {codec.split()[0]} encoding it peaks at {signed(peak_dbtp, 'dBTP')}"


def count(value: int) -> str:
    """``1317`` -> ``"1,317"``."""
    return f"{value:,d}"


def counted(value: int, singular: str, plural: str | None = None) -> str:
    """``counted(1317, "clipped run")`` -> ``"1,317 clipped runs"``; one -> ``"1 clipped run"``."""
    noun = singular if value == 1 else (plural or singular + "s")
    return f"{count(value)} {noun}"


def listing(items: Sequence[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def frequency(value: float) -> str:
    """``3044.4`` -> ``"3.04 kHz"``, ``95.1`` -> ``"95 Hz"``."""
    if value >= 1000:
        return f"{round(value / 1000, 2):g} kHz"
    return f"{round(value):d} Hz"


def bpm(value: float) -> str:
    """``128.0`` -> ``"128 BPM"``, ``111.46`` -> ``"111.5 BPM"``."""
    return f"{number(value, decimals=0 if abs(value - round(value)) < 0.05 else 1)} BPM"


def tempo(rhythm: Rhythm) -> str | None:
    """The tempo as every surface states it: a reading below the confidence threshold says it
    is uncertain, with the runner-up reading; None when no pulse was found."""
    if rhythm.tempo_bpm is None:
        return None
    text = bpm(rhythm.tempo_bpm)
    if rhythm.uncertain:
        alternative = rhythm.alternative_bpm
        text += " (uncertain: the pulse is weak" + (
            f"; it may be {bpm(alternative)}, {rhythm.alternative_relation} time)"
            if alternative is not None
            else ")"
        )
    return text


def limiting(db: float) -> str:
    """How hard the loud parts were limited: ``"about 6.2 dB"``; past the meter's floor
    (``dynamics.LIMITING_FLOOR_DB``) the figure is a lower bound: ``"10 dB or more"``."""
    from mixcoach.audio.dynamics import LIMITING_FLOOR_DB  # numpy: only when asked

    if db >= LIMITING_FLOOR_DB:
        return f"{number(LIMITING_FLOOR_DB, decimals=0)} dB or more"
    return f"about {number(db)} dB"


def clock(seconds: float) -> str:
    """A position in the track as ``m:ss``: ``71.4`` -> ``"1:11"``."""
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


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
        return count(int(value))  # counts
    digits = 1 if abs(value) >= 0.1 else 3
    return f"{number(value, decimals=digits)} {unit}".strip()


def format_target(low: float | None, high: float | None, unit: str) -> str:
    if low is None and high is None:
        return ""
    if low is None:
        return f"≤ {high:g} {unit}".strip()
    if high is None:
        return f"≥ {low:g} {unit}".strip()
    return f"{low:g} to {high:g} {unit}".strip()


#: The difference of two levels is an amount: 2 LUFS apart is 2 LU, 2 dBTP apart is 2 dB.
_DIFFERENCE_UNIT = {"LUFS": "LU", "dBTP": "dB", "dBFS": "dB"}


def difference_unit(unit: str) -> str:
    """The unit of a difference between two values in ``unit``."""
    return _DIFFERENCE_UNIT.get(unit, unit)


#: The spectrum's bands by name, as a producer reads them.
BAND_NAMES = {
    "sub": "Sub",
    "low": "Low",
    "low_mid": "Low mid",
    "mid": "Mid",
    "high_mid": "High mid",
    "presence": "Presence",
    "air": "Air",
}
