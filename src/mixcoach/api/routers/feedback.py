"""A review's feedback, the follow-up chat, the presets (JSON and a REAPER ReaEQ library) and
the PDF report.

The streamed routes answer Server-Sent Events (see ``mixcoach.api.feedback_service``); every
route needs the review's analysis to be done (409 ``not_ready`` before).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response, StreamingResponse
from fastapi.sse import EventSourceResponse
from pydantic import BaseModel

from mixcoach.api import feedback_service as service
from mixcoach.api.deps import CurrentSession, EngineDep, StateDep
from mixcoach.api.errors import (
    AUTH_RESPONSES,
    COMMON_RESPONSES,
    NOT_READY_RESPONSES,
    STORAGE_RESPONSES,
    ErrorResponse,
)
from mixcoach.api.preview_service import preview_rows
from mixcoach.api.routers.paths import KnownIds
from mixcoach.api.schemas import (
    CHUNK_DATA,
    ChatMessageOut,
    ChatOut,
    ChatQuestion,
    event_stream,
    schema_ref,
)
from mixcoach.feedback import Feedback, Presets
from mixcoach.storage.models import utc_now

router = APIRouter(
    prefix="/api/reviews",
    tags=["feedback"],
    responses={**COMMON_RESPONSES, **AUTH_RESPONSES, **NOT_READY_RESPONSES},
    dependencies=[KnownIds],
)


# The streamed routes declare ``response_class=StreamingResponse`` (which EventSourceResponse
# is) so that FastAPI adds no JSON body to their 200; ``EventSourceResponse`` there would make
# FastAPI take them for generator endpoints and iterate what they return.
def _streamed(done: type[BaseModel], what: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: event_stream(
            'Server-Sent Events: `chunk` events (data `{"text": "..."}`) as the text is '
            f"written, then `done` (data: {what}, already stored), or `error` (data: the error "
            "shape) instead when it fails midway.",
            {"chunk": CHUNK_DATA, "done": schema_ref(done), "error": schema_ref(ErrorResponse)},
        )
    }


def _download(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": {media_type: {}}}}


def _attachment(download: service.Download) -> Response:
    return Response(
        download.content,
        media_type=download.media_type,
        headers={"Content-Disposition": _content_disposition(download.filename)},
    )


def _content_disposition(filename: str) -> str:
    quoted = quote(filename)
    if quoted == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename*=utf-8''{quoted}"


@router.get(
    "/{review_id}/feedback",
    responses={404: {"model": ErrorResponse, "description": "No such review, or no feedback."}},
)
def get_feedback(review_id: str, state: StateDep, session: CurrentSession) -> Feedback:
    """The review's stored feedback (404 `no_feedback` until it has been asked for)."""
    with state.database.session() as db:
        return service.read_feedback(db, session_id=session.id, review_id=review_id)


@router.post(
    "/{review_id}/feedback",
    response_class=StreamingResponse,
    responses=_streamed(Feedback, "the Feedback"),
)
def post_feedback(
    review_id: str,
    session: CurrentSession,
    state: StateDep,
    engine: EngineDep,
    regenerate: bool = False,
) -> EventSourceResponse:
    """Write the feedback (for the review's feedback type and detail level) as it is written.
    Feedback already given is sent again from storage in one chunk, unless `regenerate`."""
    return EventSourceResponse(
        service.stream_feedback(
            state.database,
            state.codec_runs,
            engine,
            session_id=session.id,
            review_id=review_id,
            regenerate=regenerate,
        )
    )


@router.get("/{review_id}/chat")
def get_chat(review_id: str, state: StateDep, session: CurrentSession) -> ChatOut:
    """The follow-up conversation, oldest first, with its running summary."""
    with state.database.session() as db:
        return service.read_chat(db, session_id=session.id, review_id=review_id)


@router.post(
    "/{review_id}/chat",
    response_class=StreamingResponse,
    responses=_streamed(ChatMessageOut, "the stored answer message"),
)
def post_chat(
    review_id: str,
    body: ChatQuestion,
    session: CurrentSession,
    state: StateDep,
    engine: EngineDep,
) -> EventSourceResponse:
    """Ask a question about the track; the answer streams, and both are stored. The feedback
    is written first, silently, if it was not asked for yet."""
    return EventSourceResponse(
        service.stream_chat(
            state.database,
            state.codec_runs,
            engine,
            session_id=session.id,
            review_id=review_id,
            question=body.question,
            asked_at=utc_now(),
        )
    )


@router.get("/{review_id}/presets")
def get_presets(
    review_id: str, session: CurrentSession, state: StateDep, engine: EngineDep
) -> Presets:
    """Processing settings derived from the measurements: EQ, compressor, limiter, width."""
    return service.read_presets(
        state.database, state.codec_runs, engine, session_id=session.id, review_id=review_id
    )


@router.get(
    "/{review_id}/presets/mixcoach.json",
    response_class=Response,
    responses=_download(
        "application/json",
        'Mixcoach\'s preset file: `{"format": "mixcoach-presets", "version": 1, "presets": '
        "...}`, the presets with every setting's reason and finding codes.",
    ),
)
def get_json_preset(
    review_id: str, session: CurrentSession, state: StateDep, engine: EngineDep
) -> Response:
    """The presets as Mixcoach's preset file, to keep or to read into other tools."""
    return _attachment(
        service.json_preset(
            state.database, state.codec_runs, engine, session_id=session.id, review_id=review_id
        )
    )


@router.get(
    "/{review_id}/presets/reaeq.RPL",
    response_class=Response,
    responses={
        **_download(
            "application/octet-stream",
            "A REAPER preset library with one ReaEQ preset holding the EQ moves (import it "
            "with `Import preset library` in ReaEQ's preset menu).",
        ),
        404: {"model": ErrorResponse, "description": "No such review, or no EQ move."},
    },
)
def get_reaeq_preset(
    review_id: str, session: CurrentSession, state: StateDep, engine: EngineDep
) -> Response:
    """The EQ moves as a ReaEQ preset (404 `no_preset` when there is no EQ move)."""
    return _attachment(
        service.reaeq_preset(
            state.database, state.codec_runs, engine, session_id=session.id, review_id=review_id
        )
    )


@router.get(
    "/{review_id}/report.pdf",
    response_class=Response,
    responses={
        **_download(
            "application/pdf",
            "The PDF report: measurements, findings, charts, feedback, questions and answers, "
            "presets.",
        ),
        **STORAGE_RESPONSES,
    },
)
def get_report(
    review_id: str, session: CurrentSession, state: StateDep, engine: EngineDep
) -> Response:
    """The PDF report of the review (the feedback is written first if it was not yet)."""
    return _attachment(
        service.report_pdf(
            state.database,
            state.codec_runs,
            engine,
            state.rendered,
            store=state.store,
            session_id=session.id,
            review_id=review_id,
            generated_at=utc_now(),
            previews=preview_rows(
                state.database,
                state.codec_runs,
                state.rendered,
                state.previews,
                session_id=session.id,
                review_id=review_id,
            ),
        )
    )
