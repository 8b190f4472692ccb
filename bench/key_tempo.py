"""Key and tempo accuracy and speed: Mixcoach's meters beside essentia's extractors.

Runs on the evaluation set of ``bench/evalset.py`` (rendered on first use into bench/.cache/):

    .venv/bin/python bench/key_tempo.py                # Mixcoach and essentia, whole set
    .venv/bin/python bench/key_tempo.py --ablation     # and without the edge weighting
    .venv/bin/python bench/key_tempo.py --no-essentia  # Mixcoach alone

Scores: the MIREX weighted key score (1 same key, 0.5 a fifth above, 0.3 relative, 0.2 parallel,
as in mir_eval's default) and tempo Accuracy1 (within 4 % of the label) and Accuracy2 (within 4 %
of the label times 1, 2, 3, 1/2 or 1/3). Times are CPU seconds of the key and tempo work alone
(decoding is shared by all of Mixcoach's meters and is timed separately); for essentia, the
extractors' calls on audio already loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import evalset

from mixcoach.audio.decode import open_audio
from mixcoach.audio.frame import Block, FrameSpec, frame_blocks
from mixcoach.audio.rhythm import RhythmMeter
from mixcoach.audio.tonality import EDGE_SECONDS, TonalityMeter

TONIC_PCS = {name: pc for pc, name in enumerate(evalset.TONICS)}
#: Debian's drascula-music: a game soundtrack (real recordings, no labels), for speed and agreement.
REAL_MUSIC = Path("/usr/share/scummvm/drascula/audio")
TONIC_PCS.update({"Db": 1, "D#": 3, "Gb": 6, "G#": 8, "A#": 10})


@dataclass(frozen=True)
class Estimate:
    key: str | None
    mode: str | None
    tempo_bpm: float | None
    seconds: float  # CPU time of the estimate


def mirex_key_score(*, ref_key: str, ref_mode: str, key: str | None, mode: str | None) -> float:
    """MIREX weighted key score of one estimate (mir_eval's default: fifths counted upwards)."""
    if key is None or mode is None:
        return 0.0
    ref, est = TONIC_PCS[ref_key], TONIC_PCS[key]
    interval = (est - ref) % 12
    if mode == ref_mode:
        return 1.0 if interval == 0 else 0.5 if interval == 7 else 0.0
    if (ref_mode == "major" and interval == 9) or (ref_mode == "minor" and interval == 3):
        return 0.3
    return 0.2 if interval == 0 else 0.0


def key_relation(*, ref_key: str, ref_mode: str, key: str | None, mode: str | None) -> str:
    score = mirex_key_score(ref_key=ref_key, ref_mode=ref_mode, key=key, mode=mode)
    return {1.0: "same", 0.5: "fifth", 0.3: "relative", 0.2: "parallel"}.get(score, "other")


def tempo_accuracy(*, reference_bpm: float, estimate_bpm: float | None) -> tuple[bool, bool]:
    """(Accuracy1, Accuracy2) of one tempo estimate, with the usual 4 % tolerance."""
    if estimate_bpm is None:
        return False, False

    def close(target: float) -> bool:
        return abs(estimate_bpm - target) <= 0.04 * target

    return close(reference_bpm), any(close(reference_bpm * f) for f in (1, 2, 3, 1 / 2, 1 / 3))


def decoded_blocks(path: Path) -> tuple[FrameSpec, list[Block]]:
    """Decode and frame a file the way ``mixcoach.audio.analyze.measure`` does."""
    with open_audio(path) as source:
        info = source.info
        spec = FrameSpec.for_stream(
            sample_rate_hz=info.sample_rate_hz, channels=info.channels, total_frames=info.frames
        )
        blocks = list(frame_blocks(spec, source.blocks(block_frames=spec.block_frames)))
    return spec, blocks


def mixcoach_estimate(path: Path, *, edge_seconds: float = EDGE_SECONDS) -> Estimate:
    spec, blocks = decoded_blocks(path)
    start = time.process_time()
    rhythm, tonality = RhythmMeter(spec), TonalityMeter(spec, edge_seconds=edge_seconds)
    for block in blocks:
        rhythm.update(block)
        tonality.update(block)
    tempo, key = rhythm.result(), tonality.result()
    return Estimate(key.key, key.mode, tempo.tempo_bpm, time.process_time() - start)


def essentia_estimator() -> Callable[[Path], Estimate] | None:
    try:
        import essentia
        import essentia.standard as es
    except ImportError:
        return None
    essentia.log.infoActive = False
    essentia.log.warningActive = False
    key_extractor = es.KeyExtractor()
    rhythm_extractor = es.RhythmExtractor2013(method="multifeature")

    def estimate(path: Path) -> Estimate:
        audio = es.MonoLoader(filename=str(path), sampleRate=44100)()
        start = time.process_time()
        key, scale, _strength = key_extractor(audio)
        bpm = rhythm_extractor(audio)[0]
        seconds = time.process_time() - start
        spelled = evalset.TONICS[TONIC_PCS[key]]
        return Estimate(spelled, scale, float(bpm) if bpm > 0 else None, seconds)

    return remembered(estimate, f"essentia-{essentia.__version__}")


def remembered(estimate: Callable[[Path], Estimate], name: str) -> Callable[[Path], Estimate]:
    """``estimate``, its answers kept in bench/.cache (essentia takes seconds a piece; the
    rendered files are named by a digest of what they hold, so a kept answer cannot go stale)."""
    store = evalset.CACHE.parent / "estimates" / name

    def cached(path: Path) -> Estimate:
        if not path.is_relative_to(evalset.CACHE):
            return estimate(path)  # timing runs and unlabelled recordings are measured anew
        kept = store / f"{path.stem}.json"
        if kept.exists():
            return Estimate(**json.loads(kept.read_text()))
        result = estimate(path)
        store.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps(asdict(result)))
        return result

    return cached


def score_line(name: str, pieces: Sequence[evalset.Piece], estimates: Sequence[Estimate]) -> str:
    keyed = [(p, e) for p, e in zip(pieces, estimates, strict=True) if p.entry.has_key_label]
    keys = [
        mirex_key_score(ref_key=p.entry.key, ref_mode=p.entry.mode, key=e.key, mode=e.mode)
        for p, e in keyed
    ] or [float("nan")]
    relations = [
        key_relation(ref_key=p.entry.key, ref_mode=p.entry.mode, key=e.key, mode=e.mode)
        for p, e in keyed
    ]
    tempos = [
        tempo_accuracy(reference_bpm=p.entry.tempo_bpm, estimate_bpm=e.tempo_bpm)
        for p, e in zip(pieces, estimates, strict=True)
    ]
    counts = " ".join(
        f"{r}={relations.count(r)}" for r in ("same", "fifth", "relative", "parallel", "other")
    )
    return (
        f"  {name:<28} {np.mean(keys):6.3f}  {np.mean([t[0] for t in tempos]):5.3f}  "
        f"{np.mean([t[1] for t in tempos]):5.3f}  {np.mean([e.seconds for e in estimates]):8.4f}"
        f"   {counts}"
    )


def five_minute_file(pieces: Sequence[evalset.Piece]) -> Path:
    """A 5-minute stereo 44.1 kHz file: real recordings when Debian's drascula-music is installed
    (tracks 2 and 1 of a game soundtrack, played one after the other), else rendered pieces."""
    import soundfile as sf

    target = evalset.CACHE / "five-minutes.wav"
    if target.exists():
        return target
    sources = [REAL_MUSIC / "track2.ogg", REAL_MUSIC / "track1.ogg"]
    if not all(path.exists() for path in sources):
        sources = [p.path for p in pieces]
    parts, total = [], 0
    for path in sources:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
        if rate == 44100 and audio.shape[1] == 2:
            parts.append(audio)
            total += audio.shape[0]
        if total >= 300 * 44100:
            break
    sf.write(str(target), np.concatenate(parts)[: 300 * 44100], 44100, subtype="PCM_16")
    return target


def agreement_on_real_music(estimators: dict[str, Callable[[Path], Estimate]]) -> None:
    """Mixcoach beside essentia on real recordings that have no labels: how often they agree."""
    tracks = sorted(REAL_MUSIC.glob("*.ogg"))
    if "essentia" not in estimators or not tracks:
        return
    ours = [estimators["mixcoach"](t) for t in tracks]
    theirs = [estimators["essentia"](t) for t in tracks]
    same_key = sum((a.key, a.mode) == (b.key, b.mode) for a, b in zip(ours, theirs, strict=True))
    key_score = np.mean(
        [
            mirex_key_score(ref_key=b.key, ref_mode=b.mode, key=a.key, mode=a.mode)
            if b.key and b.mode
            else 0.0
            for a, b in zip(ours, theirs, strict=True)
        ]
    )
    tempo = [
        tempo_accuracy(reference_bpm=b.tempo_bpm, estimate_bpm=a.tempo_bpm)
        for a, b in zip(ours, theirs, strict=True)
        if b.tempo_bpm
    ]
    print(f"\nAgreement with essentia on {len(tracks)} unlabelled recordings ({REAL_MUSIC}):")
    print(
        f"  same key and mode {same_key}/{len(tracks)}, "
        f"MIREX score against essentia {key_score:.3f}"
    )
    print(
        f"  tempo within 4 % {sum(t[0] for t in tempo)}/{len(tempo)}, "
        f"within 4 % of 1, 2, 3, 1/2 or 1/3 times {sum(t[1] for t in tempo)}/{len(tempo)}"
    )


def speed(path: Path, estimators: dict[str, Callable[[Path], Estimate]]) -> None:
    """CPU seconds of each estimator on ``path``, best of three."""
    print(f"\nSpeed on {path} (5:00, stereo, 44.1 kHz), CPU seconds, best of 3:")
    decoding = []
    for _ in range(3):
        start = time.process_time()
        decoded_blocks(path)
        decoding.append(time.process_time() - start)
    print(f"  {'decode + shared STFT (all meters)':<34} {min(decoding):7.3f}")
    for name, estimate in estimators.items():
        best = min(estimate(path).seconds for _ in range(3))
        print(f"  {name:<34} {best:7.3f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-essentia", action="store_true")
    parser.add_argument("--verbose", "-v", action="store_true", help="one line per piece")
    parser.add_argument(
        "--ablation",
        action="store_true",
        help="also run Mixcoach with the opening and closing seconds weighted like the rest",
    )
    args = parser.parse_args(argv)
    reason = evalset.missing_tools()
    if reason:
        print(f"cannot render the evaluation set: {reason}", file=sys.stderr)
        return 1
    pieces = evalset.build()
    estimators: dict[str, Callable[[Path], Estimate]] = {"mixcoach": mixcoach_estimate}
    if args.ablation:
        estimators["mixcoach, no edge weighting"] = partial(mixcoach_estimate, edge_seconds=0.0)
    essentia = None if args.no_essentia else essentia_estimator()
    if essentia is not None:
        estimators["essentia"] = essentia
    results = {name: [estimate(p.path) for p in pieces] for name, estimate in estimators.items()}
    if args.verbose:
        for i, piece in enumerate(pieces):
            line = f"{piece.entry.id:<42} {piece.entry.key:>2} {piece.entry.mode:<5} "
            line += f"{piece.entry.tempo_bpm:6.1f} {'d' if piece.entry.drums else ' '}"
            line += (
                f" {piece.entry.meter or '-':>4} {piece.entry.texture[:5]:<5} {piece.entry.split}"
            )
            for name, estimates in results.items():
                e = estimates[i]
                tempo = "-" if e.tempo_bpm is None else f"{e.tempo_bpm:.1f}"
                line += f" | {name[:3]} {e.key} {e.mode} {tempo}"
            print(line)

    test_ids = {e.id for e in evalset.one_per_key([p.entry for p in pieces])}
    subsets: dict[str, Callable[[evalset.Piece], bool]] = {
        "all": lambda p: True,
        "dev (used while developing)": lambda p: p.entry.split == "dev",
        "held-out (never tuned on)": lambda p: p.entry.split == "held-out",
        "scores, dev": lambda p: not p.entry.is_folk and p.entry.split == "dev",
        "scores, held-out": lambda p: not p.entry.is_folk and p.entry.split == "held-out",
        "folk tunes, dev": lambda p: p.entry.is_folk and p.entry.split == "dev",
        "folk tunes, held-out": lambda p: p.entry.is_folk and p.entry.split == "held-out",
        "test subset (one piece per key)": lambda p: p.entry.id in test_ids,
    }
    print(
        "\nKey: MIREX weighted score (pieces with a key label). Tempo: Accuracy1, Accuracy2."
        " CPU seconds per piece."
    )
    print(f"  {'':<28} {'MIREX':>6}  {'Acc1':>5}  {'Acc2':>5}  {'s/piece':>8}   key outcomes")
    for title, chosen in subsets.items():
        index = [i for i, p in enumerate(pieces) if chosen(p)]
        print(f"{title} ({len(index)} pieces)")
        for name, estimates in results.items():
            print(score_line(name, [pieces[i] for i in index], [estimates[i] for i in index]))
    agreement_on_real_music(estimators)
    speed(five_minute_file(pieces), estimators)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
