"""Loudness meter behaviour: K-weighting at every rate, channel weights, gating edge cases, true
peak against brute-force and FFT references, overs, PLR/PSR, block-size invariance, bad input.

Closed forms used below: a sine of peak amplitude ``A`` has mean square ``A**2 / 2``; BS.1770
loudness is ``-0.691 + 10 log10(sum_c G_c * ms_c)`` of the K-weighted channels, and K-weighting
multiplies a sine's amplitude by ``|H(f)|``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from meters_support import loudness_of
from numpy.lib.stride_tricks import sliding_window_view
from signals import db_to_amplitude, sine, sine_sequence

from mixcoach.audio.frame import Block, FrameSpec
from mixcoach.audio.loudness import (
    OVER_MERGE_GAP_S,
    TRUE_PEAK_OVER_THRESHOLD_DBTP,
    LoudnessMeter,
    channel_weights,
    k_weighting_sos,
    oversampling_factor,
    true_peak_interpolator,
)

RATES_HZ = [8000, 11025, 22050, 32000, 44100, 48000, 88200, 96000, 192000]


def _k_gain_db(frequency_hz: float, *, sample_rate_hz: int) -> float:
    """|H(f)| of the K-weighting biquads, evaluated directly from their coefficients."""
    z = np.exp(-2j * np.pi * frequency_hz / sample_rate_hz)
    response = 1.0 + 0j
    for b0, b1, b2, a0, a1, a2 in k_weighting_sos(sample_rate_hz=sample_rate_hz):
        response *= (b0 + b1 * z + b2 * z * z) / (a0 + a1 * z + a2 * z * z)
    return 20 * math.log10(abs(response))


def _tone_loudness(levels_dbfs: list[float], weights: list[float], gain_db: float) -> float:
    """Closed-form BS.1770 loudness of sines at ``levels_dbfs`` (per channel) after K-weighting."""
    power = sum(
        w * db_to_amplitude(d + gain_db) ** 2 / 2 for d, w in zip(levels_dbfs, weights, strict=True)
    )
    return -0.691 + 10 * math.log10(power)


def _band_limited_noise(
    *, seconds: float, sample_rate_hz: int, channels: int, cutoff_fraction: float, seed: int
) -> np.ndarray:
    """Gaussian noise with nothing above ``cutoff_fraction * sample_rate_hz``, faded in and out."""
    rng = np.random.default_rng(seed)
    n = round(seconds * sample_rate_hz)
    spectrum = np.fft.rfft(rng.standard_normal((channels, n)), axis=1)
    spectrum[:, np.fft.rfftfreq(n) > cutoff_fraction] = 0
    noise = np.fft.irfft(spectrum, n, axis=1)
    fade = np.minimum(
        1.0, np.minimum(np.arange(n) + 1, np.arange(n)[::-1] + 1) / (0.05 * sample_rate_hz)
    )
    return np.asarray(noise / np.abs(noise).max() * fade)


def _music_like(*, seconds: float, sample_rate_hz: int, channels: int) -> np.ndarray:
    """Harmonic tones per channel, a 0.5 Hz loud/soft pulse, and a hot 0.3 s burst at 2.5 s."""
    t = np.arange(round(seconds * sample_rate_hz)) / sample_rate_hz
    pulse = 0.35 + 0.65 * (np.sin(2 * np.pi * 0.5 * t) > 0)
    rows = []
    for ch in range(channels):
        base = 110.0 * (1 + 0.25 * ch)
        rows.append(
            sum(0.12 / k * np.sin(2 * np.pi * base * k * t + ch * k) for k in range(1, 9)) * pulse
        )
    audio = np.array(rows)
    burst = (t >= 2.5) & (t < 2.8)
    audio[:, burst] *= 0.97 / np.abs(audio[:, burst]).max()
    return audio


# ---------------------------------------------------------------------------------------------
# K-weighting and channel weights
# ---------------------------------------------------------------------------------------------


def test_k_weighting_at_48k_is_the_bs1770_table() -> None:
    sos = k_weighting_sos(sample_rate_hz=48000)
    pre_filter = [
        1.53512485958697,
        -2.69169618940638,
        1.19839281085285,
        1.0,
        -1.69065929318241,
        0.73248077421585,
    ]
    rlb_filter = [1.0, -2.0, 1.0, 1.0, -1.99004745483398, 0.99007225036621]
    np.testing.assert_allclose(sos, [pre_filter, rlb_filter], rtol=0, atol=1e-12)


# Largest response difference from 48 kHz's, dB, up to 0.45 fs: the bilinear transform warps the
# shelf near 1-3 kHz when that is a large fraction of the rate.
RESPONSE_TOLERANCE_DB = {8000: 0.25, 11025: 0.15, 22050: 0.04, 32000: 0.015, 44100: 0.005}


@pytest.mark.parametrize("sample_rate_hz", RATES_HZ)
def test_k_weighting_response_is_the_same_at_every_rate(sample_rate_hz: int) -> None:
    tolerance = RESPONSE_TOLERANCE_DB.get(sample_rate_hz, 0.01)
    for frequency_hz in (20, 50, 100, 200, 500, 1000, 2000, 3000, 5000, 10000, 15000):
        if frequency_hz < 0.45 * sample_rate_hz:
            difference = _k_gain_db(frequency_hz, sample_rate_hz=sample_rate_hz) - _k_gain_db(
                frequency_hz, sample_rate_hz=48000
            )
            assert abs(difference) <= tolerance, f"{frequency_hz} Hz"
    # Anchors of BS.1770's curve: about -13.3 dB at 20 Hz and +0.69 dB at 997 Hz.
    assert _k_gain_db(997, sample_rate_hz=48000) == pytest.approx(0.691, abs=0.001)
    assert _k_gain_db(20, sample_rate_hz=sample_rate_hz) == pytest.approx(-13.3, abs=0.05)


@pytest.mark.parametrize("sample_rate_hz", RATES_HZ)
@pytest.mark.parametrize("frequency_hz", [60.0, 997.0])
def test_tone_reads_its_closed_form_loudness_at_every_rate(
    sample_rate_hz: int, frequency_hz: float
) -> None:
    audio = sine(frequency_hz=frequency_hz, dbfs=-20.0, seconds=4.0, sample_rate_hz=sample_rate_hz)
    result = loudness_of(audio, sample_rate_hz=sample_rate_hz)
    expected = _tone_loudness(
        [-20.0, -20.0], [1.0, 1.0], _k_gain_db(frequency_hz, sample_rate_hz=48000)
    )
    tolerance = RESPONSE_TOLERANCE_DB.get(sample_rate_hz, 0.01) + 0.01
    assert result.integrated_lufs == pytest.approx(expected, abs=tolerance)
    assert result.momentary_max_lufs == pytest.approx(expected, abs=tolerance)
    assert result.short_term_max_lufs == pytest.approx(expected, abs=tolerance)
    assert result.loudness_range_lu == pytest.approx(0.0, abs=0.01)
    assert result.notes == []


@pytest.mark.parametrize("sample_rate_hz", [44100, 48000, 96000])
@pytest.mark.parametrize("kind", ["pink_noise", "music_like"])
def test_integrated_loudness_agrees_with_pyloudnorm(sample_rate_hz: int, kind: str) -> None:
    # pyloudnorm's RLB high-pass has unity passband gain where BS.1770's table has +0.043 dB,
    # so it reads about 0.04 LU lower on broadband audio: well inside the 0.1 LU tolerance.
    import pyloudnorm

    if kind == "pink_noise":  # 1/f power, 20 s, with a louder second half
        rng = np.random.default_rng(sample_rate_hz)
        n = 20 * sample_rate_hz
        spectrum = np.fft.rfft(rng.standard_normal((2, n)), axis=1)
        spectrum[:, 1:] /= np.sqrt(np.arange(1, spectrum.shape[1]))
        audio = np.fft.irfft(spectrum, n, axis=1)
        audio *= 0.1 / audio.std() * np.where(np.arange(n) < n // 2, 0.5, 1.0)
    else:
        audio = _music_like(seconds=20.0, sample_rate_hz=sample_rate_hz, channels=2)
    audio = audio.astype(np.float32)
    expected = pyloudnorm.Meter(sample_rate_hz).integrated_loudness(audio.T.astype(np.float64))
    result = loudness_of(audio, sample_rate_hz=sample_rate_hz)
    assert result.integrated_lufs == pytest.approx(expected, abs=0.1)


def test_channel_weights_follow_bs1770() -> None:
    assert channel_weights(1).tolist() == [1.0]
    assert channel_weights(2).tolist() == [1.0, 1.0]
    assert channel_weights(5).tolist() == [1.0, 1.0, 1.0, 1.41, 1.41]
    assert channel_weights(6).tolist() == [1.0, 1.0, 1.0, 0.0, 1.41, 1.41]
    assert channel_weights(8).tolist() == [1.0, 1.0, 1.0, 0.0, 1.41, 1.41, 1.41, 1.41]
    assert channel_weights(10).tolist() == [1.0] * 10  # no standard layout: all weigh 1


def test_unknown_layout_is_weighted_evenly_and_said_so() -> None:
    audio = sine(dbfs=-20.0, seconds=1.0, channels=10)
    result = loudness_of(audio, sample_rate_hz=48000)
    expected = _tone_loudness([-20.0] * 10, [1.0] * 10, _k_gain_db(1000, sample_rate_hz=48000))
    assert result.integrated_lufs == pytest.approx(expected, abs=0.01)
    assert any("10-channel file is unknown" in note for note in result.notes)


@pytest.mark.parametrize(
    ("levels_dbfs", "weights"),
    [
        ([-20.0], [1.0]),  # mono: one channel of weight 1, so 3 dB below the same tone in stereo
        ([-20.0, -30.0], [1.0, 1.0]),
        # 5.1 with a loud Ls
        ([-40.0, -40.0, -40.0, -40.0, -20.0, -40.0], [1.0, 1.0, 1.0, 0.0, 1.41, 1.41]),
    ],
)
def test_channel_weights_in_the_measured_loudness(
    levels_dbfs: list[float], weights: list[float]
) -> None:
    audio = np.concatenate([sine(dbfs=d, seconds=3.0, channels=1) for d in levels_dbfs])
    result = loudness_of(audio, sample_rate_hz=48000)
    expected = _tone_loudness(levels_dbfs, weights, _k_gain_db(1000, sample_rate_hz=48000))
    assert result.integrated_lufs == pytest.approx(expected, abs=0.01)
    assert result.true_peak_per_channel_dbtp == pytest.approx(levels_dbfs, abs=0.01)


def test_lfe_counts_for_peaks_but_not_loudness() -> None:
    audio = np.zeros((6, 3 * 48000))
    audio[3] = sine(frequency_hz=50.0, dbfs=-6.0, seconds=3.0, channels=1)[0]
    result = loudness_of(audio, sample_rate_hz=48000)
    assert result.integrated_lufs is None and result.momentary_max_lufs is None
    assert result.true_peak_dbtp == pytest.approx(-6.0, abs=0.01)
    assert result.true_peak_per_channel_dbtp[3] == pytest.approx(-6.0, abs=0.01)
    silent_channels = [p is None for p in result.true_peak_per_channel_dbtp]
    assert silent_channels == [True, True, True, False, True, True]
    assert any("LFE" in note for note in result.notes)
    assert any("-70 LUFS" in note for note in result.notes)


# ---------------------------------------------------------------------------------------------
# Silence, short files, quiet files
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("channels", [1, 2, 6])
def test_digital_silence_is_null_with_a_reason(channels: int) -> None:
    result = loudness_of(np.zeros((channels, 5 * 44100)), sample_rate_hz=44100)
    for field in (
        "integrated_lufs",
        "loudness_range_lu",
        "short_term_max_lufs",
        "momentary_max_lufs",
        "true_peak_dbtp",
        "sample_peak_dbfs",
        "plr_db",
        "psr_db",
    ):
        assert getattr(result, field) is None, field
    assert result.true_peak_per_channel_dbtp == [None] * channels
    assert all(v is None for v in result.momentary_lufs.values + result.short_term_lufs.values)
    assert result.true_peak_overs == []
    assert any("digital silence" in note for note in result.notes)
    text = result.model_dump_json()
    assert "NaN" not in text and "Infinity" not in text


@pytest.mark.parametrize("sample_rate_hz", [8000, 44100, 192000])
def test_200_ms_file_has_peaks_but_no_loudness(sample_rate_hz: int) -> None:
    # 200 whole cycles of 1 kHz: starts and ends at a zero crossing, so it barely rings.
    audio = sine(frequency_hz=1000.0, dbfs=-6.0, seconds=0.2, sample_rate_hz=sample_rate_hz)
    result = loudness_of(audio, sample_rate_hz=sample_rate_hz)
    assert result.integrated_lufs is None and result.momentary_max_lufs is None
    assert result.short_term_max_lufs is None and result.loudness_range_lu is None
    assert result.momentary_lufs.values == [] and result.short_term_lufs.values == []
    assert result.true_peak_dbtp == pytest.approx(-6.0, abs=0.02)
    assert result.sample_peak_dbfs is not None and -6.1 < result.sample_peak_dbfs <= -6.0
    assert any("shorter than one 400 ms gating block" in note for note in result.notes)


def test_two_second_file_has_momentary_and_integrated_but_no_short_term() -> None:
    result = loudness_of(sine(dbfs=-23.0, seconds=2.0), sample_rate_hz=48000)
    assert result.integrated_lufs == pytest.approx(-23.0, abs=0.1)
    assert result.momentary_max_lufs == pytest.approx(-23.0, abs=0.1)
    assert len(result.momentary_lufs.values) == 17  # 400 ms windows stepped by 100 ms over 2 s
    assert (
        result.short_term_max_lufs is None
        and result.loudness_range_lu is None
        and result.psr_db is None
    )
    assert any("shorter than one 3 s short-term window" in note for note in result.notes)


def test_audio_below_the_absolute_gate_has_no_integrated_loudness() -> None:
    result = loudness_of(sine(dbfs=-80.0, seconds=5.0), sample_rate_hz=48000)
    assert result.integrated_lufs is None and result.loudness_range_lu is None
    assert result.momentary_max_lufs is None and result.plr_db is None
    assert result.true_peak_dbtp == pytest.approx(-80.0, abs=0.01)
    assert any("-70 LUFS absolute gate" in note for note in result.notes)


#: BS.1770-4's absolute gate, written out here (not imported) so that moving the meter's gate
#: fails these tests: gating blocks at or below -70 LUFS are left out of every figure.
BS1770_ABSOLUTE_GATE_LUFS = -70.0


@pytest.mark.parametrize("lufs", [-69.8, -65.0, -61.0])
def test_a_quiet_tone_above_the_absolute_gate_is_measured(lufs: float) -> None:
    """A stereo 997 Hz sine peaking at ``d`` dBFS reads ``d`` LUFS (K-weighting adds 0.691 dB
    at 997 Hz, which the -0.691 offset takes back): quiet, but above the gate, so measured."""
    audio = sine(frequency_hz=997.0, dbfs=lufs, seconds=8.0, sample_rate_hz=48000)
    result = loudness_of(audio, sample_rate_hz=48000)
    assert lufs > BS1770_ABSOLUTE_GATE_LUFS
    assert result.integrated_lufs == pytest.approx(lufs, abs=0.02)
    assert result.momentary_max_lufs == pytest.approx(lufs, abs=0.02)
    assert result.short_term_max_lufs == pytest.approx(lufs, abs=0.02)
    assert result.loudness_range_lu == pytest.approx(0.0, abs=0.01)
    assert all(v == pytest.approx(lufs, abs=0.02) for v in result.short_term_lufs.values)


def test_a_tone_just_below_the_absolute_gate_is_not_measured() -> None:
    audio = sine(frequency_hz=997.0, dbfs=-70.2, seconds=8.0, sample_rate_hz=48000)
    result = loudness_of(audio, sample_rate_hz=48000)
    assert result.integrated_lufs is None and result.momentary_max_lufs is None
    assert all(v is None for v in result.short_term_lufs.values)


def test_quiet_passages_between_minus_70_and_minus_60_lufs_count_for_integrated_and_lra() -> None:
    """10 s at -62 LUFS then 10 s at -66 LUFS, all above the -70 LUFS gate and within the
    relative gates of each other: integrated is their energy mean, LRA spans both levels."""
    audio = sine_sequence([(10.0, -62.0), (10.0, -66.0)], frequency_hz=997.0)
    result = loudness_of(audio, sample_rate_hz=48000)
    # Gating blocks straddling the step sit between the two levels; the energy mean of the
    # halves is -63.8 LUFS and the blocks in the step move it by well under 0.1 LU.
    mean = 10 * math.log10((10 ** (-6.2) + 10 ** (-6.6)) / 2)
    assert result.integrated_lufs == pytest.approx(mean, abs=0.1)
    # LRA: 10th to 95th percentile of the short-term values, -66 to -62 LUFS.
    assert result.loudness_range_lu == pytest.approx(4.0, abs=0.2)


def _windows_by_hand(
    segments: list[tuple[float, float]],
    *,
    window_s: float = 0.4,
    absolute_gate_lufs: float = BS1770_ABSOLUTE_GATE_LUFS,
    relative_gate_lu: float = -10.0,
) -> np.ndarray:
    """The gated window loudness values (LUFS) of steady ``(seconds, lufs)`` passages.

    Each window (100 ms step) has the time-weighted mean power of the passages it covers;
    windows at or below the absolute gate go, then those more than ``relative_gate_lu`` under
    the power mean of the rest (BS.1770-4 with 400 ms blocks; EBU Tech 3342 with 3 s ones).
    """
    power = np.concatenate([np.full(round(10 * s), 10 ** (lufs / 10)) for s, lufs in segments])
    windows = sliding_window_view(power, round(10 * window_s)).mean(axis=1)
    window_lufs = 10 * np.log10(windows)
    kept = window_lufs > absolute_gate_lufs
    relative_gate_lufs = 10 * math.log10(float(windows[kept].mean())) + relative_gate_lu
    return np.asarray(window_lufs[kept & (window_lufs > relative_gate_lufs)])


def _gated_by_hand(segments: list[tuple[float, float]], *, absolute_gate_lufs: float) -> float:
    """BS.1770-4 integrated loudness: the power mean of the gated 400 ms blocks."""
    kept = _windows_by_hand(segments, absolute_gate_lufs=absolute_gate_lufs)
    return 10 * math.log10(float(np.mean(10 ** (kept / 10))))


def _range_by_hand(segments: list[tuple[float, float]]) -> float:
    """EBU Tech 3342 loudness range: 10th to 95th percentile (nearest rank) of the gated 3 s
    windows, relative gate -20 LU."""
    kept = np.sort(_windows_by_hand(segments, window_s=3.0, relative_gate_lu=-20.0))
    last = kept.size - 1
    return float(kept[math.floor(0.95 * last + 0.5)] - kept[math.floor(0.10 * last + 0.5)])


@pytest.mark.parametrize(("quiet_lufs", "counts"), [(-32.4, True), (-33.2, False)])
def test_the_relative_gate_sits_10_lu_under_the_mean(quiet_lufs: float, counts: bool) -> None:
    """10 s at -20 LUFS, 10 s quieter: the gate (10 LU under the power mean of both, about
    -32.8 LUFS) keeps a -32.4 passage and leaves out a -33.2 one, moving integrated loudness
    by 2.7 LU."""
    segments = [(10.0, -20.0), (10.0, quiet_lufs)]
    expected = _gated_by_hand(segments, absolute_gate_lufs=BS1770_ABSOLUTE_GATE_LUFS)
    assert (expected < -22.0) == counts  # the quiet half pulls the mean down 2.7 LU
    audio = sine_sequence(segments, frequency_hz=997.0)
    result = loudness_of(audio, sample_rate_hz=48000)
    assert result.integrated_lufs == pytest.approx(expected, abs=0.02)


@pytest.mark.parametrize(("quiet_lufs", "counts"), [(-41.0, True), (-42.5, False)])
def test_the_loudness_range_gate_sits_20_lu_under_the_mean(quiet_lufs: float, counts: bool) -> None:
    """20 s at -20 LUFS, 10 s quieter: the LRA gate (20 LU under the power mean of the 3 s
    windows, about -41.8 LUFS) keeps a -41 passage (LRA about 21 LU) and leaves out a -42.5
    one (only the fade between them is left: a few LU)."""
    segments = [(20.0, -20.0), (10.0, quiet_lufs)]
    expected = _range_by_hand(segments)
    assert (expected > 15.0) == counts
    audio = sine_sequence(segments, frequency_hz=997.0)
    result = loudness_of(audio, sample_rate_hz=48000)
    assert result.loudness_range_lu == pytest.approx(expected, abs=0.1)


def test_the_absolute_gate_leaves_out_a_passage_just_under_minus_70_lufs() -> None:
    """10 s each at -62, -69 and -71 LUFS: the -71 passage is within 10 LU of the others, so only
    the absolute gate takes it out. Integrated loudness is then -64.25 LUFS by hand from the
    block energies (and by pyloudnorm); keeping it (a gate at -72 or -80) would read -65.56,
    and a gate at -65 would keep only the -62 passage (-62.03)."""
    import pyloudnorm

    segments = [(10.0, -62.0), (10.0, -69.0), (10.0, -71.0)]
    audio = sine_sequence(segments, frequency_hz=997.0)
    expected = _gated_by_hand(segments, absolute_gate_lufs=BS1770_ABSOLUTE_GATE_LUFS)
    assert expected == pytest.approx(-64.25, abs=0.01)
    ungated = _gated_by_hand(segments, absolute_gate_lufs=-math.inf)
    assert expected - ungated > 1.0  # the gate matters by more than 1 LU here
    result = loudness_of(audio, sample_rate_hz=48000)
    assert result.integrated_lufs == pytest.approx(expected, abs=0.02)
    # pyloudnorm's unity-gain RLB filter reads about 0.04 LU lower (see above).
    oracle = pyloudnorm.Meter(48000).integrated_loudness(audio.T)
    assert result.integrated_lufs == pytest.approx(oracle, abs=0.1)


def test_series_mark_silence_and_time_each_window_by_its_end() -> None:
    audio = sine_sequence([(4.0, -20.0), (4.0, -200.0), (4.0, -20.0)])
    result = loudness_of(audio, sample_rate_hz=48000)
    momentary, short_term = result.momentary_lufs, result.short_term_lufs
    assert (momentary.start_s, momentary.hop_s, short_term.start_s) == (0.4, 0.1, 3.0)
    assert len(momentary.values) == 117 and len(short_term.values) == 91
    tone_lufs = _tone_loudness([-20.0, -20.0], [1.0, 1.0], _k_gain_db(1000, sample_rate_hz=48000))
    times = momentary.start_s + momentary.hop_s * np.arange(len(momentary.values))
    for t, value in zip(times, momentary.values, strict=True):
        if 4.45 <= t <= 8.0:  # the window lies in the silent middle
            assert value is None
        elif t <= 3.95 or t >= 8.45:  # the window lies in a tone
            assert value is not None and abs(value - tone_lufs) < 0.02


# ---------------------------------------------------------------------------------------------
# True peak
# ---------------------------------------------------------------------------------------------


def _brute_force_true_peaks(audio: np.ndarray, *, sample_rate_hz: int) -> np.ndarray:
    """Per channel and 100 ms sub-block, the largest |sample| or interpolated point, in float64,
    by plain convolution with the meter's interpolator: shape ``(channels, sub-blocks)``."""
    phases = true_peak_interpolator(sample_rate_hz=sample_rate_hz)
    half = phases.shape[1] // 2
    n = audio.shape[1]
    edges = np.arange(math.ceil(10 * n / sample_rate_hz) + 1) * sample_rate_hz // 10
    edges = edges[edges < n]
    peaks = []
    for channel in np.asarray(audio, dtype=np.float32).astype(np.float64):
        padded = np.concatenate([np.zeros(half), channel, np.zeros(half)])
        points = [np.abs(channel)]
        for taps in phases:  # point n + p/L = sum_j taps[j] * x[n - half + 1 + j]
            points.append(np.abs(np.correlate(padded, taps, mode="valid")[1 : n + 1]))
        peaks.append(np.maximum.reduceat(np.max(points, axis=0), edges))
    return np.array(peaks)


@pytest.mark.parametrize(
    ("sample_rate_hz", "channels"), [(44100, 2), (48000, 1), (96000, 6), (8000, 2)]
)
def test_true_peak_equals_brute_force_interpolation(sample_rate_hz: int, channels: int) -> None:
    audio = _band_limited_noise(
        seconds=6.0,
        sample_rate_hz=sample_rate_hz,
        channels=channels,
        cutoff_fraction=0.45,
        seed=channels,
    )
    # Peaks rise through the file, so few rows can be skipped; it ends mid-row, mid-sub-block.
    audio = audio[:, :-5] * np.linspace(0.2, 1.0, audio.shape[1] - 5)
    expected = _brute_force_true_peaks(audio, sample_rate_hz=sample_rate_hz).max(axis=1)
    result = loudness_of(audio, sample_rate_hz=sample_rate_hz, block_seconds=0.37)
    assert result.true_peak_per_channel_dbtp == pytest.approx(20 * np.log10(expected), abs=1e-4)


@pytest.mark.parametrize("sample_rate_hz", [44100, 48000, 96000])
def test_true_peak_against_32x_fft_oversampling(sample_rate_hz: int) -> None:
    # Content up to 0.4 fs: a 4x (2x from 96 kHz) grid may read a little low, the filter not high.
    audio = _band_limited_noise(
        seconds=3.0, sample_rate_hz=sample_rate_hz, channels=2, cutoff_fraction=0.4, seed=7
    )
    oversampled = np.fft.irfft(np.fft.rfft(audio, axis=1), 32 * audio.shape[1], axis=1) * 32
    reference_dbtp = 20 * np.log10(np.abs(oversampled).max())
    result = loudness_of(audio, sample_rate_hz=sample_rate_hz)
    assert result.true_peak_dbtp is not None and result.sample_peak_dbfs is not None
    assert reference_dbtp - 0.3 <= result.true_peak_dbtp <= reference_dbtp + 0.05
    assert result.true_peak_dbtp >= result.sample_peak_dbfs


def test_oversampling_factor_and_interpolator() -> None:
    assert [
        oversampling_factor(sample_rate_hz=r) for r in (8000, 44100, 48000, 88200, 96000, 192000)
    ] == [4, 4, 4, 4, 2, 2]
    for rate, factor in ((48000, 4), (96000, 2)):
        phases = true_peak_interpolator(sample_rate_hz=rate)
        assert phases.shape == (factor - 1, 12)
        np.testing.assert_allclose(phases.sum(axis=1), 1.0)  # DC passes unchanged
        np.testing.assert_allclose(phases, phases[::-1, ::-1])  # symmetric in time


def test_true_peak_overs_are_located_and_merged() -> None:
    rate = 48000
    audio = sine(frequency_hz=440.0, dbfs=-20.0, seconds=10.0, sample_rate_hz=rate, channels=2)
    # (start s, end s, level dBFS); the last is not an over.
    bursts = [(2.0, 2.3, -0.5), (5.0, 5.2, 0.5), (5.4, 5.6, -0.2), (8.0, 8.1, -3.0)]
    t = np.arange(audio.shape[1]) / rate
    for start, end, dbfs in bursts:
        inside = (t >= start) & (t < end)
        audio[:, inside] *= db_to_amplitude(dbfs) / db_to_amplitude(-20.0)
    result = loudness_of(audio, sample_rate_hz=rate, block_seconds=0.37)
    assert result.true_peak_over_threshold_dbtp == TRUE_PEAK_OVER_THRESHOLD_DBTP == -1.0
    assert OVER_MERGE_GAP_S >= 0.2  # the bursts at 5.0 and 5.4 s are one range
    overs = [(o.start_s, o.end_s, o.peak_dbtp) for o in result.true_peak_overs]
    assert len(overs) == 2
    for (start, end, peak), (expected_start, expected_end, expected_peak) in zip(
        overs, [(2.0, 2.3, -0.5), (5.0, 5.6, 0.5)], strict=True
    ):
        assert expected_start - 0.1 <= start <= expected_start  # located to the 100 ms sub-block
        assert expected_end <= end <= expected_end + 0.1
        assert peak == pytest.approx(expected_peak, abs=0.05)  # the abrupt steps ring very little
    assert result.true_peak_dbtp == pytest.approx(0.5, abs=0.05)


@pytest.mark.parametrize("rate", [44100, 11025])  # 100 ms is 1102.5 samples at 11025 Hz
def test_overs_equal_brute_force_sub_blocks(rate: int) -> None:
    # Quiet noise with three stretches of an fs/4 tone at 45 degrees, its peaks always halfway
    # between samples (3 dB above them), swelling from -4 to 0 dBTP: its samples never pass
    # -3 dBFS, and where it crosses -1 dBTP only the interpolated waveform can tell.
    audio = 0.1 * _band_limited_noise(
        seconds=8.0, sample_rate_hz=rate, channels=2, cutoff_fraction=0.45, seed=3
    )
    n = np.arange(round(0.55 * rate))
    swell = np.sin(np.pi / 2 * n + np.pi / 4) * db_to_amplitude(-4.0) * 10 ** (4 / 20 * n / n[-1])
    for start_s in (1.03, 3.3, 6.17):
        audio[:, round(start_s * rate) : round(start_s * rate) + n.size] = swell
    peaks = _brute_force_true_peaks(audio, sample_rate_hz=rate).max(axis=0)
    over = np.flatnonzero(peaks > db_to_amplitude(TRUE_PEAK_OVER_THRESHOLD_DBTP))
    groups = np.split(over, np.flatnonzero(np.diff(over) > 10) + 1)  # one per stretch, 2 s apart
    assert len(groups) == 3
    result = loudness_of(audio, sample_rate_hz=rate, block_seconds=0.37)
    assert result.sample_peak_dbfs is not None and result.sample_peak_dbfs < -3.0
    measured = [[o.start_s, o.end_s, o.peak_dbtp] for o in result.true_peak_overs]
    starts_s = np.arange(peaks.size + 1) * rate // 10 / rate  # sub-block k starts at k * rate // 10
    expected = [
        [starts_s[g[0]], starts_s[g[-1] + 1], 20 * np.log10(peaks[g].max())] for g in groups
    ]
    assert np.allclose(measured, expected, rtol=0, atol=1e-4), (measured, expected)


# ---------------------------------------------------------------------------------------------
# PLR and PSR
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("channels", "expected_psr_db"), [(2, 0.0), (1, 3.01)])
def test_plr_and_psr_of_a_steady_tone(channels: int, expected_psr_db: float) -> None:
    # Stereo 1 kHz: loudness = peak level + 0.69 dB (K) - 0.691 dB, so PSR = PLR ~ 0;
    # mono is 3 dB quieter.
    result = loudness_of(sine(dbfs=-10.0, seconds=8.0, channels=channels), sample_rate_hz=48000)
    assert result.psr_db == pytest.approx(expected_psr_db, abs=0.02)
    assert result.plr_db == pytest.approx(expected_psr_db, abs=0.02)


@pytest.mark.parametrize(("click_every_s", "click_in_median_window"), [(2.0, True), (10.0, False)])
def test_psr_is_the_median_window_peak_over_short_term_loudness(
    click_every_s: float, click_in_median_window: bool
) -> None:
    # A -20 dBFS tone with one-sample clicks at 0.9 FS: every 2 s puts a click in every 3 s
    # window, so PSR = click level - tone loudness; every 10 s leaves most windows without one.
    rate = 48000
    audio = sine(dbfs=-20.0, seconds=30.0, sample_rate_hz=rate)
    audio[:, round(click_every_s * rate) // 2 :: round(click_every_s * rate)] = 0.9
    result = loudness_of(audio, sample_rate_hz=rate)
    tone_lufs = _tone_loudness([-20.0, -20.0], [1.0, 1.0], _k_gain_db(1000, sample_rate_hz=rate))
    peak_dbtp = 20 * math.log10(0.9) if click_in_median_window else -20.0
    assert result.psr_db == pytest.approx(peak_dbtp - tone_lufs, abs=0.05)
    assert result.true_peak_dbtp == pytest.approx(20 * math.log10(0.9), abs=0.01)
    assert result.true_peak_dbtp is not None and result.integrated_lufs is not None
    assert result.plr_db == pytest.approx(result.true_peak_dbtp - result.integrated_lufs, abs=1e-9)


# ---------------------------------------------------------------------------------------------
# Block size and bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample_rate_hz", "channels"), [(44100, 2), (48000, 1), (96000, 6), (11025, 2)]
)
def test_results_do_not_depend_on_block_size(sample_rate_hz: int, channels: int) -> None:
    audio = _music_like(seconds=9.0, sample_rate_hz=sample_rate_hz, channels=channels)
    small = loudness_of(audio, sample_rate_hz=sample_rate_hz, block_seconds=0.37)
    large = loudness_of(audio, sample_rate_hz=sample_rate_hz, block_seconds=10.0)
    assert small.true_peak_overs, "the burst at 2.5 s should be an over"
    assert small.psr_db is not None and small.loudness_range_lu is not None
    # Sums taken in another order differ by rounding only (the series are rounded to 0.01 LU,
    # so a value may land on either side of a rounding step).
    _assert_same(small.model_dump(), large.model_dump(), path="loudness")


def _assert_same(a: object, b: object, *, path: str) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            _assert_same(a[key], b[key], path=f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, path=f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, abs=0.0101 if "_lufs.values" in path else 1e-9), path
    else:
        assert a == b, path


def _block(samples: np.ndarray, *, start_sample: int, is_last: bool) -> Block:
    return Block(
        index=0,
        start_sample=start_sample,
        samples=samples.astype(np.float32),
        pair=samples.astype(np.float32),
        spectra=np.zeros((samples.shape[0], 1, 0), dtype=np.complex64),
        first_frame=0,
        nonfinite_samples=0,
        is_last=is_last,
    )


def test_bad_input_is_refused_with_the_value() -> None:
    spec = FrameSpec.for_stream(sample_rate_hz=48000, channels=2, total_frames=4800)
    meter = LoudnessMeter(spec)
    with pytest.raises(ValueError, match=r"shaped \(2, n\), got \(1, 4800\)"):
        meter.update(_block(np.zeros((1, 4800)), start_sample=0, is_last=True))
    with pytest.raises(ValueError, match="expected start_sample 0, got 100"):
        meter.update(_block(np.zeros((2, 4800)), start_sample=100, is_last=True))
    meter.update(_block(np.zeros((2, 4800)), start_sample=0, is_last=True))
    with pytest.raises(ValueError, match="no block after the last"):
        meter.update(_block(np.zeros((2, 10)), start_sample=4800, is_last=True))
    with pytest.raises(ValueError, match="at least 8000, got 4000"):
        k_weighting_sos(sample_rate_hz=4000)
