"""Albums: several of a session's reviews as one release."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from mixcoach.api.albums_service import album_view, create_album, remove_album
from mixcoach.api.deps import CurrentSession, StateDep
from mixcoach.api.errors import AUTH_RESPONSES, COMMON_RESPONSES, ErrorResponse
from mixcoach.api.routers.paths import KnownIds
from mixcoach.api.schemas import AlbumCreatedOut, AlbumIn, AlbumOut
from mixcoach.storage.albums import list_albums

#: Reading an album waits for its tracks' analyses, and needs two of its reviews left.
ALBUM_NOT_READY: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorResponse,
        "description": "A track's analysis is not finished yet, or failed; or deleted reviews "
        "left the album fewer than two tracks.",
    }
}

router = APIRouter(
    prefix="/api/albums",
    tags=["albums"],
    responses={**COMMON_RESPONSES, **AUTH_RESPONSES},
    dependencies=[KnownIds],
)


@router.post("", status_code=201)
def post_album(body: AlbumIn, state: StateDep, session: CurrentSession) -> AlbumCreatedOut:
    """Group the session's reviews (two or more, each once) as an album, in the order given."""
    album, review_ids = create_album(
        state, session_id=session.id, title=body.title, review_ids=body.review_ids
    )
    return AlbumCreatedOut(id=album.id, title=album.title, review_ids=review_ids)


@router.get("")
def get_albums(state: StateDep, session: CurrentSession) -> list[AlbumCreatedOut]:
    """The session's albums, newest first, each with its reviews in the album's order."""
    with state.database.session() as db:
        return [
            AlbumCreatedOut(id=album.id, title=album.title, review_ids=review_ids)
            for album, review_ids in list_albums(db, session_id=session.id)
        ]


@router.delete("/{album_id}", status_code=204)
def delete_album(album_id: str, state: StateDep, session: CurrentSession) -> None:
    """Delete the album; its reviews and their tracks stay."""
    remove_album(state, session_id=session.id, album_id=album_id)


@router.get("/{album_id}", responses=ALBUM_NOT_READY)
def get_album(album_id: str, state: StateDep, session: CurrentSession) -> AlbumOut:
    """Loudness, true peak, tonal balance and width across the tracks, the tracks that stand
    out (with amounts), and album-mode playback per streaming service."""
    with state.database.session() as db:
        view = album_view(db, session_id=session.id, album_id=album_id)
        report = view.report
        return AlbumOut(
            id=view.album.id,
            title=view.album.title,
            review_ids=view.review_ids,
            tracks=report.tracks,
            album_lufs=report.album_lufs,
            album_true_peak_dbtp=report.album_true_peak_dbtp,
            loudness_spread_lu=report.loudness_spread_lu,
            outliers=report.outliers,
            summary=view.summary,
            playback=report.playback,
        )
