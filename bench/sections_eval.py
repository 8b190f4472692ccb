"""SongSection boundary F on arrangements of real recordings, beside a plain band-energy novelty.

Each arrangement joins excerpts of distinct recordings (Drascula's score at 44.1 kHz,
Singularity's at 48 kHz; nobody on the team made either) in a pattern such as A B A C, where a
repeated letter is a second excerpt of the same recording. The joins are the labelled
boundaries. An arrangement is held out of tuning when ``crc32(name) % 3 == 0``; the held-out F
is the figure to quote.

    PYTHONPATH=src python bench/sections_eval.py
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from mixcoach.audio import sections
from mixcoach.audio.frame import FrameSpec, frame_blocks
from mixcoach.audio.rhythm import Rhythm, RhythmMeter

DRASCULA = Path("/usr/share/scummvm/drascula/audio")
SINGULARITY = Path("/usr/share/games/singularity/music")
PATTERNS = ("ABAC", "ABCB", "ABCA", "ABACB", "ABCD", "ABCAB")
#: Excerpts are drawn from recordings at least this long, skipping their first seconds (intros).
MIN_RECORDING_S = 70.0
SKIP_S = 5.0
COUNT = 36


@dataclass(frozen=True)
class Excerpt:
    path: Path
    start_s: float
    length_s: float


@dataclass(frozen=True)
class Plan:
    """Which excerpts an arrangement joins, in order; cheap to make, rendered on demand."""

    name: str
    pattern: str  # one letter per excerpt: a repeated letter is the same recording
    excerpts: list[Excerpt]
    sample_rate_hz: int

    @property
    def held_out(self) -> bool:
        return zlib.crc32(self.name.encode()) % 3 == 0


@dataclass(frozen=True)
class Arrangement:
    plan: Plan
    audio: np.ndarray  # (channels, samples) float32
    boundaries_s: list[float]  # the joins, without 0 and the end


def recordings() -> list[Path]:
    found = sorted(DRASCULA.glob("track*.ogg")) + sorted(SINGULARITY.glob("*.ogg"))
    return [path for path in found if sf.info(str(path)).duration >= MIN_RECORDING_S]


def plans(*, count: int, seed: int = 14) -> list[Plan]:
    """``count`` arrangements, each of one source's recordings (so one sample rate)."""
    rng = np.random.default_rng(seed)
    by_rate: dict[int, list[tuple[Path, float]]] = {}
    for path in recordings():
        info = sf.info(str(path))
        by_rate.setdefault(info.samplerate, []).append((path, info.duration))
    groups = sorted(by_rate.items())
    made = []
    for index in range(count):
        rate, paths = groups[index % len(groups)]
        pattern = PATTERNS[index % len(PATTERNS)]
        letters = sorted(set(pattern))
        chosen = rng.choice(len(paths), size=len(letters), replace=False)
        source = {letter: paths[i] for letter, i in zip(letters, chosen, strict=True)}
        excerpts = []
        for letter in pattern:
            path, duration = source[letter]
            length_s = float(rng.uniform(15.0, 35.0))
            start_s = float(rng.uniform(SKIP_S, max(SKIP_S, duration - length_s - 1.0)))
            excerpts.append(Excerpt(path, start_s, length_s))
        name = f"{index:02d}-{pattern}-" + "-".join(source[letter][0].stem for letter in letters)
        made.append(Plan(name, pattern, excerpts, rate))
    return made


def render(plan: Plan) -> Arrangement:
    rate = plan.sample_rate_hz
    pieces, boundaries, position = [], [], 0.0
    for excerpt in plan.excerpts:
        audio, _ = sf.read(
            str(excerpt.path),
            start=int(excerpt.start_s * rate),
            frames=int(excerpt.length_s * rate),
            dtype="float32",
            always_2d=True,
        )
        pieces.append(audio.T)
        position += audio.shape[0] / rate
        boundaries.append(position)
    return Arrangement(plan, np.concatenate(pieces, axis=1), boundaries[:-1])


def find_on_beats(
    audio: np.ndarray, sample_rate_hz: int
) -> tuple[list[sections.SongSection], Rhythm, np.ndarray]:
    """The sections the meter finds in ``audio``, the rhythm read and the beat times (s)."""
    spec = FrameSpec.for_stream(
        sample_rate_hz=sample_rate_hz, channels=audio.shape[0], total_frames=audio.shape[1]
    )
    meter, rhythm = sections.SectionsMeter(spec), RhythmMeter(spec)
    step = spec.block_frames
    raw = (audio[:, i : i + step] for i in range(0, audio.shape[1], step))
    for block in frame_blocks(spec, raw):
        meter.update(block)
        rhythm.update(block)
    read = rhythm.result()
    beats_s = rhythm.beats_s(read.tempo_bpm)
    return meter.result(beats_s=beats_s), read, beats_s


def find(
    audio: np.ndarray, sample_rate_hz: int, *, baseline: bool = False
) -> list[sections.SongSection]:
    """The sections the meter finds in ``audio``.

    ``baseline``: band-energy novelty alone, on half-second frames (no tempo, chroma or level).
    """
    spec = FrameSpec.for_stream(
        sample_rate_hz=sample_rate_hz, channels=audio.shape[0], total_frames=audio.shape[1]
    )
    meter, rhythm = sections.SectionsMeter(spec), RhythmMeter(spec)
    step = spec.block_frames
    raw = (audio[:, i : i + step] for i in range(0, audio.shape[1], step))
    for block in frame_blocks(spec, raw):
        meter.update(block)
        rhythm.update(block)
    if baseline:
        return meter.result(beats_s=np.zeros(0), weights=(1.0, 0.0, 0.0))
    return meter.result(beats_s=rhythm.beats_s(rhythm.result().tempo_bpm))


def boundary_f(found_s: list[float], truth_s: list[float], *, tolerance_s: float) -> float:
    """F-measure of boundaries, each true boundary matched by at most one found within tolerance."""
    if not found_s and not truth_s:
        return 1.0
    unmatched = list(found_s)
    hits = 0
    for truth in truth_s:
        near = [f for f in unmatched if abs(f - truth) <= tolerance_s]
        if near:
            unmatched.remove(min(near, key=lambda f: abs(f - truth)))
            hits += 1
    if hits == 0:
        return 0.0
    precision, recall = hits / len(found_s), hits / len(truth_s)
    return 2 * precision * recall / (precision + recall)


def inner_boundaries(found: list[sections.SongSection]) -> list[float]:
    return [section.start_s for section in found[1:]]


def main() -> None:
    arrangements = plans(count=COUNT)
    rows: dict[tuple[str, bool, float], list[float]] = {}
    for plan in arrangements:
        arrangement = render(plan)
        for method, baseline in (("sections", False), ("baseline", True)):
            found = inner_boundaries(
                find(arrangement.audio, plan.sample_rate_hz, baseline=baseline)
            )
            for tolerance in (3.0, 0.5):
                f = boundary_f(found, arrangement.boundaries_s, tolerance_s=tolerance)
                rows.setdefault((method, plan.held_out, tolerance), []).append(f)
    held = sum(a.held_out for a in arrangements)
    print(f"{len(arrangements)} arrangements, {held} held out (crc32(name) % 3 == 0)")
    print(f"{'method':<10} {'part':<9} {'F@3s':>6} {'F@0.5s':>7}")
    for method in ("sections", "baseline"):
        for part, held_out in (("tune", False), ("held-out", True)):
            f3 = np.mean(rows[(method, held_out, 3.0)])
            f05 = np.mean(rows[(method, held_out, 0.5)])
            print(f"{method:<10} {part:<9} {f3:6.3f} {f05:7.3f}")


if __name__ == "__main__":
    main()
