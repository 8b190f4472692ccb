"""Reviews: upload a track (and reference) with the request, follow the analysis, read it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from mixcoach.analysis import Analysis
from mixcoach.api import events
from mixcoach.api.deps import CurrentSession, EngineDep, StateDep
from mixcoach.api.errors import (
    AUTH_RESPONSES,
    COMMON_RESPONSES,
    NOT_READY_RESPONSES,
    STORAGE_RESPONSES,
    ErrorResponse,
)
from mixcoach.api.rejudge_service import rejudge_review
from mixcoach.api.routers.paths import KnownIds
from mixcoach.api.schemas import (
    JobOut,
    PlatformPlaybackOut,
    PlatformsOut,
    RejudgedOut,
    RejudgeForm,
    RenameForm,
    ReviewOut,
    event_stream,
    schema_ref,
    upload_body,
)
from mixcoach.api.services import (
    finished_review,
    review_metric_views,
    review_playback,
    review_section_tables,
    submit_review,
)
from mixcoach.findings.metric_view import MetricView
from mixcoach.findings.model import Finding
from mixcoach.findings.section_view import SectionTable
from mixcoach.storage import reviews as store

router = APIRouter(
    prefix="/api/reviews",
    tags=["reviews"],
    responses={**COMMON_RESPONSES, **AUTH_RESPONSES},
    dependencies=[KnownIds],
)


@router.post(
    "",
    status_code=202,
    openapi_extra={"requestBody": upload_body()},
    responses={
        413: {"model": ErrorResponse, "description": "A file is past the upload size limit."},
        415: {"model": ErrorResponse, "description": "A file is not audio Mixcoach can read."},
        **STORAGE_RESPONSES,
    },
)
async def create_review(request: Request, state: StateDep, session: CurrentSession) -> ReviewOut:
    """Upload a track (and a reference) with the request; the analysis is queued (or reused,
    when the same content was analysed for the same request before). Follow it with
    GET /api/reviews/{id}/events or /job."""
    return ReviewOut.of(await submit_review(request, state, session))


@router.get("")
def list_reviews(state: StateDep, session: CurrentSession) -> list[ReviewOut]:
    """The session's reviews, newest first."""
    with state.database.session() as db:
        return [ReviewOut.of(row) for row in store.list_reviews(db, session_id=session.id)]


@router.get("/{review_id}")
def get_review(review_id: str, state: StateDep, session: CurrentSession) -> ReviewOut:
    with state.database.session() as db:
        return ReviewOut.of(store.get_review(db, session_id=session.id, review_id=review_id))


@router.patch("/{review_id}")
def rename_review(
    review_id: str, body: RenameForm, state: StateDep, session: CurrentSession
) -> ReviewOut:
    """Give the review a title for the history (an empty one: named by its track again)."""
    with state.database.writing() as db:
        store.rename_review(db, session_id=session.id, review_id=review_id, title=body.title)
    with state.database.session() as db:
        return ReviewOut.of(store.get_review(db, session_id=session.id, review_id=review_id))


@router.post("/{review_id}/rejudge", status_code=201, responses=NOT_READY_RESPONSES)
def rejudge(
    review_id: str,
    body: RejudgeForm,
    state: StateDep,
    session: CurrentSession,
    engine: EngineDep,
) -> RejudgedOut:
    """A new review of the same track(s) judged for another feedback type, genre or detail
    level from the measurements already taken (nothing is decoded or queued), with its feedback
    written; the review it came from stays in the history."""
    row, feedback = rejudge_review(
        state.database, engine, session_id=session.id, review_id=review_id, form=body
    )
    return RejudgedOut(review=ReviewOut.of(row), feedback=feedback)


@router.get("/{review_id}/job")
def get_job(review_id: str, state: StateDep, session: CurrentSession) -> JobOut:
    """The analysis's state, stage and progress."""
    with state.database.session() as db:
        return JobOut.of(store.review_job(db, session_id=session.id, review_id=review_id))


@router.get(
    "/{review_id}/events",
    response_model=None,
    response_class=StreamingResponse,  # no JSON body in the 200 (see routers/feedback.py)
    responses={
        200: event_stream(
            "Server-Sent Events: `progress` events whose data is a JobOut, until the state is "
            "`done` or `failed` (comment lines keep the connection open in between).",
            {"progress": schema_ref(JobOut)},
        )
    },
)
async def review_events(
    review_id: str, session: CurrentSession, state: StateDep
) -> EventSourceResponse:
    """The analysis's progress as it happens, as Server-Sent Events."""
    job = await run_in_threadpool(
        store.read_review_job, state.database, session_id=session.id, review_id=review_id
    )
    return EventSourceResponse(events.job_events(state, job))


@router.get(
    "/{review_id}/analysis",
    response_class=JSONResponse,
    responses={
        200: {"model": Analysis, "description": "The Analysis document."},
        **NOT_READY_RESPONSES,
    },
)
def get_analysis(review_id: str, state: StateDep, session: CurrentSession) -> JSONResponse:
    """The Analysis document (see docs/analysis-schema.md), once the analysis is done."""
    with state.database.session() as db:
        _, document = finished_review(db, session_id=session.id, review_id=review_id)
        return JSONResponse(document)


@router.get(
    "/{review_id}/findings",
    response_class=JSONResponse,
    responses={
        200: {"model": list[Finding], "description": "The findings."},
        **NOT_READY_RESPONSES,
    },
)
def get_findings(review_id: str, state: StateDep, session: CurrentSession) -> JSONResponse:
    """The findings of the analysis: what is wrong or worth knowing, with its evidence."""
    with state.database.session() as db:
        _, document = finished_review(db, session_id=session.id, review_id=review_id)
        return JSONResponse(document["findings"])


@router.get("/{review_id}/metrics", responses=NOT_READY_RESPONSES)
def get_metrics(review_id: str, state: StateDep, session: CurrentSession) -> list[MetricView]:
    """The metric table as it is shown, on the page and in the PDF alike: each metric's status
    (info, ok, low, high, problem, unknown) with its words, its figure, unit, target and note."""
    with state.database.session() as db:
        return review_metric_views(db, session_id=session.id, review_id=review_id)


@router.get("/{review_id}/sections", responses=NOT_READY_RESPONSES)
def get_sections(review_id: str, state: StateDep, session: CurrentSession) -> list[SectionTable]:
    """The song's sections as two tables, on the page and in the PDF alike: level, dynamics and
    image (loudness, short-term maximum, lift, PSR, width, tilt), and band balance; each row a
    section in time order with its cells as shown. Empty for a track without sections."""
    with state.database.session() as db:
        return review_section_tables(db, session_id=session.id, review_id=review_id)


@router.get("/{review_id}/platforms", responses=NOT_READY_RESPONSES)
def get_platforms(review_id: str, state: StateDep, session: CurrentSession) -> PlatformsOut:
    """What each streaming service does to the track (gain applied, resulting loudness and
    true peak, its peak ceiling), once the analysis is done; for every feedback type."""
    with state.database.session() as db:
        results = review_playback(db, session_id=session.id, review_id=review_id)
        return PlatformsOut(platforms=[PlatformPlaybackOut.of(result) for result in results])


@router.delete("/{review_id}", status_code=204)
def delete_review(review_id: str, session: CurrentSession, state: StateDep) -> None:
    """Delete the review with its feedback, chat, presets and renders (its tracks stay)."""
    store.delete_review(state.database, state.rendered, session_id=session.id, review_id=review_id)
