"""A session's tracks: list, read, play, delete (with their files and reviews)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from mixcoach.api.audio_response import audio_response
from mixcoach.api.deps import CurrentSession, StateDep
from mixcoach.api.errors import AUTH_RESPONSES, COMMON_RESPONSES, STORAGE_RESPONSES, ErrorResponse
from mixcoach.api.routers.paths import KnownIds
from mixcoach.api.schemas import TrackOut
from mixcoach.api.state import AppState
from mixcoach.storage import tracks as store
from mixcoach.storage.models import StoredFile, Track

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
    response_class=Response,
    responses={
        200: {"content": {"audio/*": {}}, "description": "The file as uploaded."},
        206: {"content": {"audio/*": {}}, "description": "The byte range asked for."},
        416: {"model": ErrorResponse, "description": "The range starts past the end."},
        **STORAGE_RESPONSES,
    },
)
async def track_audio(
    track_id: str, request: Request, session: CurrentSession, state: StateDep
) -> Response:
    """The audio as uploaded, for the page's player (byte ranges supported), from the store."""
    track, stored = await run_in_threadpool(_track, state, session.id, track_id)
    return await audio_response(
        request,
        state.store,
        sha256=stored.sha256,
        media_type=MEDIA_TYPES.get(stored.format, "application/octet-stream"),
        filename=track.filename,
    )


def _track(state: AppState, session_id: str, track_id: str) -> tuple[Track, StoredFile]:
    with state.database.session() as db:
        return store.get_track(db, session_id=session_id, track_id=track_id)


@router.delete("/{track_id}", status_code=204, responses=STORAGE_RESPONSES)
def delete_track(track_id: str, session: CurrentSession, state: StateDep) -> None:
    """Delete the track, the reviews that use it, and its file when no other track shares it."""
    store.delete_track(
        state.database,
        state.store,
        rendered=state.rendered,
        session_id=session.id,
        track_id=track_id,
    )
