"""Key and tempo evaluation set: public-domain scores rendered to audio, labelled from the scores.

Nobody on the Mixcoach team wrote this material. The scores come from the corpus that ships
inside the ``music21`` package (Bach chorales, string quartet movements by Haydn, Mozart,
Beethoven and Schumann, a few songs and piano pieces); they are written to MIDI here and rendered
with FluidSynth and a General MIDI soundfont.

How a label is taken (see ``score_key``):

* **Key**: the key the score itself states (its first key signature and the mode written in the
  file), kept only when the music ends on that tonic (the lowest note sounding at the end is the
  stated tonic). Pieces whose ending contradicts the written key (modal chorales written with a
  "Dorian" signature, Phrygian or half-cadence endings), pieces without a stated mode, and
  excerpts that change key or time signature are left out: their key is ambiguous.
* **Tempo**: the MIDI tempo the piece is rendered at, in quarter notes per minute. Only 2/4, 3/4
  and 4/4 pieces in which at least 80 % of the quarter-note beats start a note are used, so the
  quarter note is the beat a listener hears. Tempos are assigned, log-uniformly between 60 and
  180 BPM (the scores' own tempo words are not numbers), and held steady.

Each piece lasts 30-60 s: a short chorale is played again from the top (whole bars, so the beat
grid runs on), a long piece is cut at 60 s.

The corpus is skewed towards a few keys (G, D, A major, A, E, B minor), so every piece is
transposed by -6..+5 semitones to a target key chosen to cover all 24 keys evenly; the label is
the transposed key. Instruments (General MIDI programs), panning, a drum kit on some pieces,
velocity accents and small timing offsets are varied per piece from a fixed seed.

Folk dance tunes and songs in other meters and textures (reels, hornpipes, jigs; 2/2, 2/4, 6/8,
9/8, 12/8) come from four more collections of the corpus: see ``evalset_folk.py``.

``python bench/evalset.py select`` scans the corpus and writes ``evalset_data/manifest.tsv``
(the committed definition of the set), ``select-folk`` replaces its folk tunes (and leaves the
rest alone); ``python bench/evalset.py build`` renders every piece of the manifest into
``bench/.cache/evalset/`` (once; later runs reuse the files).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import multiprocessing
import os
import random
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, fields
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

BENCH = Path(__file__).resolve().parent
MANIFEST = BENCH / "evalset_data" / "manifest.tsv"
CACHE = BENCH / ".cache" / "evalset"
SOUNDFONT = Path(os.environ.get("MIXCOACH_SOUNDFONT", "/usr/share/sounds/sf2/TimGM6mb.sf2"))

#: Bump when the rendering changes, so cached audio is rendered again.
RENDER_VERSION = 1

TONICS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MODES = ("major", "minor")

#: General MIDI programs per ensemble, top voice first (the last one repeats for extra parts).
ENSEMBLES: dict[str, tuple[int, ...]] = {
    "piano": (0,),
    "electric piano": (4, 4, 4, 33),
    "organ": (19,),
    "rock organ": (18, 18, 18, 34),
    "strings": (40, 40, 41, 42, 43),
    "string ensemble": (48, 48, 49, 43),
    "brass": (56, 60, 57, 58),
    "woodwinds": (73, 68, 71, 70),
    "choir": (52, 52, 52, 53),
    "guitars": (25, 24, 25, 32),
    "synth": (80, 81, 89, 38),
    "band": (65, 27, 4, 33),
    "harpsichord": (6, 6, 6, 6),
    "vibes": (11, 12, 0, 32),
}
SAMPLE_RATES_HZ = (44100, 44100, 44100, 48000, 48000, 22050)
MIN_SECONDS = 30.0
MAX_SECONDS = 60.0
TICKS_PER_QUARTER = 480
#: Collections of folk tunes (ABC files) rendered by ``evalset_folk.py``.
FOLK_CORPORA = ("ryansMammoth", "essenFolksong", "oneills1850", "miscFolk")

#: Non-chorale movements and songs considered (each must pass the same label rules).
OTHER_SCORES = (
    "beethoven/opus18no1/movement1.mxl",
    "beethoven/opus18no1/movement2.mxl",
    "beethoven/opus18no1/movement3.mxl",
    "beethoven/opus59no1/movement1.mxl",
    "beethoven/opus59no2/movement1.mxl",
    "beethoven/opus59no3/movement1.mxl",
    "beethoven/opus59no3/movement3.mxl",
    "mozart/k155/movement1.mxl",
    "mozart/k155/movement2.mxl",
    "mozart/k155/movement3.mxl",
    "mozart/k156/movement1.mxl",
    "mozart/k156/movement2.mxl",
    "mozart/k156/movement3.mxl",
    "mozart/k156/movement4.mxl",
    "mozart/k458/movement2.mxl",
    "mozart/k458/movement3.mxl",
    "mozart/k458/movement4.mxl",
    "mozart/k545/movement1_exposition.mxl",
    "mozart/k80/movement1.mxl",
    "mozart/k80/movement2.mxl",
    "mozart/k80/movement3.mxl",
    "mozart/k80/movement4.mxl",
    "haydn/opus1no1/movement2.mxl",
    "haydn/opus1no1/movement3.mxl",
    "haydn/opus1no1/movement4.mxl",
    "haydn/opus1no1/movement5.mxl",
    "haydn/opus74no1/movement1.mxl",
    "haydn/opus74no1/movement3.mxl",
    "haydn/opus74no1/movement4.mxl",
    "schumann_robert/dichterliebe_no2.xml",
    "schumann_robert/opus41no1/movement4.mxl",
    "schumann_clara/polonaise_op1n1.mxl",
    "schumann_clara/polonaise_op1n2.mxl",
    "schumann_clara/polonaise_op1n3.mxl",
    "schumann_clara/polonaise_op1n4.mxl",
    "handel/rinaldo/Lascia_chio_pianga.mxl",
    "corelli/opus3no1/1grave.xml",
    "cpebach/h186.mxl",
    "schubert/Lindenbaum.xml",
    "beach/prayer_of_a_tired_child.musicxml",
    "liliuokalani/aloha_oe.mxl",
    "leadSheet/fosterBrownHair.mxl",
)
CHORALES_PER_MODE = 48  # four per key
#: A piece is kept only if this share of its quarter-note beats starts a note in some voice:
#: otherwise the labelled beat (the quarter) is not one a listener could hear.
MIN_ARTICULATED_BEATS = 0.8


@dataclass(frozen=True)
class Entry:
    """One row of the manifest: which score, how it is rendered, and its labels."""

    id: str
    source: str  # path inside music21's corpus
    source_key: str  # the key the score states, e.g. "A major"
    transpose_semitones: int
    key: str  # label: tonic after transposition, spelled like TONICS
    mode: str  # label: "major" | "minor"
    tempo_bpm: float  # label: quarter notes per minute
    ensemble: str
    drums: bool
    sample_rate_hz: int
    split: str  # "dev" (used while developing the meters) | "held-out"
    meter: str = ""  # folk tunes: the time signature, e.g. "6/8" (the beat follows from it)
    texture: str = "parts"  # "parts" (the score's own voices) | "solo" | "doubled" | "vamp"

    @property
    def tonic_pc(self) -> int:
        return TONICS.index(self.key)

    @property
    def has_key_label(self) -> bool:
        """False for folk tunes whose key is modal or not confirmed by the ending."""
        return self.key != ""

    @property
    def is_folk(self) -> bool:
        return self.source.split("/", 1)[0] in FOLK_CORPORA


@dataclass(frozen=True)
class Piece:
    """A rendered piece with its labels."""

    entry: Entry
    path: Path


class EvalsetUnavailable(RuntimeError):
    """A tool the evaluation set needs (music21, fluidsynth, the soundfont) is missing."""


def missing_tools() -> str | None:
    """Why the set cannot be rendered here, or None when everything is installed."""
    if shutil.which("fluidsynth") is None:
        return "fluidsynth is not installed (apt-get install fluidsynth)"
    if not SOUNDFONT.exists():
        return f"soundfont {SOUNDFONT} not found (apt-get install timgm6mb-soundfont)"
    try:
        import music21  # noqa: F401
    except ImportError:
        return "the music21 package is not installed (pip install music21)"
    return None


# ---------------------------------------------------------------------------------------------
# Labels from the score


@dataclass(frozen=True)
class ScoreFacts:
    tonic_pc: int
    mode: str
    beats_per_bar: int
    anacrusis_quarters: float  # length of a pickup bar, 0 when the piece starts on a downbeat
    length_quarters: float


def score_key(score: Any, *, excerpt_quarters: float | None = None) -> ScoreFacts | str:
    """The key the score states, or the reason it is not used (see the module docstring)."""
    from music21 import key as m21key

    flat = score.flatten()
    signatures = list(flat.getElementsByClass("KeySignature"))
    meters = list(flat.getElementsByClass("TimeSignature"))
    if not signatures or not meters:
        return "no key or time signature"
    first = signatures[0]
    if not isinstance(first, m21key.Key) or first.mode not in MODES:
        return "the score states no major/minor mode"
    horizon = excerpt_quarters if excerpt_quarters is not None else float(score.highestTime)
    if any(s.sharps != first.sharps for s in signatures if float(s.offset) < horizon):
        return "the key signature changes"
    if any(m.ratioString != meters[0].ratioString for m in meters if float(m.offset) < horizon):
        return "the time signature changes"
    if meters[0].ratioString not in ("2/4", "3/4", "4/4"):
        return f"meter {meters[0].ratioString}: the beat is not the quarter note"
    tonic_pc = first.tonic.pitchClass
    notes = [n for n in flat.notes if n.quarterLength > 0]
    if not notes:
        return "no notes"
    last_onset = max(float(n.offset) for n in notes)
    final_chord = [
        min(p.midi for p in n.pitches)
        for n in notes
        if float(n.offset) <= last_onset < float(n.offset) + float(n.quarterLength)
    ]
    if min(final_chord) % 12 != tonic_pc:
        return "the music ends on another note than the stated tonic"
    onsets = {round(float(n.offset), 3) for n in notes if float(n.offset) < horizon}
    quarters = max(1, int(min(horizon, last_onset + 1)))
    articulated = sum(1 for q in range(quarters) if q in onsets) / quarters
    if articulated < MIN_ARTICULATED_BEATS:
        return (
            f"only {articulated:.0%} of the quarter-note beats start a note: the music moves in "
            "longer values, so the quarter note is not its beat"
        )
    measures = score.parts[0].getElementsByClass("Measure")
    first_bar = measures[0] if len(measures) else None
    pickup = (
        float(first_bar.duration.quarterLength)
        if first_bar is not None and first_bar.paddingLeft > 0
        else 0.0
    )
    return ScoreFacts(
        tonic_pc=tonic_pc,
        mode=first.mode,
        beats_per_bar=int(meters[0].numerator),
        anacrusis_quarters=pickup,
        length_quarters=float(score.highestTime),
    )


def key_name(tonic_pc: int, mode: str) -> str:
    return f"{TONICS[tonic_pc % 12]} {mode}"


# ---------------------------------------------------------------------------------------------
# Selection (writes the manifest)


def _corpus_path(path: Path) -> str:
    return str(path).split("corpus/", 1)[1]


def select(seed: int = 2024) -> list[Entry]:
    """Scan the corpus and pick the pieces of the set, covering all 24 keys evenly."""
    from music21 import corpus

    rng = random.Random(seed)
    accepted: dict[str, list[tuple[str, ScoreFacts]]] = {"chorale": [], "other": []}
    candidates = [("chorale", _corpus_path(p)) for p in sorted(corpus.getComposer("bach"))]
    candidates += [("other", source) for source in OTHER_SCORES]
    for kind, source in candidates:
        score = corpus.parse(source)
        if not hasattr(score, "parts") or (kind == "chorale" and len(score.parts) != 4):
            continue
        excerpt = None if kind == "chorale" else _excerpt_quarters_upper_bound()
        facts = score_key(score, excerpt_quarters=excerpt)
        if isinstance(facts, str):
            print(f"skip {source}: {facts}", file=sys.stderr)
            continue
        if kind == "chorale" and facts.length_quarters != round(facts.length_quarters):
            continue  # loops must keep the beat grid
        accepted[kind].append((source, facts))

    chosen: list[tuple[str, ScoreFacts]] = []
    for mode in MODES:
        pool = [item for item in accepted["chorale"] if item[1].mode == mode]
        rng.shuffle(pool)
        chosen += pool[:CHORALES_PER_MODE]
    chosen += accepted["other"]

    entries = []
    next_tonic = dict.fromkeys(MODES, 0)
    for index, (source, facts) in enumerate(chosen):
        target = next_tonic[facts.mode]
        next_tonic[facts.mode] = (target + 5) % 12 if facts.mode == "major" else (target + 7) % 12
        shift = (target - facts.tonic_pc + 6) % 12 - 6
        tempo = round(math.exp(rng.uniform(math.log(60), math.log(180))), 1)
        ensemble = rng.choice(sorted(ENSEMBLES))
        entries.append(
            Entry(
                id=f"{index:03d}-{source.replace('/', '_').rsplit('.', 1)[0]}",
                source=source,
                source_key=key_name(facts.tonic_pc, facts.mode),
                transpose_semitones=shift,
                key=TONICS[target],
                mode=facts.mode,
                tempo_bpm=tempo,
                ensemble=ensemble,
                drums=rng.random() < 0.4,
                sample_rate_hz=rng.choice(SAMPLE_RATES_HZ),
                split="dev" if index % 2 == 0 else "held-out",
            )
        )
    return entries


def _excerpt_quarters_upper_bound() -> float:
    """Quarters that fit in MAX_SECONDS at the fastest tempo: no change may happen before."""
    return MAX_SECONDS * 180 / 60


def write_manifest(entries: Sequence[Entry], path: Path = MANIFEST) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow([f.name for f in fields(Entry)])
        for entry in entries:
            row = asdict(entry)
            row["drums"] = int(entry.drums)
            writer.writerow(row.values())


def read_manifest(path: Path = MANIFEST) -> list[Entry]:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        Entry(
            id=row["id"],
            source=row["source"],
            source_key=row["source_key"],
            transpose_semitones=int(row["transpose_semitones"]),
            key=row["key"],
            mode=row["mode"],
            tempo_bpm=float(row["tempo_bpm"]),
            ensemble=row["ensemble"],
            drums=row["drums"] == "1",
            sample_rate_hz=int(row["sample_rate_hz"]),
            split=row["split"],
            meter=row.get("meter") or "",
            texture=row.get("texture") or "parts",
        )
        for row in rows
    ]


# ---------------------------------------------------------------------------------------------
# MIDI


@dataclass(frozen=True)
class NoteEvent:
    start_quarters: float
    length_quarters: float
    pitch: int
    velocity: int
    channel: int


def score_notes(score: Any, facts: ScoreFacts, entry: Entry, rng: random.Random) -> list[NoteEvent]:
    """The notes of one pass through the score, transposed, with metrical velocity accents."""
    events = []
    for index, part in enumerate(score.parts):
        channel = _channel(index)
        for element in part.stripTies().flatten().notes:
            length = float(element.quarterLength)
            if length <= 0:
                continue  # grace notes
            start = float(element.offset)
            beat = (start - facts.anacrusis_quarters) % facts.beats_per_bar
            accent = 96 if abs(beat) < 1e-6 else 84 if abs(beat - round(beat)) < 1e-6 else 72
            for pitch in element.pitches:
                events.append(
                    NoteEvent(
                        start_quarters=start,
                        length_quarters=length,
                        pitch=pitch.midi + entry.transpose_semitones,
                        velocity=max(1, min(127, accent + rng.randint(-6, 6))),
                        channel=channel,
                    )
                )
    return events


def _channel(part_index: int) -> int:
    """MIDI channel of a part, skipping channel 10 (index 9), which General MIDI keeps for drums."""
    channel = part_index % 15
    return channel + 1 if channel >= 9 else channel


def drum_notes(
    *,
    beats_per_bar: int,
    anacrusis_quarters: float,
    length_quarters: float,
    rng: random.Random,
    beat_quarters: float = 1.0,
) -> list[NoteEvent]:
    """A plain kit pattern: kick on the downbeat (and mid-bar in four-beat bars), snare on the
    other beats of two- and four-beat bars or beats 2-3 of three-beat bars, closed hi-hat on
    every eighth. ``beat_quarters`` is 1 in simple meters, 1.5 (dotted quarter) in compound."""
    kick, snare, hat = 36, 38, 42
    events = []
    steps = int(length_quarters * 2)
    for step in range(steps):
        start = step / 2
        position = start / beat_quarters
        beat = (start - anacrusis_quarters) / beat_quarters % beats_per_bar
        on_beat = position == round(position)
        events.append(
            NoteEvent(start, 0.25, hat, 70 + rng.randint(-8, 8) + (12 if on_beat else 0), 9)
        )
        if not on_beat:
            continue
        if beat == 0 or (beats_per_bar == 4 and beat == 2):
            events.append(NoteEvent(start, 0.5, kick, 110, 9))
        else:
            events.append(NoteEvent(start, 0.5, snare, 96, 9))
    return events


def midi_bytes(
    events: Iterable[NoteEvent],
    *,
    tempo_bpm: float,
    programs: Sequence[int],
    parts: int,
    rng: random.Random,
) -> bytes:
    """A format-0 Standard MIDI File holding ``events`` at one tempo."""
    seconds_per_tick = 60.0 / tempo_bpm / TICKS_PER_QUARTER
    timeline: list[tuple[int, int, bytes]] = []
    microseconds = round(60_000_000 / tempo_bpm)
    timeline.append((0, 0, b"\xff\x51\x03" + microseconds.to_bytes(3, "big")))
    for index in range(parts):
        channel = _channel(index)
        program = programs[min(index, len(programs) - 1)]
        pan = round(64 + 50 * math.sin(index * 2.1 + rng.uniform(-0.5, 0.5)))
        timeline.append((0, 1, bytes([0xC0 | channel, program])))
        timeline.append((0, 1, bytes([0xB0 | channel, 10, max(0, min(127, pan))])))
        timeline.append((0, 1, bytes([0xB0 | channel, 7, 100])))
    jitter_ticks = 0.006 / seconds_per_tick  # +-6 ms, a player's looseness
    for event in events:
        start = max(
            0,
            round(
                event.start_quarters * TICKS_PER_QUARTER + rng.uniform(-jitter_ticks, jitter_ticks)
            ),
        )
        end = max(
            start + 1,
            round((event.start_quarters + 0.95 * event.length_quarters) * TICKS_PER_QUARTER),
        )
        pitch = max(0, min(127, event.pitch))
        timeline.append((start, 3, bytes([0x90 | event.channel, pitch, event.velocity])))
        timeline.append((end, 2, bytes([0x80 | event.channel, pitch, 0])))
    timeline.sort(key=lambda item: (item[0], item[1]))
    track = bytearray()
    now = 0
    for tick, _, message in timeline:
        track += _varlen(tick - now) + message
        now = tick
    track += _varlen(0) + b"\xff\x2f\x00"
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, TICKS_PER_QUARTER)
    return header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track)


def _varlen(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def entry_midi(entry: Entry) -> bytes:
    """Render an entry's score to MIDI, checking its label against the score again."""
    from music21 import corpus

    if entry.is_folk:
        import evalset_folk

        return evalset_folk.tune_midi(entry)

    score = corpus.parse(entry.source)
    is_chorale = entry.source.startswith("bach/")
    facts = score_key(
        score, excerpt_quarters=None if is_chorale else _excerpt_quarters_upper_bound()
    )
    if isinstance(facts, str):
        raise ValueError(f"{entry.id}: the score no longer gives a usable key ({facts})")
    expected = key_name(facts.tonic_pc + entry.transpose_semitones, facts.mode)
    if (
        expected != f"{entry.key} {entry.mode}"
        or key_name(facts.tonic_pc, facts.mode) != entry.source_key
    ):
        raise ValueError(
            f"{entry.id}: manifest says {entry.key} {entry.mode}, the score {expected}"
        )
    rng = random.Random(entry.id)
    one_pass = score_notes(score, facts, entry, rng)
    seconds_per_quarter = 60.0 / entry.tempo_bpm
    max_quarters = MAX_SECONDS / seconds_per_quarter
    passes = max(1, math.ceil(MIN_SECONDS / (facts.length_quarters * seconds_per_quarter)))
    if facts.length_quarters != round(facts.length_quarters):
        passes = 1  # a loop would shift the beat grid
    events = [
        NoteEvent(
            n.start_quarters + k * facts.length_quarters,
            n.length_quarters,
            n.pitch,
            n.velocity,
            n.channel,
        )
        for k in range(passes)
        for n in one_pass
    ]
    total = min(max_quarters, passes * facts.length_quarters)
    events = [
        NoteEvent(
            n.start_quarters,
            min(n.length_quarters, total - n.start_quarters),
            n.pitch,
            n.velocity,
            n.channel,
        )
        for n in events
        if n.start_quarters < total
    ]
    if entry.drums:
        events += drum_notes(
            beats_per_bar=facts.beats_per_bar,
            anacrusis_quarters=facts.anacrusis_quarters,
            length_quarters=math.floor(total),
            rng=rng,
        )
    return midi_bytes(
        events,
        tempo_bpm=entry.tempo_bpm,
        programs=ENSEMBLES[entry.ensemble],
        parts=len(score.parts),
        rng=rng,
    )


# ---------------------------------------------------------------------------------------------
# Rendering


def render(entry: Entry, cache_dir: Path = CACHE) -> Path:
    """The rendered WAV of ``entry`` (rendered on first use, then reused from ``cache_dir``)."""
    reason = missing_tools()
    if reason:
        raise EvalsetUnavailable(reason)
    digest = hashlib.sha256(
        repr((asdict(entry), RENDER_VERSION, SOUNDFONT.name, SOUNDFONT.stat().st_size)).encode()
    ).hexdigest()[:10]
    target = cache_dir / f"{entry.id}-{digest}.wav"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    midi = target.with_suffix(".mid")
    midi.write_bytes(entry_midi(entry))
    partial = target.with_suffix(".partial.wav")
    subprocess.run(
        [
            "fluidsynth",
            "-ni",
            "-q",
            "-g",
            "0.4",
            "-r",
            str(entry.sample_rate_hz),
            "-F",
            str(partial),
            str(SOUNDFONT),
            str(midi),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    midi.unlink()
    partial.replace(target)
    return target


def build(entries: Sequence[Entry] | None = None, cache_dir: Path = CACHE) -> list[Piece]:
    """Render ``entries`` (default: the whole manifest) and return them with their audio."""
    chosen = read_manifest() if entries is None else entries
    paths = in_parallel(partial(render, cache_dir=cache_dir), chosen)
    return [Piece(entry, path) for entry, path in zip(chosen, paths, strict=True)]


T = TypeVar("T")
R = TypeVar("R")


def in_parallel(function: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``function`` of each item, one worker process per core: pieces are independent, and
    music21 and the meters hold the interpreter while they work. Workers are spawned rather than
    forked, since the caller may be running threads (a test server)."""
    workers = min(len(items), os.cpu_count() or 1)
    if workers <= 1:
        return [function(item) for item in items]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(function, items))


def one_per_key(entries: Sequence[Entry]) -> list[Entry]:
    """The first entry of each of the 24 keys: a small subset that still covers every key."""
    seen: dict[tuple[str, str], Entry] = {}
    for entry in entries:
        if entry.has_key_label and not entry.is_folk:
            seen.setdefault((entry.key, entry.mode), entry)
    return list(seen.values())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("select", "select-folk", "build"))
    args = parser.parse_args(argv)
    if args.command == "select":
        entries = select()
        write_manifest(entries)
        print(f"wrote {len(entries)} entries to {MANIFEST}")
        return 0
    if args.command == "select-folk":
        import evalset_folk

        kept = [e for e in read_manifest() if not e.is_folk]
        folk = evalset_folk.select(first_index=len(kept))
        write_manifest([*kept, *folk])
        print(f"wrote {len(kept)} scores and {len(folk)} folk tunes to {MANIFEST}")
        return 0
    reason = missing_tools()
    if reason:
        print(f"cannot render the evaluation set: {reason}", file=sys.stderr)
        return 1
    pieces = build()
    print(f"{len(pieces)} pieces in {CACHE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
