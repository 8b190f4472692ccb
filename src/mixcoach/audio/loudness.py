"""Loudness per ITU-R BS.1770-4 / EBU R128 (Tech 3341, 3342): M, S, I, LRA, true peak.

The meter reads the file block by block and keeps a few numbers per 10 ms, never the samples,
so an hour at any rate costs a few megabytes:

* Every channel is K-weighted (the BS.1770 pre-filter shelf and RLB high-pass, designed for the
  file's own sample rate by bilinear transform of their analog prototypes, as libebur128 does),
  the filter state carried from one block to the next.
* The channel-weighted K-weighted energy is summed into 10 ms slices on a grid fixed by the
  file: slice ``k`` covers samples ``k * fs // 100`` up to ``(k + 1) * fs // 100``, so where the
  blocks happen to end never changes a sum. Momentary loudness (400 ms windows), the integrated
  loudness's gating blocks (the same 400 ms, 75 % overlap) and short-term loudness (3 s) are sums
  of consecutive slices. The series, the gating and the loudness range step at 10 Hz as BS.1770
  and Tech 3342 define them; the maxima step at 100 Hz, so a 400 ms burst that starts between
  two 100 ms marks still reads its full level (Tech 3341 cases 10 and 13).
* Sample peak and true peak are kept per channel and per 100 ms sub-block. The true peak
  interpolates between samples with a Kaiser-windowed sinc (12 taps per phase, beta 6) at 4x
  oversampling below 96 kHz and 2x from 96 kHz up, which BS.1770-4 Annex 2 allows at high
  rates: either way the oversampled grid is 176.4 kHz or finer for 44.1 kHz and up, like
  libebur128's and FFmpeg's meters. Every fourth (or second) point of that grid is a sample, so
  the true peak is never below the sample peak. Against sines up to 0.45 fs the interpolator
  reads at most 0.02 dB high; it reads low only by the grid itself, at worst
  ``20 log10(cos(pi f / (factor fs)))`` for a lone peak halfway between grid points (0.17 dB at
  fs/4 and 4x; a steady tone's many peaks land closer).

Loudness values below the -70 LUFS absolute gate, or not defined (digital silence, a file
shorter than the window), are ``None`` with a note saying why: never ``-inf`` or NaN.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from mixcoach.audio.frame import Block, FrameSpec, channel_layout
from mixcoach.audio.model import Model, Series, TimeRange

ABSOLUTE_GATE_LUFS = -70.0
INTEGRATED_RELATIVE_GATE_LU = -10.0
LRA_RELATIVE_GATE_LU = -20.0  # EBU Tech 3342
LRA_LOW_PERCENTILE = 0.10
LRA_HIGH_PERCENTILE = 0.95
TRUE_PEAK_OVER_THRESHOLD_DBTP = -1.0  # EBU R128 delivery ceiling
#: Overs closer together than this are reported as one range.
OVER_MERGE_GAP_S = 0.5

_SUBBLOCKS_PER_SECOND = 10  # peaks, series and gating
_SLICES_PER_SUBBLOCK = 10  # energy is summed in 10 ms slices
_SLICES_PER_SECOND = _SUBBLOCKS_PER_SECOND * _SLICES_PER_SUBBLOCK
_MOMENTARY_SUBBLOCKS = 4  # 400 ms
_SHORT_TERM_SUBBLOCKS = 30  # 3 s
#: BS.1770 loudness of a mean square ``z``: ``-0.691 + 10 log10(z)``.
_LOUDNESS_OFFSET_DB = -0.691

#: BS.1770-4 Table 3 channel weights; names from :func:`channel_layout`. The LFE is left out.
_CHANNEL_WEIGHTS = {
    "M": 1.0,
    "L": 1.0,
    "R": 1.0,
    "C": 1.0,
    "Ls": 1.41,
    "Rs": 1.41,
    "Lss": 1.41,
    "Rss": 1.41,
    "Cs": 1.41,
    "LFE": 0.0,
}

#: True-peak interpolator: taps per phase (even) and the Kaiser window's beta.
_INTERPOLATOR_TAPS = 12
_INTERPOLATOR_KAISER_BETA = 6.0
#: Samples K-weighted at a time, so a block's float64 copy stays in the CPU cache.
_FILTER_CHUNK = 1 << 16


class PeakRange(TimeRange):
    """A stretch where the true peak exceeds the over threshold; ``peak_dbtp`` is its maximum."""

    peak_dbtp: float


class Loudness(Model):
    integrated_lufs: float | None  # None for digital silence or audio below the absolute gate
    loudness_range_lu: float | None
    short_term_max_lufs: float | None
    momentary_max_lufs: float | None
    true_peak_dbtp: float | None  # None for digital silence
    true_peak_per_channel_dbtp: list[float | None]
    sample_peak_dbfs: float | None
    plr_db: float | None  # peak-to-loudness ratio: true peak minus integrated loudness
    # Peak-to-short-term-loudness ratio (see docs/analysis-schema.md): the median, over the 3 s
    # windows the loudness range keeps, of the window's highest true peak minus its loudness.
    psr_db: float | None
    short_term_lufs: Series  # 3 s windows at 10 Hz, each value at its window's end
    momentary_lufs: Series  # 400 ms windows at 10 Hz, each value at its window's end
    true_peak_over_threshold_dbtp: float
    true_peak_overs: list[PeakRange]
    notes: list[str]  # why a value is None, and anything a reader must know


def k_weighting_sos(*, sample_rate_hz: float) -> np.ndarray:
    """BS.1770 K-weighting for ``sample_rate_hz`` as two biquads, shape ``(2, 6)``.

    Rows are ``(b0, b1, b2, 1, a1, a2)``: the pre-filter (a +4 dB high shelf) then the RLB
    high-pass. The analog prototypes' parameters are libebur128's, chosen so that at 48 kHz the
    bilinear transform gives the coefficients tabled in BS.1770-4 (to 1e-15).
    """
    if not sample_rate_hz >= 8000:
        raise ValueError(f"sample_rate_hz must be at least 8000, got {sample_rate_hz}")
    # High shelf: centre 1681.97 Hz, gain 4.0 dB, Q 0.7072.
    k = math.tan(math.pi * 1681.974450955533 / sample_rate_hz)
    q = 0.7071752369554196
    vh = 10 ** (3.999843853973347 / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = [
        (vh + vb * k / q + k * k) / a0,
        2 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
        1.0,
        2 * (k * k - 1) / a0,
        (1 - k / q + k * k) / a0,
    ]
    high_pass = _rlb_high_pass(sample_rate_hz)
    # The tabled numerator (1, -2, 1) gives the RLB a passband gain of ``a0`` (+0.043 dB at
    # 48 kHz) that would drift with the rate (+0.26 dB at 8 kHz); scale it to 48 kHz's gain so
    # every rate has the same response, as BS.1770 asks.
    high_pass[:3] *= _rlb_high_pass(48_000)[6] / high_pass[6]
    return np.array([shelf, high_pass[:6]])


def _rlb_high_pass(sample_rate_hz: float) -> np.ndarray:
    """RLB high-pass (38.14 Hz, Q 0.5003): ``(1, -2, 1, 1, a1, a2, a0)``, a0 its passband gain."""
    k = math.tan(math.pi * 38.13547087602444 / sample_rate_hz)
    q = 0.5003270373238773
    a0 = 1 + k / q + k * k
    return np.array([1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0, a0])


def channel_weights(channels: int) -> np.ndarray:
    """BS.1770 weight of each channel, shape ``(channels,)``; unknown layouts weigh 1.0 each."""
    return np.array([_CHANNEL_WEIGHTS.get(name, 1.0) for name in channel_layout(channels)])


def oversampling_factor(*, sample_rate_hz: float) -> int:
    """True-peak oversampling: 4x below 96 kHz, 2x from 96 kHz up (BS.1770-4 Annex 2)."""
    return 4 if sample_rate_hz < 96_000 else 2


def true_peak_interpolator(*, sample_rate_hz: float) -> np.ndarray:
    """Polyphase interpolator for the points between samples, shape ``(factor - 1, taps)``.

    Row ``p - 1`` gives the signal at ``n + p / factor`` as ``sum(row[j] * x[n - taps/2 + 1 + j])``.
    Each row is a Kaiser-windowed sinc normalised to unit gain at DC.
    """
    factor = oversampling_factor(sample_rate_hz=sample_rate_hz)
    half = _INTERPOLATOR_TAPS // 2
    offsets = np.arange(1, factor)[:, None] / factor + (half - 1) - np.arange(_INTERPOLATOR_TAPS)
    window = np.i0(_INTERPOLATOR_KAISER_BETA * np.sqrt(1 - (offsets / half) ** 2))
    phases = np.sinc(offsets) * window
    return np.asarray(phases / phases.sum(axis=1, keepdims=True))


class _Grid:
    """A grid fixed by the file: cell ``k`` covers samples ``[start(k), start(k + 1))``."""

    def __init__(self, sample_rate_hz: int, *, per_second: int) -> None:
        self.rate = sample_rate_hz
        self.per_second = per_second

    def start(self, k: np.ndarray) -> np.ndarray:
        return k * self.rate // self.per_second

    def index(self, sample: np.ndarray) -> np.ndarray:
        """The cell holding each sample; for one past the last sample, the count of whole cells."""
        return (self.per_second * (sample + 1) + self.rate - 1) // self.rate - 1

    def segments(self, start: int, count: int) -> tuple[int, np.ndarray]:
        """Split samples ``[start, start + count)`` at cell edges.

        Returns the first cell and the offsets where the segments begin (for ``reduceat``).
        """
        first, last = self.index(np.array([start, start + count - 1]))
        edges = self.start(np.arange(first + 1, last + 1)) - start
        return int(first), np.concatenate([[0], edges]).astype(np.intp)

    def row_cells(self, start: int, *, rows: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        """Cells of the first and the last sample of consecutive rows of ``width`` samples from
        ``start``, each shaped ``(rows,)``: equal unless a cell edge cuts the row (width < cell).
        """
        first, last = (int(k) for k in self.index(np.array([start, start + rows * width - 1])))
        edges = self.start(np.arange(first + 1, last + 1)) - start  # inner edges, from ``start``
        first_rows = -(-edges // width)  # the first row starting at or after each edge
        counts = np.diff(np.concatenate([[0], first_rows, [rows]]))
        first_cells = first + np.repeat(np.arange(last - first + 1), counts)
        last_cells = first_cells.copy()
        last_cells[edges[edges % width != 0] // width] += 1
        return first_cells, last_cells


class _CellArray:
    """Values shaped ``(rows, cells)``, growing with the file, combined by ``max`` or ``+``."""

    def __init__(self, rows: int, dtype: type[np.floating], *, add: bool) -> None:
        self.array = np.zeros((rows, 64), dtype=dtype)
        self._combine = np.add if add else np.maximum

    def reserve(self, count: int) -> None:
        if count > self.array.shape[1]:
            grown = np.zeros(
                (self.array.shape[0], max(count, 2 * self.array.shape[1])), self.array.dtype
            )
            grown[:, : self.array.shape[1]] = self.array
            self.array = grown

    def combine(self, first: int, values: np.ndarray) -> None:
        """Fold ``values`` (rows, m) into cells ``first .. first + m - 1``."""
        end = first + values.shape[1]
        self.reserve(end)
        target = self.array[:, first:end]
        self._combine(target, values, out=target)

    def combine_at(self, rows: np.ndarray, columns: np.ndarray, values: np.ndarray) -> None:
        """Fold ``values`` into the cells ``(rows[i], columns[i])``, which must be distinct."""
        if not columns.size:
            return
        self.reserve(int(columns.max()) + 1)
        self.array[rows, columns] = self._combine(self.array[rows, columns], values)


class _TruePeak:
    """Per channel and sub-block, the maximum of the interpolated points between samples.

    The signal is cut into rows of ``B`` samples on a grid fixed by the file; a row's points need
    the samples from ``B/2`` before it to ``B/2 + B`` after its start, so the last samples of each
    block wait for the next one (the file's end is padded with silence). A row is skipped when its
    points cannot beat the sample peak of its own sub-block: no point exceeds the row's local
    sample peak times the interpolator's largest per-phase sum of absolute taps. Each sub-block's
    true peak is therefore exact, and so are the overs and the peak-to-short-term ratios built
    from it, while on music most rows (typically four in five) are skipped.
    """

    def __init__(self, *, grid: _Grid, channels: int, sample_peaks: _CellArray) -> None:
        phases = true_peak_interpolator(sample_rate_hz=grid.rate)
        self._grid = grid
        self._phases = phases.shape[0]
        self._row = _INTERPOLATOR_TAPS  # samples per row
        half = _INTERPOLATOR_TAPS // 2
        # Points of a row from the 2B samples starting half a row before it: y = window @ matrix.
        matrix = np.zeros((2 * self._row, self._phases * self._row), dtype=np.float32)
        for p, taps in enumerate(phases):
            for i in range(self._row):
                matrix[i + 1 : i + 1 + _INTERPOLATOR_TAPS, p * self._row + i] = taps
        self._matrix = matrix
        self._bound = float(np.abs(phases).sum(axis=1).max())
        self._sample_peaks = sample_peaks
        self.peaks = _CellArray(channels, np.float32, add=False)
        self._pending = np.zeros((channels, half), dtype=np.float32)  # the half row before row 0
        self._next_row = 0

    def update(self, samples: np.ndarray, *, end: int, is_last: bool) -> None:
        """Take the next samples; ``end`` is the file position after them."""
        row = self._row
        buffer = np.concatenate([self._pending, samples], axis=1)
        rows = buffer.shape[1] // row - 1
        if is_last:
            buffer = np.concatenate(
                [buffer, np.zeros((buffer.shape[0], 2 * row), np.float32)], axis=1
            )
            rows = -(-end // row) - self._next_row  # every row holding a sample of the file
        if rows > 0:
            self._measure_rows(buffer, rows, end=end)
        self._pending = buffer[:, max(rows, 0) * row :]
        self._next_row += max(rows, 0)

    def _measure_rows(self, buffer: np.ndarray, rows: int, *, end: int) -> None:
        row, grid = self._row, self._grid
        peaks = _window_peaks(buffer[:, : (rows + 1) * row], row=row, rows=rows)
        starts = (self._next_row + np.arange(rows)) * row
        first_k, last_k = grid.row_cells(self._next_row * row, rows=rows, width=row)
        crossing = np.flatnonzero(last_k > first_k)  # rows that cross a sub-block edge
        # A row matters only if it might beat the sample peak of every sub-block it touches.
        self._sample_peaks.reserve(int(last_k[-1]) + 1)
        threshold = self._sample_peaks.array[:, first_k[0] : last_k[-1] + 1] / self._bound
        reference = threshold[:, first_k - first_k[0]]
        reference[:, crossing] = np.minimum(
            reference[:, crossing], threshold[:, last_k[crossing] - first_k[0]]
        )
        channel, index = np.nonzero(peaks > reference)
        if not channel.size:
            return
        windows = sliding_window_view(buffer, 2 * row, axis=1)[:, : rows * row : row]
        # Transposed product, (phases * row, selected): the maxima then run along contiguous rows.
        points = self._matrix.T @ windows[channel, index].T
        np.abs(points, out=points)
        starts, first_k, last_k = starts[index], first_k[index], last_k[index]
        peak = points.max(axis=0)  # of each row, or of its part before a sub-block edge
        # Rows crossing a sub-block edge or the end of the file are split sample by sample.
        edge = np.where(last_k > first_k, grid.start(last_k) - starts, row)
        split = np.flatnonzero((edge < row) | (starts + row > end))
        if split.size:
            per_sample = points[:, split].reshape(self._phases, row, -1).max(axis=0)  # (row, split)
            offsets = np.arange(row)[:, None]
            per_sample[starts[split] + offsets >= end] = 0.0  # silence padded after the file
            before = offsets < edge[split]
            peak[split] = np.where(before, per_sample, 0.0).max(axis=0)
            after = np.where(before, 0.0, per_sample).max(axis=0)
            # An edge crosses one row per channel, so these cells are distinct.
            crossed = np.flatnonzero(edge[split] < row)
            self.peaks.combine_at(channel[split[crossed]], last_k[split[crossed]], after[crossed])
        # Rows come sorted by channel, then position: reduce each run of one sub-block.
        changes = (channel[1:] != channel[:-1]) | (first_k[1:] != first_k[:-1])
        runs = np.flatnonzero(np.concatenate([[True], changes]))
        self.peaks.combine_at(channel[runs], first_k[runs], np.maximum.reduceat(peak, runs))


def _window_peaks(samples: np.ndarray, *, row: int, rows: int) -> np.ndarray:
    """Largest ``|sample|`` in each window of two rows: ``(channels, (rows + 1) * row)`` in,
    ``(channels, rows)`` out, window ``q`` covering samples ``[q * row, (q + 2) * row)``.

    Built from maxima of 4-sample cells by doubling: contiguous NumPy passes, far faster than
    reducing millions of 12-long rows one by one. ``row`` must be a multiple of 4.
    """
    cells = np.abs(samples).reshape(samples.shape[0], -1, 4)
    peaks = np.maximum(
        np.maximum(cells[..., 0], cells[..., 1]), np.maximum(cells[..., 2], cells[..., 3])
    )
    width, span = 2 * row // 4, 1
    while 2 * span <= width:
        peaks = np.maximum(peaks[:, :-span], peaks[:, span:])
        span *= 2
    if span < width:  # two overlapping windows of ``span`` cells cover ``width``
        peaks = np.maximum(peaks[:, : span - width], peaks[:, width - span :])
    return np.asarray(peaks[:, :: row // 4][:, :rows])


class LoudnessMeter:
    """BS.1770-4 / EBU R128 loudness, true peak and sample peak of one file, block by block."""

    def __init__(self, spec: FrameSpec) -> None:
        if spec.channels < 1:
            raise ValueError(f"channels must be at least 1, got {spec.channels}")
        self.spec = spec
        sos = k_weighting_sos(sample_rate_hz=spec.sample_rate_hz)
        # One 4th-order section in float64: as accurate as two biquads here, and faster.
        self._b = np.convolve(sos[0, :3], sos[1, :3])
        self._a = np.convolve(sos[0, 3:], sos[1, 3:])
        self._state = np.zeros((spec.channels, 4))
        self._weights = channel_weights(spec.channels)
        self._grid = _Grid(spec.sample_rate_hz, per_second=_SUBBLOCKS_PER_SECOND)
        self._slices = _Grid(spec.sample_rate_hz, per_second=_SLICES_PER_SECOND)
        self._energy = _CellArray(1, np.float64, add=True)  # weighted sum of squares per slice
        self._sample_peaks = _CellArray(spec.channels, np.float32, add=False)
        self._true_peak = _TruePeak(
            grid=self._grid, channels=spec.channels, sample_peaks=self._sample_peaks
        )
        self._position = 0
        self._finished = False

    def update(self, block: Block) -> None:
        samples = block.samples
        if samples.ndim != 2 or samples.shape[0] != self.spec.channels:
            raise ValueError(
                f"block samples must be shaped ({self.spec.channels}, n), got {samples.shape}"
            )
        if self._finished or block.start_sample != self._position:
            raise ValueError(
                f"blocks must arrive in order: expected start_sample {self._position}"
                f"{' and no block after the last' if self._finished else ''}, "
                f"got {block.start_sample}"
            )
        count = samples.shape[1]
        if count:
            self._accumulate_energy(samples)
            first, offsets = self._grid.segments(self._position, count)
            self._sample_peaks.combine(first, np.maximum.reduceat(np.abs(samples), offsets, axis=1))
        self._position += count
        self._true_peak.update(samples, end=self._position, is_last=block.is_last)
        self._finished = block.is_last

    def _accumulate_energy(self, samples: np.ndarray) -> None:
        from scipy.signal import lfilter

        for offset in range(0, samples.shape[1], _FILTER_CHUNK):
            chunk = samples[:, offset : offset + _FILTER_CHUNK].astype(np.float64)
            filtered, self._state = lfilter(self._b, self._a, chunk, axis=1, zi=self._state)
            energy = self._weights @ np.square(filtered, out=filtered)
            first, offsets = self._slices.segments(self._position + offset, chunk.shape[1])
            self._energy.combine(first, np.add.reduceat(energy, offsets)[None, :])

    def result(self) -> Loudness:
        grid, rate = self._grid, self.spec.sample_rate_hz
        total = self._position
        complete = int(grid.index(np.array(total)))  # sub-blocks wholly inside the file
        slices = int(self._slices.index(np.array(total)))  # slices wholly inside the file
        touched = int(grid.index(np.array(total - 1))) + 1 if total else 0
        self._sample_peaks.reserve(touched)
        self._true_peak.peaks.reserve(touched)
        sample_peaks = self._sample_peaks.array[:, :touched]
        true_peaks = np.maximum(sample_peaks, self._true_peak.peaks.array[:, :touched])
        energy = self._energy.array[0, :slices] if slices else np.zeros(0)
        sizes = np.diff(self._slices.start(np.arange(slices + 1)))

        notes: list[str] = []
        seconds = total / rate
        silent = not np.any(sample_peaks)
        if silent:
            notes.append(
                "The audio is digital silence: loudness and peaks are minus infinity, "
                "so they are reported as null."
            )
        elif complete < _MOMENTARY_SUBBLOCKS:
            notes.append(
                f"The audio lasts {seconds:.3f} s, shorter than one 400 ms gating block: "
                "momentary, short-term and integrated loudness and the loudness range are "
                "undefined; peaks are measured."
            )
        elif complete < _SHORT_TERM_SUBBLOCKS:
            notes.append(
                f"The audio lasts {seconds:.2f} s, shorter than one 3 s short-term window: "
                "short-term loudness, loudness range and PSR are undefined."
            )
        layout = channel_layout(self.spec.channels)
        if "LFE" in layout:
            notes.append(
                "The LFE channel counts for peaks but not for loudness, as BS.1770 specifies."
            )
        if any(name not in _CHANNEL_WEIGHTS for name in layout):
            notes.append(
                f"The channel layout of a {self.spec.channels}-channel file is unknown: every "
                "channel is weighted 1.0 for loudness."
            )

        # Windows at 100 Hz for the maxima; every tenth starts on a 100 ms mark (the 10 Hz ones).
        momentary_fine = _window_loudness(
            energy, sizes, _MOMENTARY_SUBBLOCKS * _SLICES_PER_SUBBLOCK
        )
        short_term_fine = _window_loudness(
            energy, sizes, _SHORT_TERM_SUBBLOCKS * _SLICES_PER_SUBBLOCK
        )
        momentary = momentary_fine[::_SLICES_PER_SUBBLOCK]
        short_term = short_term_fine[::_SLICES_PER_SUBBLOCK]
        integrated = _gated_loudness(momentary, INTEGRATED_RELATIVE_GATE_LU)
        lra_windows = _gated(short_term, LRA_RELATIVE_GATE_LU)
        loudness_range = _loudness_range(short_term[lra_windows])
        if not silent and momentary.size and integrated is None:
            notes.append(
                "Every 400 ms block is below the -70 LUFS absolute gate: integrated loudness and "
                "the loudness range are undefined."
            )

        channel_true_peaks = true_peaks.max(axis=1) if touched else np.zeros(self.spec.channels)
        true_peak = _db(float(channel_true_peaks.max()))
        window_true_peaks = _sliding_max(true_peaks.max(axis=0)[:complete], _SHORT_TERM_SUBBLOCKS)
        return Loudness(
            integrated_lufs=integrated,
            loudness_range_lu=loudness_range,
            short_term_max_lufs=_max_loudness(short_term_fine),
            momentary_max_lufs=_max_loudness(momentary_fine),
            true_peak_dbtp=true_peak,
            true_peak_per_channel_dbtp=[_db(float(peak)) for peak in channel_true_peaks],
            sample_peak_dbfs=_db(float(sample_peaks.max())) if touched else None,
            plr_db=None if true_peak is None or integrated is None else true_peak - integrated,
            psr_db=_psr(window_true_peaks[lra_windows], short_term[lra_windows]),
            short_term_lufs=_series(short_term, _SHORT_TERM_SUBBLOCKS),
            momentary_lufs=_series(momentary, _MOMENTARY_SUBBLOCKS),
            true_peak_over_threshold_dbtp=TRUE_PEAK_OVER_THRESHOLD_DBTP,
            true_peak_overs=_overs(true_peaks.max(axis=0), grid, seconds) if touched else [],
            notes=notes,
        )


def _db(amplitude: float) -> float | None:
    return 20 * math.log10(amplitude) if amplitude > 0 else None


def _window_loudness(energy: np.ndarray, sizes: np.ndarray, span: int) -> np.ndarray:
    """Loudness (LUFS, ``-inf`` for silence) of every window of ``span`` slices, at 100 Hz."""
    if energy.size < span:
        return np.zeros(0)
    energies = sliding_window_view(energy, span).sum(axis=1)
    mean_square = energies / sliding_window_view(sizes, span).sum(axis=1)
    with np.errstate(divide="ignore"):
        return np.asarray(_LOUDNESS_OFFSET_DB + 10 * np.log10(mean_square))


def _power_mean(loudness: np.ndarray) -> float:
    """Loudness of the mean power of windows given in LUFS."""
    return _LOUDNESS_OFFSET_DB + 10 * math.log10(
        float(np.mean(10 ** ((loudness - _LOUDNESS_OFFSET_DB) / 10)))
    )


def _gated(loudness: np.ndarray, relative_gate_lu: float) -> np.ndarray:
    """Mask of the windows above the absolute gate and ``relative_gate_lu`` under their mean."""
    above = loudness > ABSOLUTE_GATE_LUFS
    if not above.any():
        return above
    return above & (loudness > _power_mean(loudness[above]) + relative_gate_lu)


def span_loudness(
    loudness: Loudness, *, start_s: float, end_s: float
) -> tuple[float | None, float | None]:
    """Integrated loudness (gated) and short-term maximum of the stretch ``[start_s, end_s)``.

    Read from the 10 Hz momentary and short-term series, counting the windows wholly inside the
    stretch: the momentary windows are BS.1770's 400 ms gating blocks at their 100 ms step, so
    the integrated value gates them as a whole file's.
    """

    def inside(series: Series, window_s: float) -> np.ndarray:
        ends = series.start_s + series.hop_s * np.arange(len(series.values))
        values = np.array([ABSOLUTE_GATE_LUFS if v is None else v for v in series.values])
        return values[(ends - window_s >= start_s - 1e-6) & (ends <= end_s + 1e-6)]

    return (
        _gated_loudness(inside(loudness.momentary_lufs, 0.4), INTEGRATED_RELATIVE_GATE_LU),
        _max_loudness(inside(loudness.short_term_lufs, 3.0)),
    )


def _gated_loudness(momentary: np.ndarray, relative_gate_lu: float) -> float | None:
    """BS.1770-4 integrated loudness from the 400 ms gating blocks."""
    kept = _gated(momentary, relative_gate_lu)
    return _power_mean(momentary[kept]) if kept.any() else None


def _loudness_range(short_term: np.ndarray) -> float | None:
    """EBU Tech 3342: the 10th to 95th percentile spread of the gated short-term loudness.

    Percentiles by nearest rank on the sorted values, as in the Tech 3342 reference code.
    """
    if not short_term.size:
        return None
    ordered = np.sort(short_term)
    last = ordered.size - 1
    low = ordered[math.floor(last * LRA_LOW_PERCENTILE + 0.5)]
    high = ordered[math.floor(last * LRA_HIGH_PERCENTILE + 0.5)]
    return float(high - low)


def _sliding_max(values: np.ndarray, span: int) -> np.ndarray:
    if values.size < span:
        return np.zeros(0, dtype=values.dtype)
    return np.asarray(sliding_window_view(values, span).max(axis=1))


def _psr(window_true_peaks: np.ndarray, short_term: np.ndarray) -> float | None:
    """Peak-to-short-term-loudness ratio, dB.

    For every 3 s short-term window the highest true peak inside it minus its short-term loudness
    (what a PSR meter shows moment by moment); the figure is the median over the windows the
    loudness range keeps (above -70 LUFS and within 20 LU of the loud parts), so silence and
    fades do not count.
    """
    if not short_term.size:
        return None
    return float(np.median(20 * np.log10(window_true_peaks) - short_term))


def _max_loudness(loudness: np.ndarray) -> float | None:
    if not loudness.size or loudness.max() <= ABSOLUTE_GATE_LUFS:
        return None
    return float(loudness.max())


def _series(loudness: np.ndarray, span: int) -> Series:
    """Values at 10 Hz, each at the end of its window; ``None`` below the absolute gate."""
    return Series(
        start_s=span / _SUBBLOCKS_PER_SECOND,
        hop_s=1 / _SUBBLOCKS_PER_SECOND,
        values=[round(float(v), 2) if v > ABSOLUTE_GATE_LUFS else None for v in loudness],
    )


def _overs(true_peaks: np.ndarray, grid: _Grid, seconds: float) -> list[PeakRange]:
    """Sub-blocks whose true peak exceeds the threshold, merged into ranges (shape ``(K,)`` in)."""
    over = np.flatnonzero(true_peaks > 10 ** (TRUE_PEAK_OVER_THRESHOLD_DBTP / 20))
    if not over.size:
        return []
    gap = round(OVER_MERGE_GAP_S * _SUBBLOCKS_PER_SECOND)
    breaks = np.flatnonzero(np.diff(over) > gap + 1)
    firsts = over[np.concatenate([[0], breaks + 1])]
    lasts = over[np.concatenate([breaks, [over.size - 1]])]
    return [
        PeakRange(
            start_s=float(grid.start(np.array(first))) / grid.rate,
            end_s=min(float(grid.start(np.array(last + 1))) / grid.rate, seconds),
            peak_dbtp=20 * math.log10(float(true_peaks[first : last + 1].max())),
        )
        for first, last in zip(firsts, lasts, strict=True)
    ]
