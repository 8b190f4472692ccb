"""Tonal judgement against planted EQ moves on real music, new method beside the baseline.

Each track's middle ``--seconds`` is measured clean and with each move of
bench/tonal_plants.py planted (bells of Q 1 and shelves, +-6-10 dB, 100 Hz-10 kHz),
once per variant (the measurements are cached), and judged for several genres by the band-window
judgement of mixcoach.findings.spectral (the baseline; a candidate method is added to
``judges`` in main). Prints, for the tuning set (Drascula) and the held-out set (Singularity):

- detected: the move named by a code of its family, the right way round (and, second figure, with
  its amount within ``AMOUNT_TOLERANCE_DB`` of the planted gain);
- backwards: a code of the opposite family in the move's region;
- clean: tonal findings per clean excerpt, and how many of them are warnings or problems.

    .venv/bin/python bench/tonal_eval.py [--seconds 40] [--cache DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import soundfile as sf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from tonal_plants import (  # noqa: E402
    MOVES,
    Move,
    excerpt,
    held_out_tracks,
    tuning_tracks,
)

from mixcoach.audio.analyze import Measurements, measure  # noqa: E402
from mixcoach.findings.grading import Context  # noqa: E402
from mixcoach.findings.model import Finding  # noqa: E402
from mixcoach.findings.spectral import fill_targets, spectral_findings  # noqa: E402
from mixcoach.knowledge.genres import GenreProfile, resolve_profile  # noqa: E402
from mixcoach.knowledge.thresholds import thresholds  # noqa: E402

GENRES = ("general", "pop", "rock", "edm", "classical")
AMOUNT_TOLERANCE_DB = 3.0

Judge = Callable[[Measurements, GenreProfile], list[Finding]]


def measured(path: Path, move: Move | None, *, seconds: float, cache: Path) -> Measurements | None:
    """The excerpt's measurements with ``move`` planted (None: clean), from the cache if there."""
    key = hashlib.sha1(f"{path}|{seconds}|{move}".encode()).hexdigest()[:16]
    cached = cache / f"{key}.json"
    if cached.exists():
        return Measurements.model_validate_json(cached.read_text())
    clip = excerpt(path, seconds=seconds)
    if clip is None:
        return None
    audio, rate = clip
    if move is not None:
        audio = move.apply(audio, sample_rate_hz=rate)
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "variant.wav"
        sf.write(str(wav), audio.T, rate, subtype="FLOAT")
        result = measure(wav)
    cached.write_text(result.model_dump_json())
    return result


def named_amount_db(finding: Finding) -> float | None:
    """The largest distance outside its target the finding quotes, dB (None: no range)."""
    distances = [
        max((e.target_low or e.value) - e.value, e.value - (e.target_high or e.value))
        for e in finding.evidence
        if e.value is not None and e.unit == "dB"
    ]
    return max(distances, default=None)


def baseline_judgement(track: Measurements, profile: GenreProfile) -> list[Finding]:
    """The band-window judgement of mixcoach.findings.spectral."""
    ctx = Context(track=track, profile=profile, feedback_type="mixdown", limits=thresholds())
    filled, _ = fill_targets(track.spectrum, profile, tonality=track.tonality)
    return spectral_findings(ctx, filled)


@dataclass
class Tally:
    planted: int = 0
    detected: int = 0
    with_amount: int = 0
    backwards: int = 0
    clean: int = 0
    clean_findings: int = 0
    clean_serious: int = 0
    missed: dict[str, int] = field(default_factory=dict)

    def add_planted(self, move: Move, findings: Iterable[Finding]) -> None:
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
        if any(f.code in move.opposite for f in findings):
            self.backwards += 1

    def add_clean(self, findings: Iterable[Finding]) -> None:
        findings = list(findings)
        self.clean += 1
        self.clean_findings += len(findings)
        self.clean_serious += sum(f.severity in ("warning", "problem") for f in findings)

    def rates(self) -> str:
        p = max(self.planted, 1)
        return f"{self.detected / p:4.0%} / {self.backwards / p:4.0%}"

    def row(self) -> str:
        p, c = max(self.planted, 1), max(self.clean, 1)
        return (
            f"detected {self.detected / p:5.0%} (amount ok {self.with_amount / p:4.0%})  "
            f"backwards {self.backwards / p:4.0%}  "
            f"clean {self.clean_findings / c:4.2f}/track ({self.clean_serious / c:4.2f} serious)"
        )


def evaluate(tracks: list[Path], *, seconds: float, cache: Path, judges: dict[str, Judge]) -> None:
    tallies = {(name, genre): Tally() for name in judges for genre in GENRES}
    per_move = {(name, move): Tally() for name in judges for move in MOVES}
    excerpts = 0
    for path in tracks:
        clean = measured(path, None, seconds=seconds, cache=cache)
        if clean is None:
            continue
        excerpts += 1
        variants = [(m, measured(path, m, seconds=seconds, cache=cache)) for m in MOVES]
        for genre in GENRES:
            profile = resolve_profile(genre, None)
            for name, judge in judges.items():
                tallies[(name, genre)].add_clean(judge(clean, profile))
                for move, track in variants:
                    assert track is not None
                    findings = judge(track, profile)
                    tallies[(name, genre)].add_planted(move, findings)
                    per_move[(name, move)].add_planted(move, findings)
    print(f"  {excerpts} excerpts x {len(MOVES)} moves")
    for genre in GENRES:
        for name in judges:
            print(f"  {genre:<10} {name:<9} {tallies[(name, genre)].row()}")
    print("  per move, over all genres (detected / backwards):")
    for move in MOVES:
        cells = "  ".join(f"{name} {per_move[(name, move)].rates()}" for name in judges)
        print(f"    {move.name:<32} {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "mixcoach-tonal-eval"
    )
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    judges: dict[str, Judge] = {"baseline": baseline_judgement}
    for title, tracks in (
        ("Tuning set: Drascula soundtrack", tuning_tracks()),
        ("Held-out set: Singularity soundtrack", held_out_tracks()),
    ):
        print(f"\n{title}")
        evaluate(tracks, seconds=args.seconds, cache=args.cache, judges=judges)


if __name__ == "__main__":
    main()
