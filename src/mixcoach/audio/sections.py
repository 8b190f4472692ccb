"""A song's sections, found without learned weights: self-similarity and novelty on beat features.

The meter reads the shared STFT block by block and keeps, per group of frames, three feature
families: timbre (log energies of log-spaced bands), harmony (a 12-class chroma of the bins
between 65 Hz and 2 kHz) and level (log power). At the end the features are pooled between the
beats the rhythm meter placed (a half-second grid without a tempo), each family is standardised
on its own, and the beats are compared with each other (cosine self-similarity). A checkerboard
kernel 8 s either side (Foote 2000), slid along the diagonal and rescaled where it overhangs the
track's ends, gives a novelty curve. Its peaks that stand out from the novelty around them (above
the running median over a minute by a few median absolute deviations of the whole curve) are the
boundaries, strongest first and at least 8 s apart. Each boundary then goes to the bar line: the
beat, within half a bar (two beats), where a short kernel (2 s) finds the sharpest change, so
the sections start on the beat grid the rhythm meter reports.

Sections are labelled by repetition (a section like an earlier one takes its letter: A, B, A)
and by energy from their level against the track's (quiet, mid, build, peak).

Each section is then measured as the whole track is, from what the meters already keep (no
second decode): loudness from the loudness meter's 10 Hz series; and, from the same STFT
columns, stereo width (side / (mid + side) energy, by Parseval as the stereo meter's bands),
band levels (the spectrum meter's bands, relative to the section's own audible energy) and tilt
(the spectrum meter's least-squares slope over its 1/6-octave curve). A section's PSR is the
median, over the 3 s short-term windows inside it that the loudness range would keep, of the
window's highest sample peak minus its loudness: the whole track's PSR uses true peaks, which
read a few tenths of a dB higher on most masters.
"""

from __future__ import annotations

import itertools
import math
import string
from typing import Literal

import numpy as np
from pydantic import Field
from scipy import sparse

from mixcoach.audio.frame import Block, FrameSpec
from mixcoach.audio.loudness import LRA_RELATIVE_GATE_LU, Loudness, span_loudness
from mixcoach.audio.model import Model
from mixcoach.audio.spectrum import (
    AUDIBLE_HZ,
    BANDS,
    TILT_RANGE_HZ,
    _curve_edges,
    _tilt,
    band_weights,
)
from mixcoach.audio.windows import FixedWindows

Energy = Literal["quiet", "mid", "build", "peak"]

#: STFT frames averaged into one feature column as blocks arrive (about 46 ms at any rate).
FRAMES_PER_COLUMN = 4
#: Timbre bands: log-spaced from TIMBRE_LOW_HZ to TIMBRE_HIGH_HZ (capped below Nyquist).
TIMBRE_LOW_HZ = 40.0
TIMBRE_HIGH_HZ = 16_000.0
TIMBRE_BANDS = 20
#: Chroma reads the bins where notes' fundamentals and first harmonics sit.
CHROMA_LOW_HZ = 65.0
CHROMA_HIGH_HZ = 2_000.0
#: Beat period used when the track has no tempo.
DEFAULT_BEAT_SECONDS = 0.5
#: Half-width of the checkerboard kernel: a section must hold its character this long to count.
KERNEL_SECONDS = 8.0
#: Half-width of the kernel that places a boundary on its bar line: the change itself.
BAR_KERNEL_SECONDS = 2.0
#: A boundary moves to the sharpest change within this many beats (half a bar of four).
BAR_REACH_BEATS = 2
#: Boundaries are at least this far apart; none lies within half of it of the track's ends.
MIN_SECTION_SECONDS = 8.0
#: A novelty peak counts when it stands this many median absolute deviations of the curve above
#: the curve's running median over NOVELTY_CONTEXT_SECONDS either side.
PEAK_THRESHOLD_MADS = 3.0
NOVELTY_CONTEXT_SECONDS = 30.0
#: Two sections with this cosine similarity of their mean features are the same material.
REPEAT_SIMILARITY = 0.6
#: Energy labels from a section's level (mean log power, dB) against the loudest section.
PEAK_WITHIN_DB = 2.0
QUIET_BELOW_DB = 8.0
#: A section whose level rises this much from its first to its last third builds.
BUILD_RISE_DB = 3.0
#: Weights of the feature families in the similarity (timbre, chroma, level).
WEIGHTS = (1.0, 0.5, 0.5)
#: Power floor (relative to a full-scale sine in one bin) so silence does not dominate.
_FLOOR = 1e-12
#: Sample peaks are kept per 100 ms, the loudness meter's series step, for the sections' PSR.
PEAK_STEP_SECONDS = 0.1
SHORT_TERM_STEPS = 30  # 3 s


class SongSection(Model):
    start_s: float
    end_s: float
    label: str  # "A", "B"...: sections sharing a letter are repeats of the same material
    energy: Energy
    # Set by :meth:`SectionsMeter.measured`; None before it, in silence or where undefined.
    integrated_lufs: float | None = None
    short_term_max_lufs: float | None = None
    # A peak section's integrated loudness over the section before it; None for other sections.
    lift_lu: float | None = None
    psr_db: float | None = None  # median sample peak minus short-term loudness (see above)
    width: float | None = None  # side / (mid + side) energy: 0 mono, 0.5 unrelated sides
    tilt_db_per_octave: float | None = None
    # Band name (mixcoach.audio.spectrum.BANDS) -> energy over the section's audible energy, dB.
    band_db: dict[str, float | None] = Field(default_factory=dict)


class SectionsMeter:
    """Keeps timbre, chroma and level per few STFT frames; finds the sections at the end."""

    def __init__(self, spec: FrameSpec) -> None:
        self.spec = spec
        frequencies = spec.frequencies_hz()
        high = min(TIMBRE_HIGH_HZ, 0.45 * spec.sample_rate_hz)
        edges = np.geomspace(TIMBRE_LOW_HZ, high, TIMBRE_BANDS + 1)
        band = np.searchsorted(edges, frequencies, side="right") - 1
        chroma_bins = (frequencies >= CHROMA_LOW_HZ) & (frequencies < CHROMA_HIGH_HZ)
        pitch = np.round(12 * np.log2(np.maximum(frequencies, 1.0) / 440.0)).astype(int) % 12
        # Every feature is a sum over a group of bins: the groups' bins are gathered in group
        # order once, so a block needs one gather and one cumulative sum, not a matrix product.
        group = np.full(frequencies.size, -1)
        inside = (band >= 0) & (band < TIMBRE_BANDS)
        group[inside] = band[inside]
        chroma = np.where(chroma_bins, TIMBRE_BANDS + pitch, -1)
        self._bins = np.concatenate(
            [np.flatnonzero(group == g) for g in range(TIMBRE_BANDS)]
            + [np.flatnonzero(chroma == TIMBRE_BANDS + c) for c in range(12)]
        )
        sizes = [np.count_nonzero(group == g) for g in range(TIMBRE_BANDS)] + [
            np.count_nonzero(chroma == TIMBRE_BANDS + c) for c in range(12)
        ]
        self._group_edges = np.concatenate([[0], np.cumsum(sizes)])
        self._floor = np.float32((spec.n_fft / 4) ** 2 * _FLOOR)
        self._pending = np.zeros((spec.pair_channels, frequencies.size, 0), np.complex64)
        self._columns: list[np.ndarray] = []  # (features, columns) per block
        # The sound of each column: the mid's energy in the audible range, in the spectrum
        # meter's bands and in its 1/6-octave curve bands, as one projection of the bins.
        top = min(AUDIBLE_HZ[1], spec.sample_rate_hz / 2)
        self._curve_edges = _curve_edges(top)
        weights = band_weights(
            spec,
            [
                (AUDIBLE_HZ[0], top),
                *((lo, min(hi, top)) for _, lo, hi in BANDS),
                *self._curve_edges,
            ],
        )
        # Sparse: each bin lies in a few bands, and a dense product would cost as much as the
        # rest of the meter.
        self._projection = sparse.csr_array(weights.astype(np.float32))
        self._sound: list[np.ndarray] = []  # (2 + projections, columns): power, cross, mid...
        self._peaks = FixedWindows(max(1, round(PEAK_STEP_SECONDS * spec.sample_rate_hz)))
        self._peak_steps: list[np.ndarray] = []

    def update(self, block: Block) -> None:
        self._peak_steps.append(self._peaks.push(block.samples, _abs_peaks))
        if block.is_last:
            rest, _ = self._peaks.flush(_abs_peaks)
            if rest is not None:
                self._peak_steps.append(rest)
        # A column straddling two blocks is joined from the few frames left over; the rest of
        # the block is read in place.
        spectra, pending = block.spectra, self._pending.shape[2]
        groups: list[tuple[np.ndarray, int]] = []
        start = 0
        if pending:
            start = min(FRAMES_PER_COLUMN - pending, spectra.shape[2])
            joined = np.concatenate([self._pending, spectra[:, :, :start]], axis=2)
            if joined.shape[2] == FRAMES_PER_COLUMN:
                groups.append((joined, FRAMES_PER_COLUMN))
                joined = joined[:, :, :0]
            self._pending = joined
        whole = (spectra.shape[2] - start) // FRAMES_PER_COLUMN * FRAMES_PER_COLUMN
        if whole:
            groups.append((spectra[:, :, start : start + whole], FRAMES_PER_COLUMN))
        if start + whole < spectra.shape[2]:
            self._pending = np.concatenate([self._pending, spectra[:, :, start + whole :]], axis=2)
        if block.is_last and self._pending.shape[2]:
            groups.append((self._pending, self._pending.shape[2]))
            self._pending = self._pending[:, :, :0]
        for group, size in groups:
            power, cross = _column_products(group, frames_per_column=size)
            self._columns.append(self._features(power))
            mid = power + 2 * cross
            self._sound.append(
                np.concatenate(
                    [power.sum(axis=0)[None], cross.sum(axis=0)[None], self._projection @ mid]
                ).astype(np.float64)
            )

    def _features(self, power: np.ndarray) -> np.ndarray:
        # float64: a quiet high band is the difference of two sums that include the loud bass.
        running = np.zeros((self._bins.size + 1, power.shape[1]))
        np.cumsum(power[self._bins], axis=0, out=running[1:])
        sums = np.diff(running[self._group_edges], axis=0)
        timbre = np.log10(sums[:TIMBRE_BANDS] + self._floor)
        chroma = sums[TIMBRE_BANDS:]
        chroma /= chroma.sum(axis=0, keepdims=True) + self._floor
        level = np.log10(power.sum(axis=0, keepdims=True) + self._floor)
        return np.concatenate([timbre, chroma, level]).astype(np.float32)

    def result(
        self,
        *,
        beats_s: np.ndarray,
        weights: tuple[float, float, float] = WEIGHTS,
    ) -> list[SongSection]:
        """The sections, on ``beats_s`` (the rhythm meter's beat times; empty without a tempo)."""
        features = (
            np.concatenate(self._columns, axis=1)
            if self._columns
            else np.zeros((TIMBRE_BANDS + 13, 0), np.float32)
        )
        column_s = FRAMES_PER_COLUMN * self.spec.hop_seconds
        duration_s = features.shape[1] * column_s
        return find_sections(
            features,
            column_seconds=column_s,
            duration_s=duration_s,
            beats_s=beats_s,
            weights=weights,
        )

    def measured(
        self, sections: list[SongSection], *, loudness: Loudness, high_cutoff_hz: float | None
    ) -> list[SongSection]:
        """``sections`` with their loudness, PSR, width, tilt and band levels, and each peak
        section's lift over the one before it. ``high_cutoff_hz``: the spectrum meter's, where
        the tilt stops as the whole track's does."""
        column_s = FRAMES_PER_COLUMN * self.spec.hop_seconds
        rows = 2 + self._projection.shape[0]
        sound = np.concatenate(self._sound, axis=1) if self._sound else np.zeros((rows, 0))
        peaks = np.concatenate(self._peak_steps) if self._peak_steps else np.zeros(0)
        nyquist = self.spec.sample_rate_hz / 2
        tilt_high = min(TILT_RANGE_HZ[1], high_cutoff_hz or nyquist, 0.9 * nyquist)
        result: list[SongSection] = []
        for section in sections:
            integrated, short_term_max = span_loudness(
                loudness, start_s=section.start_s, end_s=section.end_s
            )
            before = result[-1].integrated_lufs if result else None
            lift = None
            if section.energy == "peak" and integrated is not None and before is not None:
                lift = round(integrated - before, 2)
            columns = slice(round(section.start_s / column_s), round(section.end_s / column_s))
            result.append(
                section.model_copy(
                    update={
                        "integrated_lufs": _rounded(integrated),
                        "short_term_max_lufs": _rounded(short_term_max),
                        "lift_lu": lift,
                        "psr_db": _rounded(_span_psr(loudness, peaks, section)),
                        **self._sound_of(sound[:, columns].sum(axis=1), tilt_high_hz=tilt_high),
                    }
                )
            )
        return result

    def _sound_of(self, totals: np.ndarray, *, tilt_high_hz: float) -> dict[str, object]:
        """Width, tilt and band levels from a section's summed column sound."""
        power, cross, audible = float(totals[0]), float(totals[1]), float(totals[2])
        if power <= 0.0 or audible <= 0.0:
            return {}
        mids = totals[3:]
        levels = 10 * np.log10(np.maximum(mids / audible, 1e-12))
        bands, curve = levels[: len(BANDS)], levels[len(BANDS) :]
        nyquist = self.spec.sample_rate_hz / 2
        centres = np.array([math.sqrt(lo * hi) for lo, hi in self._curve_edges])
        tilt = _tilt(centres, curve, high_hz=tilt_high_hz)
        return {
            "width": round(min(max((power - 2 * cross) / (2 * power), 0.0), 1.0), 4),
            "tilt_db_per_octave": _rounded(tilt),
            "band_db": {
                name: None if lo >= nyquist else round(float(level), 2)
                for (name, lo, _), level in zip(BANDS, bands, strict=True)
            },
        }


def _column_products(
    spectra: np.ndarray, *, frames_per_column: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mean power ``LL + RR`` and cross term ``Re(L conj R)`` per bin and column of frames:
    ``(pair, bins, columns * frames_per_column)`` complex -> two ``(bins, columns)`` float32.

    Viewed as interleaved (re, im) floats, a column's products are plain dot products over its
    ``2 * frames_per_column`` floats, so no per-frame temporaries are made. A mono file's one
    channel is both sides: its cross term is half its power.
    """
    pair, bins, frames = spectra.shape
    # The frame axis is contiguous (a block's spectra, or a slice of its frames): no copy.
    floats = spectra.view(np.float32)
    floats = floats.reshape(pair, bins, frames // frames_per_column, 2 * frames_per_column)
    scale = np.float32(1 / frames_per_column)
    left = floats[0]
    power = np.einsum("bcf,bcf->bc", left, left)
    if pair == 1:
        power *= scale
        return power, power / 2
    right = floats[1]
    power += np.einsum("bcf,bcf->bc", right, right)
    cross = np.einsum("bcf,bcf->bc", left, right)
    return power * scale, cross * scale


def _abs_peaks(windows: np.ndarray) -> np.ndarray:
    """Highest absolute sample per window over the channels: ``(channels, k, n)`` -> ``(k,)``."""
    peaks: np.ndarray = np.abs(windows).max(axis=(0, 2))
    return peaks


def _span_psr(loudness: Loudness, peaks: np.ndarray, section: SongSection) -> float | None:
    """Median, over the section's short-term windows the loudness range would keep (above the
    absolute gate, within 20 LU of the section's power mean), of peak dBFS minus loudness."""
    series = loudness.short_term_lufs
    # Window i ends at start_s + i hop and spans the 100 ms peak steps i .. i + 29.
    ends = series.start_s + series.hop_s * np.arange(len(series.values))
    inside = (ends - SHORT_TERM_STEPS * PEAK_STEP_SECONDS >= section.start_s - 1e-6) & (
        ends <= section.end_s + 1e-6
    )
    indices = [
        i
        for i in np.flatnonzero(inside).tolist()
        if series.values[i] is not None and i + SHORT_TERM_STEPS <= peaks.size
    ]
    if not indices:
        return None
    lufs = np.array([series.values[i] for i in indices], dtype=float)
    window_peaks = np.array([peaks[i : i + SHORT_TERM_STEPS].max() for i in indices])
    kept = (lufs > _power_mean_lufs(lufs) + LRA_RELATIVE_GATE_LU) & (window_peaks > 0)
    if not kept.any():
        return None
    return float(np.median(20 * np.log10(window_peaks[kept]) - lufs[kept]))


def _power_mean_lufs(lufs: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(10 ** (lufs / 10))))


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def find_sections(
    features: np.ndarray,
    *,
    column_seconds: float,
    duration_s: float,
    beats_s: np.ndarray,
    weights: tuple[float, float, float] = WEIGHTS,
) -> list[SongSection]:
    """Sections covering ``[0, duration_s]`` in time order, from ``features`` (33, columns).

    ``beats_s``: beat times (seconds, ascending); fewer than two means a half-second grid.
    ``weights`` scale the timbre, chroma and level families in the similarity.
    """
    if duration_s <= 0:
        return []
    edges = _beat_columns(beats_s, column_seconds=column_seconds, columns=features.shape[1])
    starts_s = edges[:-1] * column_seconds
    beats = _pooled(features, edges)
    beat_s = float(np.median(np.diff(starts_s))) if starts_s.size > 1 else DEFAULT_BEAT_SECONDS
    if beats.shape[1] < 2 * round(MIN_SECTION_SECONDS / beat_s):
        return [_section(0.0, duration_s, "A", "mid")]
    unit = _unit_columns(_standardised(beats, weights))
    curve = novelty(unit, half_width=max(2, round(KERNEL_SECONDS / beat_s)))
    peaks = _pick(
        curve,
        min_gap=round(MIN_SECTION_SECONDS / beat_s),
        context=round(NOVELTY_CONTEXT_SECONDS / beat_s),
    )
    change = novelty(unit, half_width=max(2, round(BAR_KERNEL_SECONDS / beat_s)))
    on_bars = sorted({_bar_line(change, peak) for peak in peaks})
    kept = [
        b
        for b in on_bars
        if MIN_SECTION_SECONDS / 2 < starts_s[b] < duration_s - MIN_SECTION_SECONDS / 2
    ]
    spans = [beats[:, a:b] for a, b in itertools.pairwise([0, *kept, beats.shape[1]])]
    edges_s = [0.0, *(float(starts_s[b]) for b in kept), duration_s]
    labels = _labels(spans)
    levels = [_level_db(span) for span in spans]
    loudest = max(level for level, _ in levels)
    return [
        _section(start, end, label, _energy(level, rise, loudest=loudest))
        for (start, end), label, (level, rise) in zip(
            itertools.pairwise(edges_s), labels, levels, strict=True
        )
    ]


def novelty(unit: np.ndarray, *, half_width: int) -> np.ndarray:
    """Foote novelty of the beats' cosine self-similarity: a Gaussian-tapered checkerboard
    kernel correlated along the diagonal. ``unit`` holds the beats' unit feature vectors as
    columns, ``(features, beats)``.

    The kernel only reads the similarity within ``half_width`` beats of the diagonal, so each
    window's similarities are computed as it is read: memory grows with the beats, not their
    square (an hour at 120 BPM would need 415 MB for the whole matrix, twice with its padding).
    Near the ends the kernel overhangs the matrix; the part inside is scaled up to the whole
    kernel's weight, so the ends read on the scale of the middle rather than the padding's.
    """
    n = unit.shape[1]
    offsets = np.arange(-half_width, half_width) + 0.5
    taper = np.exp(-0.5 * (offsets / (0.5 * half_width)) ** 2)
    kernel = np.outer(taper, taper) * np.sign(offsets)[:, None] * np.sign(offsets)[None, :]
    padded = np.pad(unit, ((0, 0), (half_width, half_width)))  # zero columns: similarity 0
    # The kernel weight inside the matrix, per position: the tapers' sums over the inside.
    inside = np.pad(np.ones(n), half_width)
    reach = np.lib.stride_tricks.sliding_window_view(inside, 2 * half_width)[:n] @ taper
    scale = taper.sum() ** 2 / reach**2
    curve = np.empty(n)
    for i in range(n):
        columns = padded[:, i : i + 2 * half_width]
        curve[i] = float(((columns.T @ columns) * kernel).sum())
    positive: np.ndarray = np.maximum(curve * scale, 0.0)
    return positive


def _beat_columns(beats_s: np.ndarray, *, column_seconds: float, columns: int) -> np.ndarray:
    """Column indices where beats start, from 0 to ``columns``: ``(beats + 1,)`` ascending.

    Without a beat grid, one column group per ``DEFAULT_BEAT_SECONDS``. Beats are rounded to
    the nearest column, so a beat's time is read back from its column, not its tempo.
    """
    if beats_s.size < 2:
        beats_s = np.arange(0.0, columns * column_seconds, DEFAULT_BEAT_SECONDS)
    inner = np.round(np.asarray(beats_s) / column_seconds).astype(int)
    return np.unique(np.concatenate([[0], np.clip(inner, 0, columns), [columns]]))


def _pooled(features: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Mean of the columns between consecutive ``edges``: ``(features, len(edges) - 1)``."""
    sums = np.add.reduceat(features, edges[:-1], axis=1)
    return sums / np.diff(edges)


def _standardised(beats: np.ndarray, weights: tuple[float, float, float]) -> np.ndarray:
    """Each family z-scored over time, then weighted, so none dominates by its dimension count."""
    families = (slice(0, TIMBRE_BANDS), slice(TIMBRE_BANDS, TIMBRE_BANDS + 12), slice(-1, None))
    parts = []
    for family, weight in zip(families, weights, strict=True):
        if weight == 0:
            continue
        values = beats[family]
        z = (values - values.mean(axis=1, keepdims=True)) / (
            values.std(axis=1, keepdims=True) + 1e-6
        )
        parts.append(weight * z / np.sqrt(z.shape[0]))
    return np.concatenate(parts)


def _unit_columns(x: np.ndarray) -> np.ndarray:
    """Each column scaled to length 1 (the dot product of two is their cosine similarity)."""
    unit: np.ndarray = x / (np.linalg.norm(x, axis=0, keepdims=True) + 1e-9)
    return unit


def _pick(curve: np.ndarray, *, min_gap: int, context: int) -> list[int]:
    """Local maxima of ``curve`` more than k MADs above its running median (``context`` beats
    either side), strongest first, no two closer than ``min_gap``."""
    median = float(np.median(curve))
    spread = float(np.median(np.abs(curve - median))) or 1e-9
    padded = np.pad(curve, context, mode="edge")
    baseline = np.median(np.lib.stride_tricks.sliding_window_view(padded, 2 * context + 1), axis=1)
    peaks = (
        np.flatnonzero(
            (curve[1:-1] >= curve[:-2])
            & (curve[1:-1] >= curve[2:])
            & (curve[1:-1] > baseline[1:-1] + PEAK_THRESHOLD_MADS * spread)
        )
        + 1
    )
    chosen: list[int] = []
    for i in peaks[np.argsort(curve[peaks])[::-1]].tolist():
        if all(abs(i - c) >= min_gap for c in chosen):
            chosen.append(i)
    return sorted(chosen)


def _bar_line(change: np.ndarray, beat: int) -> int:
    """The beat within half a bar of ``beat`` where the short-kernel novelty ``change`` peaks."""
    low, high = max(0, beat - BAR_REACH_BEATS), min(change.size, beat + BAR_REACH_BEATS + 1)
    return low + int(np.argmax(change[low:high]))


def _labels(parts: list[np.ndarray]) -> list[str]:
    """A section like an earlier one takes its letter; otherwise the next letter."""
    stacked = np.concatenate(parts, axis=1)
    mean, std = stacked.mean(axis=1, keepdims=True), stacked.std(axis=1, keepdims=True) + 1e-6
    profiles = [((p - mean) / std).mean(axis=1) for p in parts]
    labels: list[str] = []
    letters = iter(string.ascii_uppercase)
    for i, profile in enumerate(profiles):
        best, best_similarity = None, REPEAT_SIMILARITY
        for j in range(i):
            similarity = _cosine(profile, profiles[j])
            if similarity > best_similarity:
                best, best_similarity = labels[j], similarity
        labels.append(best if best is not None else next(letters, "Z"))
    return labels


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9))


def _level_db(beats: np.ndarray) -> tuple[float, float]:
    """Mean level (dB) of the section, and how much its last third is above its first."""
    level = 10.0 * beats[-1]
    third = max(1, level.size // 3)
    return float(level.mean()), float(level[-third:].mean() - level[:third].mean())


def _energy(level_db: float, rise_db: float, *, loudest: float) -> Energy:
    if level_db >= loudest - PEAK_WITHIN_DB:
        return "peak"
    if level_db < loudest - QUIET_BELOW_DB:
        return "quiet"
    return "build" if rise_db >= BUILD_RISE_DB else "mid"


def _section(start: float, end: float, label: str, energy: Energy) -> SongSection:
    return SongSection(start_s=round(start, 2), end_s=round(end, 2), label=label, energy=energy)
