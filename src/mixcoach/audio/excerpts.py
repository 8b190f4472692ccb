"""Short excerpts of a track as listeners hear it through a codec, to play side by side: the
decoded codec output, the original at the same loudness, the mono fold-down and the artifacts
alone (the original minus the decoded output).

Codecs delay their output (an encoder's priming samples, a resampler's filter), so the decoded
excerpt is aligned to the original by cross-correlation before anything is compared or
subtracted; a misalignment of one sample would leave the artifacts clip nearly as loud as the
music itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd

import numpy as np
from scipy.signal import resample_poly

from mixcoach.audio.codecs import Codec, decode, encode

#: The excerpt's length, and the extra audio encoded on each side so the codec settles.
EXCERPT_SECONDS = 10.0
_MARGIN_SECONDS = 0.5
#: Loudness is compared in windows of this length when looking for the loudest stretch.
_HOP_SECONDS = 0.1
#: The farthest a codec's delay is looked for, either way.
_MAX_DELAY_SECONDS = 0.1


@dataclass(frozen=True)
class Excerpt:
    """One stretch of the track through one codec, aligned sample for sample with the original
    (both ``(channels, n)`` float32 at ``sample_rate_hz``)."""

    original: np.ndarray
    decoded: np.ndarray
    sample_rate_hz: int
    start_seconds: float

    def artifacts(self) -> np.ndarray:
        """What the codec added or took away: the original minus the decoded output."""
        difference: np.ndarray = self.original - self.decoded
        return difference

    def mono(self) -> np.ndarray:
        """The original folded to mono (both channels' mean), as a phone speaker plays it."""
        return np.broadcast_to(self.original.mean(axis=0), self.original.shape).copy()


def loudest_start(audio: np.ndarray, sample_rate_hz: int, *, seconds: float) -> int:
    """The first sample of the ``seconds`` of ``(channels, n)`` audio with the most energy."""
    length = int(seconds * sample_rate_hz)
    if audio.shape[1] <= length:
        return 0
    hop = int(_HOP_SECONDS * sample_rate_hz)
    hops = audio.shape[1] // hop
    energy = (audio[:, : hops * hop].astype(np.float64) ** 2).sum(axis=0).reshape(hops, hop)
    per_hop = np.concatenate([[0.0], np.cumsum(energy.sum(axis=1))])
    span = length // hop
    windows = per_hop[span:] - per_hop[:-span]
    return int(np.argmax(windows[: hops - span + 1])) * hop


def delay_of(reference: np.ndarray, delayed: np.ndarray, *, max_delay: int) -> int:
    """How many samples ``delayed`` lags ``reference`` (mono sums compared by FFT
    cross-correlation), within ``max_delay`` either way."""
    a = reference.mean(axis=0).astype(np.float64)
    b = delayed.mean(axis=0).astype(np.float64)
    size = 1 << int(np.ceil(np.log2(len(a) + len(b))))
    correlation = np.fft.irfft(np.fft.rfft(b, size) * np.conj(np.fft.rfft(a, size)), size)
    lags = np.concatenate([correlation[: max_delay + 1], correlation[-max_delay:]])
    best = int(np.argmax(lags))
    return best if best <= max_delay else best - len(lags)


def excerpt_through(
    audio: np.ndarray, sample_rate_hz: int, codec: Codec, *, start: int, seconds: float
) -> Excerpt:
    """``seconds`` of ``(channels, n)`` audio from sample ``start``, encoded and decoded as
    ``codec`` delivers it and aligned with the original (resampled to the codec's rate when it
    has its own, as Opus does)."""
    margin = int(_MARGIN_SECONDS * sample_rate_hz)
    lo, hi = (
        max(0, start - margin),
        min(audio.shape[1], start + int(seconds * sample_rate_hz) + margin),
    )
    piece = np.ascontiguousarray(audio[:, lo:hi], dtype=np.float32)
    decoded, rate = decode(encode(piece, sample_rate_hz, codec))
    if rate != sample_rate_hz:
        common = gcd(rate, sample_rate_hz)
        piece = resample_poly(piece, rate // common, sample_rate_hz // common, axis=1)
        piece = piece.astype(np.float32)
    offset = int((start - lo) * rate / sample_rate_hz)
    length = min(int(seconds * rate), piece.shape[1] - offset)
    delay = delay_of(piece, decoded, max_delay=int(_MAX_DELAY_SECONDS * rate))
    begin = offset + delay
    aligned = np.zeros((piece.shape[0], length), dtype=np.float32)
    available = decoded[:, max(0, begin) : begin + length]
    aligned[:, : available.shape[1]] = available
    return Excerpt(
        original=piece[:, offset : offset + length],
        decoded=aligned,
        sample_rate_hz=rate,
        start_seconds=start / sample_rate_hz,
    )
