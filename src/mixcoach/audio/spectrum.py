"""Spectral balance: energy in named bands, tilt, resonances, and a smoothed curve for plots.

Everything is read from the long-term average power spectrum of the mid signal (the sum of the
stereo pair, or the one channel of a mono file), built from the shared STFT in segments of
:data:`SEGMENT_SECONDS`. Silent stretches add no power, so they do not dilute anything: every
level is relative to the total energy between 20 Hz and 20 kHz (or Nyquist), not to full scale.

Definitions:

- Band and curve levels: energy in the band over the total energy, dB. A bin is shared between
  neighbouring bands in proportion to the part of its width (``sample_rate / n_fft``) each covers.
  The 46 ms frames resolve about 21 Hz, so the sub band (20-60 Hz) reads within about 1 dB.
- The curve: 1/6-octave bands from 20 Hz, so pink noise (equal energy per octave) is flat.
- Tilt: least-squares slope of the curve against octaves over 50 Hz-16 kHz, in dB per octave.
  Pink noise reads 0, white noise +3; mixed music typically reads -1 to -3.
- Centroid: power-weighted mean frequency of the long-term spectrum, 20 Hz-20 kHz.
- High cut-off: the frequency above which the spectrum stays at least :data:`CLIFF_DROP_DB` below
  the 1/3 octave under it (a lossy encoder's low-pass, or a file upsampled from a lower rate).
  Gentle roll-offs are not cliffs; cliffs above 90 % of Nyquist are the converter's and ignored.
- Resonances: narrow peaks at least :data:`RESONANCE_PROMINENCE_DB` above the running median
  (over one octave) of the long-term spectrum, between 40 Hz and 12 kHz, that also stand
  :data:`SEGMENT_PROMINENCE_DB` above it in at least half of the non-silent segments. The
  persistence test keeps out the partials of individual notes; a note held through the whole
  track is, honestly, a resonance of the track.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from mixcoach.audio.frame import Block, FrameSpec
from mixcoach.audio.model import Model
from mixcoach.audio.windows import FixedWindows

#: Named bands, (name, low edge Hz, high edge Hz). Genre targets use the same names.
BANDS: tuple[tuple[str, float, float], ...] = (
    ("sub", 20.0, 60.0),
    ("low", 60.0, 250.0),
    ("low_mid", 250.0, 500.0),
    ("mid", 500.0, 2000.0),
    ("high_mid", 2000.0, 4000.0),
    ("presence", 4000.0, 6000.0),
    ("air", 6000.0, 20000.0),
)

#: The audible range the band levels are relative to (clipped at Nyquist).
AUDIBLE_HZ = (20.0, 20000.0)
#: STFT frames are summed in segments of about this length; resonances must persist across them.
SEGMENT_SECONDS = 2.0
#: A segment whose mean square (estimated from its spectrum) is below this is silent.
SILENT_SEGMENT_DBFS = -70.0
CURVE_BANDS_PER_OCTAVE = 6
TILT_RANGE_HZ = (50.0, 16000.0)
RESONANCE_RANGE_HZ = (40.0, 12000.0)
RESONANCE_PROMINENCE_DB = 8.0
#: Width of the running median that resonances must stand above.
BASELINE_OCTAVES = 1.0
SEGMENT_PROMINENCE_DB = 3.0
RESONANCE_PERSISTENCE = 0.5
MIN_RESONANCE_SEGMENTS = 3
MAX_RESONANCES = 5
CLIFF_DROP_DB = 30.0
#: The reported cut-off is where the spectrum has fallen this far below its passband for good.
CUTOFF_EDGE_DB = 6.0
#: Levels are floored this far below the mean bin power, so nothing is ever -inf.
FLOOR_DB = -120.0
#: Resolution of the log-frequency grid the running medians are taken on.
_GRID_POINTS_PER_OCTAVE = 24


class Band(Model):
    name: str
    low_hz: float
    high_hz: float
    level_db: float | None  # band energy relative to the total, dB (None when silent)
    target_low_db: float | None = None  # filled from the genre profile by the findings step
    target_high_db: float | None = None
    delta_db: float | None = None  # distance outside the target range (0 inside it)


class Resonance(Model):
    frequency_hz: float
    prominence_db: float  # how far the peak stands above the smoothed spectrum around it
    persistence_fraction: float  # share of non-silent 2 s segments in which the peak stands out


class Curve(Model):
    frequencies_hz: list[float]
    level_db: list[float | None]


class TargetCurve(Model):
    """The genre's target curve placed at the track's level, on the curve's frequencies: the
    tolerance band a well-made track's curve stays inside (filled by the findings step)."""

    low_db: list[float | None]
    high_db: list[float | None]


class Deviation(Model):
    """A stretch of the curve that leaves the genre's target curve (filled by the findings step)."""

    low_hz: float
    high_hz: float
    peak_hz: float  # where it departs most
    amount_db: float  # the (smoothed) curve minus the target there: > 0 too much, < 0 too little
    tolerance_db: float  # the tolerance at the peak


class Spectrum(Model):
    bands: list[Band]
    tilt_db_per_octave: float | None
    centroid_hz: float | None
    high_cutoff_hz: float | None  # where the spectrum falls off a cliff (lossy, upsampled)
    resonances: list[Resonance]
    curve: Curve  # 1/6-octave smoothed long-term average spectrum, dB
    notes: list[str]
    target_curve: TargetCurve | None = None  # filled from the genre profile by the findings step
    deviations: list[Deviation] = Field(default_factory=list)  # where it leaves the target


def band_weights(spec: FrameSpec, edges_hz: list[tuple[float, float]]) -> np.ndarray:
    """Share of each STFT bin inside each band, shape ``(bands, n_fft // 2 + 1)``.

    Bin ``k`` covers ``[(k - 1/2) df, (k + 1/2) df]`` and counts for each band in proportion
    to the overlap, so band energies vary smoothly with the band edges.
    """
    df = spec.sample_rate_hz / spec.n_fft
    centres = spec.frequencies_hz()
    lows = np.array([lo for lo, _ in edges_hz])[:, np.newaxis]
    highs = np.array([hi for _, hi in edges_hz])[:, np.newaxis]
    overlap = np.minimum(highs, centres + df / 2) - np.maximum(lows, centres - df / 2)
    weights: np.ndarray = np.clip(overlap / df, 0.0, 1.0)
    return weights


def segment_frames(spec: FrameSpec) -> int:
    """STFT frames per segment: about :data:`SEGMENT_SECONDS`, the same for every block size."""
    return max(1, round(SEGMENT_SECONDS / spec.hop_seconds))


def _power(windows: np.ndarray) -> np.ndarray:
    """Power summed over each segment: ``(bins, k, frames)`` complex -> ``(bins, k)`` float64."""
    real = windows.view(np.float32)  # (bins, k, 2 * frames): re, im interleaved, no copy
    power: np.ndarray = np.einsum("bkf,bkf->bk", real, real).astype(np.float64)
    return power


def _db(power: np.ndarray, reference: float) -> np.ndarray:
    """``10 log10(power / reference)`` floored at :data:`FLOOR_DB`."""
    return 10 * np.log10(np.maximum(power / reference, 10 ** (FLOOR_DB / 10)))


class _LogGrid:
    """A log-frequency grid for running medians over fractions of an octave, built once per file.

    Converts ``(..., bins)`` levels to ``(..., points)`` on the grid and back by linear
    interpolation (precomputed indices and weights, so it is vectorised over segments).
    """

    def __init__(self, spec: FrameSpec) -> None:
        df = spec.sample_rate_hz / spec.n_fft
        nyquist = spec.sample_rate_hz / 2
        low = AUDIBLE_HZ[0]
        octaves = math.log2(nyquist / low)
        self.frequencies_hz = low * 2 ** (
            np.arange(int(octaves * _GRID_POINTS_PER_OCTAVE) + 1) / _GRID_POINTS_PER_OCTAVE
        )
        position = self.frequencies_hz / df
        self._to_grid_index = np.minimum(np.floor(position).astype(np.int64), spec.n_fft // 2 - 1)
        self._to_grid_weight = position - self._to_grid_index
        bins = spec.frequencies_hz()
        grid_position = np.log2(np.maximum(bins, low) / low) * _GRID_POINTS_PER_OCTAVE
        last = self.frequencies_hz.size - 1
        self._to_bin_index = np.minimum(np.floor(grid_position).astype(np.int64), max(last - 1, 0))
        self._to_bin_weight = np.clip(grid_position - self._to_bin_index, 0.0, 1.0)

    def to_grid(self, level: np.ndarray) -> np.ndarray:
        i, w = self._to_grid_index, self._to_grid_weight
        return level[..., i] * (1 - w) + level[..., i + 1] * w

    def to_bins(self, level: np.ndarray) -> np.ndarray:
        i, w = self._to_bin_index, self._to_bin_weight
        upper = np.minimum(i + 1, level.shape[-1] - 1)
        on_bins: np.ndarray = level[..., i] * (1 - w) + level[..., upper] * w
        return on_bins

    def running_median(
        self, level: np.ndarray, *, octaves: float, trailing: bool = False
    ) -> np.ndarray:
        """Median over a window of ``octaves``, centred (or ending) on each grid point."""
        width = max(1, round(octaves * _GRID_POINTS_PER_OCTAVE)) | 1
        before, after = (width - 1, 0) if trailing else (width // 2, width // 2)
        pad = [(0, 0)] * (level.ndim - 1) + [(before, after)]
        padded = np.pad(level, pad, mode="edge")
        windows = np.lib.stride_tricks.sliding_window_view(padded, width, axis=-1)
        median: np.ndarray = np.median(windows, axis=-1)
        return median


class SpectrumMeter:
    def __init__(self, spec: FrameSpec) -> None:
        self.spec = spec
        self._segments = FixedWindows(segment_frames(spec))
        bins = spec.n_fft // 2 + 1
        self._total = np.zeros(bins)  # mid power summed over the whole track, per bin
        self._stand_out = np.zeros(bins)  # segments in which each bin stands out (resonance test)
        self._active_segments = 0
        self._grid = _LogGrid(spec)
        # Mean square of the pair's mid from a segment's summed power (Parseval, periodic Hann:
        # sum of w^2 = 3/8 n_fft), one-sided spectrum counted twice.
        self._power_to_mean_square = 2.0 / (0.375 * spec.n_fft**2)

    def update(self, block: Block) -> None:
        spectra = block.spectra
        mid = spectra[0] + spectra[1] if spectra.shape[0] == 2 else spectra[0]
        self._add_segments(self._segments.push(mid, _power), segment_frames(self.spec))

    def _add_segments(self, power: np.ndarray, frames: int) -> None:
        """Fold segments ``(bins, k)`` into the totals, in order, and test each for resonances."""
        for column in power.T:  # segments one by one, so the sums never depend on block size
            self._total += column
        mean_square = power.sum(axis=0) * self._power_to_mean_square / frames
        active = power[:, mean_square > 10 ** (SILENT_SEGMENT_DBFS / 10)].T  # (segments, bins)
        if active.shape[0]:
            level = _db(active, float(np.mean(active)))
            grid = self._grid
            baseline = grid.to_bins(
                grid.running_median(grid.to_grid(level), octaves=BASELINE_OCTAVES)
            )
            self._stand_out += np.count_nonzero(level - baseline >= SEGMENT_PROMINENCE_DB, axis=0)
            self._active_segments += active.shape[0]

    def result(self) -> Spectrum:
        rest, frames = self._segments.flush(_power)
        if rest is not None:
            self._add_segments(rest, frames)
        spec = self.spec
        nyquist = spec.sample_rate_hz / 2
        top = min(AUDIBLE_HZ[1], nyquist)
        curve_edges = _curve_edges(top)
        centres = [math.sqrt(lo * hi) for lo, hi in curve_edges]
        weights = band_weights(spec, [(lo, min(hi, top)) for _, lo, hi in BANDS])
        total = float(band_weights(spec, [(AUDIBLE_HZ[0], top)])[0] @ self._total)
        notes: list[str] = []
        missing = [name for name, lo, _ in BANDS if lo >= nyquist]
        if missing:
            notes.append(
                f"The {', '.join(missing)} band(s) lie above the file's Nyquist frequency "
                f"({nyquist:.0f} Hz) and hold no energy by construction."
            )
        if total <= 0.0:
            notes.append("The file is digital silence: no spectral balance can be measured.")
            return Spectrum(
                bands=[Band(name=n, low_hz=lo, high_hz=hi, level_db=None) for n, lo, hi in BANDS],
                tilt_db_per_octave=None,
                centroid_hz=None,
                high_cutoff_hz=None,
                resonances=[],
                curve=Curve(
                    frequencies_hz=[round(c, 1) for c in centres], level_db=[None] * len(centres)
                ),
                notes=notes,
            )

        band_db = _db(weights @ self._total, total)
        bands = [
            Band(
                name=name,
                low_hz=lo,
                high_hz=hi,
                level_db=None if lo >= nyquist else round(float(v), 2),
            )
            for (name, lo, hi), v in zip(BANDS, band_db, strict=True)
        ]
        curve_db = _db(band_weights(spec, curve_edges) @ self._total, total)
        freqs = spec.frequencies_hz()
        audible = (freqs >= AUDIBLE_HZ[0]) & (freqs <= top)
        centroid = float(freqs[audible] @ self._total[audible] / self._total[audible].sum())
        bin_db = _db(self._total, float(self._total[audible].mean()))
        cutoff = self._high_cutoff(bin_db)
        tilt = _tilt(
            np.array(centres), curve_db, high_hz=min(TILT_RANGE_HZ[1], cutoff or top, 0.9 * nyquist)
        )
        if tilt is None:
            notes.append("The file's bandwidth is under two octaves above 50 Hz: no tilt is given.")
        resonances = self._resonances(bin_db, cutoff)
        if self._active_segments < MIN_RESONANCE_SEGMENTS:
            notes.append(
                f"Under {MIN_RESONANCE_SEGMENTS * SEGMENT_SECONDS:.0f} s of sound: "
                "too short to tell resonances from chance peaks."
            )
        return Spectrum(
            bands=bands,
            tilt_db_per_octave=None if tilt is None else round(tilt, 2),
            centroid_hz=round(centroid, 1),
            high_cutoff_hz=None if cutoff is None else round(cutoff, -1),
            resonances=resonances,
            curve=Curve(
                frequencies_hz=[round(c, 1) for c in centres],
                level_db=[round(float(v), 2) for v in curve_db],
            ),
            notes=notes,
        )

    def _high_cutoff(self, bin_db: np.ndarray) -> float | None:
        """Where the spectrum falls off a cliff for good (see the module docstring), or None."""
        spec = self.spec
        nyquist = spec.sample_rate_hz / 2
        df = spec.sample_rate_hz / spec.n_fft
        grid = self._grid
        # The 1/3 octave below each grid point (its median ignores lone tones), versus the
        # loudest 9-bin median anywhere from 1/12 octave above it up to Nyquist.
        below = grid.running_median(grid.to_grid(bin_db), octaves=1 / 3, trailing=True)
        smooth = np.median(
            np.lib.stride_tricks.sliding_window_view(np.pad(bin_db, 4, mode="edge"), 9), axis=-1
        )
        ceiling_above = np.maximum.accumulate(smooth[::-1])[::-1]
        start = np.ceil(grid.frequencies_hz * 2 ** (1 / 12) / df).astype(np.int64)
        usable = (grid.frequencies_hz >= 1000.0) & (start < smooth.size)
        above = ceiling_above[np.minimum(start, smooth.size - 1)]
        cliffs = np.flatnonzero(usable & (below - above >= CLIFF_DROP_DB))
        if cliffs.size == 0:
            return None
        first = cliffs[0]
        # The passband level: the 1/3 octave below the one that holds the start of the fall
        # (which a slow filter skirt may reach into). The edge: the lowest bin from there past
        # which nothing comes back within CUTOFF_EDGE_DB of it.
        third = round(_GRID_POINTS_PER_OCTAVE / 3)
        passband = below[max(first - third, 0)]
        from_bin = int(grid.frequencies_hz[max(first - third, 0)] / df)
        gone = np.flatnonzero(ceiling_above[from_bin:] < passband - CUTOFF_EDGE_DB)
        cutoff = float((from_bin + gone[0]) * df) if gone.size else None
        return cutoff if cutoff is not None and cutoff < 0.9 * nyquist else None

    def _resonances(self, bin_db: np.ndarray, cutoff_hz: float | None) -> list[Resonance]:
        if self._active_segments < MIN_RESONANCE_SEGMENTS:
            return []
        grid = self._grid
        prominence = bin_db - grid.to_bins(
            grid.running_median(grid.to_grid(bin_db), octaves=BASELINE_OCTAVES)
        )
        freqs = self.spec.frequencies_hz()
        high = (
            RESONANCE_RANGE_HZ[1]
            if cutoff_hz is None
            else min(RESONANCE_RANGE_HZ[1], cutoff_hz / 2 ** (1 / 3))
        )
        # A peak may wander by a bin between segments: count the best of its neighbourhood.
        padded = np.pad(self._stand_out, 1)
        persistence = np.maximum.reduce([padded[:-2], padded[1:-1], padded[2:]])
        persistence /= self._active_segments
        inner = bin_db[1:-1]
        peak = np.zeros(bin_db.size, dtype=bool)
        peak[1:-1] = (inner >= bin_db[:-2]) & (inner > bin_db[2:])
        candidates = np.flatnonzero(
            peak
            & (freqs >= RESONANCE_RANGE_HZ[0])
            & (freqs <= high)
            & (prominence >= RESONANCE_PROMINENCE_DB)
            & (persistence >= RESONANCE_PERSISTENCE)
        )
        chosen: list[Resonance] = []
        df = self.spec.sample_rate_hz / self.spec.n_fft
        for k in candidates[np.argsort(-prominence[candidates], kind="stable")]:
            a, b, c = bin_db[k - 1], bin_db[k], bin_db[k + 1]
            curvature = a - 2 * b + c
            offset = 0.5 * (a - c) / curvature if curvature < 0 else 0.0
            frequency = (k + offset) * df
            # Two candidates within 1/6 octave are one resonance: keep the more prominent.
            if any(abs(math.log2(frequency / r.frequency_hz)) < 1 / 6 for r in chosen):
                continue
            chosen.append(
                Resonance(
                    frequency_hz=round(frequency, 1),
                    prominence_db=round(float(prominence[k]), 2),
                    persistence_fraction=round(float(persistence[k]), 3),
                )
            )
            if len(chosen) == MAX_RESONANCES:
                break
        return chosen


def _curve_edges(top_hz: float) -> list[tuple[float, float]]:
    """1/6-octave bands from 20 Hz up to ``top_hz``."""
    count = int(math.log2(top_hz / AUDIBLE_HZ[0]) * CURVE_BANDS_PER_OCTAVE + 1e-9)
    step = 2 ** (1 / CURVE_BANDS_PER_OCTAVE)
    return [(AUDIBLE_HZ[0] * step**i, AUDIBLE_HZ[0] * step ** (i + 1)) for i in range(count)]


def _tilt(centres_hz: np.ndarray, level_db: np.ndarray, *, high_hz: float) -> float | None:
    """Least-squares slope of ``level_db`` against octaves, from 50 Hz up to ``high_hz``."""
    inside = (centres_hz >= TILT_RANGE_HZ[0]) & (centres_hz <= high_hz)
    if high_hz < 4 * TILT_RANGE_HZ[0] or np.count_nonzero(inside) < 3:
        return None
    octaves = np.log2(centres_hz[inside])
    slope = np.polyfit(octaves, level_db[inside], 1)[0]
    return float(slope)
