"""Dynamics: crest factor, a dynamic-range figure, transient strength (punch), limiting.

All figures come from 5 ms windows (:data:`BASE_WINDOW_SECONDS`) counted from the start of the
file: per channel, the sum of squares and the sample peak. Only those summaries are kept, a few
MB for an hour, never the samples. The LFE channel is left out: it is an effects channel, not
part of the programme's dynamics.

Definitions:

- crest_factor_db: the highest sample peak over the RMS of the whole track (mean square
  averaged over the non-silent channels). A sine reads 3.01 dB.
- dynamic_range_db: the TT Dynamic Range meter's figure ("DR"), per channel, then averaged:
  3-second windows, each with its RMS times sqrt(2) and its peak; DR is the second-highest
  window peak over the RMS of the loudest 20 % of windows, in dB. A sine reads 0; dense,
  loud masters 4-7; dynamic mixes 10 and up. Unlike the meter it is not rounded to an integer.
- transient_strength_db: onsets are 5 ms windows whose level rises at least
  :data:`ONSET_RISE_DB` above the quietest of the 50 ms before (one per 25 ms, within 30 dB of
  the loud level). For each, the sample peak of its first 20 ms over the RMS of the 50-150 ms
  that follow it; the median over onsets. Plucked and struck sounds read 8-15 dB; heavy
  compression or limiting lowers it. ``None`` when there are no onsets (steady sounds).
- limited_peak_fraction: among the loud 50 ms windows (mean square within 20 dB of the 95th
  percentile), the share whose peak sits within 0.5 dB of the track's highest peak. Unprocessed
  material has a handful of windows there; a brick-wall limiter pins many to its ceiling.
- limiting_db: the estimated gain reduction (dB) on the loudest peaks, by a limiter or by
  clipping alike. Limiting piles the loud 50 ms windows' peaks at the ceiling and leaves the
  rest below it, so the estimate reads the truncated peak distribution with two figures: the
  share of loud windows pinned at the ceiling (``p``, as limited_peak_fraction) and how far the
  unpinned loud windows' median peak sits below it (``gap`` dB, the spread the limiter left):
  ``A + B * logit(p) + C * ln(gap)``, floored at 0 (:data:`LIMITING_MODEL`). The coefficients
  were fitted on planted limiting of known depth (0-15 dB; hard clipping and a look-ahead
  limiter with 30 ms and 150 ms release) on the Drascula soundtrack, and measured on the
  Singularity soundtrack, never fitted on it (``bench/limiting_eval.py`` prints both). Mean
  error there is 1.6-2.4 dB from 3 to 10 dB, and unprocessed music reads 0-2 dB. Past about
  10 dB nearly every loud window is pinned, deeper limiting can hardly be told apart and the
  figure is a floor: clipping and fast limiters at 15 dB read about 15, a 150 ms release
  limiter about 10. ``None`` for steady sounds (tones, noise), whose peaks all sit at one
  level unlimited.
"""

from __future__ import annotations

import numpy as np

from mixcoach.audio.frame import Block, FrameSpec, channel_layout
from mixcoach.audio.loudness import Loudness
from mixcoach.audio.model import Model
from mixcoach.audio.windows import FixedWindows

BASE_WINDOW_SECONDS = 0.005
#: The TT DR meter's 3-second windows, in base windows.
DR_WINDOW_BASES = 600
#: A last, partial DR window shorter than this is left out (unless it is the only one).
DR_MIN_PARTIAL_SECONDS = 1.0
DR_LOUDEST_SHARE = 0.2
#: Limiting is judged on 50 ms windows.
LIMIT_WINDOW_BASES = 10
LOUD_RANGE_DB = 20.0
PINNED_DB = 0.5
MIN_LOUD_WINDOWS = 20
#: limiting_db = A + B * logit(pinned share) + C * ln(gap dB), fitted on planted limiting of
#: the Drascula soundtrack (bench/limiting_eval.py); the share is kept within (0.001, 0.999).
LIMITING_MODEL = (4.457, 1.784, 2.409)
#: Past this, nearly every loud window is pinned and deeper limiting can hardly be told apart
#: (bench/limiting_eval.py: 10 and 15 dB read alike with a 150 ms release): a lower bound.
LIMITING_FLOOR_DB = 10.0
PINNED_SHARE_RANGE = (0.001, 0.999)
#: With fewer unpinned loud windows than this, the gap is taken as PINNED_DB (all at the top).
MIN_UNPINNED_WINDOWS = 5
#: Loud windows whose levels span less than this (5th to 95th percentile) are a steady sound.
STEADY_RANGE_DB = 1.0
SILENT_DBFS = -70.0
ONSET_RISE_DB = 6.0
ONSET_HISTORY_BASES = 10  # 50 ms
ONSET_SPACING_BASES = 5  # one onset per 25 ms at most
ATTACK_BASES = 4  # 20 ms
SUSTAIN_BASES = (10, 30)  # 50-150 ms after the onset
ONSET_RANGE_DB = 30.0


class Dynamics(Model):
    crest_factor_db: float | None  # sample peak over RMS, whole track
    dynamic_range_db: float | None  # the TT DR meter's figure, dB (see the module docstring)
    transient_strength_db: float | None  # punch: how far transients rise above the sustain
    limited_peak_fraction: float | None  # share of loud-part peaks pinned within 0.5 dB of the max
    limiting_db: float | None  # estimated gain reduction on the loudest peaks (limiter or clip)
    notes: list[str]


def _base_stats(windows: np.ndarray) -> np.ndarray:
    """Sum of squares and peak per window: ``(channels, k, n)`` -> ``(2, channels, k)`` float64."""
    sum_squares = np.einsum("ckn,ckn->ck", windows, windows).astype(np.float64)
    peak = np.maximum(windows.max(axis=-1), -windows.min(axis=-1)).astype(np.float64)
    return np.stack([sum_squares, peak])


def _merge_stats(windows: np.ndarray) -> np.ndarray:
    """Join base windows into longer ones: ``(2, channels, k, m)`` -> ``(2, channels, k)``."""
    return np.stack([windows[0].sum(axis=-1), windows[1].max(axis=-1)])


def _db(power: np.ndarray) -> np.ndarray:
    level: np.ndarray = 10 * np.log10(np.maximum(power, 1e-20))
    return level


class DynamicsMeter:
    def __init__(self, spec: FrameSpec) -> None:
        self.spec = spec
        layout = channel_layout(spec.channels)
        self._channels = [i for i, name in enumerate(layout) if name != "LFE"]
        self._base_length = max(1, round(BASE_WINDOW_SECONDS * spec.sample_rate_hz))
        self._base = FixedWindows(self._base_length)
        self._dr = FixedWindows(DR_WINDOW_BASES)
        self._dr_windows: list[np.ndarray] = []  # (2, channels, k): sum of squares, peak per 3 s
        self._sum_squares: list[np.ndarray] = []  # per base window, summed over channels
        self._peaks: list[np.ndarray] = []  # per base window, highest over channels
        self._samples = 0

    def update(self, block: Block) -> None:
        samples = (
            block.samples[self._channels]
            if len(self._channels) < block.samples.shape[0]
            else block.samples
        )
        self._samples += samples.shape[1]
        self._add(self._base.push(samples, _base_stats))

    def _add(self, base: np.ndarray) -> None:
        self._sum_squares.append(base[0].sum(axis=0))
        self._peaks.append(base[1].max(axis=0))
        self._dr_windows.append(self._dr.push(base, _merge_stats))

    def result(self, *, loudness: Loudness) -> Dynamics:
        """Dynamics of the whole track. Every figure comes from this meter's own windows;
        ``loudness`` (true peak, PLR) is part of the meter contract and not needed here."""
        rest, _ = self._base.flush(_base_stats)
        if rest is not None:
            self._add(rest)
        dr_rest, _ = self._dr.flush(_merge_stats)
        if dr_rest is not None:
            self._dr_windows.append(dr_rest)
        sum_squares = np.concatenate(self._sum_squares)
        peaks = np.concatenate(self._peaks)
        channels = len(self._channels)
        top = float(peaks.max()) if peaks.size else 0.0
        if top <= 0.0:
            note = "The file is digital silence: it has no dynamics to measure."
            return Dynamics(
                crest_factor_db=None,
                dynamic_range_db=None,
                transient_strength_db=None,
                limited_peak_fraction=None,
                limiting_db=None,
                notes=[note],
            )
        notes: list[str] = []
        dr_windows = np.concatenate(self._dr_windows, axis=-1)
        channel_mean_square = dr_windows[0].sum(axis=-1) / self._samples
        sounding = channel_mean_square > 0.0
        crest = 20 * np.log10(top) - 10 * np.log10(channel_mean_square[sounding].mean())

        # Mean square per base window; only the very last one can be short.
        counts = np.full(sum_squares.size, float(self._base_length * channels))
        counts[-1] = (self._samples - (sum_squares.size - 1) * self._base_length) * channels
        level_db = _db(sum_squares / counts)
        transient = _transient_strength(level_db, peaks)
        if transient is None:
            notes.append("No clear onsets (a steady or very short sound): no transient strength.")
        fraction, limiting = _limiting(
            sum_squares, peaks, window_samples=self._base_length * channels
        )
        if fraction is None:
            notes.append("Under a second of sound above silence: limiting is not estimated.")
        elif limiting is None:
            notes.append("A steady sound (a tone or noise): limiting is not estimated.")
        dynamic_range = round(self._dynamic_range(dr_windows[:, sounding]), 2) + 0.0  # not -0.0
        return Dynamics(
            crest_factor_db=round(float(crest), 2),
            dynamic_range_db=dynamic_range,
            transient_strength_db=None if transient is None else round(transient, 2),
            limited_peak_fraction=None if fraction is None else round(fraction, 4),
            limiting_db=None if limiting is None else round(limiting, 2),
            notes=notes,
        )

    def _dynamic_range(self, windows: np.ndarray) -> float:
        """The TT DR meter's figure, averaged over channels: ``windows`` is ``(2, channels, k)``."""
        window_samples = DR_WINDOW_BASES * self._base_length
        counts = np.full(windows.shape[-1], float(window_samples))
        counts[-1] = self._samples - (windows.shape[-1] - 1) * window_samples
        short_last = counts[-1] < DR_MIN_PARTIAL_SECONDS * self.spec.sample_rate_hz
        if short_last and windows.shape[-1] > 1:
            windows, counts = windows[..., :-1], counts[:-1]
        rms = np.sqrt(2 * windows[0] / counts)  # (channels, k); x sqrt(2) so a sine reads DR 0
        loudest = max(1, round(DR_LOUDEST_SHARE * rms.shape[-1]))
        top_rms = np.sqrt(np.mean(np.sort(rms, axis=-1)[:, -loudest:] ** 2, axis=-1))
        peaks = np.sort(windows[1], axis=-1)
        second_peak = peaks[:, -2] if peaks.shape[-1] > 1 else peaks[:, -1]
        # Sound in one window only (a short blip in silence): the second peak is the silence's.
        second_peak = np.where(second_peak > 0, second_peak, peaks[:, -1])
        heard = (second_peak > 0) & (top_rms > 0)  # a silent channel has no range to measure
        if not heard.any():
            return 0.0
        return float(np.mean(20 * np.log10(second_peak[heard] / top_rms[heard])))


def _transient_strength(level_db: np.ndarray, peaks: np.ndarray) -> float | None:
    """Median onset peak over the sustain after it, from base-window levels and peaks ``(n,)``."""
    n = level_db.size
    first, last = SUSTAIN_BASES
    if n <= ONSET_HISTORY_BASES + last:
        return None
    view = np.lib.stride_tricks.sliding_window_view
    # The quietest of the ONSET_HISTORY_BASES windows before each window from there on.
    history = view(level_db[:-1], ONSET_HISTORY_BASES).min(axis=-1)
    rise = np.full(n, -np.inf)
    rise[ONSET_HISTORY_BASES:] = level_db[ONSET_HISTORY_BASES:] - history
    rise[level_db < np.percentile(level_db, 95) - ONSET_RANGE_DB] = -np.inf
    rise[level_db < SILENT_DBFS] = -np.inf
    padded = np.pad(rise, ONSET_SPACING_BASES, constant_values=-np.inf)
    strongest = rise >= view(padded, 2 * ONSET_SPACING_BASES + 1).max(axis=-1)
    onsets = np.flatnonzero(strongest & (rise >= ONSET_RISE_DB))
    onsets = onsets[onsets + last < n]
    if onsets.size == 0:
        return None
    attack = view(peaks, ATTACK_BASES).max(axis=-1)[onsets]
    power = 10 ** (level_db / 10)
    sustain = view(power, last - first).mean(axis=-1)[onsets + first]
    return float(np.median(20 * np.log10(np.maximum(attack, 1e-10)) - _db(sustain)))


def _limiting(
    sum_squares: np.ndarray, peaks: np.ndarray, *, window_samples: int
) -> tuple[float | None, float | None]:
    """Pinned-peak share and estimated limiting depth of the loud 50 ms windows."""
    k = sum_squares.size // LIMIT_WINDOW_BASES
    whole = k * LIMIT_WINDOW_BASES
    mean_square = sum_squares[:whole].reshape(k, -1).sum(axis=-1) / (
        window_samples * LIMIT_WINDOW_BASES
    )
    level_db = _db(mean_square)
    peak_db = 20 * np.log10(np.maximum(peaks[:whole].reshape(k, -1).max(axis=-1), 1e-10))
    sounding = level_db >= SILENT_DBFS
    if np.count_nonzero(sounding) < MIN_LOUD_WINDOWS:
        return None, None
    loud = sounding & (level_db >= np.percentile(level_db[sounding], 95) - LOUD_RANGE_DB)
    below_top = 20 * np.log10(float(peaks.max())) - peak_db[loud]
    pinned = below_top <= PINNED_DB
    fraction = float(np.count_nonzero(pinned) / pinned.size)
    low, high = np.percentile(level_db[loud], [5, 95])
    if high - low < STEADY_RANGE_DB:
        return fraction, None
    unpinned = below_top[~pinned]
    gap = float(np.median(unpinned)) if unpinned.size >= MIN_UNPINNED_WINDOWS else PINNED_DB
    share = min(max(fraction, PINNED_SHARE_RANGE[0]), PINNED_SHARE_RANGE[1])
    a, b, c = LIMITING_MODEL
    depth = a + b * np.log(share / (1 - share)) + c * np.log(gap)
    return fraction, max(0.0, float(depth))
