"""Key and mode with a confidence, from a chroma profile of the whole track.

The shared STFT (about 46 ms) cannot tell bass notes a semitone apart, so this meter makes a
longer transform of its low band: the STFT bins below about 2.7 kHz are turned back into a signal
decimated to about 5.5 kHz (see :class:`LowBand`; no second decode, no full-rate FFT), which is
analysed with a 0.75 s Hann window (1.3 Hz resolution, 0.37 s hop), each channel's magnitudes
added. In each window, the spectral peaks between 47 Hz and 2 kHz that are within 20 dB of the
loudest are placed by their interpolated frequency on a pitch-class grid of a third of a
semitone; what is kept per window is that grid (36 numbers) and the window's level, so memory
grows by about 400 bytes per second of audio.

At the end the tuning (the offset from A = 440 Hz, from where the peaks fall between semitones)
folds the grid into 12 pitch classes. Each window counts once, whatever its level, if it is
within 30 dB of the track's loud passages (so quiet tails and room noise do not count), and the
first and last few seconds of music count double: music sets out its key at the start and
confirms it at the end. The key is the one whose profile correlates best with the resulting
pitch-class profile. Key profiles are pitch-class distributions of real music (Albrecht &
Shanahan 2013), spread over the harmonics an instrument adds (a note also sounds its octave,
twelfth, double octave...), since audio shows harmonics where a score shows notes.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from mixcoach.audio.frame import Block, FrameSpec
from mixcoach.audio.model import Model


class Tonality(Model):
    key: str | None  # tonic spelled like "C", "F#", "Bb"; None when no tonal centre is found
    mode: Literal["major", "minor"] | None
    confidence: float  # 0..1
    camelot: str | None  # DJ notation, e.g. "8A"
    notes: list[str]


TONICS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")

#: Pitch-class distributions (tonic first) of major and minor pieces: Albrecht & Shanahan (2013),
#: "The use of large corpora to train a new type of key-finding algorithm", Music Perception 31.
MAJOR_PROFILE = (0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081)
MINOR_PROFILE = (0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052)
#: Harmonics whose pitch classes a note also lights up, and the decay of their weight.
HARMONICS = 6
HARMONIC_DECAY = 0.6

#: The low band kept reaches at least this high; analysis window of the low-rate transform.
MIN_LOW_BAND_HZ = 2500.0
WINDOW_SECONDS = 0.75
#: Pitch range read (MIDI note numbers, G1 .. B6).
LOWEST_NOTE = 31
HIGHEST_NOTE = 95
#: Pitch-class grid resolution: bins per semitone.
STEPS_PER_SEMITONE = 3
#: Peaks more than this below a window's loudest peak are ignored (noise, window side lobes).
PEAK_RANGE_DB = 20.0
#: Windows more than this below the track's loud passages (its 90th level percentile) are ignored.
GATE_DB = 30.0
#: The opening and closing seconds of music count this much extra (1.0: double).
EDGE_SECONDS = 3.0
EDGE_WEIGHT = 1.0
#: Windows whose loudest peak is below this (relative to a full-scale sine: -100 dB) are silent.
SILENT_MAGNITUDE = 1e-5
#: A key needs at least this many pitch classes sounding (participation ratio of the chroma).
MIN_PITCH_CLASSES = 3.0
#: Below this correlation with the best key's profile there is no tonal centre (music scores
#: 0.75 and more, noise about 0.3).
MIN_CORRELATION = 0.5
#: A lead of this much correlation over the next most likely key counts as certain.
CERTAIN_MARGIN = 0.1


class TonalityMeter:
    """Collects a pitch-class grid per 0.37 s window, block by block; names the key at the end."""

    def __init__(self, spec: FrameSpec, *, edge_seconds: float = EDGE_SECONDS) -> None:
        if edge_seconds < 0:
            raise ValueError(f"edge_seconds must be >= 0, got {edge_seconds}")
        self.spec = spec
        self.edge_seconds = edge_seconds
        self._low_band = LowBand(spec)
        low_rate_hz = self._low_band.low_rate_hz
        self._n_fft = 1 << round(np.log2(WINDOW_SECONDS * low_rate_hz))
        self._hop = self._n_fft // 2
        self._hop_seconds = self._hop / low_rate_hz
        self._window = np.hanning(self._n_fft + 1)[:-1].astype(np.float32)
        self._magnitude_scale = np.float32(2.0 / self._window.sum())  # full-scale sine -> 1
        frequencies = np.fft.rfftfreq(self._n_fft, d=1.0 / low_rate_hz)
        low_hz = _note_hz(LOWEST_NOTE - 0.5)
        high_hz = min(_note_hz(HIGHEST_NOTE + 0.5), 0.45 * low_rate_hz)
        self._bins = np.flatnonzero((frequencies >= low_hz) & (frequencies <= high_hz))
        self._bin_hz = low_rate_hz / self._n_fft
        # Low-band samples not yet read by a window, (pair channels, n).
        self._low = np.zeros((spec.pair_channels, 0), np.float32)
        self._grids: list[np.ndarray] = []  # (windows, 12 * STEPS_PER_SEMITONE) per block
        self._levels: list[np.ndarray] = []  # (windows,) loudest peak per window, dB
        # Sum of peak height * exp(2 pi i * note): where the notes fall between semitones.
        self._tuning = 0j

    def update(self, block: Block) -> None:
        end = block.start_sample + block.samples.shape[1] if block.is_last else None
        low = np.concatenate(
            [self._low, self._low_band.process(block.spectra, end_sample=end)], axis=1
        )
        size = low.shape[1]
        if block.is_last and size:
            # Zero-pad the tail so the last samples are read by a window too.
            covered = self._n_fft + self._hop * max(0, -(-(size - self._n_fft) // self._hop))
            low = np.pad(low, ((0, 0), (0, covered - size)))
        count = 0 if low.shape[1] < self._n_fft else 1 + (low.shape[1] - self._n_fft) // self._hop
        if count:
            windows = np.lib.stride_tricks.sliding_window_view(low, self._n_fft, axis=1)
            self._read(windows[:, :: self._hop][:, :count])
        self._low = low[:, count * self._hop :].copy()

    def _read(self, windows: np.ndarray) -> None:
        """Add the pitch-class grid and level of ``windows`` (shape ``(channels, count, n_fft)``).

        The channels' magnitude spectra are added, so a channel in opposite polarity to the
        other does not cancel.
        """
        spectra = np.fft.rfft(windows * self._window, axis=2)
        magnitude = np.abs(spectra).sum(axis=0) * self._magnitude_scale  # (count, bins)
        bins = self._bins
        centre = magnitude[:, bins]
        loudest = centre.max(axis=1)
        peak = (
            (centre > magnitude[:, bins - 1])
            & (centre >= magnitude[:, bins + 1])
            & (centre >= loudest[:, None] * 10 ** (-PEAK_RANGE_DB / 20))
        )
        window_index, bin_index = np.nonzero(peak)
        height = centre[window_index, bin_index]
        # Parabolic interpolation of each peak's frequency on the log magnitude.
        log_left = np.log(magnitude[window_index, bins[bin_index] - 1] + 1e-12)
        log_right = np.log(magnitude[window_index, bins[bin_index] + 1] + 1e-12)
        log_centre = np.log(height + 1e-12)
        curvature = np.minimum(log_left - 2 * log_centre + log_right, -1e-9)
        offset = np.clip(0.5 * (log_left - log_right) / curvature, -0.5, 0.5)
        note = 69 + 12 * np.log2((bins[bin_index] + offset) * self._bin_hz / 440.0)
        self._tuning += complex(np.sum(height * np.exp(2j * np.pi * note)))
        # Share each peak between its two nearest grid steps (linear interpolation).
        steps = 12 * STEPS_PER_SEMITONE
        position = (note % 12) * STEPS_PER_SEMITONE
        lower = np.floor(position).astype(int)
        upper_share = position - lower
        count = magnitude.shape[0]
        grid = np.zeros(count * steps)
        for index, share in ((lower % steps, 1 - upper_share), ((lower + 1) % steps, upper_share)):
            grid += np.bincount(
                window_index * steps + index, weights=height * share, minlength=grid.size
            )
        self._grids.append(grid.reshape(count, steps).astype(np.float32))
        self._levels.append((20 * np.log10(np.maximum(loudest, 1e-12))).astype(np.float32))

    def result(self) -> Tonality:
        levels = np.concatenate(self._levels) if self._levels else np.zeros(0, np.float32)
        sounding = levels >= 20 * np.log10(SILENT_MAGNITUDE)
        if not np.any(sounding):
            return _no_key("No pitched sound: the audio is silent or too short for a key.")
        grids = np.concatenate(self._grids)
        # Windows within GATE_DB of the loud passages, each counting once whatever its level.
        kept = sounding & (levels >= np.percentile(levels[sounding], 90) - GATE_DB)
        totals = grids.sum(axis=1)
        kept &= totals > 0
        grids = grids[kept] / totals[kept, None]
        weight = np.ones(grids.shape[0])
        edge = round(self.edge_seconds / self._hop_seconds)
        if edge:
            weight[:edge] += EDGE_WEIGHT
            weight[-edge:] += EDGE_WEIGHT
        tuning_semitones = float(np.angle(self._tuning) / (2 * np.pi))
        chroma = (weight @ grids) @ _fold_matrix(tuning_semitones=tuning_semitones)
        if not np.any(chroma > 0):
            return _no_key("No pitched sound: the audio is silent or too short for a key.")
        if chroma.sum() ** 2 / np.sum(chroma**2) < MIN_PITCH_CLASSES:
            return _no_key(
                "Fewer than three pitch classes sound: a drone or a single note has no key."
            )
        scores = key_scores(chroma)  # (2, 12)
        order = np.argsort(scores, axis=None)[::-1]
        mode_index, tonic = np.unravel_index(int(order[0]), scores.shape)
        best, runner_up = float(scores.flat[order[0]]), float(scores.flat[order[1]])
        if best < MIN_CORRELATION:
            return _no_key(
                f"No clear tonal centre: the pitch content fits no key (best correlation "
                f"{best:.2f}); noise or unpitched sound."
            )
        mode: Literal["major", "minor"] = "major" if mode_index == 0 else "minor"
        confidence = max(best, 0.0) * min(max((best - runner_up) / CERTAIN_MARGIN, 0.0), 1.0)
        notes = []
        if abs(tuning_semitones) > 0.15:
            notes.append(f"Tuned {100 * tuning_semitones:+.0f} cents from A = 440 Hz.")
        return Tonality(
            key=TONICS[tonic],
            mode=mode,
            confidence=round(confidence, 3),
            camelot=camelot(tonic=int(tonic), mode=mode),
            notes=notes,
        )


class LowBand:
    """The band below about 2.7 kHz of each channel, at a low sample rate, from the shared STFT.

    Keeping only the lowest ``n_fft / factor`` bins of a frame and inverting them with a short
    inverse FFT gives that frame's windowed signal low-passed and decimated by ``factor`` (a
    power of two); overlap-adding the frames (the periodic Hann windows at a quarter-frame hop
    sum to 2) rebuilds the low-band signal. Frames straddling two blocks are carried over, so the
    output does not depend on where blocks begin.
    """

    def __init__(self, spec: FrameSpec) -> None:
        factor = 1
        while (
            spec.sample_rate_hz / (4 * factor) >= MIN_LOW_BAND_HZ
            and spec.n_fft // (2 * factor) >= 64
        ):
            factor *= 2
        self.factor = factor
        self.low_rate_hz = spec.sample_rate_hz / factor
        self._size = spec.n_fft // factor  # samples per frame at the low rate
        self._hop = self._size // 4
        self._bins = self._size // 2 + 1
        # Quarter-frame chunks still awaiting later frames' overlap, (channels, 3, hop).
        self._pending = np.zeros((spec.pair_channels, 3, self._hop), np.float32)
        self._skip = 2  # the first two chunks lie in the STFT's zero padding before the file
        self._emitted = 0  # low-band samples returned so far

    def process(self, spectra: np.ndarray, *, end_sample: int | None = None) -> np.ndarray:
        """Low-band samples ``(channels, n)`` completed by the STFT frames ``spectra``.

        ``end_sample`` (the file's length in samples) marks the last block: everything left is
        returned, up to the file's end.
        """
        is_last = end_sample is not None
        channels, _, count = spectra.shape
        hop = self._hop
        frames = np.fft.irfft(spectra[:, : self._bins, :], n=self._size, axis=1)
        frames *= 1.0 / (2.0 * self.factor)  # Hann overlap gain, and the shorter inverse FFT
        quarters = frames.reshape(channels, 4, hop, count).transpose(0, 1, 3, 2)  # (c, 4, f, hop)
        chunks = np.zeros((channels, count + 3, hop), np.float32)
        chunks[:, :3] += self._pending
        for quarter in range(4):  # a loop over the four overlapping quarters, not over samples
            chunks[:, quarter : quarter + count] += quarters[:, quarter]
        done = count + 3 if is_last else count
        self._pending = chunks[:, count:].copy()
        out = chunks[:, self._skip : done].reshape(channels, -1)
        self._skip = max(0, self._skip - done)
        if end_sample is not None:
            out = out[:, : max(0, -(-end_sample // self.factor) - self._emitted)]
        self._emitted += out.shape[1]
        return out


def _no_key(note: str) -> Tonality:
    return Tonality(key=None, mode=None, confidence=0.0, camelot=None, notes=[note])


def _note_hz(note: float) -> float:
    return float(440.0 * 2 ** ((note - 69) / 12))


def _fold_matrix(*, tuning_semitones: float) -> np.ndarray:
    """Weights ``(12 * STEPS_PER_SEMITONE, 12)`` from grid steps to tuned pitch classes.

    Each step counts for its nearest tuned semitone, by a cos^2 of its distance from it.
    """
    steps = 12 * STEPS_PER_SEMITONE
    tuned = np.arange(steps) / STEPS_PER_SEMITONE - tuning_semitones
    nearest = np.round(tuned)
    fold = np.zeros((steps, 12))
    fold[np.arange(steps), nearest.astype(int) % 12] = np.cos(np.pi * (tuned - nearest)) ** 2
    return fold


def _harmonic_profile(profile: tuple[float, ...]) -> np.ndarray:
    """Spread a note-count profile over the pitch classes of each note's harmonics."""
    base = np.asarray(profile, dtype=float)
    spread = np.zeros(12)
    for harmonic in range(1, HARMONICS + 1):
        shift = round(12 * np.log2(harmonic)) % 12
        spread += HARMONIC_DECAY ** (harmonic - 1) * np.roll(base, shift)
    return spread


_TEMPLATES = np.stack([_harmonic_profile(MAJOR_PROFILE), _harmonic_profile(MINOR_PROFILE)])


def key_scores(chroma: np.ndarray) -> np.ndarray:
    """Pearson correlation of a pitch-class profile (shape ``(12,)``, C first) with each key.

    Returns shape ``(2, 12)``: ``[0, t]`` for the major key on tonic ``t``, ``[1, t]`` minor.
    """
    if chroma.shape != (12,):
        raise ValueError(f"chroma must have shape (12,), got {chroma.shape}")
    rotated = np.stack([np.roll(_TEMPLATES, t, axis=1) for t in range(12)], axis=1)  # (2, 12, 12)
    a = rotated - rotated.mean(axis=2, keepdims=True)
    b = chroma - chroma.mean()
    denominator = np.sqrt((a**2).sum(axis=2) * (b**2).sum())
    return np.asarray((a @ b) / np.where(denominator > 0, denominator, 1.0))


def camelot(*, tonic: int, mode: str) -> str:
    """Camelot wheel code of a key: C major is 8B, A minor 8A, G major 9B..."""
    if mode not in ("major", "minor"):
        raise ValueError(f"mode must be 'major' or 'minor', got {mode!r}")
    major_tonic = tonic if mode == "major" else (tonic + 3) % 12
    number = (7 * major_tonic + 7) % 12 + 1
    return f"{number}{'B' if mode == 'major' else 'A'}"
