"""A review's track as listeners get it: through AAC, Opus and MP3, and per streaming service."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from mixcoach.api.codec_journey import journey
from mixcoach.api.deps import CurrentSession, StateDep
from mixcoach.api.errors import AUTH_RESPONSES, COMMON_RESPONSES
from mixcoach.api.routers.paths import KnownIds
from mixcoach.api.schemas import CodecsOut
from mixcoach.storage.reviews import get_review

router = APIRouter(
    prefix="/api/reviews",
    tags=["codecs"],
    responses={**COMMON_RESPONSES, **AUTH_RESPONSES},
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
