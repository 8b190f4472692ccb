"""Loudness per ITU-R BS.1770-4 / EBU R128 (Tech 3341, 3342): M, S, I, LRA, true peak.

STUB: to be implemented (meter + tests). The model below is the contract.
"""

from __future__ import annotations

from mixcoach.audio.frame import Block, FrameSpec
from mixcoach.audio.model import Model, Series, TimeRange


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
    psr_db: float | None  # peak-to-short-term-loudness ratio (see docs/analysis-schema.md)
    short_term_lufs: Series  # 3 s windows
    momentary_lufs: Series  # 400 ms windows
    true_peak_over_threshold_dbtp: float
    true_peak_overs: list[PeakRange]
    notes: list[str]  # why a value is None, and anything a reader must know


class LoudnessMeter:
    def __init__(self, spec: FrameSpec) -> None:
        self.spec = spec

    def update(self, block: Block) -> None:
        raise NotImplementedError

    def result(self) -> Loudness:
        raise NotImplementedError
