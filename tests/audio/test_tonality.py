"""Key meter: chord progressions synthesized in known keys, and audio with no key."""

from __future__ import annotations

import numpy as np
import pytest
from meters_support import tonality_of, white_noise
from mixes import STYLES, clean_mix
from signals import sine

from mixcoach.audio.tonality import camelot, key_scores

#: Tonic spellings the meter must use, pitch class 0 (C) to 11 (B).
SPELLED = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]

#: Chords as semitones above the tonic (bass note first). Major: I IV V I vi ii V I.
#: Minor: i iv V i VI iv V i, with the raised leading tone in V as minor-key music has it.
PROGRESSIONS = {
    "major": [
        [0, 4, 7],
        [5, 9, 12],
        [7, 11, 14],
        [0, 4, 7],
        [9, 12, 16],
        [2, 5, 9],
        [7, 11, 14],
        [0, 4, 7],
    ],
    "minor": [
        [0, 3, 7],
        [5, 8, 12],
        [7, 11, 14],
        [0, 3, 7],
        [8, 12, 15],
        [5, 8, 12],
        [7, 11, 14],
        [0, 3, 7],
    ],
}


def harmonics(frequency_hz: float, *, t: np.ndarray, count: int, sample_rate_hz: int) -> np.ndarray:
    """The first ``count`` harmonics below Nyquist at 1/h amplitude, shape of ``t``."""
    orders = [h for h in range(1, count + 1) if h * frequency_hz < sample_rate_hz / 2]
    return np.asarray(
        np.sum([np.sin(2 * np.pi * h * frequency_hz * t) / h for h in orders], axis=0)
    )


def tone(midi_note: float, *, seconds: float, sample_rate_hz: int) -> np.ndarray:
    """Additive synthesis: six harmonics at 1/h amplitude, 10 ms attack, exponential decay."""
    t = np.arange(round(seconds * sample_rate_hz)) / sample_rate_hz
    f0 = 440.0 * 2 ** ((midi_note - 69) / 12)
    partials = harmonics(f0, t=t, count=6, sample_rate_hz=sample_rate_hz)
    return partials * np.minimum(1.0, t / 0.01) * np.exp(-t / 0.8)


def progression(
    *,
    tonic: int,
    mode: str,
    sample_rate_hz: int,
    chord_seconds: float = 1.0,
    passes: int = 2,
    tuning_cents: float = 0.0,
) -> np.ndarray:
    """The mode's progression on ``tonic`` (pitch class), mono ``(1, n)``, peak -6 dBFS.

    Each chord: its root in the bass (octave 2) and its three notes in octave 4.
    """
    chords = []
    for chord in PROGRESSIONS[mode] * passes:
        notes = [36 + tonic + chord[0]] + [60 + tonic + step for step in chord]
        shift = tuning_cents / 100
        voices = [
            tone(n + shift, seconds=chord_seconds, sample_rate_hz=sample_rate_hz) for n in notes
        ]
        chords.append(np.sum(voices, axis=0))
    audio = np.concatenate(chords)
    peak = float(np.max(np.abs(audio))) if audio.size else 1.0
    return (0.5 / peak * audio)[np.newaxis]


@pytest.mark.parametrize("mode", ["major", "minor"])
@pytest.mark.parametrize("tonic", range(12))
def test_every_key_and_mode(tonic: int, mode: str) -> None:
    audio = progression(tonic=tonic, mode=mode, sample_rate_hz=22050)
    result = tonality_of(audio, sample_rate_hz=22050)
    assert (result.key, result.mode) == (SPELLED[tonic], mode)
    assert result.camelot == camelot(tonic=tonic, mode=mode)
    assert 0.3 <= result.confidence <= 1.0


@pytest.mark.parametrize("sample_rate_hz", [8000, 44100, 48000, 96000, 192000])
@pytest.mark.parametrize(("tonic", "mode"), [(2, "major"), (4, "minor")])
def test_sample_rates(tonic: int, mode: str, sample_rate_hz: int) -> None:
    audio = progression(tonic=tonic, mode=mode, sample_rate_hz=sample_rate_hz, passes=1)
    result = tonality_of(audio, sample_rate_hz=sample_rate_hz)
    assert (result.key, result.mode) == (SPELLED[tonic], mode)


@pytest.mark.parametrize("channels", [1, 2, 6])
def test_channel_layouts(channels: int) -> None:
    audio = np.repeat(
        progression(tonic=10, mode="minor", sample_rate_hz=44100, passes=1), channels, 0
    )
    result = tonality_of(audio, sample_rate_hz=44100)
    assert (result.key, result.mode) == ("Bb", "minor")


def test_opposite_polarity_channels_do_not_cancel() -> None:
    mono = progression(tonic=7, mode="major", sample_rate_hz=44100, passes=1)
    result = tonality_of(np.concatenate([mono, -mono]), sample_rate_hz=44100)
    assert (result.key, result.mode) == ("G", "major")


@pytest.mark.parametrize("tuning_cents", [-32.0, 25.0])
def test_detuned_music_keeps_its_key_and_says_how_far_off(tuning_cents: float) -> None:
    """A = 432 Hz is 32 cents flat: the tuning is measured, not assumed."""
    audio = progression(tonic=5, mode="major", sample_rate_hz=44100, tuning_cents=tuning_cents)
    result = tonality_of(audio, sample_rate_hz=44100)
    assert (result.key, result.mode) == ("F", "major")
    assert result.notes == [f"Tuned {tuning_cents:+.0f} cents from A = 440 Hz."]


def test_block_size_does_not_change_the_result() -> None:
    audio = progression(tonic=1, mode="minor", sample_rate_hz=44100, passes=3)
    results = [tonality_of(audio, sample_rate_hz=44100, block_seconds=s) for s in (1.0, 2.7, 10.0)]
    for other in results[1:]:
        assert (other.key, other.mode) == (results[0].key, results[0].mode) == ("C#", "minor")
        assert other.confidence == pytest.approx(results[0].confidence, abs=1e-3)


@pytest.mark.parametrize("style", sorted(STYLES))
def test_synthesized_mixes_in_their_key_or_its_relative_major(style: str) -> None:
    """The mixes loop i - VI - III - VII of natural minor on their root (Am F C G for A): the
    same chords are vi - IV - I - V of the relative major, so either reading is accepted."""
    mix = clean_mix(style, seconds=24.0, sample_rate_hz=44100)
    result = tonality_of(mix, sample_rate_hz=44100)
    root = (round(12 * np.log2(STYLES[style].root_hz / 440.0)) + 9) % 12  # A is 9 above C
    assert (result.key, result.mode) in [
        (SPELLED[root], "minor"),
        (SPELLED[(root + 3) % 12], "major"),
    ]


@pytest.mark.parametrize("third", [4, 3], ids=["major", "minor"])
@pytest.mark.parametrize("root", [0, 5, 9])
def test_a_held_triad_reads_its_mode_from_its_third_alone(root: int, third: int) -> None:
    """Root in the bass, then root, third and fifth: only the third tells major (4 semitones)
    from minor (3), so the mode must follow it, and clearly (the parallel key far behind)."""
    sr = 22050
    notes = [48 + root, 60 + root, 60 + root + third, 60 + root + 7]
    chord = np.sum([tone(n, seconds=6, sample_rate_hz=sr) for n in notes], axis=0)
    result = tonality_of((0.5 * chord / np.abs(chord).max())[np.newaxis], sample_rate_hz=sr)
    assert (result.key, result.mode) == (SPELLED[root], "major" if third == 4 else "minor")
    assert result.confidence >= 0.5


#: Scales as semitones above the tonic, up an octave: major, and harmonic minor.
SCALES = {"major": [0, 2, 4, 5, 7, 9, 11, 12], "minor": [0, 2, 3, 5, 7, 8, 11, 12]}


@pytest.mark.parametrize("mode", ["major", "minor"])
@pytest.mark.parametrize("root", [0, 7, 9])
def test_a_scale_over_its_tonic_drone_reads_its_key_and_mode(root: int, mode: str) -> None:
    """A melody alone (no chords): the scale up and down in half-second notes over a held tonic
    in the bass. Only the third and sixth tell the major scale from the harmonic minor, so the
    mode follows them, clearly (the scales score 0.82 and more; a major profile with its third
    and flat third swapped reads C major as A minor, a minor one so swapped drops below 0.7)."""
    sr = 22050
    line = SCALES[mode] + SCALES[mode][::-1][1:]
    melody = np.concatenate([tone(60 + root + s, seconds=0.5, sample_rate_hz=sr) for s in line])
    drone = tone(48 + root, seconds=0.5 * len(line), sample_rate_hz=sr)[: melody.size]
    audio = melody + 0.5 * drone
    result = tonality_of((0.5 * audio / np.abs(audio).max())[np.newaxis], sample_rate_hz=sr)
    assert (result.key, result.mode) == (SPELLED[root], mode)
    assert result.confidence >= 0.75


def test_the_major_third_raises_the_major_key_and_the_minor_third_the_minor() -> None:
    """Note counts alone (no harmonics): C E G favours C major over C minor, C Eb G the reverse,
    each by a wide margin of correlation."""
    major, minor = np.zeros(12), np.zeros(12)
    major[[0, 4, 7]] = 1.0
    minor[[0, 3, 7]] = 1.0
    major_scores, minor_scores = key_scores(major), key_scores(minor)
    assert major_scores[0, 0] - major_scores[1, 0] > 0.2
    assert minor_scores[1, 0] - minor_scores[0, 0] > 0.2


def _drone(sample_rate_hz: int) -> np.ndarray:
    """A sawtooth-like A2 drone: many harmonics, one note."""
    t = np.arange(10 * sample_rate_hz) / sample_rate_hz
    return 0.3 * harmonics(110.0, t=t, count=19, sample_rate_hz=sample_rate_hz)[np.newaxis]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("silence", "No pitched sound"),
        ("sine", "Fewer than three pitch classes"),
        ("drone", "Fewer than three pitch classes"),
        ("power chord", "Fewer than three pitch classes"),
        ("white noise", "No clear tonal centre"),
    ],
)
def test_no_key_gives_none_with_a_note(name: str, reason: str) -> None:
    sr = 22050
    audio = {
        "silence": np.zeros((2, 10 * sr)),
        "sine": sine(frequency_hz=440.0, seconds=10, sample_rate_hz=sr),
        "drone": _drone(sr),
        "power chord": (
            tone(45, seconds=10, sample_rate_hz=sr) + tone(52, seconds=10, sample_rate_hz=sr)
        )[None],
        "white noise": white_noise(seconds=10, sample_rate_hz=sr, channels=2),
    }[name]
    result = tonality_of(audio, sample_rate_hz=sr)
    assert (result.key, result.mode, result.camelot, result.confidence) == (None, None, None, 0.0)
    assert result.notes[0].startswith(reason)


@pytest.mark.parametrize("seconds", [0.0, 0.2, 1.0])
def test_very_short_audio_does_not_fail(seconds: float) -> None:
    audio = progression(tonic=0, mode="major", sample_rate_hz=44100, chord_seconds=0.2, passes=1)
    result = tonality_of(audio[:, : round(seconds * 44100)], sample_rate_hz=44100)
    assert result.key in [None, *SPELLED]
    assert 0.0 <= result.confidence <= 1.0
    assert (result.key is None) == (result.mode is None) == (result.camelot is None)


@pytest.mark.parametrize(
    ("tonic", "mode", "code"),
    [
        (0, "major", "8B"),
        (9, "minor", "8A"),
        (7, "major", "9B"),
        (4, "minor", "9A"),
        (5, "major", "7B"),
        (2, "minor", "7A"),
        (6, "major", "2B"),
        (3, "minor", "2A"),
        (11, "major", "1B"),
        (8, "minor", "1A"),
        (1, "major", "3B"),
        (10, "minor", "3A"),
    ],
)
def test_camelot_codes(tonic: int, mode: str, code: str) -> None:
    assert camelot(tonic=tonic, mode=mode) == code


def test_camelot_rejects_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match="mode must be 'major' or 'minor', got 'dorian'"):
        camelot(tonic=0, mode="dorian")


def test_key_scores_rejects_a_wrong_shape() -> None:
    with pytest.raises(ValueError, match=r"chroma must have shape \(12,\), got \(24,\)"):
        key_scores(np.ones(24))
