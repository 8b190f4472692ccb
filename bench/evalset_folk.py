"""Folk dance tunes and songs for the tempo evaluation set: other corpora, meters and textures.

The chorales and movements of ``evalset.py`` move in quarter notes at moderate speeds, so they
never test the double/half-time choice on fast, even running notes. These tunes do: reels,
hornpipes, clogs and strathspeys in 2/2, 2/4 and 4/4, jigs and slides in 6/8, 9/8 and 12/8,
marches and songs, from four collections that ship inside the ``music21`` package (ABC files):

* ``ryansMammoth``: Ryan's Mammoth Collection (Boston, 1883), one tune per file;
* ``essenFolksong``: the Essen folk song collection (German songs);
* ``oneills1850``: O'Neill's Music of Ireland (1903), fifty tunes per file;
* ``miscFolk``: an American fife tune book (marches and quicksteps).

Labels, from the score:

* **Tempo**: the rendered tempo of the beat: the quarter note in simple meters (2/2 included:
  the quarter is the labelled beat of a reel, as in the issue that asked for these tunes), the
  dotted quarter in compound ones (6/8, 9/8, 12/8). The beat is marked as a player marks it:
  the bar's first note loudest, the other beats a little louder than the notes between them.
  Tempos are assigned log-uniformly between 70 and 180 beats a minute. A tune is kept only when
  at least 80 % of its beats start a note, so the labelled beat is one a listener can hear.
* **Key**: as for the classical pieces (the stated major or minor key, confirmed by the final
  note); modal tunes and tunes that end elsewhere keep a tempo label and no key label.

Textures: a melody instrument alone; doubled an octave below by a second instrument; over a
vamp (a bass note on the strong beats and the tonic triad on the others, as a piano player
accompanies a dance); any of them with a drum kit (kick, snare, hi-hat on the subdivisions).

Split, fixed when the tunes were selected and before any tuning: half of the Ryan's and Essen
tunes (by a hash of the tune's name) are ``dev``; the other half, and every O'Neill's and fife
tune (collections the tempo code was never looked at on), are ``held-out``.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import evalset
from evalset import Entry, NoteEvent

#: Meters accepted: beat length in quarter notes and beats per bar.
METERS: dict[str, tuple[float, int]] = {
    "2/4": (1.0, 2),
    "3/4": (1.0, 3),
    "4/4": (1.0, 4),
    "2/2": (1.0, 4),  # the quarter is the labelled beat (see the module docstring)
    "6/8": (1.5, 2),
    "9/8": (1.5, 3),
    "12/8": (1.5, 4),
}
MIN_BPM, MAX_BPM = 70.0, 180.0
SECONDS = 30.0
MIN_ARTICULATED_BEATS = 0.8
#: Tunes taken per collection: (collection, how many, at most how many from one file (the
#: big files hold hundreds of tunes and take a minute to parse), the files' names must contain
#: one of).
COLLECTIONS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("ryansMammoth", 24, 1, ("Reel",)),
    ("ryansMammoth", 14, 1, ("Hornpipe",)),
    ("ryansMammoth", 14, 1, ("Jig",)),
    ("ryansMammoth", 8, 1, ("Clog", "Strathspey", "Polka", "March")),
    ("essenFolksong", 16, 8, ("",)),
    ("oneills1850", 36, 9, ("",)),
    ("miscFolk", 16, 16, ("americanfife",)),
)
HELD_OUT_COLLECTIONS = ("oneills1850", "miscFolk")
#: General MIDI melody programs: fiddle, flute, accordion, tin whistle, banjo, piano, harp,
#: steel guitar, bagpipe, clarinet, harmonica, oboe.
MELODY_PROGRAMS = (40, 73, 21, 78, 105, 0, 46, 25, 109, 71, 22, 68)
TEXTURES = ("solo", "solo", "doubled", "vamp")


@dataclass(frozen=True)
class TuneFacts:
    meter: str
    beat_quarters: float
    beats_per_bar: int
    anacrusis_quarters: float
    length_quarters: float
    key_tonic_pc: int  # the key signature's tonic (major, or the mode's final), for the vamp
    tonic_pc: int | None  # the key label, when the key is major or minor and confirmed
    mode: str | None


def tune_facts(score: Any) -> TuneFacts | str:
    """The labels of one tune, or why it is left out."""
    flat = score.flatten()
    meters = list(flat.getElementsByClass("TimeSignature"))
    signatures = list(flat.getElementsByClass("KeySignature"))
    if not meters or not signatures or not hasattr(score, "parts") or len(score.parts) != 1:
        return "no time or key signature, or not a single melody"
    if any(m.ratioString != meters[0].ratioString for m in meters):
        return "the time signature changes"
    meter = meters[0].ratioString
    if meter not in METERS:
        return f"meter {meter} is not one of {', '.join(METERS)}"
    if any(s.sharps != signatures[0].sharps for s in signatures):
        return "the key signature changes"
    beat, beats_per_bar = METERS[meter]
    notes = [n for n in flat.notes if n.quarterLength > 0 and not n.isChord]
    if len(notes) < 16:
        return "fewer than 16 notes"
    measures = score.parts[0].getElementsByClass("Measure")
    first = measures[0] if len(measures) else None
    pickup = (
        float(first.duration.quarterLength) if first is not None and first.paddingLeft > 0 else 0.0
    )
    length = float(score.highestTime)
    onsets = {round(float(n.offset) - pickup, 3) for n in notes}
    beats = int((length - pickup) // beat)
    if beats < 8:
        return "shorter than eight beats"
    articulated = sum(1 for b in range(beats) if round(b * beat, 3) in onsets) / beats
    if articulated < MIN_ARTICULATED_BEATS:
        return f"only {articulated:.0%} of the beats start a note"
    stated = signatures[0]
    key = stated if hasattr(stated, "mode") else stated.asKey()
    tonic_pc: int | None = None
    mode: str | None = None
    final = notes[-1].pitches[0].pitchClass
    if getattr(key, "mode", None) in evalset.MODES and final == key.tonic.pitchClass:
        tonic_pc, mode = key.tonic.pitchClass, key.mode
    return TuneFacts(
        meter=meter,
        beat_quarters=beat,
        beats_per_bar=beats_per_bar,
        anacrusis_quarters=pickup,
        length_quarters=length,
        key_tonic_pc=key.tonic.pitchClass,
        tonic_pc=tonic_pc,
        mode=mode,
    )


def _tunes(collection: str, patterns: tuple[str, ...], rng: random.Random) -> list[str]:
    """Sources of a collection's tunes matching ``patterns``, shuffled: "file" or "file#index"."""
    from music21 import corpus

    files = sorted(
        evalset._corpus_path(p)
        for p in corpus.getComposer(collection, fileExtensions=("abc",))
        if any(pattern in str(p) for pattern in patterns)
    )
    rng.shuffle(files)
    return files


def _scores(source: str) -> list[tuple[str, Any]]:
    from music21 import corpus, stream

    parsed = corpus.parse(source)
    if isinstance(parsed, stream.Opus):
        return [(f"{source}#{i}", s) for i, s in enumerate(parsed.scores)]
    return [(source, parsed)]


def parse_tune(source: str) -> Any:
    """The score of one tune of the manifest ("file" or "file#index").

    ``index`` counts the scores of the file's Opus, which holds the tunes in the order of their
    reference numbers. Only the wanted tune is translated, not the whole Opus (up to a minute for
    the big files, against a second or two to read their tokens); it is split off the whole
    file's tokens, as the Opus does, so it keeps the file's header lines. (The Opus would leave
    out a tune that fails to translate, shifting the indices after it; every tune of the manifest
    gives the same MIDI file both ways.)
    """
    from music21 import abcFormat, corpus
    from music21.abcFormat import translate

    path, _, index = source.partition("#")
    if not index:
        return corpus.parse(path)
    text = Path(corpus.getWork(path)).read_text(encoding="utf-8")  # as music21's ABCFile reads
    tunes = abcFormat.ABCFile().readstr(text).splitByReferenceNumber()
    return translate.abcToStreamScore(tunes[sorted(tunes)[int(index)]])


def split_of(source: str) -> str:
    collection = source.split("/", 1)[0]
    if collection in HELD_OUT_COLLECTIONS:
        return "held-out"
    return "dev" if hashlib.sha256(source.encode()).digest()[0] % 2 == 0 else "held-out"


def select(first_index: int, seed: int = 2025) -> list[Entry]:
    """Pick the tunes, label them and assign tempo, texture, instruments and split."""
    import sys

    rng = random.Random(seed)
    entries: list[Entry] = []
    taken: set[str] = set()
    for collection, wanted, per_file, patterns in COLLECTIONS:
        found = 0
        for path in _tunes(collection, patterns, rng):
            if found >= wanted:
                break
            scores = _scores(path)
            rng.shuffle(scores)
            from_file = 0
            for source, score in scores:
                if found >= wanted or from_file >= per_file or source in taken:
                    continue
                facts = tune_facts(score)
                if isinstance(facts, str):
                    print(f"skip {source}: {facts}", file=sys.stderr)
                    continue
                taken.add(source)
                found += 1
                from_file += 1
                entries.append(_entry(first_index + len(entries), source, facts, rng))
        print(f"{collection} {patterns}: {found} tunes", file=sys.stderr)
    return entries


def _entry(index: int, source: str, facts: TuneFacts, rng: random.Random) -> Entry:
    shift = rng.randint(-6, 5)
    labelled = facts.tonic_pc is not None and facts.mode is not None
    name = source.replace("/", "_").replace("#", "_").rsplit(".abc", 1)
    return Entry(
        id=f"{index:03d}-{''.join(name)}",
        source=source,
        source_key=evalset.key_name(facts.tonic_pc, facts.mode)
        if labelled and facts.tonic_pc is not None and facts.mode is not None
        else "",
        transpose_semitones=shift,
        key=evalset.TONICS[(facts.tonic_pc + shift) % 12] if facts.tonic_pc is not None else "",
        mode=facts.mode or "",
        tempo_bpm=round(math.exp(rng.uniform(math.log(MIN_BPM), math.log(MAX_BPM))), 1),
        ensemble=str(rng.choice(MELODY_PROGRAMS)),
        drums=rng.random() < 0.35,
        sample_rate_hz=rng.choice(evalset.SAMPLE_RATES_HZ),
        split=split_of(source),
        meter=facts.meter,
        texture=rng.choice(TEXTURES),
    )


# ---------------------------------------------------------------------------------------------
# MIDI


def tune_midi(entry: Entry) -> bytes:
    """Render a tune of the manifest to MIDI, checking its labels against the score again."""
    score = parse_tune(entry.source)
    facts = tune_facts(score)
    if isinstance(facts, str):
        raise ValueError(f"{entry.id}: the tune is no longer usable ({facts})")
    if facts.meter != entry.meter:
        raise ValueError(f"{entry.id}: manifest says {entry.meter}, the score {facts.meter}")
    rng = random.Random(entry.id)
    seconds_per_quarter = 60.0 / entry.tempo_bpm / facts.beat_quarters
    total = SECONDS / seconds_per_quarter
    # The tune is played again from the top after whole bars (a rest fills an incomplete last
    # bar), so the beat grid runs on.
    bar = facts.beat_quarters * facts.beats_per_bar
    period = math.ceil(facts.length_quarters / bar - 1e-6) * bar
    melody = _melody(score, facts, entry, rng)
    events = [
        NoteEvent(
            n.start_quarters + k * period,
            min(n.length_quarters, total - n.start_quarters - k * period),
            n.pitch,
            n.velocity,
            n.channel,
        )
        for k in range(math.ceil(total / period))
        for n in melody
        if n.start_quarters + k * period < total
    ]
    programs = [int(entry.ensemble)]
    if entry.texture == "doubled":
        second = MELODY_PROGRAMS[(MELODY_PROGRAMS.index(int(entry.ensemble)) + 5) % 12]
        events += [
            NoteEvent(n.start_quarters, n.length_quarters, n.pitch - 12, max(1, n.velocity - 10), 1)
            for n in events
        ]
        programs.append(second)
    elif entry.texture == "vamp":
        events += _vamp(facts, entry, total)
        programs += [32, 0]  # acoustic bass, piano
    if entry.drums:
        events += evalset.drum_notes(
            beats_per_bar=facts.beats_per_bar,
            anacrusis_quarters=facts.anacrusis_quarters,
            length_quarters=math.floor(total),
            rng=rng,
            beat_quarters=facts.beat_quarters,
        )
    return evalset.midi_bytes(
        events,
        tempo_bpm=60.0 / seconds_per_quarter,
        programs=programs,
        parts=len(programs),
        rng=rng,
    )


def _melody(score: Any, facts: TuneFacts, entry: Entry, rng: random.Random) -> list[NoteEvent]:
    """The tune's notes, transposed, with the bar's first beat and the other beats accented."""
    events = []
    for element in score.parts[0].stripTies().flatten().notes:
        length = float(element.quarterLength)
        if length <= 0 or element.isChord:
            continue  # grace notes and chord symbols
        start = float(element.offset)
        position = (start - facts.anacrusis_quarters) / facts.beat_quarters
        on_beat = abs(position - round(position)) < 1e-6
        downbeat = on_beat and round(position) % facts.beats_per_bar == 0
        accent = 100 if downbeat else 88 if on_beat else 70
        for pitch in element.pitches:
            events.append(
                NoteEvent(
                    start_quarters=start,
                    length_quarters=length,
                    pitch=pitch.midi + entry.transpose_semitones,
                    velocity=max(1, min(127, accent + rng.randint(-6, 6))),
                    channel=0,
                )
            )
    return events


def _vamp(facts: TuneFacts, entry: Entry, total_quarters: float) -> list[NoteEvent]:
    """Bass on the bar's first beat (and its middle one in four-beat bars), the tonic triad on
    the other beats: a dance pianist's vamp, without harmony beyond the key."""
    tonic = (facts.key_tonic_pc + entry.transpose_semitones) % 12
    minor = entry.mode == "minor"
    triad = [60 + tonic, 60 + tonic + (3 if minor else 4), 60 + tonic + 7]
    beat = facts.beat_quarters
    events = []
    for index in range(int((total_quarters - facts.anacrusis_quarters) // beat)):
        start = facts.anacrusis_quarters + index * beat
        position = index % facts.beats_per_bar
        if position == 0 or (facts.beats_per_bar == 4 and position == 2):
            events.append(NoteEvent(start, 0.9 * beat, 36 + tonic, 92, 1))
        else:
            events += [NoteEvent(start, 0.5 * beat, p, 70, 2) for p in triad]
    return events
