"""A review's versions: its track's lineage, the session's tracks that look like versions of it
(by file name or audio fingerprint), a suggestion linked after upload, and two versions
compared."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixcoach.analysis import Analysis
from mixcoach.api.errors import NotReady
from mixcoach.api.services import finished_review, link_version_field
from mixcoach.feedback.version_notes import VersionFacts, explain_versions
from mixcoach.findings.versions import VersionComparison, compare_versions, fingerprint_match
from mixcoach.storage import feedback as feedback_store
from mixcoach.storage.models import Review, Track
from mixcoach.storage.reviews import get_review
from mixcoach.storage.versions import lineage, newest_reviews

#: What producers append to a file name for a new render: "v2", "mix 3", "final", "master"...
_VERSION_MARK = re.compile(
    r"([\s_\-.]*(v|ver|version|mix|take|rev|render|final|master|new|old)?[\s_\-.]*\d*)+$"
)


@dataclass(frozen=True)
class Version:
    number: int  # 1-based, in the lineage's order
    track: Track
    review: Review | None  # the track's newest review in the session


@dataclass(frozen=True)
class Suggestion:
    review: Review
    track: Track
    reason: Literal["file_name", "fingerprint"]


@dataclass(frozen=True)
class Versions:
    versions: list[Version]
    suggestions: list[Suggestion]


@dataclass(frozen=True)
class Comparison:
    before: Review
    after: Review
    comparison: VersionComparison
    before_name: str  # "v1", or the file name when the two are not versions of one song
    after_name: str
    summary: str


def song_name(filename: str) -> str:
    """The file name without its extension, case and version marks: "Song v2.wav" -> "song"."""
    stem = PurePath(filename).stem.lower()
    return _VERSION_MARK.sub("", stem).strip() or stem


def review_versions(db: Session, *, session_id: str, review_id: str) -> Versions:
    """The review's track's lineage (with each version's newest review) and suggestions."""
    row = get_review(db, session_id=session_id, review_id=review_id)
    tracks = lineage(db, session_id=session_id, track_id=row.track.id)
    reviews = newest_reviews(db, session_id=session_id)
    versions = [
        Version(number, track, reviews.get(track.id))
        for number, track in enumerate(tracks, start=1)
    ]
    in_lineage = {track.id for track in tracks}
    document = row.analysis.document
    analysis = None if document is None else Analysis.model_validate(document)
    suggestions = []
    for track_id, review in reviews.items():
        if track_id in in_lineage:
            continue
        other = get_review(db, session_id=session_id, review_id=review.id)
        if song_name(other.track.filename) == song_name(row.track.filename):
            suggestions.append(Suggestion(review, other.track, "file_name"))
        elif (
            analysis is not None
            and other.analysis.document is not None
            and fingerprint_match(
                analysis, Analysis.model_validate(other.analysis.document)
            ).same_song
        ):
            suggestions.append(Suggestion(review, other.track, "fingerprint"))
    return Versions(versions, suggestions)


def link_previous(db: Session, *, session_id: str, review_id: str, track_id: str) -> None:
    """The review's track as a new version of the session's track ``track_id``. The feedback
    of that track's reviews was written without the comparison with its previous version, so
    it is dropped and written again, with it, on its next read."""
    row = get_review(db, session_id=session_id, review_id=review_id)
    link_version_field(db, session_id, row.track, track_id, field="track_id")
    for review in db.scalars(select(Review).where(Review.track_id == row.track.id)):
        feedback_store.forget_feedback(db, review_id=review.id)


def compare_reviews(db: Session, *, session_id: str, review_id: str, other_id: str) -> Comparison:
    """``other_id`` (the later version) compared with ``review_id``; NotFound for a review
    that is not the session's, NotReady until both analyses are done."""
    before_row, before_document = finished_review(db, session_id=session_id, review_id=review_id)
    after_row, after_document = finished_review(db, session_id=session_id, review_id=other_id)
    comparison = compare_versions(
        Analysis.model_validate(before_document), Analysis.model_validate(after_document)
    )
    before_name, after_name = _names(db, session_id, before_row.track, after_row.track)
    return Comparison(
        before_row.review,
        after_row.review,
        comparison,
        before_name,
        after_name,
        explain_versions(comparison, before=before_name, after=after_name),
    )


def _names(db: Session, session_id: str, before: Track, after: Track) -> tuple[str, str]:
    """ "v1" and "v3" when both are versions of one song; else the file names."""
    numbers = {
        track.id: number
        for number, track in enumerate(lineage(db, session_id=session_id, track_id=before.id), 1)
    }
    if before.id in numbers and after.id in numbers:
        return f"v{numbers[before.id]}", f"v{numbers[after.id]}"
    return before.filename, after.filename


def previous_version(db: Session, *, session_id: str, review_id: str) -> VersionFacts | None:
    """The review compared with its track's previous version (that track's newest review);
    None for a first version, or while the previous version's analysis is not done."""
    row = get_review(db, session_id=session_id, review_id=review_id)
    previous_id = row.track.previous_track_id
    earlier = (
        None if previous_id is None else newest_reviews(db, session_id=session_id).get(previous_id)
    )
    if earlier is None:
        return None
    try:
        found = compare_reviews(db, session_id=session_id, review_id=earlier.id, other_id=review_id)
    except NotReady:
        return None
    return VersionFacts(found.comparison, before=found.before_name, after=found.after_name)
