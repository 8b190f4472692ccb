"""A review's track as listeners get it: through AAC, Opus and MP3, and per streaming service."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from mixcoach.api.codec_journey import (
    CODECS_NOT_STARTED,
    ExcerptKind,
    codec_slug,
    journey,
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


@router.get(
    "/{review_id}/codecs",
    response_model=CodecsOut,
    responses={202: {"model": CodecsOut, "description": "The encodes are running: ask again."}},
)
def get_codecs(review_id: str, state: StateDep, session: CurrentSession) -> JSONResponse:
    """The track through each delivery codec (decoded true peak, its change, the loudness
    change, clipped samples) and what each service plays. The first request starts the encodes
    (once per audio content) and answers 202 with their progress until they are done."""
    with state.database.session() as db:
        sha256 = get_review(db, session_id=session.id, review_id=review_id).track.file_sha256
    run = state.codec_runs.get_or_start(sha256, state.store)
    if run.state == "running":
        body = CodecsOut(state="running", progress_percent=run.progress_percent)
        return JSONResponse(body.model_dump(mode="json"), status_code=202)
    if run.state == "failed":
        body = CodecsOut(state="failed", progress_percent=run.progress_percent, error=run.error)
        return JSONResponse(body.model_dump(mode="json"))
    return JSONResponse(journey(run).model_dump(mode="json"))


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
