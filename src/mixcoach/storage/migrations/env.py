"""Alembic environment: runs on the connection Mixcoach hands over, or on the configured URL.

Mixcoach applies migrations itself at start (``Database.migrate``). To write a new one::

    .venv/bin/alembic -c src/mixcoach/storage/migrations/alembic.ini \
        revision --autogenerate -m "what changes"

which compares the models with the database named by the settings (``DATABASE_URL``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from mixcoach.storage.models import Base


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from mixcoach.config import get_settings
    from mixcoach.storage.database import create_database_engine

    engine = create_database_engine(get_settings().database_url)
    with engine.begin() as fresh:
        _run(fresh)
    engine.dispose()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
