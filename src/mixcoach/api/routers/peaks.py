"""A review's waveform outline, for the page's player: drawn before the audio has streamed."""

from __future__ import annotations

from fastapi import APIRouter

from mixcoach.api.deps import CurrentSession, StateDep
from mixcoach.api.errors import AUTH_RESPONSES, COMMON_RESPONSES, STORAGE_RESPONSES
from mixcoach.api.peaks_service import Which, review_peaks
from mixcoach.api.routers.paths import KnownIds
from mixcoach.api.schemas import PeaksOut

router = APIRouter(
    prefix="/api/reviews",
    tags=["reviews"],
    responses={**COMMON_RESPONSES, **AUTH_RESPONSES},
    dependencies=[KnownIds],
)


@router.get("/{review_id}/peaks", responses=STORAGE_RESPONSES)
def get_peaks(
    review_id: str, state: StateDep, session: CurrentSession, which: Which = "track"
) -> PeaksOut:
    """The lowest and highest sample per column of the track (or, with `which=reference`,
    the reference) at a few column counts, decoded once per audio content and kept. 404 for
    another session's review and for the reference of a review without one."""
    return review_peaks(state, session_id=session.id, review_id=review_id, which=which)
