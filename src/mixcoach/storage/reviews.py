"""Reviews (what a producer asked) and the analyses they share."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session, aliased

from mixcoach.errors import NotFound
from mixcoach.storage.database import Database, insert_ignore
from mixcoach.storage.jobs import JobStatus, codec_check_key
from mixcoach.storage.models import Analysis, Feedback, Review, Track, utc_now
from mixcoach.storage.rendered import RenderedStore, forget_review

REVIEW_NOT_FOUND = "Review {review_id} was not found."


@dataclass(frozen=True)
class AnalysisRequest:
    """The inputs that decide an Analysis document: equal requests, equal documents."""

    track_sha256: str
    reference_sha256: str | None
    genre: str | None
    subgenre: str | None
    feedback_type: str
    analyzer_version: str

    @property
    def key(self) -> str:
        canonical = json.dumps(
            [
                self.track_sha256,
                self.reference_sha256,
                self.genre,
                self.subgenre,
                self.feedback_type,
                self.analyzer_version,
            ]
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ReviewRow:
    """A review with its tracks and the state of its analysis.

    ``track`` and ``reference`` carry the names the files were uploaded under for this review:
    the same content uploaded again under a new name is the session's same track (first named
    the first time), so a track renamed for a review is a copy detached from the database
    session, to read, never to change.
    """

    review: Review
    track: Track
    reference: Track | None
    analysis: Analysis
    has_feedback: bool = False


def queue_analysis(db: Session, request: AnalysisRequest) -> Analysis:
    """The analysis for ``request``: the existing one, or a new queued one. A failed one is
    queued again (its failure may have been passing: a killed worker, a full disk)."""
    key = request.key
    insert_ignore(db, Analysis, {"key": key, **request.__dict__})
    analysis = db.scalar(select(Analysis).where(Analysis.key == key).with_for_update())
    if analysis is None:
        raise RuntimeError(f"analysis {key} vanished while it was being queued")
    if analysis.state == "failed":
        analysis.state, analysis.stage, analysis.progress_percent = "queued", "queued", 0.0
        analysis.error, analysis.attempts, analysis.updated_at = None, 0, utc_now()
    return analysis


def add_judged_analysis(
    db: Session, request: AnalysisRequest, document: dict[str, Any]
) -> Analysis:
    """The analysis for ``request`` made from measurements already taken: done at once with
    ``document``, or the existing one for the same request (equal requests, equal documents)."""
    now = utc_now()
    insert_ignore(
        db,
        Analysis,
        {
            "key": request.key,
            **request.__dict__,
            "state": "done",
            "stage": "done",
            "progress_percent": 100.0,
            "document": document,
            "started_at": now,
            "finished_at": now,
        },
    )
    analysis = db.scalar(select(Analysis).where(Analysis.key == request.key).with_for_update())
    if analysis is None:
        raise RuntimeError(f"analysis {request.key} vanished while it was being stored")
    if analysis.document is None and analysis.state != "running":  # queued or failed before
        analysis.state, analysis.stage, analysis.progress_percent = "done", "done", 100.0
        analysis.document, analysis.error, analysis.finished_at = document, None, now
        analysis.updated_at = now
    return analysis


def rename_review(db: Session, *, session_id: str, review_id: str, title: str | None) -> None:
    """Give a session's review a title (None: named by its track again)."""
    row = get_review(db, session_id=session_id, review_id=review_id)
    db.get_one(Review, row.review.id).title = title


def add_review(
    db: Session,
    *,
    session_id: str,
    track: Track,
    reference: Track | None,
    analysis: Analysis,
    detail_level: str,
    track_filename: str | None = None,
    reference_filename: str | None = None,
) -> Review:
    """A review of ``track`` (and ``reference``); the file names are those of this upload
    (the tracks' own names when not given)."""
    review = Review(
        session_id=session_id,
        track_id=track.id,
        reference_track_id=None if reference is None else reference.id,
        track_filename=track_filename or track.filename,
        reference_filename=None if reference is None else reference_filename or reference.filename,
        analysis_id=analysis.id,
        feedback_type=analysis.feedback_type,
        genre=analysis.genre,
        subgenre=analysis.subgenre,
        detail_level=detail_level,
    )
    db.add(review)
    db.flush()
    return review


# Built once: a new alias per call defeats SQLAlchemy's statement cache (twice as slow).
_Reference = aliased(Track, name="reference")
_REVIEW_ROWS = (
    select(
        Review,
        Track,
        _Reference,
        Analysis,
        exists().where(Feedback.review_id == Review.id).label("has_feedback"),
    )
    .join(Track, Track.id == Review.track_id)
    .outerjoin(_Reference, _Reference.id == Review.reference_track_id)
    .join(Analysis, Analysis.id == Review.analysis_id)
    .order_by(Review.created_at.desc(), Review.id)
)


def _review_rows(db: Session, *, session_id: str, review_id: str | None) -> Sequence[ReviewRow]:
    query = _REVIEW_ROWS.where(Review.session_id == session_id)
    if review_id is not None:
        query = query.where(Review.id == review_id)
    return [
        ReviewRow(
            review,
            _as_named(track, review.track_filename),
            None if reference is None else _as_named(reference, review.reference_filename),
            analysis,
            has_feedback,
        )
        for review, track, reference, analysis, has_feedback in db.execute(query)
    ]


def _as_named(track: Track, filename: str | None) -> Track:
    """``track`` under the name it was uploaded as for a review: itself when the name is the
    same, else a transient copy (never added to a session, so never written back)."""
    if filename is None or filename == track.filename:
        return track
    return Track(
        id=track.id,
        session_id=track.session_id,
        file_sha256=track.file_sha256,
        filename=filename,
        created_at=track.created_at,
    )


def get_review(db: Session, *, session_id: str, review_id: str) -> ReviewRow:
    """A session's review; another session's review is not found, exactly like a missing one."""
    rows = _review_rows(db, session_id=session_id, review_id=review_id)
    if not rows:
        raise NotFound(REVIEW_NOT_FOUND.format(review_id=review_id))
    return rows[0]


def review_job(db: Session, *, session_id: str, review_id: str) -> JobStatus:
    """The state of a session's review's analysis: one small query, for frequent polling."""
    row = db.execute(
        select(
            Analysis.id,
            Analysis.state,
            Analysis.stage,
            Analysis.progress_percent,
            Analysis.error,
            Analysis.updated_at,
        )
        .join(Review, Review.analysis_id == Analysis.id)
        .where(Review.id == review_id, Review.session_id == session_id)
    ).first()
    if row is None:
        raise NotFound(REVIEW_NOT_FOUND.format(review_id=review_id))
    return JobStatus(*row)


def read_review_job(database: Database, *, session_id: str, review_id: str) -> JobStatus:
    """``review_job`` in a session of its own, closed before it returns."""
    with database.session() as db:
        return review_job(db, session_id=session_id, review_id=review_id)


def list_reviews(db: Session, *, session_id: str) -> Sequence[ReviewRow]:
    """The session's reviews, newest first."""
    return _review_rows(db, session_id=session_id, review_id=None)


def delete_review(
    database: Database, rendered: RenderedStore, *, session_id: str, review_id: str
) -> None:
    """Delete a review with its feedback, chat and presets (not its tracks), then its renders
    (previews, reports; the codec run and its job too when no other review has that content)."""
    with database.writing() as db:
        sha = get_review(db, session_id=session_id, review_id=review_id).track.file_sha256
        db.execute(delete(Review).where(Review.id == review_id))
        others = db.scalar(
            select(func.count(Review.id))
            .join(Track, Review.track_id == Track.id)
            .where(Track.file_sha256 == sha)
        )
        if not others:  # its results go below: a later review of it checks the codecs again
            db.execute(
                delete(Analysis).where(
                    Analysis.key == codec_check_key(sha), Analysis.state != "running"
                )
            )
    forget_review(rendered, review_id, content=None if others else sha)
