"""A review's versions: the lineage of its track, a suggestion linked, and two versions compared."""

from __future__ import annotations

from fastapi import APIRouter

from mixcoach.api.deps import CurrentSession, StateDep
from mixcoach.api.errors import AUTH_RESPONSES, COMMON_RESPONSES, NOT_READY_RESPONSES
from mixcoach.api.routers.paths import KnownIds
from mixcoach.api.schemas import (
    ComparisonOut,
    TrackRef,
    VersionLinkIn,
    VersionOut,
    VersionsOut,
    VersionSuggestionOut,
)
from mixcoach.api.versions_service import compare_reviews, link_previous, review_versions

router = APIRouter(
    prefix="/api/reviews",
    tags=["versions"],
    responses={**COMMON_RESPONSES, **AUTH_RESPONSES},
    dependencies=[KnownIds],
)


@router.get("/{review_id}/versions")
def get_versions(review_id: str, state: StateDep, session: CurrentSession) -> VersionsOut:
    """The versions of the review's track, first first, and the session's other tracks that
    look like versions of it (same file name without version marks, or same fingerprint)."""
    with state.database.session() as db:
        found = review_versions(db, session_id=session.id, review_id=review_id)
        return VersionsOut(
            versions=[
                VersionOut(
                    number=v.number,
                    track=TrackRef(id=v.track.id, filename=v.track.filename),
                    review_id=None if v.review is None else v.review.id,
                )
                for v in found.versions
            ],
            suggestions=[
                VersionSuggestionOut(
                    review_id=s.review.id,
                    track=TrackRef(id=s.track.id, filename=s.track.filename),
                    reason=s.reason,
                )
                for s in found.suggestions
            ],
        )


@router.put("/{review_id}/previous-version")
def set_previous_version(
    review_id: str, body: VersionLinkIn, state: StateDep, session: CurrentSession
) -> VersionsOut:
    """The review's track becomes a new version of the session's track `track_id` (a
    suggestion taken after upload); its feedback is written again, with the comparison, on its
    next read. A track that already follows another, or a link that would make a loop, is a
    422 naming `track_id`. Answers the review's versions as `GET .../versions` does."""
    with state.database.writing() as db:
        link_previous(db, session_id=session.id, review_id=review_id, track_id=body.track_id)
    return get_versions(review_id, state, session)


@router.get("/{review_id}/compare/{other_id}", responses=NOT_READY_RESPONSES)
def compare(
    review_id: str, other_id: str, state: StateDep, session: CurrentSession
) -> ComparisonOut:
    """``other_id`` as a later version of ``review_id``: per finding fixed, still there
    (better or worse, by how much) or new; per metric the change; and the same in words."""
    with state.database.session() as db:
        result = compare_reviews(db, session_id=session.id, review_id=review_id, other_id=other_id)
        return ComparisonOut(
            before_review_id=result.before.id,
            after_review_id=result.after.id,
            findings=result.comparison.findings,
            metrics=result.comparison.metrics,
            summary=result.summary,
        )
