"""Render a plan's moves on ``(channels, samples)`` float audio, and match before and after.

Each move is rendered from the same numbers its preset states (an :class:`EqMove` is the RBJ
cookbook biquad of its kind, frequency, gain and Q), so a preview plays what the preset says.
Everything is NumPy/SciPy: a 10 s stereo excerpt renders in milliseconds (docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal

from mixcoach.audio.codecs import loudness_of
from mixcoach.audio.loudness import true_peak_interpolator
from mixcoach.feedback.model import CompressorSettings, EqMove, LimiterSettings, Step, WidthMove

#: Moves a preview can render; the others (clip repair, re-export, checks) are done by hand.
RENDERABLE = (
    "polarity_flip",
    "dc_removal",
    "gain",
    "balance",
    "eq",
    "compressor",
    "width",
    "limiter",
)

_LOOKAHEAD_S = 0.002
_DETECTOR_HOP_S = 0.001


def _db(gain_db: float) -> float:
    return float(10.0 ** (gain_db / 20.0))


def eq_sos(move: EqMove, *, sample_rate_hz: int) -> np.ndarray:
    """The RBJ cookbook biquad of ``move`` as a one-section SOS array, shape ``(1, 6)``."""
    nyquist = sample_rate_hz / 2
    if not 0 < move.frequency_hz < nyquist:
        raise ValueError(f"EQ frequency {move.frequency_hz} Hz is outside (0, {nyquist}) Hz")
    if move.q <= 0:
        raise ValueError(f"EQ Q must be positive, got {move.q}")
    w0 = 2 * np.pi * move.frequency_hz / sample_rate_hz
    cos_w0, alpha = np.cos(w0), np.sin(w0) / (2 * move.q)
    a = 10.0 ** (move.gain_db / 40.0)
    if move.kind == "bell":
        b = [1 + alpha * a, -2 * cos_w0, 1 - alpha * a]
        den = [1 + alpha / a, -2 * cos_w0, 1 - alpha / a]
    elif move.kind in ("low_shelf", "high_shelf"):
        sign = 1 if move.kind == "low_shelf" else -1
        root = 2 * np.sqrt(a) * alpha
        b = [
            a * ((a + 1) - sign * (a - 1) * cos_w0 + root),
            sign * 2 * a * ((a - 1) - sign * (a + 1) * cos_w0),
            a * ((a + 1) - sign * (a - 1) * cos_w0 - root),
        ]
        den = [
            (a + 1) + sign * (a - 1) * cos_w0 + root,
            -sign * 2 * ((a - 1) + sign * (a + 1) * cos_w0),
            (a + 1) + sign * (a - 1) * cos_w0 - root,
        ]
    elif move.kind == "high_pass":
        b = [(1 + cos_w0) / 2, -(1 + cos_w0), (1 + cos_w0) / 2]
        den = [1 + alpha, -2 * cos_w0, 1 - alpha]
    else:  # low_pass
        b = [(1 - cos_w0) / 2, 1 - cos_w0, (1 - cos_w0) / 2]
        den = [1 + alpha, -2 * cos_w0, 1 - alpha]
    return np.array([[*(np.array(b) / den[0]), 1.0, den[1] / den[0], den[2] / den[0]]])


def apply_eq(audio: np.ndarray, move: EqMove, *, sample_rate_hz: int) -> np.ndarray:
    return np.asarray(signal.sosfilt(eq_sos(move, sample_rate_hz=sample_rate_hz), audio, axis=1))


def apply_width(audio: np.ndarray, move: WidthMove, *, sample_rate_hz: int) -> np.ndarray:
    """Scale the side signal inside ``move``'s band to ``width_percent`` (0 folds it to mono).

    The band is split off with a zero-phase Butterworth, so band plus rest is the side exactly."""
    if audio.shape[0] != 2:
        raise ValueError(f"a width move needs stereo audio, got {audio.shape[0]} channel(s)")
    nyquist = sample_rate_hz / 2
    mid, side = (audio[0] + audio[1]) / 2, (audio[0] - audio[1]) / 2
    low, high = move.low_hz > 0, move.high_hz < nyquist * 0.95
    if low and high:
        sos = signal.butter(
            4, [move.low_hz, move.high_hz], btype="band", fs=sample_rate_hz, output="sos"
        )
        band = signal.sosfiltfilt(sos, side)
    elif high:
        band = signal.sosfiltfilt(
            signal.butter(4, move.high_hz, fs=sample_rate_hz, output="sos"), side
        )
    elif low:
        sos = signal.butter(4, move.low_hz, btype="high", fs=sample_rate_hz, output="sos")
        band = signal.sosfiltfilt(sos, side)
    else:
        band = side
    side = side + (move.width_percent / 100.0 - 1.0) * band
    return np.stack([mid + side, mid - side])


def _smooth_db(
    target_db: np.ndarray, *, hop_s: float, attack_ms: float, release_ms: float
) -> np.ndarray:
    """Follow ``target_db`` (gain reduction, >= 0) with separate attack and release times."""
    attack = np.exp(-hop_s / max(attack_ms / 1000.0, 1e-6))
    release = np.exp(-hop_s / max(release_ms / 1000.0, 1e-6))
    out = np.empty_like(target_db)
    state = 0.0
    for i, value in enumerate(target_db.tolist()):
        coeff = attack if value > state else release
        state = coeff * state + (1 - coeff) * value
        out[i] = state
    return out


def apply_compressor(
    audio: np.ndarray, settings: CompressorSettings, *, sample_rate_hz: int
) -> np.ndarray:
    """A feed-forward, RMS-sensing, soft-knee compressor, linked across channels.

    RMS, not peak: the plan sets the threshold from the short-term loudness, so the
    compressor answers the level the ear hears and lets transients shorter than the attack by."""
    hop = max(1, round(_DETECTOR_HOP_S * sample_rate_hz))
    frames = -(-audio.shape[1] // hop)
    power = np.pad(np.square(audio).mean(axis=0), (0, frames * hop - audio.shape[1]))
    level_db = 10 * np.log10(np.maximum(power.reshape(frames, hop).mean(axis=1), 1e-18))
    over = level_db - settings.threshold_dbfs
    knee = max(settings.knee_db, 1e-6)
    slope = 1 - 1 / settings.ratio
    reduction = np.where(
        over <= -knee / 2,
        0.0,
        np.where(over >= knee / 2, slope * over, slope * (over + knee / 2) ** 2 / (2 * knee)),
    )
    smooth = _smooth_db(
        reduction,
        hop_s=hop / sample_rate_hz,
        attack_ms=settings.attack_ms,
        release_ms=settings.release_ms,
    )
    centres = (np.arange(frames) + 0.5) * hop
    gain_db = np.interp(np.arange(audio.shape[1]), centres, smooth)
    return np.asarray(audio * 10.0 ** ((settings.makeup_db - gain_db) / 20.0))


def apply_limiter(
    audio: np.ndarray, settings: LimiterSettings, *, sample_rate_hz: int
) -> np.ndarray:
    """Input gain, then a look-ahead limiter whose true peak (4x oversampled) stays at the ceiling.

    The gain a sample needs is read on the oversampled signal; a minimum filter over the
    look-ahead and a box average of the same length keep the smoothed gain at or under it,
    then the release lets it recover. A last trim catches what the smoothing let through."""
    driven = audio * _db(settings.input_gain_db)
    ceiling = _db(settings.ceiling_dbtp)
    need = np.minimum(
        1.0, ceiling / np.maximum(sample_peaks(driven, sample_rate_hz=sample_rate_hz), 1e-12)
    )
    span = max(1, round(_LOOKAHEAD_S * sample_rate_hz))
    held = ndimage.minimum_filter1d(need, 2 * span + 1, mode="nearest")
    reduction_db = -20 * np.log10(held)
    hop_s = 1.0 / sample_rate_hz
    released = _release(reduction_db, release_coeff=np.exp(-hop_s / (settings.release_ms / 1000.0)))
    gain = ndimage.uniform_filter1d(10.0 ** (-released / 20.0), span, mode="nearest")
    out = driven * np.minimum(gain, held)
    over = true_peak(out, sample_rate_hz=sample_rate_hz) / ceiling
    return np.asarray(out / over if over > 1.0 else out)


def _release(reduction_db: np.ndarray, *, release_coeff: float) -> np.ndarray:
    """Instant attack, release falling a fixed dB per sample: ``y[i] = max(x[i], y[i-1] - d)``."""
    # y[i] = max over j <= i of x[j] - (i - j) * d: one running maximum, no Python loop.
    step = -20 * np.log10(release_coeff) if release_coeff > 0 else np.inf
    index = np.arange(reduction_db.size)
    trail = np.maximum.accumulate(reduction_db + index * step) - index * step
    return np.asarray(np.maximum(trail, 0.0))


def sample_peaks(audio: np.ndarray, *, sample_rate_hz: int) -> np.ndarray:
    """The highest true-peak magnitude at or just after each sample, over channels, shape ``(n,)``.

    The points between samples come from the loudness meter's own interpolator (BS.1770-4
    Annex 2), so the limiter holds exactly the true peak the analysis will measure."""
    phases = true_peak_interpolator(sample_rate_hz=sample_rate_hz)
    half = phases.shape[1] // 2
    n = audio.shape[1]
    peaks = np.abs(audio).max(axis=0)
    for row in phases:
        for channel in audio:  # 12 taps: direct convolution is 3x faster than FFT here
            peaks = np.maximum(peaks, np.abs(np.convolve(channel, row[::-1])[half : half + n]))
    return np.asarray(peaks)


def true_peak(audio: np.ndarray, *, sample_rate_hz: int) -> float:
    """Linear true peak of ``(channels, n)`` audio, as the loudness meter measures it."""
    return float(sample_peaks(audio, sample_rate_hz=sample_rate_hz).max()) if audio.size else 0.0


def render_step(audio: np.ndarray, step: Step, *, sample_rate_hz: int) -> np.ndarray:
    """``audio`` with ``step``'s move applied; unchanged for moves done by hand."""
    if step.move == "polarity_flip":
        return np.stack([audio[0], -audio[1]]) if audio.shape[0] == 2 else audio
    if step.move in ("gain", "trim") and step.gain_db is not None:
        return audio * _db(step.gain_db)
    if step.move == "balance" and step.gain_db is not None and audio.shape[0] == 2:
        half = _db(step.gain_db / 2)  # gain_db is the change of left minus right, in dB
        return np.stack([audio[0] * half, audio[1] / half])
    if step.eq is not None:
        return apply_eq(audio, step.eq, sample_rate_hz=sample_rate_hz)
    if step.compressor is not None:
        return apply_compressor(audio, step.compressor, sample_rate_hz=sample_rate_hz)
    if step.width is not None:
        return apply_width(audio, step.width, sample_rate_hz=sample_rate_hz)
    if step.limiter is not None:
        return apply_limiter(audio, step.limiter, sample_rate_hz=sample_rate_hz)
    return audio


def render_steps(audio: np.ndarray, steps: list[Step], *, sample_rate_hz: int) -> np.ndarray:
    """``steps`` in the plan's order, except the limiter, which runs last: its ceiling is a
    promise about the output, and a move after it (an EQ boost) would break it."""
    for step in sorted(steps, key=lambda s: s.limiter is not None):
        audio = render_step(audio, step, sample_rate_hz=sample_rate_hz)
    return audio


@dataclass(frozen=True)
class Matched:
    """Before and after at the same loudness, each with the gain it was given (<= 0 dB)."""

    before: np.ndarray
    after: np.ndarray
    before_gain_db: float
    after_gain_db: float
    before_lufs: float | None
    after_lufs: float | None

    @property
    def gain_db(self) -> float:
        """The level-matching gain: how far the louder one was turned down below the other."""
        return -abs(self.after_gain_db - self.before_gain_db)

    @property
    def turned_down(self) -> str:
        if self.after_gain_db < self.before_gain_db:
            return "after"
        return "before" if self.before_gain_db < self.after_gain_db else "none"


def match_loudness(before: np.ndarray, after: np.ndarray, *, sample_rate_hz: int) -> Matched:
    """Turn the louder excerpt down to the quieter's integrated loudness (BS.1770).

    If the after would then peak above the original before's true peak (an EQ boost raises
    peaks more than loudness), both are turned down together until it does not: the match
    holds, and no preview plays a peak the producer's own file does not have."""
    before_lufs = loudness_of(before, sample_rate_hz).integrated_lufs
    after_lufs = loudness_of(after, sample_rate_hz).integrated_lufs
    before_gain_db = after_gain_db = 0.0
    if before_lufs is not None and after_lufs is not None:
        before_gain_db = min(0.0, after_lufs - before_lufs)
        after_gain_db = min(0.0, before_lufs - after_lufs)
    limit = true_peak(before, sample_rate_hz=sample_rate_hz)
    peak = true_peak(after, sample_rate_hz=sample_rate_hz) * _db(after_gain_db)
    if peak > limit > 0:
        trim_db = 20 * float(np.log10(limit / peak))
        before_gain_db, after_gain_db = before_gain_db + trim_db, after_gain_db + trim_db
    return Matched(
        before=before * _db(before_gain_db),
        after=after * _db(after_gain_db),
        before_gain_db=before_gain_db,
        after_gain_db=after_gain_db,
        before_lufs=before_lufs,
        after_lufs=after_lufs,
    )


def loudest_excerpt(
    audio: np.ndarray, *, sample_rate_hz: int, seconds: float = 10.0
) -> tuple[int, int]:
    """Start and end sample of the ``seconds`` with the most energy (the whole track if shorter)."""
    length = round(seconds * sample_rate_hz)
    if audio.shape[1] <= length:
        return 0, audio.shape[1]
    hop = sample_rate_hz // 10
    energy = np.square(audio).mean(axis=0)
    cells = energy[: energy.size // hop * hop].reshape(-1, hop).sum(axis=1)
    window = length // hop
    sums = np.convolve(cells, np.ones(window), mode="valid")
    start = int(np.argmax(sums)) * hop
    return start, min(start + length, audio.shape[1])


def excerpt_around(
    audio: np.ndarray, *, sample_rate_hz: int, time_s: float, seconds: float = 10.0
) -> tuple[int, int]:
    """Start and end sample of ``seconds`` centred on ``time_s``, kept inside the track."""
    length = min(round(seconds * sample_rate_hz), audio.shape[1])
    start = round(time_s * sample_rate_hz) - length // 2
    start = max(0, min(start, audio.shape[1] - length))
    return start, start + length
