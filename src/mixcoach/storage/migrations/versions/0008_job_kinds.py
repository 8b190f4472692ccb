"""A job is an analysis or a codec check: ``analyses.kind`` says which.

The codec check (the content through AAC, Opus and MP3) runs in the job system like an analysis:
queued, claimed, its progress and failure on the row, by the same runner or queue workers. Its
row has ``kind = 'codecs'``, the content as ``track_sha256`` and no feedback type; every row made
before is an analysis.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(16), nullable=False, server_default="analysis")
        )


def downgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.drop_column("kind")
