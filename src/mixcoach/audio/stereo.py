"""Stereo image: width overall and per band, correlation over time, mono compatibility, balance.

STUB: to be implemented (meter + tests). The model below is the contract.
"""

from __future__ import annotations

from mixcoach.audio.frame import Block, FrameSpec
from mixcoach.audio.model import Model, Series, TimeRange


class BandWidth(Model):
    name: str  # the band names of mixcoach.audio.spectrum.BANDS
    low_hz: float
    high_hz: float
    width: float | None  # side energy / (mid + side energy): 0 mono, 0.5 uncorrelated, 1 out of phase
    correlation: float | None


class Stereo(Model):
    is_mono_source: bool  # one channel, or two identical channels
    width: float | None
    correlation: float | None  # L/R correlation, whole track, -1..1
    correlation_min: float | None  # lowest 1-second correlation among non-silent seconds
    correlation_low_points: list[TimeRange]  # where 1-second correlation drops below 0
    correlation_series: Series  # 1-second L/R correlation, for plots
    mono_loss_db: float | None  # level lost when folded to mono: (L+R)/2 vs the stereo average
    balance_db: float | None  # left level minus right level
    low_end_width: float | None  # width below 120 Hz
    bands: list[BandWidth]
    notes: list[str]


class StereoMeter:
    def __init__(self, spec: FrameSpec) -> None:
        self.spec = spec

    def update(self, block: Block) -> None:
        raise NotImplementedError

    def result(self) -> Stereo:
        raise NotImplementedError
