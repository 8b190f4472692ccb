"""The feedback a review was given: the text as it was shown, and its structured form.

A review keeps one feedback, the latest: writing it again (a producer asking for it to be
regenerated) replaces the previous one in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mixcoach.storage.models import Feedback


def latest_feedback(db: Session, *, review_id: str) -> Feedback | None:
    return db.scalar(
        select(Feedback).where(Feedback.review_id == review_id).order_by(Feedback.id.desc())
    )


def replace_feedback(
    db: Session,
    *,
    review_id: str,
    engine: str,
    detail_level: str,
    content: str,
    data: dict[str, Any],
    note: str | None,
) -> Feedback:
    """Store the review's feedback in place of any earlier one.

    ``content`` is the Markdown as it was streamed, ``data`` the structured feedback, ``note``
    why the offline engine answered instead of the one asked for (None when it did not)."""
    db.execute(delete(Feedback).where(Feedback.review_id == review_id))
    row = Feedback(
        review_id=review_id,
        engine=engine,
        detail_level=detail_level,
        content=content,
        data=data,
        note=note,
    )
    db.add(row)
    db.flush()
    return row


def forget_feedback(db: Session, *, review_id: str) -> None:
    """Drop the review's feedback, so the next read writes it again (from changed facts)."""
    db.execute(delete(Feedback).where(Feedback.review_id == review_id))
