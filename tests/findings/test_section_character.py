"""Per-section sound on joined real recordings: a planted narrower or darker chorus is named by
its section with the amount, and a reference is compared section to matching section."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from recordings import SINGULARITY, excerpt, high_shelf, write

from mixcoach.analysis import Analysis, analyze
from mixcoach.formatting import clock

PART_S = 20.0


def _width(audio: np.ndarray) -> float:
    """Side over mid plus side energy, straight from the samples (the oracle)."""
    left, right = audio
    side = float(np.sum((left - right) ** 2))
    mid = float(np.sum((left + right) ** 2))
    return side / (mid + side)


def _narrowed(audio: np.ndarray, *, side_gain: float) -> np.ndarray:
    mid, side = (audio[0] + audio[1]) / 2, side_gain * (audio[0] - audio[1]) / 2
    return np.stack([mid + side, mid - side])


@pytest.fixture(scope="module")
def parts() -> tuple[np.ndarray, np.ndarray, int]:
    """A quiet verse and a loud chorus from two Singularity pieces, at 48 kHz."""
    verse, rate = excerpt(SINGULARITY / "Through Space.ogg", start_s=40.0, seconds=PART_S)
    chorus, _ = excerpt(SINGULARITY / "Media Threat.ogg", start_s=90.0, seconds=PART_S)
    return 10 ** (-10 / 20) * verse, chorus, rate


def _at(analysis: Analysis, start_s: float) -> int:
    """Index of the section that starts nearest ``start_s``."""
    return int(np.argmin([abs(s.start_s - start_s) for s in analysis.sections]))


@pytest.fixture(scope="module")
def narrow_song(
    parts: tuple[np.ndarray, np.ndarray, int], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Analysis, np.ndarray, np.ndarray]:
    verse, chorus, rate = parts
    narrow = _narrowed(chorus, side_gain=0.3)
    song = np.hstack([verse, narrow, verse])
    return analyze(write(tmp_path_factory.mktemp("narrow") / "song.wav", song, rate)), song, narrow


def test_each_section_measures_the_width_of_its_own_audio(
    narrow_song: tuple[Analysis, np.ndarray, np.ndarray],
) -> None:
    analysis, song, _ = narrow_song
    chorus = analysis.sections[_at(analysis, PART_S)]
    assert chorus.start_s == pytest.approx(PART_S, abs=1.0)
    assert chorus.end_s == pytest.approx(2 * PART_S, abs=1.0)
    for section in analysis.sections:
        span = song[:, round(section.start_s * 48_000) : round(section.end_s * 48_000)]
        assert section.width == pytest.approx(_width(span), abs=0.005)


def test_a_narrowed_chorus_is_named_with_how_much_narrower_it_is(
    narrow_song: tuple[Analysis, np.ndarray, np.ndarray],
) -> None:
    analysis, song, narrow = narrow_song
    verse = song[:, : round(PART_S * 48_000)]
    (found,) = [f for f in analysis.findings if f.code == "section_peak_narrow"]
    assert found.time_ranges[0].start_s == pytest.approx(PART_S, abs=1.0)
    assert found.time_ranges[0].end_s == pytest.approx(2 * PART_S, abs=1.0)
    chorus = analysis.sections[_at(analysis, PART_S)]
    assert f"({chorus.label}, {clock(chorus.start_s)}-{clock(chorus.end_s)})" in found.detail
    planted = _width(verse) - _width(narrow)
    assert planted > 0.05
    shown, word = found.detail.split(") is ")[1].split()[:2]
    assert float(shown) == pytest.approx(planted, abs=0.02)
    assert word == "narrower"
    # A chorus only 3 dB quieter and as wide as the verses raises nothing of the kind.
    assert not [f for f in analysis.findings if f.code == "section_peak_dark"]


def test_a_chorus_with_its_top_cut_is_named_darker_by_the_tilt_it_lost(
    parts: tuple[np.ndarray, np.ndarray, int], tmp_path: Path
) -> None:
    verse, chorus, rate = parts
    dull = high_shelf(chorus, rate, gain_db=-12.0, corner_hz=2000.0)
    song = analyze(write(tmp_path / "song.wav", np.hstack([verse, dull, verse]), rate))
    (found,) = [f for f in song.findings if f.code == "section_peak_dark"]
    assert found.time_ranges[0].start_s == pytest.approx(PART_S, abs=1.0)
    # The section's tilt is the chorus's own, as the whole-track meter reads it alone.
    alone = analyze(write(tmp_path / "dull.wav", dull, rate))
    section = song.sections[_at(song, PART_S)]
    assert alone.spectrum.tilt_db_per_octave is not None
    assert section.tilt_db_per_octave == pytest.approx(alone.spectrum.tilt_db_per_octave, abs=0.2)
    rest = [s for s in song.sections if s is not section]
    seconds = sum(s.end_s - s.start_s for s in rest)
    rest_tilt = sum((s.tilt_db_per_octave or 0.0) * (s.end_s - s.start_s) for s in rest) / seconds
    assert f"{rest_tilt - (section.tilt_db_per_octave or 0.0):.1f} dB/oct darker" in found.detail
    assert rest_tilt - (section.tilt_db_per_octave or 0.0) > 1.0


def test_a_chorus_as_it_was_recorded_raises_neither(
    parts: tuple[np.ndarray, np.ndarray, int], tmp_path: Path
) -> None:
    """The same song with its chorus untouched: wider and brighter than the verses, as a chorus
    usually is, so neither rule fires."""
    verse, chorus, rate = parts
    song = analyze(write(tmp_path / "song.wav", np.hstack([verse, chorus, verse]), rate))
    section = song.sections[_at(song, PART_S)]
    assert section.width is not None and section.width > 0.15
    codes = {f.code for f in song.findings}
    assert not codes & {"section_peak_narrow", "section_peak_dark"}


def test_a_reference_is_compared_chorus_with_chorus_wherever_each_falls(
    parts: tuple[np.ndarray, np.ndarray, int],
    narrow_song: tuple[Analysis, np.ndarray, np.ndarray],
    tmp_path: Path,
) -> None:
    verse, chorus, rate = parts
    _, _, narrow = narrow_song
    # The track's narrowed chorus is in the middle; the reference opens with its full chorus.
    track = write(tmp_path / "track.wav", np.hstack([verse, narrow, verse]), rate)
    reference = write(tmp_path / "reference.wav", np.hstack([chorus, verse, verse]), rate)
    analysis = analyze(track, reference_path=reference)
    assert analysis.reference is not None
    pairs = {d.role: d for d in analysis.reference.comparison.section_differences}
    loudest = pairs["loudest"]
    assert loudest.track_start_s == pytest.approx(PART_S, abs=1.0)
    assert loudest.reference_start_s == pytest.approx(0.0, abs=1.0)
    assert loudest.width_difference == pytest.approx(_width(narrow) - _width(chorus), abs=0.02)
    # The quietest sections are verses on both sides: alike.
    quietest = pairs["quietest"]
    assert quietest.width_difference is not None and abs(quietest.width_difference) < 0.03
    found = [f for f in analysis.findings if f.code == "reference_section_differs"]
    assert len(found) == 1
    assert found[0].time_ranges[0].start_s == pytest.approx(PART_S, abs=1.0)
    assert f"{abs(loudest.width_difference or 0.0):.2f} narrower" in found[0].detail
