"""The data files load, every range and threshold names a source that exists, and the genre
names resolve the way users type them."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest

from mixcoach.audio.spectrum import BANDS
from mixcoach.errors import InputError
from mixcoach.findings.model import FINDING_CODES
from mixcoach.knowledge.genres import list_profiles, resolve_profile
from mixcoach.knowledge.platforms import platforms
from mixcoach.knowledge.sources import sources
from mixcoach.knowledge.thresholds import thresholds


def _raw(name: str) -> dict[str, Any]:
    text = resources.files("mixcoach.knowledge").joinpath("data", f"{name}.toml").read_text()
    return tomllib.loads(text)


def _ranges(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every innermost table holding a number or a severity choice, with its dotted path."""
    if not isinstance(node, dict):
        return []
    if any(isinstance(child, dict) for child in node.values()):
        return [
            found
            for key, child in node.items()
            for found in _ranges(child, f"{path}.{key}" if path else key)
        ]
    numeric = any(isinstance(v, int | float) and not isinstance(v, bool) for v in node.values())
    severity = path.endswith("_severity") and not path.endswith("max_severity")
    return [(path, node)] if numeric or severity else []


@pytest.mark.parametrize("name", ["genres", "thresholds"])
def test_every_range_names_a_known_source(name: str) -> None:
    known = set(_raw("sources"))
    ranges = _ranges(_raw(name))
    assert len(ranges) > 20
    missing = [path for path, table in ranges if table.get("source") not in known]
    assert missing == [], f"{name}.toml ranges without a known source: {missing}"


def test_every_platform_names_its_sources() -> None:
    known = set(_raw("sources"))
    for name, table in _raw("platforms").items():
        assert table["source"] in known, name
        assert table.get("true_peak_source", table["source"]) in known, name


def test_every_source_is_cited_in_full_and_used() -> None:
    text = "".join(
        resources.files("mixcoach.knowledge").joinpath("data", f"{n}.toml").read_text()
        for n in ("genres", "platforms", "thresholds", "plan")
    )
    for key, entry in sources().items():
        assert len(entry.citation) > 60 and entry.short, key
        assert f'"{key}"' in text, f"source {key} is never used"


def test_at_least_twelve_genres_with_subgenres_and_a_general_default() -> None:
    profiles = list_profiles()
    genres = {p.genre for p in profiles if p.subgenre is None} - {"general"}
    assert len(genres) >= 12
    names = {p.name for p in profiles}
    for wanted in (
        "edm/house",
        "edm/techno",
        "edm/dubstep",
        "edm/drum-and-bass",
        "hip-hop/trap",
        "hip-hop/boom-bap",
        "pop",
        "rock",
        "rock/metal",
        "jazz",
        "classical",
        "lo-fi",
        "ambient",
        "r-and-b",
        "country",
        "folk/acoustic",
    ):
        assert wanted in names
    assert profiles[0].name == "general"


@pytest.mark.parametrize("profile", list_profiles(), ids=lambda p: p.name)
def test_profile_ranges_are_consistent(profile: Any) -> None:
    """Master louder and denser than the mix; band targets for every band; a feasible shape."""
    assert list(profile.bands) == [name for name, _, _ in BANDS]
    master, mix = profile.master, profile.mix
    assert master.integrated_lufs.high > mix.integrated_lufs.high
    assert master.true_peak_dbtp.high >= mix.true_peak_dbtp.high
    assert master.plr_db.low <= mix.plr_db.low
    # Band energies relative to the total: the centres cannot add up to more than the whole,
    # and the loudest centre must hold a good share of it (music is bass-heavy).
    shares = [10 ** (band.centre / 10) for band in profile.bands.values()]
    assert 0.2 < sum(shares) < 1.3
    assert max(profile.bands, key=lambda n: profile.bands[n].centre) in (
        "sub",
        "low",
        "mid",
        "low_mid",
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (None, "general"),
        ("", "general"),
        ("EDM/House", "edm/house"),
        ("edm", "edm"),
        ("Drum & Bass", "edm/drum-and-bass"),
        ("dnb", "edm/drum-and-bass"),
        ("R&B", "r-and-b"),
        ("hip hop/trap", "hip-hop/trap"),
        ("metal", "rock/metal"),
        ("Lo-Fi", "lo-fi"),
        ("lofi", "lo-fi"),
        ("folk/acoustic", "folk/acoustic"),
    ],
)
def test_genre_names_resolve_as_typed(typed: str | None, expected: str) -> None:
    assert resolve_profile(typed).name == expected


def test_subgenre_argument_and_inline_form_agree() -> None:
    assert resolve_profile("edm", "techno") == resolve_profile("edm/techno")
    with pytest.raises(InputError, match="disagree"):
        resolve_profile("edm/techno", "house")


def test_unknown_genre_lists_the_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        resolve_profile("polka")
    message = caught.value.message
    assert "'polka'" in message
    for name in ("edm (", "house", "hip-hop", "classical", "jazz", "r-and-b"):
        assert name in message


def test_unknown_subgenre_lists_the_genres_subgenres() -> None:
    with pytest.raises(InputError) as caught:
        resolve_profile("edm", "polka")
    assert "'polka'" in caught.value.message
    assert "house, techno, trance" in caught.value.message


def test_subgenres_inherit_what_they_do_not_override() -> None:
    house, edm = resolve_profile("edm/house"), resolve_profile("edm")
    assert house.master.plr_db == edm.master.plr_db
    assert house.master.integrated_lufs != edm.master.integrated_lufs
    assert house.tempo_bpm is not None and edm.tempo_bpm is None
    assert (
        resolve_profile("jazz").master.true_peak_dbtp == resolve_profile(None).master.true_peak_dbtp
    )


def test_every_finding_code_has_its_feedback_types() -> None:
    assert set(thresholds().codes) == set(FINDING_CODES)


def test_platforms_cover_the_big_seven() -> None:
    names = [p.label for p in platforms()]
    assert names == [
        "Spotify",
        "Apple Music",
        "YouTube",
        "TIDAL",
        "Amazon Music",
        "Deezer",
        "SoundCloud",
    ]
