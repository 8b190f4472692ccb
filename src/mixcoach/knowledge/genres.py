"""Genre profiles: target ranges for loudness, dynamics, spectral balance and width, by genre and
subgenre and feedback type, each range with its source. Data in ``knowledge/data/genres.toml``.

STUB: to be implemented. The names below are the contract the rest of Mixcoach calls.
"""

from __future__ import annotations

from mixcoach.audio.model import Model


class GenreProfile(Model):
    genre: str  # e.g. "edm"
    subgenre: str | None  # e.g. "house"
    label: str  # e.g. "EDM / House"


def resolve_profile(genre: str | None, subgenre: str | None = None) -> GenreProfile:
    """The profile for ``genre`` (and ``subgenre``), or the general profile when ``genre`` is None.

    ``genre`` may also be written ``"genre/subgenre"``. Unknown names raise InputError listing
    the known ones.
    """
    raise NotImplementedError
