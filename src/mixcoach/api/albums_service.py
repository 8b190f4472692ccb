"""Albums: a session's reviews grouped as one release, and how the tracks sit together."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from mixcoach.analysis import Analysis
from mixcoach.api.errors import NotReady
from mixcoach.api.services import finished_review
from mixcoach.api.state import AppState
from mixcoach.feedback.album_notes import explain_album
from mixcoach.findings.album import AlbumReport, album_report
from mixcoach.storage.albums import add_album, delete_album, get_album
from mixcoach.storage.models import Album

#: An album whose reviews were deleted down to one (or none) cannot be read as a release.
ALBUM_TOO_SMALL = (
    "Album {title} has {count} of its reviews left; an album needs two or more. "
    "Delete it, or make a new one."
)


@dataclass(frozen=True)
class AlbumView:
    album: Album
    review_ids: list[str]
    report: AlbumReport
    summary: list[str]


def create_album(
    state: AppState, *, session_id: str, title: str, review_ids: list[str]
) -> tuple[Album, list[str]]:
    """A new album of the session's reviews; NotFound naming a review that is not theirs."""
    with state.database.writing() as db:
        album = add_album(db, session_id=session_id, title=title, review_ids=review_ids)
        return album, review_ids


def remove_album(state: AppState, *, session_id: str, album_id: str) -> None:
    """Delete the session's album; its reviews and tracks stay. NotFound for another's."""
    with state.database.writing() as db:
        delete_album(db, session_id=session_id, album_id=album_id)


def album_view(db: Session, *, session_id: str, album_id: str) -> AlbumView:
    """The album across its tracks; NotReady until every track's analysis is done, and when
    deleted reviews left it fewer than two."""
    album, review_ids = get_album(db, session_id=session_id, album_id=album_id)
    if len(review_ids) < 2:
        raise NotReady(ALBUM_TOO_SMALL.format(title=album.title, count=len(review_ids)))
    tracks = []
    for review_id in review_ids:
        row, document = finished_review(db, session_id=session_id, review_id=review_id)
        tracks.append((review_id, row.track.filename, Analysis.model_validate(document)))
    report = album_report(tracks)
    return AlbumView(album, review_ids, report, explain_album(report))
