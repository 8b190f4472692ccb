"""Reviews keep the names their files were uploaded under: the same content uploaded again under
a new name is the session's same track, and its review shows the new name.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reviews") as batch:
        batch.add_column(sa.Column("track_filename", sa.String(255), nullable=True))
        batch.add_column(sa.Column("reference_filename", sa.String(255), nullable=True))
    # Reviews made before this knew only their tracks' names.
    tracks = sa.table("tracks", sa.column("id", sa.String), sa.column("filename", sa.String))
    reviews = sa.table(
        "reviews",
        sa.column("track_id", sa.String),
        sa.column("reference_track_id", sa.String),
        sa.column("track_filename", sa.String),
        sa.column("reference_filename", sa.String),
    )
    name_of = (
        sa.select(tracks.c.filename).where(tracks.c.id == reviews.c.track_id).scalar_subquery()
    )
    reference_name_of = (
        sa.select(tracks.c.filename)
        .where(tracks.c.id == reviews.c.reference_track_id)
        .scalar_subquery()
    )
    op.execute(
        reviews.update().values(track_filename=name_of, reference_filename=reference_name_of)
    )
    with op.batch_alter_table("reviews") as batch:
        batch.alter_column("track_filename", existing_type=sa.String(255), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("reviews") as batch:
        batch.drop_column("reference_filename")
        batch.drop_column("track_filename")
