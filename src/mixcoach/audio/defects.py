"""Defects located in time: clipped runs, DC offset, silence padding, non-finite samples.

STUB: to be implemented (meter + tests). The model below is the contract.
"""

from __future__ import annotations

from mixcoach.audio.frame import Block, FrameSpec
from mixcoach.audio.model import Model, TimeRange


class ClipRun(TimeRange):
    channel: int
    samples: int  # consecutive samples at the clip level


class Defects(Model):
    clipped_samples: int
    clip_level_dbfs: float | None  # the level the runs sit at (0 dBFS, or lower if clipped then gained down)
    clip_runs: list[ClipRun]  # the longest runs first, at most 200
    clip_run_count: int
    dc_offset_dbfs: list[float | None]  # per channel; None for no offset at all
    silence_start_s: float  # digital or near-digital silence before the music starts
    silence_end_s: float
    nonfinite_samples: int  # NaN/Inf samples found in the file (replaced by 0 before measuring)
    notes: list[str]


class DefectsMeter:
    def __init__(self, spec: FrameSpec) -> None:
        self.spec = spec

    def update(self, block: Block) -> None:
        raise NotImplementedError

    def result(self) -> Defects:
        raise NotImplementedError
