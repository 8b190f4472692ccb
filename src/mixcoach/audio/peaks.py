"""A waveform's outline: the lowest and highest sample per column, at a few column counts.

The page draws the waveform from these instead of downloading and decoding the whole file,
so it can show the track while the audio still streams. One decode, in blocks: each block is
reduced to the min and max of every *hop* (a few samples, across all channels), and the
columns of every level are gathered from those hops once the length is known (a header's
length is only a claim, see :mod:`mixcoach.audio.decode`).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from mixcoach.audio.decode import open_audio

#: Columns across the whole file, coarse to fine: the page picks the coarsest that gives at
#: least one column per pixel at its zoom (16384 is 16 times a 1024-pixel-wide waveform).
LEVEL_COLUMNS = (1024, 4096, 16384)
#: Hops per finest column at least, so a column's edges sit within 1/8 of a column of its
#: nominal place (columns gather whole hops).
_HOPS_PER_COLUMN = 8
#: The hop when the header gives no length: 1 ms.
_UNKNOWN_LENGTH_HOP_S = 0.001
#: Decimals kept: 1/10000 of full scale is far below a pixel.
_DECIMALS = 4
_BLOCK_SECONDS = 10


@dataclass(frozen=True)
class PeakLevel:
    """``columns`` columns across the file; ``low[i]`` and ``high[i]`` are the lowest and
    highest sample (over all channels, -1..1 full scale) of column ``i``."""

    columns: int
    low: list[float]
    high: list[float]


@dataclass(frozen=True)
class Peaks:
    duration_s: float
    sample_rate_hz: int
    levels: list[PeakLevel]


def compute_peaks(
    path: str | os.PathLike[str], *, level_columns: tuple[int, ...] = LEVEL_COLUMNS
) -> Peaks:
    """Decode ``path`` once and outline it at each of ``level_columns`` (a level never has
    more columns than the file has hops). AudioError when it does not decode."""
    if not level_columns or min(level_columns) <= 0:
        raise ValueError(f"level_columns must be positive counts, got {level_columns}")
    with open_audio(path) as source:
        rate = source.info.sample_rate_hz
        frames = source.info.frames
        if frames:
            hop = max(1, frames // (max(level_columns) * _HOPS_PER_COLUMN))
        else:
            hop = max(1, round(rate * _UNKNOWN_LENGTH_HOP_S))
        # Blocks of whole hops, so no hop straddles two blocks (only the last may be short).
        block_frames = hop * math.ceil(_BLOCK_SECONDS * rate / hop)
        lows: list[np.ndarray] = []
        highs: list[np.ndarray] = []
        total = 0
        for block in source.blocks(block_frames=block_frames):
            starts = np.arange(0, block.shape[1], hop)
            lows.append(np.minimum.reduceat(block.min(axis=0), starts))
            highs.append(np.maximum.reduceat(block.max(axis=0), starts))
            total += block.shape[1]
    hop_low = np.concatenate(lows) if lows else np.zeros(0, np.float32)
    hop_high = np.concatenate(highs) if highs else np.zeros(0, np.float32)
    levels = [_level(hop_low, hop_high, columns) for columns in level_columns]
    return Peaks(duration_s=total / rate, sample_rate_hz=rate, levels=levels)


def _level(hop_low: np.ndarray, hop_high: np.ndarray, columns: int) -> PeakLevel:
    hops = hop_low.shape[0]
    columns = min(columns, hops)
    if columns == 0:
        return PeakLevel(columns=0, low=[], high=[])
    edges = (np.arange(columns, dtype=np.int64) * hops) // columns
    low = np.round(np.minimum.reduceat(hop_low, edges).astype(np.float64), _DECIMALS)
    high = np.round(np.maximum.reduceat(hop_high, edges).astype(np.float64), _DECIMALS)
    return PeakLevel(columns=columns, low=low.tolist(), high=high.tolist())
