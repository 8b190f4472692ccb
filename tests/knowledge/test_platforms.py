"""What each streaming platform does to a master: closed-form gains and peaks."""

from __future__ import annotations

import pytest

from mixcoach.knowledge.platforms import Playback, platform, playback


def by_name(*, integrated_lufs: float | None, true_peak_dbtp: float | None) -> dict[str, Playback]:
    plays = playback(integrated_lufs=integrated_lufs, true_peak_dbtp=true_peak_dbtp)
    return {p.platform: p for p in plays}


def test_loud_master_is_turned_down_to_each_target() -> None:
    plays = by_name(integrated_lufs=-8.0, true_peak_dbtp=-1.0)
    for name, target in [
        ("spotify", -14.0),
        ("apple-music", -16.0),
        ("youtube", -14.0),
        ("tidal", -14.0),
        ("amazon-music", -14.0),
        ("deezer", -15.0),
    ]:
        assert plays[name].action == "turned down"
        assert plays[name].gain_db == pytest.approx(target + 8.0)
        assert plays[name].playback_lufs == pytest.approx(target)
        assert plays[name].playback_peak_dbtp == pytest.approx(-1.0 + target + 8.0)
    assert plays["soundcloud"].action == "unchanged" and plays["soundcloud"].gain_db == 0.0


def test_quiet_master_is_raised_only_by_spotify_and_only_to_its_peak_limit() -> None:
    plays = by_name(integrated_lufs=-20.0, true_peak_dbtp=-5.0)
    spotify = plays["spotify"]
    assert spotify.action == "turned up" and spotify.raise_limited_by_peak
    assert spotify.gain_db == pytest.approx(4.0)  # the peak may rise to -1 dBTP, not 6 dB more
    assert spotify.playback_lufs == pytest.approx(-16.0)
    assert plays["youtube"].gain_db == 0.0 and "does not raise" in plays["youtube"].note
    roomy = by_name(integrated_lufs=-17.0, true_peak_dbtp=-8.0)["spotify"]
    assert roomy.gain_db == pytest.approx(3.0) and not roomy.raise_limited_by_peak


def test_loud_masters_get_spotifys_stricter_ceiling() -> None:
    spotify = platform("spotify")
    assert spotify.ceiling_dbtp(integrated_lufs=-9.0) == -2.0
    assert spotify.ceiling_dbtp(integrated_lufs=-15.0) == -1.0
    plays = by_name(integrated_lufs=-9.0, true_peak_dbtp=-1.5)
    assert plays["spotify"].peak_over_ceiling_db == pytest.approx(0.5)
    assert plays["youtube"].peak_over_ceiling_db == pytest.approx(-0.5)


def test_unknown_loudness_leaves_the_gain_unknown() -> None:
    plays = by_name(integrated_lufs=None, true_peak_dbtp=None)
    assert {p.action for p in plays.values()} == {"unknown"}


def test_unknown_platform_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="spotify"):
        platform("napster")
