"""A session's tracks: list, read, play, delete (with their files and reviews)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from mixcoach.api.deps import CurrentSession, StateDep
from mixcoach.api.errors import AUTH_RESPONSES, COMMON_RESPONSES
from mixcoach.api.routers.paths import KnownIds
from mixcoach.api.schemas import TrackOut
from mixcoach.storage import tracks as store

router = APIRouter(
    prefix="/api/tracks",
    tags=["tracks"],
    responses={**COMMON_RESPONSES, **AUTH_RESPONSES},
    dependencies=[KnownIds],
)

#: Media types by the format recognised from content, for the browser's audio player.
MEDIA_TYPES = {
    "wav": "audio/wav",
    "aiff": "audio/aiff",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
}


@router.get("")
def list_tracks(state: StateDep, session: CurrentSession) -> list[TrackOut]:
    """The session's tracks, newest first."""
    with state.database.session() as db:
        return [TrackOut.of(t, f) for t, f in store.list_tracks(db, session_id=session.id)]


@router.get("/{track_id}")
def get_track(track_id: str, state: StateDep, session: CurrentSession) -> TrackOut:
    with state.database.session() as db:
        return TrackOut.of(*store.get_track(db, session_id=session.id, track_id=track_id))


@router.get(
    "/{track_id}/audio",
    response_class=FileResponse,
    responses={200: {"content": {"audio/*": {}}, "description": "The file as uploaded."}},
)
def track_audio(track_id: str, session: CurrentSession, state: StateDep) -> FileResponse:
    """The audio as uploaded, for the page's player (byte ranges supported)."""
    with state.database.session() as db:
        track, stored = store.get_track(db, session_id=session.id, track_id=track_id)
    return FileResponse(
        state.store.path(stored.sha256),
        media_type=MEDIA_TYPES.get(stored.format, "application/octet-stream"),
        filename=track.filename,
        content_disposition_type="inline",
    )


@router.delete("/{track_id}", status_code=204)
def delete_track(track_id: str, session: CurrentSession, state: StateDep) -> None:
    """Delete the track, the reviews that use it, and its file when no other track shares it."""
    store.delete_track(state.database, state.store, session_id=session.id, track_id=track_id)
