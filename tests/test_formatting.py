"""Values as the terminal report and the PDF print them."""

from __future__ import annotations

import pytest

from mixcoach.audio.model import TimeRange
from mixcoach.formatting import format_ranges, format_target, format_time, format_value


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0, "0:00.0"),
        (75.26, "1:15.3"),
        (59.96, "1:00.0"),
        (119.97, "2:00.0"),
        (-1.0, "0:00.0"),
        (3599.99, "60:00.0"),
    ],
)
def test_times_round_before_they_split_into_minutes(seconds: float, text: str) -> None:
    assert format_time(seconds) == text


def test_ranges_list_four_then_count_the_rest() -> None:
    ranges = [TimeRange(start_s=s, end_s=s + 0.5) for s in range(6)]
    assert (
        format_ranges(ranges)
        == "0:00.0-0:00.5, 0:01.0-0:01.5, 0:02.0-0:02.5, 0:03.0-0:03.5 and 2 more"
    )


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (None, "dB", "n/a"),
        ("A minor", "", "A minor"),
        (8099.0, "", "8099"),
        (-16.54, "LUFS", "-16.5 LUFS"),
        (0.048, "", "0.048"),
    ],
)
def test_values(value: float | str | None, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [
        (None, None, ""),
        (None, -1.0, "≤ -1 dBTP"),
        (6.0, None, "≥ 6 dBTP"),
        (-11.0, -7.0, "-11 to -7 dBTP"),
    ],
)
def test_targets(low: float | None, high: float | None, text: str) -> None:
    assert format_target(low, high, "dBTP") == text
