"""EBU conformance: the EBU test files at hand and the cases defined only by their text.

Expected readings and tolerances are EBU Tech 3341 (2023) Table 1 and Tech 3342 (2023) Table 1,
as listed in the test set's README. Text-defined cases are 1 kHz tones synthesized here;
"x dBFS" is each channel's peak level.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from meters_support import loudness_of, loudness_of_file
from signals import db_to_amplitude, sine, sine_sequence

LOUDNESS_TOLERANCE_LU = 0.1  # Tech 3341 for M, S and I
LRA_TOLERANCE_LU = 1.0  # Tech 3342
TRUE_PEAK_ABOVE_DB = 0.2  # Tech 3341 cases 15-23: +0.2 / -0.4 dB
TRUE_PEAK_BELOW_DB = 0.4


def _assert_true_peak(measured: float | None, expected_dbtp: float) -> None:
    assert measured is not None
    assert expected_dbtp - TRUE_PEAK_BELOW_DB <= measured <= expected_dbtp + TRUE_PEAK_ABOVE_DB


# ---------------------------------------------------------------------------------------------
# The EBU's own files
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected_lufs"), [("seq-3341-1-16bit.wav", -23.0), ("seq-3341-2-16bit.wav", -33.0)]
)
def test_ebu_file_integrated_loudness(ebu_dir: Path, name: str, expected_lufs: float) -> None:
    result = loudness_of_file(ebu_dir / name)
    assert result.integrated_lufs == pytest.approx(expected_lufs, abs=LOUDNESS_TOLERANCE_LU)


@pytest.mark.parametrize("n", range(1, 21))
def test_ebu_file_10_max_short_term(ebu_dir: Path, n: int) -> None:
    # N-1 times 0.15 s of silence, then 3 s at -23 dBFS: a 3 s window must catch it wherever it is.
    result = loudness_of_file(ebu_dir / f"seq-3341-10-{n}-24bit.wav")
    assert result.short_term_max_lufs == pytest.approx(-23.0, abs=LOUDNESS_TOLERANCE_LU)


def test_ebu_file_12_momentary_constant_after_one_second(ebu_dir: Path) -> None:
    result = loudness_of_file(ebu_dir / "seq-3341-12-24bit.wav")
    series = result.momentary_lufs
    settled = [v for i, v in enumerate(series.values) if series.start_s + i * series.hop_s >= 1.0]
    assert len(settled) > 50
    assert all(v is not None and abs(v + 23.0) <= LOUDNESS_TOLERANCE_LU for v in settled)


@pytest.mark.parametrize("n", range(1, 21))
def test_ebu_file_13_max_momentary(ebu_dir: Path, n: int) -> None:
    # N-1 times 20 ms of silence, then 0.4 s at -23 dBFS: a 10 Hz momentary grid would miss it.
    result = loudness_of_file(ebu_dir / f"seq-3341-13-{n}-24bit.wav")
    assert result.momentary_max_lufs == pytest.approx(-23.0, abs=LOUDNESS_TOLERANCE_LU)


@pytest.mark.parametrize(
    ("number", "expected_dbtp"),
    [
        (15, -6.0),
        (16, -6.0),
        (17, -6.0),
        (18, -6.0),
        (19, 3.0),
        (20, 0.0),
        (21, 0.0),
        (22, 0.0),
        (23, 0.0),
    ],
)
def test_ebu_file_true_peak(ebu_dir: Path, number: int, expected_dbtp: float) -> None:
    result = loudness_of_file(ebu_dir / f"seq-3341-{number}-24bit.wav")
    _assert_true_peak(result.true_peak_dbtp, expected_dbtp)
    assert result.sample_peak_dbfs is not None and result.true_peak_dbtp is not None
    assert result.true_peak_dbtp >= result.sample_peak_dbfs


# ---------------------------------------------------------------------------------------------
# Tech 3341 cases defined by text (1 kHz stereo tones)
# ---------------------------------------------------------------------------------------------

RATES_HZ = [44100, 48000]


@pytest.mark.parametrize("sample_rate_hz", RATES_HZ)
@pytest.mark.parametrize("dbfs", [-23.0, -33.0])
def test_3341_cases_1_and_2_steady_tone(sample_rate_hz: int, dbfs: float) -> None:
    audio = sine(dbfs=dbfs, seconds=20.0, sample_rate_hz=sample_rate_hz)
    result = loudness_of(audio, sample_rate_hz=sample_rate_hz)
    for value in (result.integrated_lufs, result.short_term_max_lufs, result.momentary_max_lufs):
        assert value == pytest.approx(dbfs, abs=LOUDNESS_TOLERANCE_LU)
    # Steady: every momentary and short-term reading equals the integrated one.
    readings = result.momentary_lufs.values + result.short_term_lufs.values
    assert all(v is not None and abs(v - dbfs) <= LOUDNESS_TOLERANCE_LU for v in readings)


@pytest.mark.parametrize("sample_rate_hz", RATES_HZ)
@pytest.mark.parametrize(
    ("case", "segments"),
    [
        (3, [(10.0, -36.0), (60.0, -23.0), (10.0, -36.0)]),  # relative gate removes the -36 parts
        # the absolute gate removes the -72 parts too
        (4, [(10.0, -72.0), (10.0, -36.0), (60.0, -23.0), (10.0, -36.0), (10.0, -72.0)]),
        (5, [(20.0, -26.0), (20.1, -20.0), (20.0, -26.0)]),  # nothing gated: power mean is -23
    ],
)
def test_3341_gated_integrated_loudness(
    sample_rate_hz: int, case: int, segments: list[tuple[float, float]]
) -> None:
    audio = sine_sequence(segments, sample_rate_hz=sample_rate_hz)
    result = loudness_of(audio, sample_rate_hz=sample_rate_hz)
    assert result.integrated_lufs == pytest.approx(-23.0, abs=LOUDNESS_TOLERANCE_LU), f"case {case}"


@pytest.mark.parametrize("sample_rate_hz", RATES_HZ)
def test_3341_case_6_five_channels(sample_rate_hz: int) -> None:
    # L, R, C, Ls, Rs: surround channels weigh +1.5 dB (1.41), so this sums to -23 LUFS.
    levels = {"L": -28.0, "R": -28.0, "C": -24.0, "Ls": -30.0, "Rs": -30.0}
    audio = np.concatenate(
        [
            sine(dbfs=dbfs, seconds=20.0, sample_rate_hz=sample_rate_hz, channels=1)
            for dbfs in levels.values()
        ]
    )
    result = loudness_of(audio, sample_rate_hz=sample_rate_hz)
    assert result.integrated_lufs == pytest.approx(-23.0, abs=LOUDNESS_TOLERANCE_LU)
    assert len(result.true_peak_per_channel_dbtp) == 5
    for measured, dbfs in zip(result.true_peak_per_channel_dbtp, levels.values(), strict=True):
        assert measured == pytest.approx(dbfs, abs=0.05)


@pytest.mark.parametrize("sample_rate_hz", RATES_HZ)
def test_3341_case_9_short_term_constant_after_3_s(sample_rate_hz: int) -> None:
    audio = sine_sequence([(1.34, -20.0), (1.66, -30.0)] * 5, sample_rate_hz=sample_rate_hz)
    result = loudness_of(audio, sample_rate_hz=sample_rate_hz)
    values = result.short_term_lufs.values
    assert result.short_term_lufs.start_s == 3.0
    assert len(values) == 121  # 3 s windows stepped by 0.1 s over 15 s
    assert all(v is not None and abs(v + 23.0) <= LOUDNESS_TOLERANCE_LU for v in values)


# ---------------------------------------------------------------------------------------------
# Tech 3342 loudness range cases (text-defined)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample_rate_hz", RATES_HZ)
@pytest.mark.parametrize(
    ("case", "segments", "expected_lu"),
    [
        (1, [(20.0, -20.0), (20.0, -30.0)], 10.0),
        (2, [(20.0, -20.0), (20.0, -15.0)], 5.0),
        (3, [(20.0, -40.0), (20.0, -20.0)], 20.0),
        (4, [(20.0, -50.0), (20.0, -35.0), (20.0, -20.0), (20.0, -35.0), (20.0, -50.0)], 15.0),
    ],
)
def test_3342_loudness_range(
    sample_rate_hz: int, case: int, segments: list[tuple[float, float]], expected_lu: float
) -> None:
    audio = sine_sequence(segments, sample_rate_hz=sample_rate_hz)
    result = loudness_of(audio, sample_rate_hz=sample_rate_hz)
    assert result.loudness_range_lu == pytest.approx(expected_lu, abs=LRA_TOLERANCE_LU), (
        f"case {case}"
    )


# ---------------------------------------------------------------------------------------------
# Tech 3341 true-peak cases 15-19, synthesized at more rates than the files offer
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample_rate_hz", [44100, 48000, 96000, 192000])
@pytest.mark.parametrize(
    ("case", "fraction_of_rate", "amplitude", "phase_deg", "expected_dbtp"),
    [
        (15, 1 / 4, 0.5, 0.0, -6.0),
        (16, 1 / 4, 0.5, 45.0, -6.0),
        (17, 1 / 6, 0.5, 60.0, -6.0),
        (18, 1 / 8, 0.5, 67.5, -6.0),
        (19, 1 / 4, 1.41, 45.0, 3.0),
    ],
)
def test_3341_true_peak_cases(
    sample_rate_hz: int,
    case: int,
    fraction_of_rate: float,
    amplitude: float,
    phase_deg: float,
    expected_dbtp: float,
) -> None:
    # Like the EBU files: 3.2 s with 100 ms linear fades, so no abrupt onset adds overshoot.
    n = np.arange(round(3.2 * sample_rate_hz))
    fade = np.minimum(1.0, np.minimum(n + 1, n[::-1] + 1) / (0.1 * sample_rate_hz))
    tone = fade * amplitude * np.sin(2 * np.pi * fraction_of_rate * n + np.deg2rad(phase_deg))
    result = loudness_of(np.tile(tone, (2, 1)), sample_rate_hz=sample_rate_hz)
    _assert_true_peak(result.true_peak_dbtp, expected_dbtp)
    assert result.sample_peak_dbfs == pytest.approx(20 * np.log10(np.abs(tone).max()), abs=1e-4)
    if case == 19:  # samples at 1.0 FS, the waveform between them at +3 dB: a true-peak over
        assert result.true_peak_overs and result.true_peak_overs[0].start_s < 0.1
        assert db_to_amplitude(result.true_peak_overs[0].peak_dbtp) > 1.3
