"""Several tracks as one release: how they sit together, which one stands out, and what album
normalisation does to each.

A pure function of the tracks' Analysis documents. For each measure (integrated loudness, true
peak, each band level, tilt, width) a track is an outlier when it lies further from the median of
the *other* tracks than ``MAD_SCALE`` times their median absolute deviation (scaled to a standard
deviation by 1.4826) and never less than the measure's floor (``FLOORS``): with four or five
tracks the others' spread can be near zero, and a 0.3 LU difference is not worth naming. A true
peak is named only when it is higher than the rest (a lower peak costs nothing).

Measured on loudness-matched 25 s excerpts of the Drascula soundtrack (tracks 1, 2, 6, 8, 10):
one planted +3 LU is named at +3.0 LU and nothing else for loudness; band levels of these real
cues spread 4-13 dB in places, so a planted +4 dB high shelf (+3 dB above 6 kHz) is lost among
their natural differences and the band floor cannot be set to find it without naming them.

Album mode (Spotify's "album normalisation", Apple's Sound Check on albums) plays the whole release
with one gain, from the album's loudness: the tracks' loudness averaged as energy, weighted by
duration. Each track then plays at its own loudness plus that gain, so the album's dynamics stay.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from pydantic import ConfigDict

from mixcoach.audio.model import Model
from mixcoach.knowledge.platforms import playback

if TYPE_CHECKING:
    from mixcoach.analysis import Analysis

#: Outliers lie beyond this many (scaled) median absolute deviations of the other tracks.
MAD_SCALE = 3.0
#: MAD to standard deviation for normally spread values.
MAD_TO_SIGMA = 1.4826
#: The smallest difference named, per measure (in its unit).
FLOORS = {"loudness": 1.5, "true_peak": 2.0, "band": 3.0, "tilt": 1.0, "width": 0.15}


class AlbumTrack(Model):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    id: str
    """The track's review id."""
    name: str
    """The file name as the producer uploaded it."""
    position: int
    """Its place in the album, from 1."""
    duration_s: float
    """Its length, in seconds."""
    integrated_lufs: float | None
    """Its integrated loudness, in LUFS."""
    true_peak_dbtp: float | None
    """Its true peak, in dBTP."""
    tilt_db_per_octave: float | None
    """Its spectral tilt, in dB per octave."""
    width: float | None
    """Its stereo width (side over mid energy, 0 for mono)."""
    band_levels_db: dict[str, float | None]
    """Its level per named band, in dB."""


class Outlier(Model):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    track_id: str
    """The review id of the track that stands out."""
    position: int
    """Its place in the album, from 1."""
    metric: str
    """What sets it apart, as a dotted path into the Analysis (`loudness.integrated_lufs`...)."""
    label: str
    """The words for a positive difference (`louder`, `brighter above 6 kHz`)."""
    opposite: str
    """The words for a negative difference (`quieter`, `darker above 6 kHz`)."""
    unit: str
    """The unit of the value and the difference."""
    value: float
    """The track's value."""
    rest_median: float
    """The median of the other tracks."""
    difference: float
    """The value minus the others' median."""
    threshold: float
    """How far it had to be to count: the larger of 3 scaled MADs of the others and the
    measure's floor."""


class TrackPlayback(Model):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    track_id: str
    """The track's review id."""
    position: int
    """Its place in the album, from 1."""
    playback_lufs: float | None
    """The loudness it plays at with the album's gain, in LUFS."""
    playback_peak_dbtp: float | None
    """Its true peak after the album's gain, in dBTP."""


class AlbumPlayback(Model):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    platform: str
    """The service's machine name, e.g. `spotify`."""
    label: str
    """The service's name to show."""
    target_lufs: float | None
    """The service's loudness target, in LUFS (None when it does not normalise)."""
    album_gain_db: float
    """The one gain the service applies to the whole album in album mode, in dB."""
    tracks: list[TrackPlayback]
    """Each track's loudness and peak after that gain."""


class AlbumReport(Model):
    tracks: list[AlbumTrack]
    album_lufs: float | None  # duration-weighted energy mean of the tracks' loudness
    album_true_peak_dbtp: float | None  # the loudest track's
    loudness_spread_lu: float | None  # loudest minus quietest
    outliers: list[Outlier]
    playback: list[AlbumPlayback]


#: How a band level above or below the rest reads.
_BAND_WORDS = {
    "sub": ("heavier below 60 Hz", "lighter below 60 Hz"),
    "low": ("heavier in the lows (60-250 Hz)", "lighter in the lows (60-250 Hz)"),
    "low_mid": ("fuller at 250-500 Hz", "thinner at 250-500 Hz"),
    "mid": ("more forward at 500 Hz-2 kHz", "further back at 500 Hz-2 kHz"),
    "high_mid": ("more forward at 2-4 kHz", "further back at 2-4 kHz"),
    "presence": ("brighter at 4-6 kHz", "darker at 4-6 kHz"),
    "air": ("brighter above 6 kHz", "darker above 6 kHz"),
}


def album_report(tracks: Sequence[tuple[str, str, Analysis]]) -> AlbumReport:
    """The album of ``tracks`` (review id, file name, Analysis), in the album's order."""
    if len(tracks) < 2:
        raise ValueError(f"an album needs at least 2 tracks, got {len(tracks)}")
    rows = [_track(position, *track) for position, track in enumerate(tracks, start=1)]
    album_lufs = _album_loudness(rows)
    peaks = [r.true_peak_dbtp for r in rows if r.true_peak_dbtp is not None]
    album_peak = max(peaks) if peaks else None
    levels = [r.integrated_lufs for r in rows if r.integrated_lufs is not None]
    return AlbumReport(
        tracks=rows,
        album_lufs=album_lufs,
        album_true_peak_dbtp=album_peak,
        loudness_spread_lu=max(levels) - min(levels) if levels else None,
        outliers=_outliers(rows),
        playback=_album_playback(rows, album_lufs, album_peak),
    )


def _track(position: int, review_id: str, name: str, analysis: Analysis) -> AlbumTrack:
    return AlbumTrack(
        id=review_id,
        name=name,
        position=position,
        duration_s=analysis.file.duration_s,
        integrated_lufs=analysis.loudness.integrated_lufs,
        true_peak_dbtp=analysis.loudness.true_peak_dbtp,
        tilt_db_per_octave=analysis.spectrum.tilt_db_per_octave,
        width=analysis.stereo.width,
        band_levels_db={band.name: band.level_db for band in analysis.spectrum.bands},
    )


def _album_loudness(rows: Sequence[AlbumTrack]) -> float | None:
    measured = [(r.integrated_lufs, r.duration_s) for r in rows if r.integrated_lufs is not None]
    total_s = sum(duration for _, duration in measured)
    if not measured or total_s <= 0:
        return None
    energy = sum(duration * 10 ** (lufs / 10) for lufs, duration in measured) / total_s
    return 10 * math.log10(energy)


def _measures(row: AlbumTrack) -> list[tuple[str, float | None, str, str, str, str]]:
    """(metric, value, floor key, unit, label above, label below) for every judged measure."""
    measures = [
        ("loudness.integrated_lufs", row.integrated_lufs, "loudness", "LU", "louder", "quieter"),
        ("loudness.true_peak_dbtp", row.true_peak_dbtp, "true_peak", "dB", "peakier", "lower"),
        (
            "spectrum.tilt_db_per_octave",
            row.tilt_db_per_octave,
            "tilt",
            "dB/octave",
            "tilted brighter",
            "tilted darker",
        ),
        ("stereo.width", row.width, "width", "", "wider", "narrower"),
    ]
    for name, level in row.band_levels_db.items():
        above, below = _BAND_WORDS.get(name, (f"louder in {name}", f"quieter in {name}"))
        measures.append((f"spectrum.bands.{name}.level_db", level, "band", "dB", above, below))
    return measures


def _outliers(rows: Sequence[AlbumTrack]) -> list[Outlier]:
    if len(rows) < 3:  # with two tracks, neither is "the rest"
        return []
    table = [_measures(row) for row in rows]
    found = []
    for index, row in enumerate(rows):
        for column, (metric, value, floor_key, unit, above, below) in enumerate(table[index]):
            others = [t[column][1] for i, t in enumerate(table) if i != index]
            rest = np.array([v for v in others if v is not None], dtype=float)
            if value is None or rest.size < 2:
                continue
            median = float(np.median(rest))
            sigma = MAD_TO_SIGMA * float(np.median(np.abs(rest - median)))
            threshold = max(MAD_SCALE * sigma, FLOORS[floor_key])
            difference = value - median
            one_sided = floor_key == "true_peak"
            if (difference if one_sided else abs(difference)) > threshold:
                found.append(
                    Outlier(
                        track_id=row.id,
                        position=row.position,
                        metric=metric,
                        label=above,
                        opposite=below,
                        unit=unit,
                        value=value,
                        rest_median=median,
                        difference=difference,
                        threshold=threshold,
                    )
                )
    return found


def _album_playback(
    rows: Sequence[AlbumTrack], album_lufs: float | None, album_peak: float | None
) -> list[AlbumPlayback]:
    results = []
    for verdict in playback(integrated_lufs=album_lufs, true_peak_dbtp=album_peak):
        gain = verdict.gain_db
        results.append(
            AlbumPlayback(
                platform=verdict.platform,
                label=verdict.label,
                target_lufs=verdict.target_lufs,
                album_gain_db=gain,
                tracks=[
                    TrackPlayback(
                        track_id=row.id,
                        position=row.position,
                        playback_lufs=None
                        if row.integrated_lufs is None
                        else row.integrated_lufs + gain,
                        playback_peak_dbtp=None
                        if row.true_peak_dbtp is None
                        else row.true_peak_dbtp + gain,
                    )
                    for row in rows
                ],
            )
        )
    return results
