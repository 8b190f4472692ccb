"""Values as the terminal report and the PDF print them."""

from __future__ import annotations

import pytest

from mixcoach.audio.model import TimeRange
from mixcoach.formatting import (
    clock,
    count,
    counted,
    format_ranges,
    format_target,
    format_time,
    format_value,
    listing,
    number,
    signed,
)


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
        (8099.0, "", "8,099"),  # counts carry thousands separators
        (-0.0004, "LU", "0.000 LU"),  # never "-0.000"
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


@pytest.mark.parametrize(
    ("value", "text"), [(-0.04, "0.0"), (0.04, "0.0"), (-6.84, "-6.8"), (1.25, "1.2")]
)
def test_numbers_never_read_negative_zero(value: float, text: str) -> None:
    assert number(value) == text


@pytest.mark.parametrize(
    ("value", "text"), [(-6.84, "-6.8 dB"), (1.5, "+1.5 dB"), (-0.04, "0.0 dB"), (0.04, "0.0 dB")]
)
def test_signed_amounts_carry_their_sign_but_zero_has_none(value: float, text: str) -> None:
    assert signed(value) == text


def test_counts_and_listings_read_like_prose() -> None:
    assert count(1317) == "1,317"
    assert counted(1317, "clipped run") == "1,317 clipped runs"
    assert counted(1, "clipped run") == "1 clipped run"
    assert listing(["0:00", "0:01", "1:11"]) == "0:00, 0:01 and 1:11"
    assert clock(71.4) == "1:11"


def test_the_tempo_reads_uncertain_below_the_confidence_threshold() -> None:
    from mixcoach.audio.rhythm import Rhythm
    from mixcoach.formatting import tempo

    reading = Rhythm(
        tempo_bpm=112.49,
        confidence=0.069,
        tempo_candidates_bpm=[112.49, 168.73],
        notes=[],
        alternative_bpm=168.73,
        alternative_relation="three halves",
    )
    assert tempo(reading.judged(min_confidence=0.2)) == (
        "112.5 BPM (uncertain: the pulse is weak; it may be 168.7 BPM, three halves time)"
    )
    assert tempo(reading.judged(min_confidence=0.05)) == "112.5 BPM"
    silent = Rhythm(tempo_bpm=None, confidence=0.0, tempo_candidates_bpm=[], notes=[])
    assert tempo(silent.judged(min_confidence=0.2)) is None


@pytest.mark.parametrize(
    ("db", "text"), [(6.24, "about 6.2 dB"), (9.96, "about 10.0 dB"), (10.0, "10 dB or more")]
)
def test_limiting_past_the_meters_floor_reads_as_a_lower_bound(db: float, text: str) -> None:
    from mixcoach.formatting import limiting

    assert limiting(db) == text
