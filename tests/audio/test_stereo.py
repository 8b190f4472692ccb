"""Stereo image: width, correlation over time, mono loss and balance against closed forms."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from meters_support import music, music_in, stereo_of, white_noise
from scipy import signal

from mixcoach.audio.stereo import MAX_DB, Stereo


def _band(result: Stereo, name: str) -> tuple[float, float]:
    band = next(b for b in result.bands if b.name == name)
    assert band.width is not None and band.correlation is not None
    return band.width, band.correlation


@pytest.mark.parametrize("sample_rate_hz", [8000, 44100, 192000])
def test_identical_channels_are_a_mono_source(sample_rate_hz: int) -> None:
    side = music(seconds=6, sample_rate_hz=sample_rate_hz)[0]
    result = stereo_of(np.stack([side, side]), sample_rate_hz=sample_rate_hz)
    assert result.is_mono_source
    assert (result.width, result.correlation, result.mono_loss_db, result.balance_db) == (
        0.0,
        1.0,
        0.0,
        0.0,
    )
    assert result.low_end_width == 0.0 and result.correlation_low_points == []
    for band in result.bands:
        if band.low_hz < sample_rate_hz / 2:
            assert (band.width, band.correlation) == (0.0, 1.0), band
    assert any("identical" in note for note in result.notes)


@pytest.mark.parametrize("sample_rate_hz", [8000, 44100, 192000])
def test_independent_noise_is_half_wide_uncorrelated_and_loses_3_db_in_mono(
    sample_rate_hz: int,
) -> None:
    result = stereo_of(
        white_noise(seconds=20, sample_rate_hz=sample_rate_hz, channels=2),
        sample_rate_hz=sample_rate_hz,
    )
    assert not result.is_mono_source
    assert result.width == pytest.approx(0.5, abs=0.005)
    assert result.correlation == pytest.approx(0.0, abs=0.01)
    assert result.mono_loss_db == pytest.approx(10 * math.log10(2), abs=0.03)
    assert result.balance_db == pytest.approx(0.0, abs=0.05)
    for band in result.bands:
        if band.low_hz < sample_rate_hz / 2:
            # Fewer STFT bins in the narrow low bands: more chance scatter there.
            assert band.width == pytest.approx(0.5, abs=0.03 if band.low_hz >= 250 else 0.06), band
    values = [v for v in result.correlation_series.values if v is not None]
    assert len(values) == 20 and max(abs(v) for v in values) < 0.05


def test_opposite_polarity_is_fully_wide_and_cancels_in_mono() -> None:
    side = music(seconds=6, sample_rate_hz=44100)[0]
    result = stereo_of(np.stack([side, -side]), sample_rate_hz=44100)
    assert (result.width, result.correlation, result.correlation_min) == (1.0, -1.0, -1.0)
    assert result.mono_loss_db == MAX_DB  # complete cancellation, capped rather than infinite
    assert [(r.start_s, r.end_s) for r in result.correlation_low_points] == [(0.0, 6.0)]
    assert result.low_end_width == 1.0


def test_one_flipped_channel_mirrors_correlation_and_width() -> None:
    mix = music(seconds=10, sample_rate_hz=44100)
    straight = stereo_of(mix, sample_rate_hz=44100)
    flipped = stereo_of(mix * np.array([[1.0], [-1.0]]), sample_rate_hz=44100)
    assert straight.correlation is not None and straight.width is not None
    # Flipping R negates the cross term: correlation changes sign and mid and side swap.
    assert flipped.correlation == pytest.approx(-straight.correlation, abs=1e-3)
    assert flipped.width == pytest.approx(1 - straight.width, abs=1e-3)
    assert straight.correlation > 0.5 and straight.correlation_low_points == []
    assert flipped.correlation_min is not None and flipped.correlation_min < -0.5
    assert flipped.correlation_low_points and flipped.correlation_low_points[0].start_s == 0.0
    assert flipped.mono_loss_db is not None and flipped.mono_loss_db > 8
    assert straight.mono_loss_db is not None and straight.mono_loss_db < 1
    assert flipped.low_end_width is not None and flipped.low_end_width > 0.9


def test_a_7_db_channel_imbalance_reads_as_balance_only() -> None:
    mix = music(seconds=10, sample_rate_hz=48000)
    even = stereo_of(mix, sample_rate_hz=48000)
    tilted = stereo_of(mix * np.array([[1.0], [10 ** (-7 / 20)]]), sample_rate_hz=48000)
    assert even.balance_db is not None and tilted.balance_db is not None
    assert tilted.balance_db - even.balance_db == pytest.approx(7.0, abs=0.01)
    assert tilted.correlation == pytest.approx(
        even.correlation, abs=1e-3
    )  # a gain does not decorrelate


def test_a_wide_low_end_is_seen_below_120_hz() -> None:
    sr = 44100
    mix = music(seconds=10, sample_rate_hz=sr)
    low = signal.butter(4, 100, fs=sr, output="sos")
    # A stereo-widened bass: unrelated low noise on each side, 6 dB above the mix's own low
    # end, so side / (mid + side) below 100 Hz is 0.5 * 4 / (1 + 4) = 0.4.
    wide_bass = signal.sosfilt(
        low, white_noise(seconds=10, sample_rate_hz=sr, channels=2, seed=4), axis=-1
    )
    centred_bass = signal.sosfilt(low, mix, axis=-1)
    wide_bass *= 2 * np.sqrt(np.mean(centred_bass**2) / np.mean(wide_bass**2))
    plain = stereo_of(mix, sample_rate_hz=sr)
    widened = stereo_of(mix + wide_bass, sample_rate_hz=sr)
    assert plain.low_end_width is not None and plain.low_end_width < 0.02
    assert widened.low_end_width == pytest.approx(0.4, abs=0.08)  # 100-120 Hz is partly the mix
    # The rest of the image is untouched.
    for name in ("mid", "high_mid", "presence", "air"):
        assert _band(widened, name)[0] == pytest.approx(_band(plain, name)[0], abs=0.01), name


def test_correlation_series_marks_the_out_of_phase_seconds_and_skips_silence() -> None:
    sr = 44100
    side = music(seconds=8, sample_rate_hz=sr)[0]
    polarity = np.ones(side.size)
    polarity[3 * sr : 5 * sr] = -1.0  # seconds 3 and 4 out of phase
    side[5 * sr : 6 * sr] = 0.0  # second 5 silent
    result = stereo_of(np.stack([side, side * polarity]), sample_rate_hz=sr)
    assert result.correlation_series.hop_s == 1.0
    assert result.correlation_series.values == [1.0, 1.0, 1.0, -1.0, -1.0, None, 1.0, 1.0]
    assert [(r.start_s, r.end_s) for r in result.correlation_low_points] == [(3.0, 5.0)]
    assert result.correlation_min == -1.0


@pytest.mark.parametrize("sample_rate_hz", [8000, 48000])
def test_a_mono_file_has_no_stereo_image(sample_rate_hz: int) -> None:
    result = stereo_of(
        music_in(1, seconds=4, sample_rate_hz=sample_rate_hz), sample_rate_hz=sample_rate_hz
    )
    assert result.is_mono_source
    assert (result.width, result.correlation, result.low_end_width) == (0.0, 1.0, 0.0)
    assert (result.mono_loss_db, result.balance_db) == (0.0, 0.0)
    assert any("mono" in note for note in result.notes)


def test_a_surround_file_is_judged_on_its_stereo_fold_down() -> None:
    sr = 48000
    centre_only = np.zeros((6, 4 * sr))
    centre_only[2] = music(seconds=4, sample_rate_hz=sr)[0]
    result = stereo_of(centre_only, sample_rate_hz=sr)
    assert result.is_mono_source and result.width == 0.0  # the centre folds equally to both sides
    surround = stereo_of(music_in(6, seconds=4, sample_rate_hz=sr), sample_rate_hz=sr)
    assert surround.width is not None and 0.0 < surround.width < 0.5
    assert any("fold-down" in note for note in surround.notes)


def test_a_silent_side_is_capped_not_infinite() -> None:
    side = music(seconds=4, sample_rate_hz=44100)[0]
    result = stereo_of(np.stack([side, np.zeros_like(side)]), sample_rate_hz=44100)
    assert result.balance_db == MAX_DB
    assert result.correlation is None
    assert any("right channel is silent" in note for note in result.notes)


@pytest.mark.parametrize("sample_rate_hz", [8000, 44100, 192000])
@pytest.mark.parametrize("channels", [1, 2, 6])
def test_digital_silence_gives_none_and_a_note(sample_rate_hz: int, channels: int) -> None:
    result = stereo_of(np.zeros((channels, 2 * sample_rate_hz)), sample_rate_hz=sample_rate_hz)
    assert result.width is None and result.correlation is None and result.correlation_min is None
    assert (
        result.mono_loss_db is None and result.balance_db is None and result.low_end_width is None
    )
    assert result.correlation_series.values == [None, None]
    assert all(b.width is None and b.correlation is None for b in result.bands)
    assert any("silence" in note for note in result.notes)
    json.loads(result.model_dump_json(), parse_constant=pytest.fail)  # no NaN or Infinity


@pytest.mark.parametrize(("sample_rate_hz", "channels"), [(8000, 1), (44100, 2), (48000, 6)])
def test_block_size_changes_nothing(sample_rate_hz: int, channels: int) -> None:
    audio = music_in(channels, seconds=12, sample_rate_hz=sample_rate_hz)
    small = stereo_of(audio, sample_rate_hz=sample_rate_hz, block_seconds=0.37)
    large = stereo_of(audio, sample_rate_hz=sample_rate_hz, block_seconds=10.0)
    assert small == large


def test_a_200_ms_file_gives_one_partial_second() -> None:
    audio = music(seconds=0.2, sample_rate_hz=44100)
    result = stereo_of(audio, sample_rate_hz=44100)
    assert len(result.correlation_series.values) == 1
    assert result.width is not None and math.isfinite(result.width)
