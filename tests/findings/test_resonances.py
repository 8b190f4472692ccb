"""A resonance is not a note of the music: peaks at the pitches of the key's scale (a drone, a
recurring melody note, their octaves and twelfths) are left out of the resonances."""

from __future__ import annotations

from measured import changed, clean_pop_master

from mixcoach.audio.spectrum import Resonance
from mixcoach.audio.tonality import Tonality
from mixcoach.findings.judge import judge
from mixcoach.findings.spectral import off_key_resonances
from mixcoach.knowledge.genres import resolve_profile
from mixcoach.knowledge.thresholds import thresholds

_F_MAJOR = Tonality(key="F", mode="major", confidence=0.8, camelot="7B", notes=[])


def _peaks(*frequencies_hz: float) -> list[Resonance]:
    return [
        Resonance(frequency_hz=f, prominence_db=9.0, persistence_fraction=0.8)
        for f in frequencies_hz
    ]


def test_notes_of_the_key_are_not_resonances() -> None:
    """F6, G6 and C7 (F major's notes, as a Drascula track lists them) go; a peak between
    semitones, and an F# (not in F major), stay."""
    cents = thresholds().value("tonal.note_cents")
    resonances = _peaks(1397.1, 1569.2, 2095.3, 1234.0, 1480.0)
    kept = off_key_resonances(resonances, _F_MAJOR, cents=cents)
    assert [r.frequency_hz for r in kept] == [1234.0, 1480.0]
    assert off_key_resonances(resonances, None, cents=cents) == resonances


def test_a_peak_just_outside_the_cents_window_is_kept() -> None:
    cents = thresholds().value("tonal.note_cents")
    f6 = 1396.91
    inside, outside = f6 * 2 ** ((cents - 2) / 1200), f6 * 2 ** ((cents + 2) / 1200)
    kept = off_key_resonances(_peaks(inside, outside), _F_MAJOR, cents=cents)
    assert [r.frequency_hz for r in kept] == [outside]


def test_the_judgement_lists_only_resonances_off_the_key() -> None:
    peaks = _peaks(1397.1, 1234.0)
    track = changed(clean_pop_master(), spectrum__resonances=[r.model_dump() for r in peaks])
    track = track.model_copy(update={"tonality": _F_MAJOR})
    verdict = judge(track, profile=resolve_profile("pop"), feedback_type="master_review")
    assert [r.frequency_hz for r in verdict.spectrum.resonances] == [1234.0]
