"""A session's albums: reviews grouped as one release, in order; listed and deleted."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixcoach.errors import NotFound
from mixcoach.storage.models import Album, AlbumTrack, Review
from mixcoach.storage.reviews import REVIEW_NOT_FOUND

ALBUM_NOT_FOUND = "Album {album_id} was not found."


def add_album(db: Session, *, session_id: str, title: str, review_ids: Sequence[str]) -> Album:
    """An album of the session's reviews, in the order given; NotFound naming the first review
    that is not the session's."""
    owned = set(
        db.scalars(
            select(Review.id).where(Review.session_id == session_id, Review.id.in_(review_ids))
        )
    )
    for review_id in review_ids:
        if review_id not in owned:
            raise NotFound(REVIEW_NOT_FOUND.format(review_id=review_id))
    album = Album(session_id=session_id, title=title)
    db.add(album)
    db.flush()
    db.add_all(
        AlbumTrack(album_id=album.id, position=position, review_id=review_id)
        for position, review_id in enumerate(review_ids, start=1)
    )
    db.flush()
    return album


def get_album(db: Session, *, session_id: str, album_id: str) -> tuple[Album, list[str]]:
    """A session's album and its review ids in order; another session's is not found."""
    album = db.scalar(select(Album).where(Album.id == album_id, Album.session_id == session_id))
    if album is None:
        raise NotFound(ALBUM_NOT_FOUND.format(album_id=album_id))
    review_ids = db.scalars(
        select(AlbumTrack.review_id)
        .where(AlbumTrack.album_id == album_id)
        .order_by(AlbumTrack.position)
    )
    return album, list(review_ids)


def list_albums(db: Session, *, session_id: str) -> list[tuple[Album, list[str]]]:
    """The session's albums, newest first, each with its review ids in order."""
    albums = db.scalars(
        select(Album).where(Album.session_id == session_id).order_by(Album.created_at.desc())
    ).all()
    review_ids: dict[str, list[str]] = {album.id: [] for album in albums}
    rows = db.execute(
        select(AlbumTrack.album_id, AlbumTrack.review_id)
        .where(AlbumTrack.album_id.in_(review_ids))
        .order_by(AlbumTrack.position)
    )
    for album_id, review_id in rows:
        review_ids[album_id].append(review_id)
    return [(album, review_ids[album.id]) for album in albums]


def delete_album(db: Session, *, session_id: str, album_id: str) -> None:
    """Delete a session's album (its places go with it; its reviews and tracks stay)."""
    album, _ = get_album(db, session_id=session_id, album_id=album_id)
    db.delete(album)
