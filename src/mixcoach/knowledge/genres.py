"""Genre profiles: target ranges for loudness, dynamics, spectral balance, width and tempo, by
genre and subgenre, for a finished master and for a mixdown, each range with its source.

Data in ``knowledge/data/genres.toml``: ``[general]`` holds every field; a genre writes only
what differs from it, and a subgenre only what differs from its genre.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic import ValidationError

from mixcoach.audio.model import Model
from mixcoach.audio.spectrum import BANDS
from mixcoach.errors import InputError
from mixcoach.knowledge.sources import DataError, Target, load_toml, parse_target

GENERAL = "general"
_LEVEL_FIELDS = (
    "integrated_lufs",
    "true_peak_dbtp",
    "loudness_range_lu",
    "plr_db",
    "psr_db",
    "crest_factor_db",
)
#: Keys of a genre's table that describe it rather than hold targets.
_DESCRIPTIVE = {"label", "description", "aliases", "subgenres"}


class LevelTargets(Model):
    """Loudness and dynamics targets for one kind of file (a master, or a mixdown)."""

    integrated_lufs: Target
    true_peak_dbtp: Target
    loudness_range_lu: Target
    plr_db: Target
    psr_db: Target
    crest_factor_db: Target


class StereoTargets(Model):
    width: Target  # side energy / (mid + side) energy
    low_end_width: Target  # the same below 120 Hz
    low_end_correlation: Target  # L/R correlation of the sub and low bands


class GenreProfile(Model):
    genre: str  # e.g. "edm"
    subgenre: str | None  # e.g. "house"
    label: str  # e.g. "EDM / House"
    description: str
    aliases: list[str]
    master: LevelTargets  # a finished master
    mix: LevelTargets  # a mixdown or premaster
    bands: dict[str, Target]  # band level relative to the total, dB, by BANDS name, in order
    tilt_db_per_octave: Target
    stereo: StereoTargets
    tempo_bpm: Target | None  # None: the style has no usual tempo

    @property
    def name(self) -> str:
        """``genre`` or ``genre/subgenre``, as accepted by :func:`resolve_profile`."""
        return self.genre if self.subgenre is None else f"{self.genre}/{self.subgenre}"


def slug(name: str) -> str:
    """The canonical spelling of a genre name: "Drum & Bass" -> "drum-and-bass"."""
    text = name.strip().lower().replace("&", "-and-").replace("+", "-and-")
    return re.sub(r"[\s_\-]+", "-", text).strip("-")


def resolve_profile(genre: str | None, subgenre: str | None = None) -> GenreProfile:
    """The profile for ``genre`` (and ``subgenre``), or the general profile when ``genre`` is None.

    ``genre`` may also be written ``"genre/subgenre"``, and a subgenre alone (``"house"``) is
    found when only one genre has it. Names are matched case-insensitively, with aliases
    (``"dnb"``, ``"R&B"``). Unknown names raise InputError listing the known ones.
    """
    profiles = _profiles()
    if genre is not None and "/" in genre:
        genre, _, inline = genre.partition("/")
        if subgenre is not None and slug(subgenre) != slug(inline):
            raise InputError(
                f"The genre {genre}/{inline} and the subgenre {subgenre!r} disagree; give one."
            )
        subgenre = inline
    wanted_genre = slug(genre) if genre else ""
    wanted_sub = slug(subgenre) if subgenre else ""
    if not wanted_genre:
        if not wanted_sub:
            return profiles[(GENERAL, None)]
        return _by_subgenre_alone(wanted_sub, original=subgenre or "")
    genre_key = _genre_names().get(wanted_genre)
    if genre_key is None:
        if not wanted_sub:
            return _by_subgenre_alone(wanted_genre, original=genre or "")
        raise InputError(f"Unknown genre {genre!r}. {_known_text()}")
    if not wanted_sub:
        return profiles[(genre_key, None)]
    sub_key = _subgenre_names(genre_key).get(wanted_sub)
    if sub_key is None:
        known = sorted({key for key in _subgenre_names(genre_key).values()})
        listed = ", ".join(known) if known else "none"
        raise InputError(
            f"Unknown subgenre {subgenre!r} for {profiles[(genre_key, None)].label}. "
            f"Its subgenres: {listed}."
        )
    return profiles[(genre_key, sub_key)]


def list_profiles() -> list[GenreProfile]:
    """Every profile: general first, then each genre followed by its subgenres."""
    return list(_profiles().values())


def _by_subgenre_alone(wanted: str, *, original: str) -> GenreProfile:
    matches = [
        (genre, sub)
        for genre in _raw()
        for name, sub in _subgenre_names(genre).items()
        if name == wanted
    ]
    if len(matches) == 1:
        return _profiles()[matches[0]]
    raise InputError(f"Unknown genre {original!r}. {_known_text()}")


def _known_text() -> str:
    parts = []
    for genre in _raw():
        subs = sorted(set(_subgenre_names(genre).values()))
        parts.append(f"{genre} ({', '.join(subs)})" if subs else genre)
    return "Known genres (subgenres): " + "; ".join(parts) + "."


@cache
def _raw() -> dict[str, dict[str, Any]]:
    data = load_toml("genres")
    if GENERAL not in data:
        raise DataError("knowledge/data/genres.toml has no [general] profile")
    return data


@cache
def _genre_names() -> dict[str, str]:
    """Every accepted spelling (name or alias) of a genre -> the genre's key."""
    names: dict[str, str] = {}
    for genre, table in _raw().items():
        for name in [genre, *table.get("aliases", [])]:
            names[slug(name)] = genre
    return names


def _subgenre_names(genre: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for sub, table in _raw()[genre].get("subgenres", {}).items():
        for name in [sub, *table.get("aliases", [])]:
            names[slug(name)] = sub
    return names


@cache
def _profiles() -> dict[tuple[str, str | None], GenreProfile]:
    raw = _raw()
    general = _targets(raw[GENERAL])
    profiles: dict[tuple[str, str | None], GenreProfile] = {}
    for genre, table in raw.items():
        genre_targets = _merge(general, _targets(table))
        profiles[(genre, None)] = _build(genre, None, table, genre_targets)
        for sub, sub_table in table.get("subgenres", {}).items():
            merged = _merge(genre_targets, _targets(sub_table))
            profiles[(genre, sub)] = _build(genre, sub, sub_table, merged)
    return profiles


def _targets(table: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in table.items() if key not in _DESCRIPTIVE}


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Section by section: the override's ranges replace the base's, the rest is kept."""
    merged = {section: dict(fields) for section, fields in base.items()}
    for section, fields in override.items():
        merged.setdefault(section, {}).update(fields)
    return merged


def _build(
    genre: str, subgenre: str | None, table: dict[str, Any], targets: dict[str, Any]
) -> GenreProfile:
    where = f"genres.toml [{genre}{'' if subgenre is None else '.subgenres.' + subgenre}]"
    unknown = set(targets) - {"master", "mix", "bands", "spectrum", "stereo", "rhythm"}
    if unknown:
        raise DataError(f"{where}: unknown sections {sorted(unknown)}")

    def ranges(section: str, fields: tuple[str, ...]) -> dict[str, Target]:
        given = targets.get(section, {})
        extra = set(given) - set(fields)
        if extra:
            raise DataError(f"{where}.{section}: unknown fields {sorted(extra)}")
        missing = [field for field in fields if field not in given]
        if missing:
            raise DataError(f"{where}.{section}: missing {missing}")
        return {
            field: parse_target(given[field], where=f"{where}.{section}.{field}")
            for field in fields
        }

    band_names = tuple(name for name, _, _ in BANDS)
    bands = ranges("bands", band_names)
    for name, band in bands.items():
        if band.centre is None:
            raise DataError(f"{where}.bands.{name}: a band target needs both ends")
    rhythm = targets.get("rhythm", {})
    if set(rhythm) - {"tempo_bpm"}:
        raise DataError(f"{where}.rhythm: unknown fields {sorted(set(rhythm) - {'tempo_bpm'})}")
    label = table.get("label")
    if not label:
        raise DataError(f"{where}: needs a label")
    try:
        return GenreProfile(
            genre=genre,
            subgenre=subgenre,
            label=label,
            description=table.get("description", ""),
            aliases=[slug(alias) for alias in table.get("aliases", [])],
            master=LevelTargets(**ranges("master", _LEVEL_FIELDS)),
            mix=LevelTargets(**ranges("mix", _LEVEL_FIELDS)),
            bands=bands,
            tilt_db_per_octave=ranges("spectrum", ("tilt_db_per_octave",))["tilt_db_per_octave"],
            stereo=StereoTargets(
                **ranges("stereo", ("width", "low_end_width", "low_end_correlation"))
            ),
            tempo_bpm=None
            if "tempo_bpm" not in rhythm
            else parse_target(rhythm["tempo_bpm"], where=f"{where}.rhythm.tempo_bpm"),
        )
    except ValidationError as exc:
        raise DataError(f"{where}: {exc}") from exc
