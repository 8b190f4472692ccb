"""Defects located in time: clipped runs, DC offset, silence padding, non-finite samples.

Definitions:

- Clipping: a run of at least :data:`MIN_CLIP_RUN` consecutive same-sign samples of one
  channel at one level (equal within :data:`CLIP_FLATNESS`: float rounding, a 24-bit step)
  at the file's extreme level: within :data:`CLIP_TOLERANCE` of the highest absolute sample
  value. That level is 0 dBFS for a file clipped at full scale, or lower for one clipped and
  then turned down; it is reported as ``clip_level_dbfs``. A clipped wave arrives at its
  ceiling at an angle, so within two samples beyond each end of a run it must fall
  :data:`CLIP_EDGE_DROP` below it: this keeps out the rounded tops of loud low-frequency
  waves, which in a 16-bit file can give several equal samples at the maximum but fall away
  from them by only a few 16-bit steps. A clipped file that was dithered after being turned
  down wobbles at its ceiling and is not recognised as clipped.
- DC offset: the mean of each channel over the whole track, in dBFS; ``None`` when there is
  none (a mean under :data:`NO_OFFSET`, -200 dBFS, is the rounding residue of a sum).
- Silence at the start and end: the time before the first and after the last sample above
  :data:`SILENCE_DBFS` in any channel (a fade's tail below it counts as silence).
- Non-finite samples: NaN or Inf in the decoded file; they were replaced by 0 before any
  measurement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mixcoach.audio.frame import Block, FrameSpec
from mixcoach.audio.model import Model, TimeRange
from mixcoach.audio.windows import FixedWindows

CLIP_TOLERANCE = 1e-4
CLIP_FLATNESS = 2e-6
MIN_CLIP_RUN = 3
#: Within two samples beyond each end of a run, a clipped wave falls at least this far below it.
CLIP_EDGE_DROP = 3 * CLIP_TOLERANCE
MAX_CLIP_RUNS = 200
NO_OFFSET = 1e-10
SILENCE_DBFS = -60.0
#: Silence is searched in slices of this many samples from either end of a block.
_SEARCH_SLICE = 65536


class ClipRun(TimeRange):
    channel: int
    samples: int  # consecutive samples at the clip level


class Defects(Model):
    clipped_samples: int
    # the level the runs sit at (0 dBFS, or lower if clipped then gained down)
    clip_level_dbfs: float | None
    clip_runs: list[ClipRun]  # the longest runs first, at most 200
    clip_run_count: int
    dc_offset_dbfs: list[float | None]  # per channel; None for no offset at all
    silence_start_s: float  # digital or near-digital silence before the music starts
    silence_end_s: float
    nonfinite_samples: int  # NaN/Inf samples found in the file (replaced by 0 before measuring)
    notes: list[str]


@dataclass
class _OpenRun:
    """A run that reached the end of the scanned samples and may go on in the next block."""

    start: int  # file position of its first sample
    length: int
    low: float  # smallest and largest absolute value in the run
    high: float
    leaks: bool  # its chain began below the candidate threshold: not flat at the ceiling
    before: float  # the smaller absolute value of the two samples before it (NaN: none)


class _ClipFinder:
    """Finds flat runs at the running maximum, channel by channel, across block boundaries.

    Only samples within ``CLIP_TOLERANCE + 2 * CLIP_FLATNESS`` of the running maximum are
    candidates. Runs are chains of candidates (see :func:`_chained`); a chain that would go on
    into a sample below the threshold "leaks": it cannot be flat at the final ceiling and is
    dropped. Every run that is flat at the final ceiling lies wholly above every threshold used
    on the way, so the runs found never depend on the block size.

    Each run is judged with two samples of context on either side, so the last two samples of
    a block are held back and scanned with the next one. Positions below are in ``ext``: the
    last four samples of the stream before this block (NaN before the file starts) followed
    by the block; the samples at ``ext[2:n + 2]`` are scanned.
    """

    def __init__(self, channels: int) -> None:
        self.level = 0.0  # highest absolute sample so far
        self._tails = np.full((channels, 4), np.nan)  # the last four samples of each channel
        self._open: list[_OpenRun | None] = [None] * channels
        self._runs: list[np.ndarray] = []  # (4, k) float64: start, channel, length, level

    def update(
        self, samples: np.ndarray, *, start: int, highs: np.ndarray, lows: np.ndarray
    ) -> None:
        """``samples`` ``(channels, n)`` from file position ``start``, with per-channel extremes."""
        level = max(self.level, float(highs.max()), float(-lows.min()))
        if level > self.level + CLIP_TOLERANCE:
            self._prune(level)
        self.level = level
        threshold = self._threshold()
        for channel, x in enumerate(samples):
            body = x[:-2]  # the last two samples are held back until their right context arrives
            if threshold > 0.0 and max(highs[channel], -lows[channel]) >= threshold:
                idx = np.flatnonzero((body >= threshold) | (body <= -threshold)) + 4
            else:
                idx = np.zeros(0, dtype=np.int64)
            self._scan(channel, x, idx, ext_start=start - 4, final=False)

    def finish(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Runs at the final ceiling: file positions, channels and lengths, longest first."""
        nothing = np.full(2, np.nan)  # no samples follow the last ones
        for channel in range(self._tails.shape[0]):
            self._scan(channel, nothing, np.zeros(0, dtype=np.int64), ext_start=0, final=True)
        self._prune(self.level)
        runs = np.concatenate([np.zeros((4, 0)), *self._runs], axis=1).astype(np.int64)
        starts, channels, lengths = runs[0], runs[1], runs[2]
        order = np.lexsort((starts, -lengths))  # longest first, then earliest
        return starts[order], channels[order], lengths[order]

    def _threshold(self) -> float:
        return self.level - CLIP_TOLERANCE - 2 * CLIP_FLATNESS

    def _scan(
        self, channel: int, x: np.ndarray, idx: np.ndarray, *, ext_start: int, final: bool
    ) -> None:
        """Runs of one channel: ``x`` is its block, ``idx`` its candidates as ``ext`` positions.

        ``ext_start`` is the file position of ``ext[0]``. The scanned positions are
        ``ext[2:n + 2]``: the two held back from the previous block, then all but the last two
        of this one. ``final`` closes every run (nothing follows).
        """
        tail = self._tails[channel]
        threshold = self._threshold()
        if threshold > 0.0:
            held = np.flatnonzero(np.abs(np.nan_to_num(tail[2:])) >= threshold) + 2
            idx = np.concatenate([held, idx])

        def at(positions: np.ndarray) -> np.ndarray:
            inside = np.clip(positions - 4, 0, x.size - 1)
            values: np.ndarray = np.where(positions < 4, tail[np.minimum(positions, 3)], x[inside])
            return values

        # The first scanned sample and the one before it decide whether an open run goes on.
        previous, first, second = at(np.array([1, 2, 3]))
        goes_on = bool(_chained(np.array([previous]), np.array([first]))[0])
        continues = idx.size > 0 and idx[0] == 2 and goes_on
        open_run, self._open[channel] = self._open[channel], None
        if open_run is not None and not continues:
            # It ended with the previous block; ``first`` follows it and leaks if it chains on.
            self._judge(
                channel,
                starts=np.array([float(open_run.start)]),
                lengths=np.array([float(open_run.length)]),
                lows=np.array([open_run.low]),
                highs=np.array([open_run.high]),
                leaks=np.array([open_run.leaks or goes_on]),
                before=np.array([open_run.before]),
                after=np.fmin(np.abs([first]), np.abs([second])),
            )
        if idx.size:
            values = at(idx)
            magnitude = np.abs(values)
            joined = (np.diff(idx) == 1) & _chained(values[:-1], values[1:])
            firsts = np.concatenate([[0], np.flatnonzero(~joined) + 1])
            lasts = np.concatenate([firsts[1:] - 1, [idx.size - 1]])
            starts = (ext_start + idx[firsts]).astype(np.float64)
            lengths = (lasts - firsts + 1).astype(np.float64)
            lows = np.minimum.reduceat(magnitude, firsts)
            highs = np.maximum.reduceat(magnitude, firsts)
            # A neighbour that chains on is below the threshold (or it would be in the run).
            leaks_before = _chained(at(idx[firsts] - 1), values[firsts])
            leaks_after = _chained(at(idx[lasts] + 1), values[lasts])
            before = np.fmin(np.abs(at(idx[firsts] - 1)), np.abs(at(idx[firsts] - 2)))
            after = np.fmin(np.abs(at(idx[lasts] + 1)), np.abs(at(idx[lasts] + 2)))
            if continues and open_run is not None:
                starts[0] = open_run.start
                lengths[0] += open_run.length
                lows[0] = min(lows[0], open_run.low)
                highs[0] = max(highs[0], open_run.high)
                leaks_before[0] = open_run.leaks
                before[0] = open_run.before
            done = firsts.size
            if not final and idx[-1] == x.size + 1:  # reaches the held-back samples: may go on
                self._open[channel] = _OpenRun(
                    start=int(starts[-1]),
                    length=int(lengths[-1]),
                    low=float(lows[-1]),
                    high=float(highs[-1]),
                    leaks=bool(leaks_before[-1]),
                    before=float(before[-1]),
                )
                done -= 1
            self._judge(
                channel,
                starts=starts[:done],
                lengths=lengths[:done],
                lows=lows[:done],
                highs=highs[:done],
                leaks=(leaks_before | leaks_after)[:done],
                before=before[:done],
                after=after[:done],
            )
        self._tails[channel] = at(np.arange(x.size, x.size + 4))

    def _judge(
        self,
        channel: int,
        *,
        starts: np.ndarray,
        lengths: np.ndarray,
        lows: np.ndarray,
        highs: np.ndarray,
        leaks: np.ndarray,
        before: np.ndarray,
        after: np.ndarray,
    ) -> None:
        """Keep the runs that are clipping: flat, long enough, at the ceiling, met at an angle.

        ``before``/``after``: the lowest absolute value within two samples beyond each end
        (NaN past the file). A clipped wave arrives at its ceiling at an angle, so it falls
        well below it there; the rounded top of a smooth wave, quantised to equal samples,
        slopes away only gently.
        """

        def steep(beside: np.ndarray) -> np.ndarray:
            result: np.ndarray = np.isnan(beside) | (highs - beside >= CLIP_EDGE_DROP)
            return result

        good = (
            ~leaks
            & (lengths >= MIN_CLIP_RUN)
            & (highs - lows <= CLIP_FLATNESS)
            & (highs >= self.level - CLIP_TOLERANCE)
            & steep(before)
            & steep(after)
        )
        if np.any(good):
            channels = np.full(int(np.count_nonzero(good)), float(channel))
            self._runs.append(np.stack([starts[good], channels, lengths[good], highs[good]]))

    def _prune(self, level: float) -> None:
        """Drop runs that sit more than the tolerance below a new, higher maximum."""
        self._runs = [runs[:, runs[3] >= level - CLIP_TOLERANCE] for runs in self._runs]


def _chained(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether neighbouring samples belong to one flat run: same sign, within the flatness.

    NaN (no sample: before or after the file) never chains.
    """
    chained: np.ndarray = (np.sign(a) == np.sign(b)) & (a != 0) & (np.abs(a - b) <= CLIP_FLATNESS)
    return chained


def _channel_sums(windows: np.ndarray) -> np.ndarray:
    """Sum of each channel over each window: ``(channels, k, n)`` -> ``(channels, k)`` float64."""
    sums: np.ndarray = windows.sum(axis=-1, dtype=np.float64)
    return sums


class DefectsMeter:
    def __init__(self, spec: FrameSpec) -> None:
        self.spec = spec
        self._clips = _ClipFinder(spec.channels)
        self._seconds = FixedWindows(spec.sample_rate_hz)
        self._sums: list[np.ndarray] = []  # (channels, k): sum of each channel over each second
        self._threshold = 10 ** (SILENCE_DBFS / 20)
        self._first_sound: int | None = None
        self._last_sound: int | None = None
        self._samples = 0
        self._nonfinite = 0

    def update(self, block: Block) -> None:
        samples = block.samples
        self._nonfinite += block.nonfinite_samples
        self._samples += samples.shape[1]
        self._sums.append(self._seconds.push(samples, _channel_sums))
        if samples.shape[1] == 0:
            return
        highs = samples.max(axis=1)
        lows = samples.min(axis=1)
        self._clips.update(samples, start=block.start_sample, highs=highs, lows=lows)
        if max(float(highs.max()), -float(lows.min())) > self._threshold:
            if self._first_sound is None:
                self._first_sound = block.start_sample + _first_above(samples, self._threshold)
            last = _first_above(samples[:, ::-1], self._threshold)
            self._last_sound = block.start_sample + samples.shape[1] - 1 - last

    def result(self) -> Defects:
        sr = self.spec.sample_rate_hz
        rest, _ = self._seconds.flush(_channel_sums)
        sums = np.concatenate([*self._sums, *([] if rest is None else [rest])], axis=-1)
        totals = sums.sum(axis=-1)
        dc = [
            None
            if abs(total) <= NO_OFFSET * self._samples
            else round(20 * math.log10(abs(total) / self._samples), 2)
            for total in totals.tolist()
        ]
        starts, channels, lengths = self._clips.finish()
        notes: list[str] = []
        duration = self._samples / sr
        if self._first_sound is None or self._last_sound is None:
            silence_start = silence_end = duration
            notes.append(f"The whole file stays below {SILENCE_DBFS:.0f} dBFS: it is silent.")
        else:
            silence_start = self._first_sound / sr
            silence_end = (self._samples - 1 - self._last_sound) / sr
        if self._nonfinite:
            notes.append(
                f"{self._nonfinite} sample(s) were NaN or infinite; "
                "they were replaced by 0 before measuring."
            )
        shown = slice(0, MAX_CLIP_RUNS)
        return Defects(
            clipped_samples=int(lengths.sum()),
            clip_level_dbfs=round(20 * math.log10(self._clips.level), 2) if lengths.size else None,
            clip_runs=[
                ClipRun(
                    start_s=round(s / sr, 6), end_s=round((s + n) / sr, 6), channel=c, samples=n
                )
                for s, c, n in zip(
                    starts[shown].tolist(),
                    channels[shown].tolist(),
                    lengths[shown].tolist(),
                    strict=True,
                )
            ],
            clip_run_count=int(lengths.size),
            dc_offset_dbfs=dc,
            silence_start_s=round(silence_start, 4),
            silence_end_s=round(silence_end, 4),
            nonfinite_samples=self._nonfinite,
            notes=notes,
        )


def _first_above(samples: np.ndarray, threshold: float) -> int:
    """The first column of ``samples`` ``(channels, n)`` where any channel exceeds ``threshold``.

    Searched slice by slice, so a block whose sound starts early costs one small slice. The
    caller guarantees that some sample exceeds the threshold.
    """
    for offset in range(0, samples.shape[1], _SEARCH_SLICE):
        part = samples[:, offset : offset + _SEARCH_SLICE]
        loud = np.flatnonzero(((part > threshold) | (part < -threshold)).any(axis=0))
        if loud.size:
            return offset + int(loud[0])
    raise ValueError(f"no sample exceeds {threshold}")
