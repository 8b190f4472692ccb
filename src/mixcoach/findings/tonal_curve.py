"""The track's 1/6-octave curve against its genre's target curve: where, which way and how far
the tonal balance departs.

The target curve is built from the profile's band levels (the centre of each ``[genre.bands]``
range, as energy per 1/6 octave at the band's log-centre, joined by straight lines in log
frequency) plus the within-band shape real music has (``knowledge/data/tonal_curve.toml``).
The comparison:

1. deviation = curve - target, less its median over the judged range (``tonal.curve_low_hz`` to
   ``tonal.curve_high_hz``): levels are relative to the total, so a bass boost lowers every
   other point; the median cancels that shift, and what departs from the genre's *shape* stays;
2. smoothed over +-1/3 octave (weights 1, 2, 3, 2, 1), the width of a broad EQ move, so one
   loud note or a comb of harmonics does not read as a tonal fault;
3. the tolerance at each point is ``tonal.curve_spread_factor`` times the spread well-made
   tracks show there, and never less than ``tonal.curve_floor_db``;
4. each contiguous stretch beyond the tolerance, one way, is a :class:`Deviation`: its extent,
   the frequency where it departs most, and by how much.

So a +8 dB bell at 3 kHz on a balanced track reads as "+8 dB around 3 kHz", a dark top as a
negative stretch above 6 kHz; the band windows are not involved.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from mixcoach.audio.spectrum import BANDS, CURVE_BANDS_PER_OCTAVE, Deviation, Spectrum, TargetCurve
from mixcoach.knowledge.genres import GenreProfile
from mixcoach.knowledge.thresholds import Thresholds
from mixcoach.knowledge.tonal_curve import tonal_curve

#: Smoothing across neighbouring 1/6-octave points: +-1/3 octave, triangular.
_SMOOTHING = np.array([1.0, 2.0, 3.0, 2.0, 1.0]) / 9.0


def band_line(levels: Mapping[str, float | None], frequencies_hz: np.ndarray) -> np.ndarray:
    """Band levels (energy relative to the total, dB) as per-1/6-octave levels at each band's
    log-centre, joined by straight lines in log frequency (flat beyond the outer bands)."""
    xs, ys = [], []
    for name, low, high in BANDS:
        level = levels.get(name)
        if level is None:
            continue
        xs.append(math.log2(math.sqrt(low * high)))
        ys.append(level - 10 * math.log10(CURVE_BANDS_PER_OCTAVE * math.log2(high / low)))
    if not xs:
        return np.full(frequencies_hz.shape, np.nan)
    line: np.ndarray = np.interp(np.log2(frequencies_hz), xs, ys)
    return line


def profile_target(profile: GenreProfile, frequencies_hz: np.ndarray) -> np.ndarray:
    """The genre's target curve (not yet placed at the track's level), dB per 1/6 octave."""
    centres = {name: target.centre for name, target in profile.bands.items()}
    shape, _ = tonal_curve().at(frequencies_hz)
    line: np.ndarray = band_line(centres, frequencies_hz) + shape
    return line


def judged_points(frequencies_hz: np.ndarray, limits: Thresholds) -> np.ndarray:
    """Mask of the curve points the judgement looks at."""
    low, high = limits.value("tonal.curve_low_hz"), limits.value("tonal.curve_high_hz")
    mask: np.ndarray = (frequencies_hz >= low) & (frequencies_hz <= high)
    return mask


def deviation_db(
    level_db: np.ndarray, target_db: np.ndarray, judged: np.ndarray
) -> tuple[np.ndarray, float]:
    """The smoothed curve minus the target, its median over the judged points removed; and that
    median (the offset that places the target at the track's level). NaN where unmeasured."""
    raw = level_db - target_db
    offset = float(np.nanmedian(raw[judged]))
    centred = raw - offset
    filled = np.where(np.isnan(centred), 0.0, centred)
    weights = np.where(np.isnan(centred), 0.0, 1.0)
    pad = len(_SMOOTHING) // 2
    total = np.convolve(np.pad(filled, pad, mode="edge"), _SMOOTHING, mode="valid")
    norm = np.convolve(np.pad(weights, pad, mode="edge"), _SMOOTHING, mode="valid")
    with np.errstate(invalid="ignore", divide="ignore"):
        smooth: np.ndarray = np.where(norm > 0, total / norm, np.nan)
    return np.where(np.isnan(centred), np.nan, smooth), offset


def tolerance_db(frequencies_hz: np.ndarray, limits: Thresholds) -> np.ndarray:
    _, spread = tonal_curve().at(frequencies_hz)
    tolerance: np.ndarray = np.maximum(
        limits.value("tonal.curve_spread_factor") * spread, limits.value("tonal.curve_floor_db")
    )
    return tolerance


def stretches(
    deviation: np.ndarray, tolerance: np.ndarray, frequencies_hz: np.ndarray, judged: np.ndarray
) -> list[Deviation]:
    """Each contiguous run of judged points beyond the tolerance, one way."""
    sign = np.where(deviation > tolerance, 1, np.where(deviation < -tolerance, -1, 0))
    sign = np.where(judged & ~np.isnan(deviation), sign, 0)
    found: list[Deviation] = []
    start = None
    for i in range(len(sign) + 1):
        current = sign[i] if i < len(sign) else 0
        if start is not None and current != sign[start]:
            run = np.arange(start, i)
            peak = int(run[np.argmax(deviation[run] * sign[start])])
            found.append(
                Deviation(
                    low_hz=round(float(frequencies_hz[start]), 1),
                    high_hz=round(float(frequencies_hz[i - 1]), 1),
                    peak_hz=round(float(frequencies_hz[peak]), 1),
                    amount_db=round(float(deviation[peak]), 2),
                    tolerance_db=round(float(tolerance[peak]), 2),
                )
            )
            start = None
        if start is None and current != 0:
            start = i
    return found


def judge_curve(
    spectrum: Spectrum, profile: GenreProfile, limits: Thresholds
) -> tuple[TargetCurve | None, list[Deviation]]:
    """The target curve placed at the track's level, and the stretches that leave it."""
    frequencies = np.asarray(spectrum.curve.frequencies_hz, dtype=float)
    level = np.array([np.nan if v is None else v for v in spectrum.curve.level_db], dtype=float)
    if frequencies.size == 0 or not profile.bands:
        return None, []
    judged = judged_points(frequencies, limits) & ~np.isnan(level)
    if not judged.any():
        return None, []
    target = profile_target(profile, frequencies)
    deviation, offset = deviation_db(level, target, judged)
    tolerance = tolerance_db(frequencies, limits)
    placed = target + offset

    def rounded(values: np.ndarray) -> list[float | None]:
        return [round(float(v), 2) if j else None for v, j in zip(values, judged, strict=True)]

    curve = TargetCurve(low_db=rounded(placed - tolerance), high_db=rounded(placed + tolerance))
    return curve, stretches(deviation, tolerance, frequencies, judged)
