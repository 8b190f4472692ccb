"""Before/after previews of a review's plan: the list, and each preview's audio."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from mixcoach.api import preview_service as service
from mixcoach.api.deps import CurrentSession, StateDep
from mixcoach.api.errors import (
    AUTH_RESPONSES,
    COMMON_RESPONSES,
    NOT_READY_RESPONSES,
    STORAGE_RESPONSES,
)
from mixcoach.api.routers.paths import KnownIds
from mixcoach.api.state import AppState
from mixcoach.preview.previews import PreviewSpec, RenderedPreview

router = APIRouter(
    prefix="/api/reviews",
    tags=["previews"],
    responses={**COMMON_RESPONSES, **AUTH_RESPONSES, **NOT_READY_RESPONSES, **STORAGE_RESPONSES},
    dependencies=[KnownIds],
)


class ChangeOut(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
    metric: str
    """What was measured on the excerpt ("level_at_3620_hz", "correlation", "true_peak"...)."""
    unit: str
    """The unit of before and after."""
    before: float
    """Measured on the excerpt before the move."""
    after: float
    """After the move, before level matching."""


class PreviewOut(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
    id: str
    """The preview's id in its audio's path; `all` applies the whole plan."""
    title: str
    """What the preview plays, in words."""
    move: str
    """The plan move (`eq`, `limiter`, `polarity_flip`...), or `all`."""
    finding_codes: list[str]
    """The findings the move answers."""
    time_s: float | None
    """Where the finding is, in seconds; None for the loudest 10 s."""
    presets: list[str]
    """Where the settings it plays are in the review's presets (`GET .../presets`): `eq.0`
    (the first EQ move), `stereo.1`, `compressor`, `limiter`; empty for a move done by hand."""


class RenderedPreviewOut(PreviewOut):
    start_s: float
    """Where the excerpt starts in the track, in seconds."""
    end_s: float
    """Where the excerpt ends in the track, in seconds."""
    before_gain_db: float
    """Gain applied to the before excerpt to match loudness (<= 0)."""
    after_gain_db: float
    """Gain applied to the after excerpt to match loudness (<= 0)."""
    gain_db: float
    """How far the louder excerpt was turned down below the other."""
    turned_down: str
    """The side turned down further to match: `before`, `after`, or `none` when neither was."""
    changes: list[ChangeOut]
    """What the move changed, measured on the excerpt."""


async def _rendered(
    state: AppState, session_id: str, review_id: str, preview_id: str
) -> RenderedPreview:
    """The preview rendered off the event loop (or from the cache)."""
    return await run_in_threadpool(
        service.rendered_preview,
        state.database,
        state.codec_runs,
        state.store,
        state.rendered,
        state.previews,
        session_id=session_id,
        review_id=review_id,
        preview_id=preview_id,
    )


def _spec(spec: PreviewSpec) -> dict[str, object]:
    return {
        "id": spec.id,
        "title": spec.title,
        "move": spec.move,
        "finding_codes": spec.finding_codes,
        "time_s": spec.time_s,
        "presets": spec.presets,
    }


@router.get("/{review_id}/previews")
def list_previews(review_id: str, state: StateDep, session: CurrentSession) -> list[PreviewOut]:
    """The review's previews: one per plan move a preview can render, then `all`."""
    _, _, specs = service.review_previews(
        state.database, state.codec_runs, session_id=session.id, review_id=review_id
    )
    return [PreviewOut.model_validate(_spec(s)) for s in specs]


@router.get("/{review_id}/previews/{preview_id}")
async def get_preview(
    review_id: str, preview_id: str, state: StateDep, session: CurrentSession
) -> RenderedPreviewOut:
    """The preview rendered: its excerpt, the level-matching gains and the measured change."""
    preview = await _rendered(state, session.id, review_id, preview_id)
    m = preview.matched
    return RenderedPreviewOut.model_validate(
        {
            **_spec(preview.spec),
            "start_s": preview.start_s,
            "end_s": preview.end_s,
            "before_gain_db": round(m.before_gain_db, 2),
            "after_gain_db": round(m.after_gain_db, 2),
            "gain_db": round(m.gain_db, 2),
            "turned_down": m.turned_down,
            "changes": [c.__dict__ for c in preview.changes],
        }
    )


@router.get(
    "/{review_id}/previews/{preview_id}/{side}",
    response_class=Response,
    responses={200: {"content": {"audio/ogg": {}, "audio/aac": {}, "audio/wav": {}}}},
)
async def get_preview_audio(
    review_id: str,
    preview_id: str,
    side: Literal["before", "after"],
    state: StateDep,
    session: CurrentSession,
    format: service.AudioFormat = "opus",
) -> Response:
    """One side of the preview, loudness-matched: Opus in Ogg, AAC with `?format=aac` (for
    browsers without Opus), or WAV with `?format=wav`."""
    preview = await _rendered(state, session.id, review_id, preview_id)
    audio = await run_in_threadpool(service.preview_audio, preview, side, format)
    return Response(audio.content, media_type=audio.media_type)
