"""The shared frame: a continuous STFT across blocks, the stereo pair, non-finite samples."""

from __future__ import annotations

import numpy as np
import pytest

from mixcoach.audio.frame import FrameSpec, channel_layout, frame_blocks, stereo_pair


def direct_stft(audio: np.ndarray, *, n_fft: int, hop: int) -> np.ndarray:
    """Centred STFT of the whole signal in one go, shaped ``(channels, bins, frames)``."""
    half = n_fft // 2
    padded = np.pad(audio.astype(np.float64), ((0, 0), (half, half)))
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    count = (audio.shape[1] - 1) // hop + 1
    frames = [
        np.fft.rfft(padded[:, k * hop : k * hop + n_fft] * window, axis=-1) for k in range(count)
    ]
    return np.stack(frames, axis=2)


def framed(audio: np.ndarray, spec: FrameSpec, *, block_frames: int) -> list:
    chunks = (audio[:, i : i + block_frames] for i in range(0, audio.shape[1], block_frames))
    return list(frame_blocks(spec, chunks))


@pytest.mark.parametrize("sample_rate_hz", [8000, 44100, 192000])
@pytest.mark.parametrize("block_seconds", [0.05, 0.37, 10.0])
def test_stft_is_continuous_across_blocks(sample_rate_hz: int, block_seconds: float) -> None:
    audio = (
        np.random.default_rng(3)
        .standard_normal((2, int(2.3 * sample_rate_hz) + 17))
        .astype(np.float32)
    )
    spec = FrameSpec.for_stream(
        sample_rate_hz=sample_rate_hz,
        channels=2,
        total_frames=audio.shape[1],
        block_seconds=block_seconds,
    )
    blocks = framed(audio, spec, block_frames=spec.block_frames)
    assert [b.first_frame for b in blocks] == list(
        np.cumsum([0] + [b.spectra.shape[2] for b in blocks[:-1]])
    )
    assert [b.start_sample for b in blocks] == list(range(0, audio.shape[1], spec.block_frames))
    assert blocks[-1].is_last and not any(b.is_last for b in blocks[:-1])
    joined = np.concatenate([b.spectra for b in blocks], axis=2)
    expected = direct_stft(audio, n_fft=spec.n_fft, hop=spec.hop)
    assert joined.shape == expected.shape
    np.testing.assert_allclose(joined, expected, atol=2e-3 * np.sqrt(spec.n_fft))


@pytest.mark.parametrize(
    ("sample_rate_hz", "n_fft"),
    [(8000, 512), (44100, 2048), (48000, 2048), (96000, 4096), (192000, 8192)],
)
def test_frame_length_is_about_46_ms_at_every_rate(sample_rate_hz: int, n_fft: int) -> None:
    spec = FrameSpec.for_stream(sample_rate_hz=sample_rate_hz, channels=2, total_frames=0)
    assert (spec.n_fft, spec.hop) == (n_fft, n_fft // 4)
    assert spec.block_frames % spec.hop == 0


def test_surround_folds_down_to_a_stereo_pair_without_the_lfe() -> None:
    assert channel_layout(6) == ("L", "R", "C", "LFE", "Ls", "Rs")
    samples = np.zeros((6, 4), dtype=np.float32)
    samples[2] = 1.0  # centre
    samples[3] = 5.0  # LFE: left out
    samples[4] = 2.0  # left surround
    left, right = stereo_pair(samples)
    np.testing.assert_allclose(left, np.sqrt(0.5) * 3.0, rtol=1e-6)
    np.testing.assert_allclose(right, np.sqrt(0.5) * 1.0, rtol=1e-6)


def test_side_surrounds_of_7_1_fold_down_like_the_surrounds() -> None:
    assert channel_layout(8) == ("L", "R", "C", "LFE", "Ls", "Rs", "Lss", "Rss")
    samples = np.zeros((8, 4), dtype=np.float32)
    samples[6] = 1.0  # left side surround
    samples[5] = 2.0  # right surround
    left, right = stereo_pair(samples)
    np.testing.assert_allclose(left, np.sqrt(0.5), rtol=1e-6)
    np.testing.assert_allclose(right, np.sqrt(0.5) * 2.0, rtol=1e-6)


def test_mono_stays_one_channel() -> None:
    spec = FrameSpec.for_stream(sample_rate_hz=44100, channels=1, total_frames=44100)
    blocks = framed(np.ones((1, 44100), np.float32), spec, block_frames=spec.block_frames)
    assert blocks[0].pair.shape[0] == 1 and blocks[0].spectra.shape[0] == 1


def test_non_finite_samples_are_counted_and_zeroed() -> None:
    audio = np.ones((2, 10000), np.float32)
    audio[0, 5] = np.nan
    audio[1, 9000] = -np.inf
    spec = FrameSpec.for_stream(
        sample_rate_hz=8000, channels=2, total_frames=10000, block_seconds=0.5
    )
    blocks = framed(audio, spec, block_frames=spec.block_frames)
    assert sum(b.nonfinite_samples for b in blocks) == 2
    assert all(np.isfinite(b.samples).all() and np.isfinite(b.spectra).all() for b in blocks)


def test_an_empty_stream_still_yields_one_last_block() -> None:
    spec = FrameSpec.for_stream(sample_rate_hz=44100, channels=2, total_frames=0)
    blocks = list(frame_blocks(spec, iter([])))
    assert len(blocks) == 1 and blocks[0].is_last and blocks[0].spectra.shape[2] == 0
