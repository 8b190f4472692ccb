"""An album of real recordings, loudness-matched, with one planted outlier: named with its
amount, the others not named; album normalisation plays every track with one gain."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from recordings import DRASCULA, at_loudness, excerpt, write

from mixcoach.analysis import Analysis, analyze
from mixcoach.feedback.album_notes import explain_album
from mixcoach.findings.album import album_report
from mixcoach.knowledge.platforms import platform

SOURCES = [DRASCULA / f"track{number}.ogg" for number in (1, 2, 6, 8, 10)]
ALBUM_LUFS = -23.0
LOUDER_LU = 3.0


def _analyses(folder: Path, plant: str) -> list[tuple[str, str, Analysis]]:
    tracks = []
    for position, source in enumerate(SOURCES, start=1):
        audio, rate = excerpt(source)
        audio = at_loudness(audio, rate, lufs=ALBUM_LUFS)
        if position == 4 and plant == "louder":
            audio = audio * 10 ** (LOUDER_LU / 20)
        assert np.max(np.abs(audio)) < 1.0  # nothing clipped on the way
        path = write(folder / f"{plant}-{position}.wav", audio, rate)
        tracks.append(
            (f"id{position}", source.name, analyze(path, genre="general", feedback_type="mixdown"))
        )
    return tracks


Albums = dict[str, list[tuple[str, str, Analysis]]]


@pytest.fixture(scope="module")
def albums(tmp_path_factory: pytest.TempPathFactory) -> Albums:
    folder = tmp_path_factory.mktemp("album")
    return {plant: _analyses(folder, plant) for plant in ("matched", "louder")}


def test_a_matched_album_names_no_loudness_outlier(albums: Albums) -> None:
    report = album_report(albums["matched"])
    assert not [o for o in report.outliers if o.metric == "loudness.integrated_lufs"]
    assert not any(" LU " in sentence for sentence in explain_album(report))
    assert report.loudness_spread_lu is not None and report.loudness_spread_lu < 1.0


def test_the_louder_track_is_named_with_its_amount(albums: Albums) -> None:
    report = album_report(albums["louder"])
    loud = [o for o in report.outliers if o.metric == "loudness.integrated_lufs"]
    assert [o.position for o in loud] == [4]
    assert loud[0].difference == pytest.approx(LOUDER_LU, abs=0.5)
    sentence = next(s for s in explain_album(report) if s.startswith("Track 4 "))
    assert f"{loud[0].difference:.1f} LU louder" in sentence
    others = [s for s in explain_album(report) if not s.startswith("Track 4 ")]
    assert not any(" LU " in sentence for sentence in others)
    assert all(sentence.startswith("Track ") for sentence in explain_album(report))


def test_album_mode_plays_every_track_with_one_gain(albums: Albums) -> None:
    report = album_report(albums["louder"])
    spotify = next(p for p in report.playback if p.platform == "spotify")
    rules = platform("spotify")
    assert report.album_lufs is not None and report.album_true_peak_dbtp is not None
    assert rules.target_lufs is not None and rules.raise_peak_limit_dbtp is not None
    # A quiet album is raised toward the target until its loudest peak reaches the limit.
    wanted = rules.target_lufs - report.album_lufs
    room = rules.raise_peak_limit_dbtp - report.album_true_peak_dbtp
    assert 0 < room < wanted
    assert spotify.album_gain_db == pytest.approx(room, abs=0.01)
    fourth, first = spotify.tracks[3], spotify.tracks[0]
    assert fourth.playback_lufs is not None and first.playback_lufs is not None
    # the loud track stays as much louder as it was: one gain, not one per track
    assert fourth.playback_lufs - first.playback_lufs == pytest.approx(
        report.tracks[3].integrated_lufs - report.tracks[0].integrated_lufs, abs=1e-6
    )


def test_an_album_needs_two_tracks(albums: Albums) -> None:
    with pytest.raises(ValueError, match="at least 2 tracks, got 1"):
        album_report(albums["matched"][:1])
