"""A review's track as listeners get it: through AAC, Opus and MP3, and per streaming service."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from mixcoach.api.codec_journey import (
    CODECS_NOT_STARTED,
    ExcerptKind,
    codec_check,
    codec_slug,
    played_excerpt,
)
from mixcoach.api.deps import CurrentSession, StateDep
from mixcoach.api.errors import (
    AUTH_RESPONSES,
    COMMON_RESPONSES,
    NOT_READY_RESPONSES,
    STORAGE_RESPONSES,
    NotReady,
)
from mixcoach.api.routers.paths import KnownIds
from mixcoach.api.schemas import CodecsOut
from mixcoach.audio.codecs import CODECS
from mixcoach.jobs.codec_runs import load_track
from mixcoach.storage.reviews import get_review

#: The codecs by their names in a path (``aac``, ``opus``, ``mp3``).
CodecSlug = Literal["aac", "opus", "mp3"]

router = APIRouter(
    prefix="/api/reviews",
    tags=["codecs"],
    responses={**COMMON_RESPONSES, **AUTH_RESPONSES, **STORAGE_RESPONSES},
    dependencies=[KnownIds],
)


_CHECK_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"model": CodecsOut, "description": "The check is queued or running: ask again."}
}


@router.get("/{review_id}/codecs", response_model=CodecsOut, responses=_CHECK_RESPONSES)
def get_codecs(review_id: str, state: StateDep, session: CurrentSession) -> JSONResponse:
    """The track through each delivery codec (decoded true peak, its change, the loudness
    change, clipped samples) and what each service plays. The check runs as a job once per
    audio content (by itself after a master review's or a mastering review's analysis); the
    first request starts it if it has not run, and the answer is 202 with its progress until
    it is done, then 200 (`failed`, with the reason, when it failed)."""
    return _answer(codec_check(state, session_id=session.id, review_id=review_id, again=False))


@router.post("/{review_id}/codecs", response_model=CodecsOut, responses=_CHECK_RESPONSES)
def run_codecs(review_id: str, state: StateDep, session: CurrentSession) -> JSONResponse:
    """Start the codec check, or start it again after it failed; answers as the GET does (a
    run already stored is not encoded again)."""
    return _answer(codec_check(state, session_id=session.id, review_id=review_id, again=True))


def _answer(body: CodecsOut) -> JSONResponse:
    status = 202 if body.state == "running" else 200
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


@router.get(
    "/{review_id}/codecs/{codec}/audio",
    response_class=Response,
    responses={
        200: {"content": {"audio/wav": {}}, "description": "About 10 s of 16-bit WAV."},
        **NOT_READY_RESPONSES,
    },
)
def get_codec_audio(
    review_id: str,
    codec: CodecSlug,
    state: StateDep,
    session: CurrentSession,
    kind: ExcerptKind = "decoded",
    platform: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The loudest ~10 s of the track: `decoded`, the codec's output (with the service's
    playback gain when `platform` names one: "as Spotify plays it"); `original`, at the decoded
    version's loudness; `mono`, the original folded to mono at that loudness; `artifacts`, the
    original minus the decoded output, time-aligned. 409 until the codec check is done."""
    with state.database.session() as db:
        sha256 = get_review(db, session_id=session.id, review_id=review_id).track.file_sha256
    run = state.codec_runs.finished(sha256)
    if run is None:
        raise NotReady(CODECS_NOT_STARTED)
    audio, rate = load_track(state.store, sha256)
    chosen = next(c for c in CODECS if codec_slug(c) == codec)
    wav = played_excerpt(run, audio, rate, codec=chosen, kind=kind, platform_name=platform)
    return Response(wav, media_type="audio/wav", headers={"Cache-Control": "private, max-age=3600"})
