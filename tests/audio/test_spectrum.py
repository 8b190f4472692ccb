"""Spectral balance: band energies, tilt, centroid, cut-off and resonances against closed forms."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from meters_support import (
    apply,
    measure_file,
    music,
    music_in,
    peaking_filter,
    pink_noise,
    shelf_filter,
    spectrum_of,
    white_noise,
)
from scipy import signal
from signals import sine, write

from mixcoach.audio.spectrum import BANDS, Spectrum

#: Below ~60 Hz the 46 ms frames resolve only ~21 Hz, so the sub band reads within about 1 dB.
SUB_TOLERANCE_DB = 1.5
BAND_TOLERANCE_DB = 0.35

PowerGain = Callable[[np.ndarray], np.ndarray]


def expected_band_levels(
    *, sample_rate_hz: int, pink: bool, gain: PowerGain | None = None
) -> list[float | None]:
    """Band energy over the 20 Hz-20 kHz total, dB, for (filtered) pink or white noise.

    Integrates the noise's power density (1/f or flat, zero outside 20 Hz-20 kHz or Nyquist)
    times the filter's power gain on a fine grid: the closed form the meter must reproduce.
    """
    top = min(20000.0, sample_rate_hz / 2)
    f = np.geomspace(20.0, top, 200_000)
    density = 1 / f if pink else np.ones_like(f)
    if gain is not None:
        density = density * gain(f)
    total = np.trapezoid(density, f)
    levels: list[float | None] = []
    for _, low, high in BANDS:
        inside = (f >= low) & (f <= high)
        share = np.trapezoid(density[inside], f[inside]) / total
        levels.append(None if low >= top else 10 * math.log10(share))
    return levels


def power_gain(coefficients: tuple[np.ndarray, np.ndarray], sample_rate_hz: int) -> PowerGain:
    def gain(f: np.ndarray) -> np.ndarray:
        _, response = signal.freqz(*coefficients, worN=f, fs=sample_rate_hz)
        return np.asarray(np.abs(response) ** 2)

    return gain


def assert_bands_match(result: Spectrum, expected: list[float | None]) -> None:
    """Each band against the mid band, so the sub band's resolution error (which shifts the
    total) does not spread to the others; and the mid band itself against the total."""
    measured_mid = level(result, "mid")
    expected_mid = expected[[name for name, _, _ in BANDS].index("mid")]
    assert expected_mid is not None
    assert measured_mid == pytest.approx(expected_mid, abs=SUB_TOLERANCE_DB)
    for band, want in zip(result.bands, expected, strict=True):
        if want is None:
            assert band.level_db is None, band
            continue
        assert band.level_db is not None, band
        tolerance = SUB_TOLERANCE_DB if band.name == "sub" else BAND_TOLERANCE_DB
        relative = band.level_db - measured_mid
        assert relative == pytest.approx(want - expected_mid, abs=tolerance), band.name


def level(result: Spectrum, name: str) -> float:
    value = next(b.level_db for b in result.bands if b.name == name)
    assert value is not None
    return value


@pytest.mark.parametrize("sample_rate_hz", [8000, 44100, 192000])
def test_pink_noise_is_flat_and_white_noise_rises_3_db_per_octave(sample_rate_hz: int) -> None:
    sr = sample_rate_hz
    pink = spectrum_of(pink_noise(seconds=20, sample_rate_hz=sr), sample_rate_hz=sr)
    white = spectrum_of(white_noise(seconds=20, sample_rate_hz=sr), sample_rate_hz=sr)
    assert pink.tilt_db_per_octave == pytest.approx(0.0, abs=0.2)
    assert white.tilt_db_per_octave == pytest.approx(10 * math.log10(2), abs=0.2)
    assert_bands_match(pink, expected_band_levels(sample_rate_hz=sr, pink=True))
    assert_bands_match(white, expected_band_levels(sample_rate_hz=sr, pink=False))
    # White noise's power-weighted mean frequency is the middle of 20 Hz..20 kHz (or Nyquist).
    assert white.centroid_hz == pytest.approx((20 + min(20000, sr / 2)) / 2, rel=0.02)
    assert white.high_cutoff_hz is None
    if sr > 48000:  # the pink noise stops at 20 kHz, far below Nyquist: an upsampled file's cliff
        assert pink.high_cutoff_hz == pytest.approx(20000, rel=0.03)
    else:
        assert pink.high_cutoff_hz is None
    assert pink.resonances == [] and white.resonances == []


def test_bands_above_nyquist_are_none_with_a_note() -> None:
    result = spectrum_of(pink_noise(seconds=5, sample_rate_hz=8000), sample_rate_hz=8000)
    assert [b.name for b in result.bands if b.level_db is None] == ["presence", "air"]
    assert any("Nyquist" in note for note in result.notes)


def test_curve_has_about_60_sixth_octave_points_and_is_flat_for_pink_noise() -> None:
    result = spectrum_of(pink_noise(seconds=20, sample_rate_hz=44100), sample_rate_hz=44100)
    frequencies = np.array(result.curve.frequencies_hz)
    levels = np.array(result.curve.level_db, dtype=float)
    assert 55 <= frequencies.size <= 62
    assert np.allclose(np.diff(np.log2(frequencies)), 1 / 6, atol=0.005)  # centres kept to 0.1 Hz
    audible = (frequencies >= 50) & (frequencies <= 16000)
    # Equal energy per octave: each 1/6-octave band holds 1/(6 log2(1000)) of the total.
    expected = 10 * math.log10(1 / (6 * math.log2(1000)))
    assert np.abs(levels[audible] - expected).max() < 0.5


@pytest.mark.parametrize("frequency_hz", [35.0, 100.0, 440.0, 1000.0, 3000.0, 5000.0, 10000.0])
def test_a_sine_puts_its_energy_in_its_band(frequency_hz: float) -> None:
    tone = sine(frequency_hz=frequency_hz, seconds=5, sample_rate_hz=44100, channels=2)
    result = spectrum_of(tone, sample_rate_hz=44100)
    for band in result.bands:
        assert band.level_db is not None
        if band.low_hz <= frequency_hz < band.high_hz:
            # Hann leakage spreads a tone over +/-2 bins (43 Hz): near 20 Hz some falls outside.
            assert band.level_db > (-0.2 if frequency_hz > 60 else -0.5), band
        else:
            assert band.level_db < -14, band
    assert result.centroid_hz == pytest.approx(frequency_hz, rel=0.02)


@pytest.mark.parametrize(
    ("high", "frequency_hz"), [(True, 4000.0), (False, 120.0)], ids=["high shelf", "low shelf"]
)
def test_10_db_shelves_move_their_bands_by_the_filters_own_amount(
    high: bool, frequency_hz: float
) -> None:
    sr = 44100
    coefficients = shelf_filter(
        sample_rate_hz=sr, frequency_hz=frequency_hz, gain_db=10.0, high=high
    )
    noise = pink_noise(seconds=20, sample_rate_hz=sr, channels=2)
    before = spectrum_of(noise, sample_rate_hz=sr)
    after = spectrum_of(apply(coefficients, noise), sample_rate_hz=sr)
    assert_bands_match(
        after, expected_band_levels(sample_rate_hz=sr, pink=True, gain=power_gain(coefficients, sr))
    )
    # Read as a mastering engineer would: the boosted end against the midrange.
    if high:
        assert (
            level(after, "air")
            - level(after, "mid")
            - (level(before, "air") - level(before, "mid"))
            > 8.5
        )
        assert after.tilt_db_per_octave is not None and after.tilt_db_per_octave > 0.8
    else:
        assert (
            level(after, "sub")
            - level(after, "mid")
            - (level(before, "sub") - level(before, "mid"))
            > 8.5
        )
        assert after.tilt_db_per_octave is not None and after.tilt_db_per_octave < -0.8
    assert after.resonances == [] and after.high_cutoff_hz is None


def test_a_2_5_khz_low_pass_darkens_the_top_bands_but_is_no_cliff() -> None:
    sr = 44100
    sos = signal.butter(4, 2500, fs=sr, output="sos")
    noise = pink_noise(seconds=20, sample_rate_hz=sr, channels=2)
    result = spectrum_of(signal.sosfilt(sos, noise, axis=-1), sample_rate_hz=sr)

    def gain(f: np.ndarray) -> np.ndarray:
        return np.asarray(np.abs(signal.sosfreqz(sos, worN=f, fs=sr)[1]) ** 2)

    expected = expected_band_levels(sample_rate_hz=sr, pink=True, gain=gain)
    assert_bands_match(result, expected)
    assert level(result, "presence") < -20 and level(result, "air") < -35
    assert result.tilt_db_per_octave is not None and result.tilt_db_per_octave < -4
    assert result.high_cutoff_hz is None  # 24 dB per octave is a slope, not a cliff


@pytest.mark.parametrize("sample_rate_hz", [44100, 96000])
def test_a_planted_narrow_resonance_is_found(sample_rate_hz: int) -> None:
    noise = pink_noise(seconds=30, sample_rate_hz=sample_rate_hz, channels=2)
    peak = peaking_filter(sample_rate_hz=sample_rate_hz, frequency_hz=3000.0, gain_db=12.0, q=8.0)
    result = spectrum_of(apply(peak, noise), sample_rate_hz=sample_rate_hz)
    assert len(result.resonances) == 1
    found = result.resonances[0]
    assert found.frequency_hz == pytest.approx(3000.0, rel=0.02)
    assert 8.0 <= found.prominence_db <= 12.5
    assert found.persistence_fraction > 0.9


def _tones(frequencies_hz: list[float], *, note_seconds: float, sample_rate_hz: int) -> np.ndarray:
    """Harmonic notes (three partials) played one after another, ``note_seconds`` each."""
    t = np.arange(round(note_seconds * sample_rate_hz)) / sample_rate_hz
    fade = np.minimum(1, np.minimum(t, note_seconds - t) / 0.01)
    notes = [
        fade * sum(0.1 / k * np.sin(2 * np.pi * k * f * t) for k in (1, 2, 3))
        for f in frequencies_hz
    ]
    return np.concatenate(notes)[np.newaxis]


def test_a_held_note_is_a_resonance_but_a_melody_is_not() -> None:
    sr = 44100
    rng = np.random.default_rng(7)
    scale = [220.0 * 2 ** (k / 12) for k in range(24)]
    melody = _tones(list(rng.choice(scale, size=30)), note_seconds=1.0, sample_rate_hz=sr)
    held = _tones([440.0] * 30, note_seconds=1.0, sample_rate_hz=sr)
    noise = pink_noise(seconds=30, sample_rate_hz=sr)
    assert spectrum_of(noise + melody, sample_rate_hz=sr).resonances == []
    found = spectrum_of(noise + held, sample_rate_hz=sr).resonances
    assert any(abs(r.frequency_hz - 440.0) < 10 for r in found)


def test_a_steep_16_khz_low_pass_is_a_cut_off() -> None:
    sr = 44100
    sos = signal.ellip(12, 0.1, 100, 16000, fs=sr, output="sos")
    noise = pink_noise(seconds=20, sample_rate_hz=sr, channels=2)
    result = spectrum_of(signal.sosfiltfilt(sos, noise, axis=-1), sample_rate_hz=sr)
    assert result.high_cutoff_hz == pytest.approx(16000, rel=0.03)


def test_a_file_upsampled_from_22_khz_cuts_off_near_11_khz() -> None:
    source = pink_noise(seconds=20, sample_rate_hz=22050, channels=2)
    upsampled = signal.resample_poly(source, 2, 1, axis=-1, window=("kaiser", 10.0))
    result = spectrum_of(upsampled, sample_rate_hz=44100)
    assert result.high_cutoff_hz == pytest.approx(11025, rel=0.05)


@pytest.mark.skipif("MP3" not in sf.available_formats(), reason="libsndfile here cannot write MP3")
def test_an_mp3_encode_cuts_off_where_the_encoder_low_passes(tmp_path: Path) -> None:
    noise = pink_noise(seconds=15, sample_rate_hz=44100, channels=2).astype(np.float32)
    original = write(tmp_path / "noise.wav", noise, sample_rate_hz=44100, subtype="FLOAT")
    encoded = tmp_path / "noise.mp3"
    sf.write(
        str(encoded), noise.T, 44100, format="MP3", subtype="MPEG_LAYER_III", compression_level=0.5
    )
    assert measure_file("spectrum", original).high_cutoff_hz is None
    cutoff = measure_file("spectrum", encoded).high_cutoff_hz
    # LAME low-passes at 16-17.5 kHz at these bit rates.
    assert cutoff is not None and 15000 <= cutoff <= 18500


@pytest.mark.parametrize("sample_rate_hz", [8000, 44100, 192000])
@pytest.mark.parametrize("channels", [1, 2, 6])
def test_digital_silence_gives_none_and_a_note(sample_rate_hz: int, channels: int) -> None:
    result = spectrum_of(np.zeros((channels, sample_rate_hz)), sample_rate_hz=sample_rate_hz)
    assert all(b.level_db is None for b in result.bands)
    assert result.tilt_db_per_octave is None and result.centroid_hz is None
    assert all(v is None for v in result.curve.level_db)
    assert any("silence" in note for note in result.notes)
    json.loads(result.model_dump_json(), parse_constant=pytest.fail)  # no NaN or Infinity


@pytest.mark.parametrize(("sample_rate_hz", "channels"), [(8000, 1), (44100, 2), (48000, 6)])
def test_block_size_changes_nothing(sample_rate_hz: int, channels: int) -> None:
    audio = music_in(channels, seconds=12, sample_rate_hz=sample_rate_hz)
    small = spectrum_of(audio, sample_rate_hz=sample_rate_hz, block_seconds=0.37)
    large = spectrum_of(audio, sample_rate_hz=sample_rate_hz, block_seconds=10.0)
    assert small == large


def test_a_file_reads_as_the_same_audio_in_memory(tmp_path: Path) -> None:
    audio = music(seconds=8, sample_rate_hz=44100).astype(np.float32)
    path = write(tmp_path / "music.wav", audio, sample_rate_hz=44100, subtype="FLOAT")
    assert measure_file("spectrum", path, block_seconds=0.37) == spectrum_of(
        audio, sample_rate_hz=44100
    )


@pytest.mark.parametrize("sample_rate_hz", [8000, 192000])
def test_a_200_ms_file_is_measured_without_resonance_claims(sample_rate_hz: int) -> None:
    audio = pink_noise(seconds=0.2, sample_rate_hz=sample_rate_hz, channels=2)
    result = spectrum_of(audio, sample_rate_hz=sample_rate_hz)
    assert all(
        b.level_db is not None and math.isfinite(b.level_db)
        for b in result.bands
        if b.low_hz < sample_rate_hz / 2
    )
    assert result.resonances == []
    assert any("too short" in note for note in result.notes)
