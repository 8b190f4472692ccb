"""The tonal target curve's shape and tolerance, measured on real recordings.

A genre profile gives one level per band (``[genre.bands]``, the centre of each range). Real
music is not flat inside a band: the kick and bass fill the low band unevenly, the top falls
steadily above 6 kHz. ``data/tonal_curve.toml`` holds, per 1/6-octave point, that typical
within-band shape (the mean of a track's curve minus the straight-line interpolation of its own
band levels) and the spread of well-made tracks around their genre's target (within each
collection 1.4826 x the median absolute deviation, a standard deviation that one odd track
cannot inflate; pooled over collections). Both are fitted by ``bench/tonal_curve_fit.py`` on
the tuning recordings it names in the file; nothing here is hand-tuned per frequency.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from mixcoach.audio.model import Model
from mixcoach.knowledge.sources import DataError, load_toml


class TonalCurveData(Model):
    frequencies_hz: list[float]
    shape_db: list[float]  # typical within-band shape, dB, added to the band interpolation
    spread_db: list[float]  # spread of well-made tracks around the target, dB (one sigma)
    collections: list[str]  # what it was fitted on
    tracks: int

    def at(self, frequencies_hz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Shape and spread at ``frequencies_hz`` (linear in log frequency, flat beyond)."""
        x = np.log2(np.asarray(self.frequencies_hz))
        where = np.log2(frequencies_hz)
        return np.interp(where, x, self.shape_db), np.interp(where, x, self.spread_db)


@cache
def tonal_curve() -> TonalCurveData:
    raw = load_toml("tonal_curve")
    data = TonalCurveData(**raw["fit"])
    n = len(data.frequencies_hz)
    if len(data.shape_db) != n or len(data.spread_db) != n or n < 2:
        raise DataError("knowledge/data/tonal_curve.toml: the curves must have equal lengths.")
    return data
