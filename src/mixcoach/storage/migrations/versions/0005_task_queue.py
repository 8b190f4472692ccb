"""Analyses remember when their message reached the task queue and which worker runs them, and
changes are found by time.

``submitted_at`` stays empty while the broker could not take an analysis's message, so a worker
can hand it over once the broker answers again; ``worker`` names the process running it (host
and pid) for operators; the index on ``updated_at`` lets every server read the progress that
workers on other machines wrote.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("worker", sa.String(128), nullable=True))
    op.create_index("ix_analyses_updated_at", "analyses", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_analyses_updated_at", table_name="analyses")
    with op.batch_alter_table("analyses") as batch:
        batch.drop_column("worker")
        batch.drop_column("submitted_at")
