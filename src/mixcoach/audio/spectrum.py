"""Spectral balance: energy in named bands, tilt, resonances, and a smoothed curve for plots.

STUB: to be implemented (meter + tests). The model below is the contract.
"""

from __future__ import annotations

from mixcoach.audio.frame import Block, FrameSpec
from mixcoach.audio.model import Model

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


class Curve(Model):
    frequencies_hz: list[float]
    level_db: list[float | None]


class Spectrum(Model):
    bands: list[Band]
    tilt_db_per_octave: float | None
    centroid_hz: float | None
    high_cutoff_hz: float | None  # where the spectrum falls off a cliff (lossy or upsampled sources)
    resonances: list[Resonance]
    curve: Curve  # 1/6-octave smoothed long-term average spectrum, dB
    notes: list[str]


class SpectrumMeter:
    def __init__(self, spec: FrameSpec) -> None:
        self.spec = spec

    def update(self, block: Block) -> None:
        raise NotImplementedError

    def result(self) -> Spectrum:
        raise NotImplementedError
