"""Dynamics: crest factor, a dynamic-range figure, transient strength (punch), limiting.

STUB: to be implemented (meter + tests). The model below is the contract.
"""

from __future__ import annotations

from mixcoach.audio.frame import Block, FrameSpec
from mixcoach.audio.loudness import Loudness
from mixcoach.audio.model import Model


class Dynamics(Model):
    crest_factor_db: float | None  # sample peak over RMS, whole track
    dynamic_range_db: float | None
    transient_strength_db: float | None  # punch: how far transients rise above the sustain
    limited_peak_fraction: float | None  # share of loud-part peaks pinned within 0.5 dB of the max
    limiting_db: float | None  # estimated gain reduction applied to the loud parts
    notes: list[str]


class DynamicsMeter:
    def __init__(self, spec: FrameSpec) -> None:
        self.spec = spec

    def update(self, block: Block) -> None:
        raise NotImplementedError

    def result(self, *, loudness: Loudness) -> Dynamics:
        raise NotImplementedError
