"""A session's track lineages: which track is a new version of which, and in what order."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixcoach.errors import InputError, NotFound
from mixcoach.storage.models import Review, Track
from mixcoach.storage.tracks import TRACK_NOT_FOUND

VERSION_OF_ITSELF = "A track cannot be a new version of itself (track {track_id})."
VERSION_CYCLE = "Track {previous_id} is already a later version of track {track_id}."
ALREADY_A_VERSION = "Track {track_id} is already a new version of track {previous_id}."


def link_version(db: Session, *, session_id: str, track: Track, previous_track_id: str) -> None:
    """Record ``track`` as a new version of the session's track ``previous_track_id``;
    NotFound when that is not the session's, InputError when the link would make a loop or
    ``track`` already follows another track."""
    tracks = _session_tracks(db, session_id)
    if previous_track_id not in tracks:
        raise NotFound(TRACK_NOT_FOUND.format(track_id=previous_track_id))
    if previous_track_id == track.id:
        raise InputError(VERSION_OF_ITSELF.format(track_id=track.id))
    if track.id in {t.id for t in _ancestors(tracks, previous_track_id)}:
        raise InputError(VERSION_CYCLE.format(previous_id=previous_track_id, track_id=track.id))
    if track.previous_track_id not in (None, previous_track_id):
        raise InputError(
            ALREADY_A_VERSION.format(track_id=track.id, previous_id=track.previous_track_id)
        )
    track.previous_track_id = previous_track_id


def lineage(db: Session, *, session_id: str, track_id: str) -> list[Track]:
    """The versions of ``track_id``'s song, first version first: back to the track with no
    earlier version, then every later version in the order they were uploaded."""
    tracks = _session_tracks(db, session_id)
    if track_id not in tracks:
        raise NotFound(TRACK_NOT_FOUND.format(track_id=track_id))
    root = _ancestors(tracks, track_id)[-1]
    ordered, frontier = [root], [root]
    while frontier:
        later = sorted(
            (t for t in tracks.values() if t.previous_track_id in {f.id for f in frontier}),
            key=lambda t: (t.created_at, t.id),
        )
        ordered += later
        frontier = later
    return ordered


def newest_reviews(db: Session, *, session_id: str) -> dict[str, Review]:
    """Each of the session's tracks' newest review, by track id."""
    reviews: dict[str, Review] = {}
    query = (
        select(Review)
        .where(Review.session_id == session_id)
        .order_by(Review.created_at.desc(), Review.id)
    )
    for review in db.scalars(query):
        reviews.setdefault(review.track_id, review)
    return reviews


def _session_tracks(db: Session, session_id: str) -> dict[str, Track]:
    return {t.id: t for t in db.scalars(select(Track).where(Track.session_id == session_id))}


def _ancestors(tracks: dict[str, Track], track_id: str) -> Sequence[Track]:
    """``track_id`` and its earlier versions, newest first (the first version last)."""
    chain = [tracks[track_id]]
    seen = {track_id}
    while (previous := chain[-1].previous_track_id) is not None and previous not in seen:
        if previous not in tracks:
            break
        chain.append(tracks[previous])
        seen.add(previous)
    return chain
