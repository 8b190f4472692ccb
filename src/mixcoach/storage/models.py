"""The tables, as typed SQLAlchemy 2 models.

    sessions ──< tracks >── files (one row per distinct content, keyed by sha256)
        │          │   └── previous_track (the earlier version it replaces, if any)
        └──< reviews >── analyses (one per distinct track + reference + genre + type)
                 │
                 ├──< feedback, presets
                 └──< chat_messages, chat_summaries

A *review* is what a producer asked for: a track (and a reference) judged as a feedback type in
a genre, at a detail level. The *analysis* it points at is the computation, shared by every review
that asks the same question of the same audio, so a re-upload is analysed once; it is also the
job: its state, stage and progress live on the row. Every table a session owns is reached from
``sessions`` and is deleted with it.

Timestamps are timezone-aware UTC on every backend (SQLite stores them without an offset).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JobState = Literal["queued", "running", "done", "failed"]
JOB_STATES: tuple[JobState, ...] = ("queued", "running", "done", "failed")
#: What a job computes: an Analysis document, or the content through the delivery codecs.
JobKind = Literal["analysis", "codecs"]


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is stored in UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"timestamps must be timezone-aware, got {value!r}")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A random, unguessable row id (32 hex digits)."""
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    # Named constraints, so later migrations can drop or alter them on every backend.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON().with_variant(JSONB(), "postgresql"),
    }


class BrowserSession(Base):
    """A browser's identity: the page keeps the id and token; only the token's hash is stored."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class StoredFile(Base):
    """One distinct audio content, stored once on disk under its sha256, with what decoding saw."""

    __tablename__ = "files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str] = mapped_column(String(32))  # recognised from content: "wav", "flac"...
    codec: Mapped[str] = mapped_column(String(32))
    sample_rate_hz: Mapped[int] = mapped_column(Integer)
    channels: Mapped[int] = mapped_column(Integer)
    bit_depth: Mapped[int | None] = mapped_column(Integer)  # None for lossy codecs
    duration_s: Mapped[float]  # as the container announces it, or as counted when it does not
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Track(Base):
    """A file as one session uploaded it (the same content twice in a session is one track)."""

    __tablename__ = "tracks"
    __table_args__ = (UniqueConstraint("session_id", "file_sha256"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    file_sha256: Mapped[str] = mapped_column(ForeignKey("files.sha256"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # as the browser named it, the first time
    #: The earlier version this track is a new render of (same session); None for a first one.
    previous_track_id: Mapped[str | None] = mapped_column(
        ForeignKey("tracks.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Analysis(Base):
    """The Analysis document for one question about one content, and the job that makes it.

    A row of ``kind`` "codecs" is the codec check of ``track_sha256`` (one per content): the
    same job, its results kept beside the audio (``storage/rendered.py``), not in ``document``.
    """

    __tablename__ = "analyses"
    __table_args__ = (
        Index("ix_analyses_state_created_at", "state", "created_at"),
        Index("ix_analyses_updated_at", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16), default="analysis", server_default="analysis")
    #: sha256 of the inputs and analyzer version: equal keys, equal documents.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    track_sha256: Mapped[str] = mapped_column(ForeignKey("files.sha256"), index=True)
    reference_sha256: Mapped[str | None] = mapped_column(ForeignKey("files.sha256"), index=True)
    genre: Mapped[str | None] = mapped_column(String(64))
    subgenre: Mapped[str | None] = mapped_column(String(64))
    feedback_type: Mapped[str] = mapped_column(String(32))
    analyzer_version: Mapped[str] = mapped_column(String(32))  # "<mixcoach>/<schema_version>"
    state: Mapped[str] = mapped_column(String(16), default="queued")  # one of JOB_STATES
    stage: Mapped[str] = mapped_column(String(64), default="queued")
    progress_percent: Mapped[float] = mapped_column(default=0.0)
    error: Mapped[str | None] = mapped_column(Text)  # why it failed, for the producer
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # times a worker started it
    document: Mapped[dict[str, Any] | None]  # the Analysis JSON once done
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    #: When the task queue took the job's message (scale-out only; empty until the broker has it).
    submitted_at: Mapped[datetime | None]
    #: The process running it, as host:pid (the task queue's workers only).
    worker: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class Review(Base):
    """One request: a track (and reference) judged as a feedback type, in a genre, at a level."""

    __tablename__ = "reviews"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    track_id: Mapped[str] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    reference_track_id: Mapped[str | None] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), index=True
    )
    #: The names the files were uploaded under for this review: the same content uploaded again
    #: under a new name is the session's same track, but the review shows the new name.
    track_filename: Mapped[str] = mapped_column(String(255))
    reference_filename: Mapped[str | None] = mapped_column(String(255))
    analysis_id: Mapped[str] = mapped_column(ForeignKey("analyses.id"), index=True)
    feedback_type: Mapped[str] = mapped_column(String(32))
    genre: Mapped[str | None] = mapped_column(String(64))
    subgenre: Mapped[str | None] = mapped_column(String(64))
    detail_level: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(120))  # the producer's name for it
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Feedback(Base):
    """Feedback written for a review by one engine (Markdown, plus its structured pieces)."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    engine: Mapped[str] = mapped_column(String(32))  # "offline", "openai"...
    detail_level: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)  # Markdown
    data: Mapped[dict[str, Any] | None]  # pieces of advice with the finding each comes from
    note: Mapped[str | None] = mapped_column(Text)  # e.g. why the offline engine answered instead
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class ChatMessage(Base):
    """One turn of the follow-up conversation about a review."""

    __tablename__ = "chat_messages"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # "user" or "assistant"
    content: Mapped[str] = mapped_column(Text)
    engine: Mapped[str | None] = mapped_column(String(32))  # who answered (assistant turns)
    #: An answer's finding codes, knowledge-base sources and fallback reason (None for questions).
    data: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class ChatSummary(Base):
    """A running summary of a conversation's older turns, to keep prompts within budget."""

    __tablename__ = "chat_summaries"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    content: Mapped[str] = mapped_column(Text)
    #: The last message the summary covers; later turns are sent verbatim.
    through_message_id: Mapped[int] = mapped_column(
        ForeignKey("chat_messages.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Preset(Base):
    """A processing recommendation derived from the measurements (EQ, compressor, limiter...)."""

    __tablename__ = "presets"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Album(Base):
    """Several of a session's reviews grouped as one release, in their order."""

    __tablename__ = "albums"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class AlbumTrack(Base):
    """One review's place on an album (1-based)."""

    __tablename__ = "album_tracks"

    album_id: Mapped[str] = mapped_column(
        ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[str] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
