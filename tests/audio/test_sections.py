"""Sections of joined real recordings: boundaries near the joins, repeats alike, the track covered.

The arrangements come from ``bench/sections_eval.py`` (excerpts of Drascula's and Singularity's
scores joined in patterns like A B A C); the boundary test reads only held-out arrangements, which
tuning never saw.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import sections_eval
from recordings import DRASCULA, SINGULARITY, excerpt, write

from mixcoach.audio.analyze import measure
from mixcoach.audio.sections import find_sections

#: The first held-out arrangements, in plan order (fixed by the seeded split, not chosen).
HELD_OUT_SUBSET = 4
#: bench/sections_eval.py measures 0.768 on the whole held-out part (13 arrangements), short of
#: the 0.8 goal; this floor keeps the first four from getting worse.
MIN_HELD_OUT_F_3S = 0.7


@pytest.fixture(scope="module")
def held_out() -> list[sections_eval.Arrangement]:
    if not sections_eval.recordings():
        pytest.skip("the Drascula and Singularity recordings are not installed")
    chosen = [plan for plan in sections_eval.plans(count=sections_eval.COUNT) if plan.held_out]
    return [sections_eval.render(plan) for plan in chosen[:HELD_OUT_SUBSET]]


def test_boundaries_are_found_within_3_s_of_the_joins_on_held_out_arrangements(
    held_out: list[sections_eval.Arrangement],
) -> None:
    scores = []
    for arrangement in held_out:
        found = sections_eval.find(arrangement.audio, arrangement.plan.sample_rate_hz)
        boundaries = sections_eval.inner_boundaries(found)
        scores.append(
            sections_eval.boundary_f(boundaries, arrangement.boundaries_s, tolerance_s=3.0)
        )
    assert np.mean(scores) >= MIN_HELD_OUT_F_3S, scores


def test_boundaries_lie_on_the_beat_grid_when_the_tempo_is_clear(
    held_out: list[sections_eval.Arrangement],
) -> None:
    """Each boundary is one of the rhythm meter's beats (to a column), and those beats are
    spaced at the tempo it reports."""
    checked = 0
    for arrangement in held_out:
        rate = arrangement.plan.sample_rate_hz
        found, rhythm, beats_s = sections_eval.find_on_beats(arrangement.audio, rate)
        if rhythm.tempo_bpm is None or rhythm.confidence < 0.4:
            continue
        period_s = 60.0 / rhythm.tempo_bpm
        assert np.median(np.diff(beats_s)) == pytest.approx(period_s, rel=0.02)
        for start_s in sections_eval.inner_boundaries(found):
            assert np.min(np.abs(beats_s - start_s)) < 0.25 * period_s, start_s
        checked += 1
    assert checked > 0


def test_sections_cover_the_track_in_order(held_out: list[sections_eval.Arrangement]) -> None:
    arrangement = held_out[0]
    found = sections_eval.find(arrangement.audio, arrangement.plan.sample_rate_hz)
    duration_s = arrangement.audio.shape[1] / arrangement.plan.sample_rate_hz
    assert found[0].start_s == 0.0
    assert found[-1].end_s == pytest.approx(duration_s, abs=0.1)
    for before, after in itertools.pairwise(found):
        assert before.end_s == after.start_s
        assert after.start_s > before.start_s


def test_repeated_material_takes_the_same_label_and_new_material_a_new_one() -> None:
    rng = np.random.default_rng(3)
    column_s = 0.05
    # Two distinct spectra A and B, 20 s each, as A B A: the third section repeats the first.
    a, b = rng.normal(0, 1, (33, 1)), rng.normal(0, 1, (33, 1))
    parts = [m + 0.1 * rng.normal(0, 1, (33, 400)) for m in (a, b, a)]
    features = np.concatenate(parts, axis=1).astype(np.float32)
    found = find_sections(
        features, column_seconds=column_s, duration_s=60.0, beats_s=np.arange(0.0, 60.0, 0.5)
    )
    assert [s.label for s in found] == ["A", "B", "A"]
    assert [round(s.start_s) for s in found] == [0, 20, 40]


def test_the_loudest_section_is_the_peak_and_one_far_below_it_is_quiet() -> None:
    rng = np.random.default_rng(4)
    timbre = rng.normal(0, 1, (32, 1))
    quiet = np.vstack([timbre, [[-4.0]]]) + 0.05 * rng.normal(0, 1, (33, 400))
    loud = np.vstack([-timbre, [[-2.0]]]) + 0.05 * rng.normal(0, 1, (33, 400))
    features = np.concatenate([quiet, loud], axis=1).astype(np.float32)
    found = find_sections(
        features, column_seconds=0.05, duration_s=40.0, beats_s=np.arange(0.0, 60.0, 0.5)
    )
    assert [s.energy for s in found] == ["quiet", "peak"]


def test_audio_shorter_than_two_sections_is_one_section() -> None:
    features = np.zeros((33, 200), np.float32)
    found = find_sections(
        features, column_seconds=0.05, duration_s=10.0, beats_s=np.arange(0.0, 60.0, 0.5)
    )
    assert [(s.start_s, s.end_s, s.label) for s in found] == [(0.0, 10.0, "A")]


@pytest.mark.parametrize(
    "path", [DRASCULA / "track2.ogg", SINGULARITY / "Through Space.ogg"], ids=["44k", "48k"]
)
def test_one_section_measures_what_the_whole_track_meters_measure(
    path: Path, tmp_path: Path
) -> None:
    """Audio too short to split is one section: its figures, read from the columns the sections
    meter keeps, are the whole-track meters' own (the PSR's peaks are sample peaks, not true)."""
    audio, rate = excerpt(path, start_s=40.0, seconds=14.0)
    track = measure(write(tmp_path / "short.wav", audio, rate))
    (section,) = track.sections
    assert section.integrated_lufs == pytest.approx(track.loudness.integrated_lufs, abs=0.01)
    assert section.width == pytest.approx(track.stereo.width, abs=0.002)
    assert section.tilt_db_per_octave == pytest.approx(track.spectrum.tilt_db_per_octave, abs=0.02)
    for band in track.spectrum.bands:
        assert section.band_db[band.name] == pytest.approx(band.level_db, abs=0.05), band.name
    assert track.loudness.psr_db is not None and section.psr_db is not None
    assert 0.0 <= track.loudness.psr_db - section.psr_db < 0.5


def test_sections_and_their_figures_do_not_depend_on_the_block_size(tmp_path: Path) -> None:
    """A column of frames straddling two blocks is joined, so short blocks measure alike."""
    verse, rate = excerpt(SINGULARITY / "Through Space.ogg", start_s=40.0, seconds=12.0)
    chorus, _ = excerpt(SINGULARITY / "Media Threat.ogg", start_s=90.0, seconds=12.0)
    path = write(tmp_path / "song.wav", np.hstack([0.3 * verse, chorus]), rate)
    small = measure(path, block_seconds=0.37)
    large = measure(path, block_seconds=10.0)
    assert len(large.sections) == 2
    assert small.sections == large.sections
