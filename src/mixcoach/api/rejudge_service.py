"""Re-judging a review: a new review of the same tracks, judged for another feedback type,
genre or detail level from the measurements already stored (no decode, no job), with its
feedback written at once. The review it came from stays as it was."""

from __future__ import annotations

from mixcoach.analysis import Analysis, rejudge
from mixcoach.api.feedback_service import Ready, feedback_for
from mixcoach.api.schemas import RejudgeForm
from mixcoach.api.services import finished_review
from mixcoach.feedback import Feedback, FeedbackEngine
from mixcoach.knowledge.genres import resolve_profile
from mixcoach.storage.database import Database
from mixcoach.storage.reviews import (
    AnalysisRequest,
    ReviewRow,
    add_judged_analysis,
    add_review,
    get_review,
)


def rejudge_review(
    database: Database,
    engine: FeedbackEngine,
    *,
    session_id: str,
    review_id: str,
    form: RejudgeForm,
) -> tuple[ReviewRow, Feedback]:
    """The new review and its feedback; InputError for an unknown genre, NotFound for another
    session's review, NotReady until the review's analysis is done."""
    profile = resolve_profile(form.genre, form.subgenre)
    with database.writing() as db:
        row, _ = finished_review(db, session_id=session_id, review_id=review_id)
        stored = row.analysis
        assert stored.document is not None  # finished_review raised otherwise
        judged = rejudge(
            Analysis.model_validate(stored.document),
            profile=profile,
            feedback_type=form.feedback_type,
        )
        analysis = add_judged_analysis(
            db,
            AnalysisRequest(
                track_sha256=stored.track_sha256,
                reference_sha256=stored.reference_sha256,
                genre=profile.genre,
                subgenre=profile.subgenre,
                feedback_type=form.feedback_type,
                analyzer_version=stored.analyzer_version,
            ),
            judged.model_dump(mode="json"),
        )
        review = add_review(
            db,
            session_id=session_id,
            track=row.track,
            reference=row.reference,
            analysis=analysis,
            detail_level=form.detail_level,
            track_filename=row.review.track_filename,
            reference_filename=row.review.reference_filename,
        )
        new_id = review.id
    with database.session() as db:
        new_row, document = finished_review(db, session_id=session_id, review_id=new_id)
    ready = Ready(
        new_row.review, new_row.track, new_row.reference, Analysis.model_validate(document)
    )
    feedback = feedback_for(database, engine, ready)
    with database.session() as db:
        return get_review(db, session_id=session_id, review_id=new_id), feedback
