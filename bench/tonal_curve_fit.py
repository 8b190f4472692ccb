"""Fit the tonal target curve's within-band shape and tolerance on the tuning recordings.

For every tuning track (bench/tonal_plants.py TUNING; the held-out collections are never read
here) the middle ``--seconds`` are measured, then:

- shape: the mean over tracks of (curve - the straight-line interpolation of the track's own
  band levels), per 1/6-octave point: how real music fills a band;
- spread: per collection, the robust spread (1.4826 x the median absolute deviation, the
  standard deviation for normal data) over its tracks of the deviation from the genre's target
  curve (with that shape; mixcoach.findings.tonal_curve.deviation_db), pooled over collections
  as a root mean square: how far well-made tracks of one style wander, not inflated by the odd
  track with no bass or no top at all.

Writes src/mixcoach/knowledge/data/tonal_curve.toml.

    .venv/bin/python bench/tonal_curve_fit.py [--seconds 40] [--cache DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from tonal_plants import TUNING, measured, tracks  # noqa: E402

from mixcoach.findings.tonal_curve import band_line, deviation_db, judged_points  # noqa: E402
from mixcoach.knowledge.genres import resolve_profile  # noqa: E402
from mixcoach.knowledge.thresholds import thresholds  # noqa: E402
from mixcoach.knowledge.tonal_curve import tonal_curve  # noqa: E402

OUT = HERE.parent / "src" / "mixcoach" / "knowledge" / "data" / "tonal_curve.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "mixcoach-tonal-eval"
    )
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    curves: dict[str, list[tuple[np.ndarray, dict[str, float | None], str]]] = {}
    for collection, path, genre in tracks(TUNING):
        track = measured(path, None, seconds=args.seconds, cache=args.cache)
        if track is None:
            continue
        level = np.array([np.nan if v is None else v for v in track.spectrum.curve.level_db])
        bands = {band.name: band.level_db for band in track.spectrum.bands}
        curves.setdefault(collection, []).append((level, bands, genre))
    n = min(len(level) for rows in curves.values() for level, _, _ in rows)
    frequencies = np.array(_frequencies(args, n), dtype=float)
    residuals = [
        level[:n] - band_line(bands, frequencies)
        for rows in curves.values()
        for level, bands, _ in rows
    ]
    shape = np.nanmean(residuals, axis=0)
    limits = thresholds()
    judged = judged_points(frequencies, limits)
    spreads = []
    for rows in curves.values():
        deviations = []
        for level, _, genre in rows:
            profile = resolve_profile(genre, None)
            centres = {name: t.centre for name, t in profile.bands.items()}
            target = band_line(centres, frequencies) + shape
            deviation, _ = deviation_db(level[:n], target, judged & ~np.isnan(level[:n]))
            deviations.append(deviation)
        spreads.append(robust_spread(np.array(deviations)))
    spread = np.sqrt(np.nanmean(np.square(spreads), axis=0))
    count = sum(len(rows) for rows in curves.values())
    OUT.write_text(_toml(frequencies, shape, spread, sorted(curves), count))
    tonal_curve.cache_clear()
    print(f"{count} tracks from {', '.join(sorted(curves))}: wrote {OUT.relative_to(HERE.parent)}")
    for f, s, d in zip(frequencies, shape, spread, strict=True):
        print(f"  {f:8.1f} Hz  shape {s:+6.2f} dB  spread {d:5.2f} dB")


def robust_spread(deviations: np.ndarray) -> np.ndarray:
    """Per point, 1.4826 times the median absolute deviation over tracks: the standard deviation
    for normal data, but not inflated by the odd track with no bass at all or no top."""
    centre = np.nanmedian(deviations, axis=0)
    spread: np.ndarray = 1.4826 * np.nanmedian(np.abs(deviations - centre), axis=0)
    return spread


def _frequencies(args: argparse.Namespace, n: int) -> list[float]:
    for _, path, _ in tracks(TUNING):
        track = measured(path, None, seconds=args.seconds, cache=args.cache)
        if track is not None and len(track.spectrum.curve.frequencies_hz) >= n:
            return track.spectrum.curve.frequencies_hz[:n]
    raise SystemExit("no tuning track is installed")


def _toml(
    frequencies: np.ndarray, shape: np.ndarray, spread: np.ndarray, names: list[str], count: int
) -> str:
    def row(values: np.ndarray) -> str:
        return "[" + ", ".join(f"{float(v):.2f}" for v in values) + "]"

    return (
        "# The tonal target curve's within-band shape and the spread of real tracks around their\n"
        "# genre's target, per 1/6-octave point: written by bench/tonal_curve_fit.py (do not edit\n"
        "# by hand; see mixcoach.knowledge.tonal_curve).\n\n"
        "[fit]\n"
        f"collections = {names!r}\n".replace("'", '"')
        + f"tracks = {count}\n"
        f"frequencies_hz = {row(frequencies)}\n"
        f"shape_db = {row(np.nan_to_num(shape))}\n"
        f"spread_db = {row(np.nan_to_num(spread, nan=float(np.nanmax(spread))))}\n"
    )


if __name__ == "__main__":
    main()
