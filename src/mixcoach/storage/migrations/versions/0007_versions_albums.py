"""Tracks remember the earlier version they replace, and reviews can be grouped as albums.

``tracks.previous_track_id`` links a new render to the track it is a version of (set null when
that track is deleted, so the lineage closes up around it); ``albums`` and ``album_tracks`` hold
a session's releases, each a list of reviews in order.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tracks") as batch:
        batch.add_column(sa.Column("previous_track_id", sa.String(32), nullable=True))
        batch.create_foreign_key(
            "fk_tracks_previous_track_id_tracks",
            "tracks",
            ["previous_track_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_tracks_previous_track_id", ["previous_track_id"])
    op.create_table(
        "albums",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_albums_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_albums"),
    )
    op.create_index("ix_albums_session_id", "albums", ["session_id"])
    op.create_table(
        "album_tracks",
        sa.Column("album_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["album_id"], ["albums.id"], name="fk_album_tracks_album_id_albums", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name="fk_album_tracks_review_id_reviews",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("album_id", "position", name="pk_album_tracks"),
    )
    op.create_index("ix_album_tracks_review_id", "album_tracks", ["review_id"])


def downgrade() -> None:
    op.drop_index("ix_album_tracks_review_id", table_name="album_tracks")
    op.drop_table("album_tracks")
    op.drop_index("ix_albums_session_id", table_name="albums")
    op.drop_table("albums")
    with op.batch_alter_table("tracks") as batch:
        batch.drop_index("ix_tracks_previous_track_id")
        batch.drop_constraint("fk_tracks_previous_track_id_tracks", type_="foreignkey")
        batch.drop_column("previous_track_id")
