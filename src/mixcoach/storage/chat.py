"""The follow-up conversation about a review: every turn, and the running summary.

Every turn is kept (the page shows the whole conversation). The summary covers the turns up to
``through_message_id``; only the turns after it are handed to the engine verbatim, so the prompt
stays within its budget however long the conversation grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixcoach.storage.models import ChatMessage, ChatSummary, utc_now


@dataclass(frozen=True)
class StoredConversation:
    summary: ChatSummary | None
    recent: Sequence[ChatMessage]  # the turns after those the summary covers, oldest first


def list_messages(db: Session, *, review_id: str) -> Sequence[ChatMessage]:
    """Every turn of the review's conversation, oldest first."""
    return db.scalars(
        select(ChatMessage).where(ChatMessage.review_id == review_id).order_by(ChatMessage.id)
    ).all()


def latest_summary(db: Session, *, review_id: str) -> ChatSummary | None:
    # One row per review; should two first summaries race, the one that covers more wins.
    return db.scalar(
        select(ChatSummary)
        .where(ChatSummary.review_id == review_id)
        .order_by(ChatSummary.through_message_id.desc())
    )


def conversation(db: Session, *, review_id: str) -> StoredConversation:
    """The summary and the turns it does not cover: what the engine needs for the next answer."""
    summary = latest_summary(db, review_id=review_id)
    query = select(ChatMessage).where(ChatMessage.review_id == review_id)
    if summary is not None:
        query = query.where(ChatMessage.id > summary.through_message_id)
    return StoredConversation(summary, db.scalars(query.order_by(ChatMessage.id)).all())


@dataclass(frozen=True)
class Answer:
    content: str  # Markdown, as it was shown
    engine: str
    data: dict[str, Any]  # finding codes, sources, fallback reason


def add_exchange(
    db: Session,
    *,
    review_id: str,
    question: str,
    asked_at: datetime,
    answer: Answer,
    summary: str | None,
    through_message_id: int | None,
) -> ChatMessage:
    """Store a question and its answer (returned), and move the running summary forward when
    the engine folded more turns into it (``summary`` covering up to ``through_message_id``)."""
    db.add(ChatMessage(review_id=review_id, role="user", content=question, created_at=asked_at))
    reply = ChatMessage(
        review_id=review_id,
        role="assistant",
        content=answer.content,
        engine=answer.engine,
        data=answer.data,
    )
    db.add(reply)
    if summary is not None and through_message_id is not None:
        stored = latest_summary(db, review_id=review_id)
        if stored is None:
            db.add(
                ChatSummary(
                    review_id=review_id, content=summary, through_message_id=through_message_id
                )
            )
        elif stored.through_message_id < through_message_id:  # an answer made at the same
            # time from an older state must not move it back
            stored.content, stored.through_message_id = summary, through_message_id
            stored.created_at = utc_now()
    db.flush()
    return reply
