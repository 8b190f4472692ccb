"""limiting_db against planted limiting of known depth on real music.

Each track's loudest 25 s is driven 0, 3, 6, 10 and 15 dB into a hard clipper and two look-ahead
brick-wall limiters (tests/audio/limiting_support.py), and the dynamics meter reads it. Prints
the error (estimate - planted) per depth and plant: the median, the mean absolute error and the
share within 1.5 dB, for the tuning set (Drascula) and the held-out set (Singularity).

    .venv/bin/python bench/limiting_eval.py [--seconds 25]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "tests" / "audio"))

from limiting_support import held_out_tracks, loudest_excerpt, plants, tuning_tracks  # noqa: E402
from meters_support import dynamics_of  # noqa: E402

DEPTHS_DB = (0.0, 3.0, 6.0, 10.0, 15.0)
MIN_SECONDS = 10.0


def errors(tracks: list[Path], *, seconds: float) -> dict[tuple[str, float], list[float]]:
    found: dict[tuple[str, float], list[float]] = {}
    for path in tracks:
        audio, rate = loudest_excerpt(path, seconds=seconds)
        if audio.shape[1] < MIN_SECONDS * rate:
            continue  # a jingle: too short to have loud parts and quiet ones
        for depth in DEPTHS_DB:
            for name, planted in plants(audio, sample_rate_hz=rate, depth_db=depth).items():
                estimate = dynamics_of(planted, sample_rate_hz=rate).limiting_db
                found.setdefault((name, depth), []).append(
                    np.nan if estimate is None else estimate - depth
                )
    return found


def report(title: str, found: dict[tuple[str, float], list[float]]) -> None:
    names = sorted({name for name, _ in found})
    tracks = len(next(iter(found.values())))
    print(f"\n{title} ({tracks} excerpts): error = estimate - planted, dB")
    print(f"{'plant':<16}" + "".join(f"{f'{d:g} dB':>22}" for d in DEPTHS_DB))
    print(f"{'':<16}" + "".join(f"{'median  |err|  <=1.5':>22}" for _ in DEPTHS_DB))
    for name in names:
        cells = []
        for depth in DEPTHS_DB:
            e = np.array(found[(name, depth)])
            within = np.mean(np.abs(e) <= 1.5)
            cells.append(f"{np.nanmedian(e):+6.1f} {np.nanmean(np.abs(e)):5.1f} {within:6.0%}")
        print(f"{name:<16}" + "".join(f"{c:>22}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=25.0)
    args = parser.parse_args()
    report("Tuning set, Drascula", errors(tuning_tracks(), seconds=args.seconds))
    report("HELD OUT, Singularity", errors(held_out_tracks(), seconds=args.seconds))


if __name__ == "__main__":
    main()
