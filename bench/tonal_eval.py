"""Tonal judgement against planted EQ moves on real music: the target-curve judgement of
mixcoach.findings.spectral beside the band windows it replaced (the baseline).

Each track's middle ``--seconds`` is measured clean and with each move of
bench/tonal_plants.py planted (bells of Q 1 and shelves, +-6-10 dB, 100 Hz-10 kHz), once per
variant (the measurements are cached), and judged with its collection's genre. Prints, per
collection of the tuning set (what bench/tonal_curve_fit.py fitted on) and of the held-out set:

- detected: the move named by a code of its family, the right way round (and, second figure, with
  its amount within ``AMOUNT_TOLERANCE_DB`` of the planted gain);
- backwards: a code of the opposite family anywhere (the strict reading), split into those the
  clean excerpt already raised (the track's own balance, still there under the move) and those
  the plant caused (a code of the opposite family the clean excerpt did not raise);
- clean: tonal findings per clean excerpt, and how many of them are warnings or problems.

    .venv/bin/python bench/tonal_eval.py [--seconds 40] [--cache DIR] [--only COLLECTION ...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from tonal_plants import HELD_OUT, MOVES, TUNING, Move, measured, tracks  # noqa: E402

from mixcoach.audio.analyze import Measurements  # noqa: E402
from mixcoach.findings.grading import Context  # noqa: E402
from mixcoach.findings.model import Finding  # noqa: E402
from mixcoach.findings.spectral import fill_targets, spectral_findings  # noqa: E402
from mixcoach.knowledge.genres import GenreProfile, resolve_profile  # noqa: E402
from mixcoach.knowledge.thresholds import thresholds  # noqa: E402

AMOUNT_TOLERANCE_DB = 3.0

Judge = Callable[[Measurements, GenreProfile], list[Finding]]


def named_amount_db(finding: Finding) -> float | None:
    """The largest amount the finding quotes for a stretch of the curve, dB (None: none)."""
    amounts = [
        abs(e.value)
        for e in finding.evidence
        if e.value is not None and e.metric.startswith("spectrum.deviations.")
    ]
    return max(amounts, default=None)


def curve_judgement(track: Measurements, profile: GenreProfile) -> list[Finding]:
    """The target-curve judgement of mixcoach.findings.spectral."""
    ctx = Context(track=track, profile=profile, feedback_type="mixdown", limits=thresholds())
    filled, _ = fill_targets(track.spectrum, profile, tonality=track.tonality)
    return spectral_findings(ctx, filled)


#: Band -> (code for too much, code for too little), as the band-window judgement named them.
_BAND_WINDOW_CODES = {
    "sub": ("too_boomy", "too_thin"),
    "low": ("too_boomy", "too_thin"),
    "low_mid": ("muddy", None),
    "high_mid": ("harsh", None),
    "presence": ("harsh", "too_dull"),
    "air": ("too_bright", "too_dull"),
}


def band_window_judgement(track: Measurements, profile: GenreProfile) -> list[Finding]:
    """The baseline: each band against its profile window, the windows moved by the median
    offset of the band levels from the window centres (the judgement before the target curve)."""
    offsets = [
        band.level_db - centre
        for band in track.spectrum.bands
        if band.level_db is not None
        and band.name in profile.bands
        and (centre := profile.bands[band.name].centre) is not None
    ]
    if not offsets:
        return []
    offsets.sort()
    middle = len(offsets) // 2
    offset = offsets[middle] if len(offsets) % 2 else (offsets[middle - 1] + offsets[middle]) / 2
    findings = []
    for band in track.spectrum.bands:
        window = profile.bands.get(band.name)
        codes = _BAND_WINDOW_CODES.get(band.name)
        if window is None or codes is None or band.level_db is None:
            continue
        distance = window.shifted(offset).distance(band.level_db)
        code = codes[0] if distance > 0 else codes[1] if distance < 0 else None
        if code is not None:
            findings.append(
                Finding(
                    code=code,
                    severity="warning",
                    title=band.name,
                    detail="",
                    evidence=[],
                    time_ranges=[],
                    feedback_types=["mixdown"],
                )
            )
    return findings


@dataclass
class Tally:
    planted: int = 0
    detected: int = 0
    with_amount: int = 0
    backwards: int = 0
    backwards_by_plant: int = 0
    clean: int = 0
    clean_findings: int = 0
    clean_serious: int = 0
    missed: dict[str, int] = field(default_factory=dict)

    def add_planted(
        self, move: Move, findings: Iterable[Finding], clean_codes: frozenset[str]
    ) -> None:
        findings = list(findings)
        self.planted += 1
        named = [f for f in findings if f.code in move.expected]
        if named:
            self.detected += 1
            amounts = [named_amount_db(f) for f in named]
            if any(
                a is not None and abs(abs(a) - abs(move.gain_db)) <= AMOUNT_TOLERANCE_DB
                for a in amounts
            ):
                self.with_amount += 1
        else:
            self.missed[move.name] = self.missed.get(move.name, 0) + 1
        backwards = {f.code for f in findings if f.code in move.opposite}
        if backwards:
            self.backwards += 1
        if backwards - clean_codes:
            self.backwards_by_plant += 1

    def add_clean(self, findings: Iterable[Finding]) -> None:
        findings = list(findings)
        self.clean += 1
        self.clean_findings += len(findings)
        self.clean_serious += sum(f.severity in ("warning", "problem") for f in findings)

    def rates(self) -> str:
        p = max(self.planted, 1)
        return (
            f"{self.detected / p:4.0%} / {self.backwards / p:4.0%} "
            f"({self.backwards_by_plant / p:4.0%} by the plant)"
        )

    def row(self) -> str:
        p, c = max(self.planted, 1), max(self.clean, 1)
        return (
            f"detected {self.detected / p:5.0%} (amount ok {self.with_amount / p:4.0%})  "
            f"backwards {self.backwards / p:4.0%} "
            f"(clean's own {(self.backwards - self.backwards_by_plant) / p:4.0%}, "
            f"by the plant {self.backwards_by_plant / p:4.0%})  "
            f"clean {self.clean_findings / c:4.2f}/track ({self.clean_serious / c:4.2f} serious)"
        )


def evaluate(
    rows: list[tuple[str, Path, str]], *, seconds: float, cache: Path, judges: dict[str, Judge]
) -> None:
    collections = sorted({collection for collection, _, _ in rows})
    tallies = {(name, c): Tally() for name in judges for c in [*collections, "all"]}
    per_move = {(name, move): Tally() for name in judges for move in MOVES}
    excerpts = 0
    for collection, path, genre in rows:
        clean = measured(path, None, seconds=seconds, cache=cache)
        if clean is None:
            continue
        excerpts += 1
        profile = resolve_profile(genre, None)
        variants = [(m, measured(path, m, seconds=seconds, cache=cache)) for m in MOVES]
        for name, judge in judges.items():
            clean_findings = judge(clean, profile)
            clean_codes = frozenset(f.code for f in clean_findings)
            for key in (collection, "all"):
                tallies[(name, key)].add_clean(clean_findings)
            for move, track in variants:
                assert track is not None
                findings = judge(track, profile)
                for key in (collection, "all"):
                    tallies[(name, key)].add_planted(move, findings, clean_codes)
                per_move[(name, move)].add_planted(move, findings, clean_codes)
    print(f"  {excerpts} excerpts x {len(MOVES)} moves")
    for collection in [*collections, "all"]:
        for name in judges:
            print(f"  {collection:<12} {name:<12} {tallies[(name, collection)].row()}")
    print("  per move (detected / backwards, strict and by the plant):")
    for move in MOVES:
        cells = "  ".join(f"{name} {per_move[(name, move)].rates()}" for name in judges)
        print(f"    {move.name:<32} {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "mixcoach-tonal-eval"
    )
    parser.add_argument(
        "--only", nargs="*", default=None, help="collections to evaluate (default: all installed)"
    )
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    judges: dict[str, Judge] = {"curve": curve_judgement, "band windows": band_window_judgement}
    for title, every in (("Held-out set", HELD_OUT), ("Tuning set", TUNING)):
        collections = {k: v for k, v in every.items() if args.only is None or k in args.only}
        if not collections:
            continue
        print(f"\n{title}: {', '.join(collections)}")
        evaluate(tracks(collections), seconds=args.seconds, cache=args.cache, judges=judges)


if __name__ == "__main__":
    main()
