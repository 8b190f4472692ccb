"""Real databases for the storage, jobs and API tests: SQLite in a temporary folder, and a
throwaway PostgreSQL database per test run (skipped, with the reason, when the server at
``MIXCOACH_TEST_POSTGRES_URL``, default postgresql://postgres@127.0.0.1:5432/postgres, does not
answer). The fixtures here are imported by the conftest of each folder that uses them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event, text

from mixcoach.storage.database import Database
from mixcoach.storage.files import FileStore
from mixcoach.storage.models import Base

POSTGRES_ADMIN_URL = os.environ.get(
    "MIXCOACH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")


def postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used here, or None when it can."""
    import psycopg

    try:
        psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable ({first})"
    return None


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards; yields its URL."""
    import psycopg

    name = f"mixcoach_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'mixcoach.db'}"


def empty_tables(url: str) -> None:
    """Delete every row (for a database shared by the tests of one run)."""
    database = Database.from_url(url)
    try:
        with database.writing() as db:
            names = ", ".join(table.name for table in Base.metadata.sorted_tables)
            db.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One throwaway, migrated PostgreSQL database for the run; tables emptied after each test."""
    reason = postgres_unreachable()
    if reason is not None:
        pytest.skip(reason)
    with throwaway_postgres() as url:
        database = Database.from_url(url)
        database.migrate()
        database.dispose()
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend (SQLite not yet migrated; PostgreSQL migrated)."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    url: str = request.getfixturevalue("postgres_url")
    yield url
    empty_tables(url)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A migrated Database on each backend."""
    database = Database.from_url(database_url)
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "data")


class WriteRefusal:
    """Makes the database itself refuse every write transaction of one engine while on (SQLite:
    ``PRAGMA query_only``; PostgreSQL: a read-only transaction): real database errors, raised
    where the runner meets them, as when a disk fills or a replica fails over."""

    def __init__(self, database: Database) -> None:
        self.on = False
        if database.backend == "sqlite":  # before BEGIN IMMEDIATE, which itself would fail
            event.listen(database.engine.pool, "checkout", self._checkout)
        else:
            event.listen(database.engine, "begin", self._begin)

    def _checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.execute(f"PRAGMA query_only={int(self.on)}")

    def _begin(self, connection: Connection) -> None:
        if self.on:
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
