"""The first tables: sessions, files, tracks, analyses, reviews, feedback, chat, presets, exports.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _review_child(name: str, *columns: sa.schema.SchemaItem) -> None:
    """A table that belongs to a review and goes when the review goes."""
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("review_id", sa.String(32), nullable=False),
        *columns,
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=f"fk_{name}_review_id_reviews", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
    )
    op.create_index(f"ix_{name}_review_id", name, ["review_id"])


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("codec", sa.String(32), nullable=False),
        sa.Column("sample_rate_hz", sa.Integer(), nullable=False),
        sa.Column("channels", sa.Integer(), nullable=False),
        sa.Column("bit_depth", sa.Integer(), nullable=True),
        sa.Column("duration_s", sa.Double(), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("sha256", name="pk_files"),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.UniqueConstraint("token_sha256", name="uq_sessions_token_sha256"),
    )
    op.create_table(
        "analyses",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("track_sha256", sa.String(64), nullable=False),
        sa.Column("reference_sha256", sa.String(64), nullable=True),
        sa.Column("genre", sa.String(64), nullable=True),
        sa.Column("subgenre", sa.String(64), nullable=True),
        sa.Column("feedback_type", sa.String(32), nullable=False),
        sa.Column("analyzer_version", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(64), nullable=False),
        sa.Column("progress_percent", sa.Double(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("document", JSON, nullable=True),
        _timestamp("created_at"),
        _timestamp("started_at", nullable=True),
        _timestamp("finished_at", nullable=True),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["track_sha256"], ["files.sha256"], name="fk_analyses_track_sha256_files"
        ),
        sa.ForeignKeyConstraint(
            ["reference_sha256"], ["files.sha256"], name="fk_analyses_reference_sha256_files"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_analyses"),
        sa.UniqueConstraint("key", name="uq_analyses_key"),
    )
    op.create_index("ix_analyses_track_sha256", "analyses", ["track_sha256"])
    op.create_index("ix_analyses_reference_sha256", "analyses", ["reference_sha256"])
    op.create_index("ix_analyses_state_created_at", "analyses", ["state", "created_at"])

    op.create_table(
        "tracks",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["file_sha256"], ["files.sha256"], name="fk_tracks_file_sha256_files"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_tracks_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_tracks"),
        sa.UniqueConstraint("session_id", "file_sha256", name="uq_tracks_session_id"),
    )
    op.create_index("ix_tracks_file_sha256", "tracks", ["file_sha256"])
    op.create_index("ix_tracks_session_id", "tracks", ["session_id"])

    op.create_table(
        "reviews",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("track_id", sa.String(32), nullable=False),
        sa.Column("reference_track_id", sa.String(32), nullable=True),
        sa.Column("analysis_id", sa.String(32), nullable=False),
        sa.Column("feedback_type", sa.String(32), nullable=False),
        sa.Column("genre", sa.String(64), nullable=True),
        sa.Column("subgenre", sa.String(64), nullable=True),
        sa.Column("detail_level", sa.String(16), nullable=False),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["analysis_id"], ["analyses.id"], name="fk_reviews_analysis_id_analyses"
        ),
        sa.ForeignKeyConstraint(
            ["reference_track_id"],
            ["tracks.id"],
            name="fk_reviews_reference_track_id_tracks",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_reviews_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name="fk_reviews_track_id_tracks", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
    )
    for column in ("analysis_id", "reference_track_id", "session_id", "track_id"):
        op.create_index(f"ix_reviews_{column}", "reviews", [column])

    _review_child(
        "feedback",
        sa.Column("engine", sa.String(32), nullable=False),
        sa.Column("detail_level", sa.String(16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("data", JSON, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    _review_child(
        "chat_messages",
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("engine", sa.String(32), nullable=True),
    )
    _review_child(
        "chat_summaries",
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("through_message_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["through_message_id"],
            ["chat_messages.id"],
            name="fk_chat_summaries_through_message_id_chat_messages",
            ondelete="CASCADE",
        ),
    )
    _review_child(
        "presets",
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("data", JSON, nullable=False),
    )
    _review_child(
        "exports",
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "exports",
        "presets",
        "chat_summaries",
        "chat_messages",
        "feedback",
        "reviews",
        "tracks",
        "analyses",
        "sessions",
        "files",
    ):
        op.drop_table(table)
