"""Engines, sessions and migrations for SQLite (the default) and PostgreSQL.

SQLite runs in WAL mode so readers never wait for the writer. Its default transactions start
lazily and fail at once (no busy wait) when a transaction that has read tries to write after
another connection wrote; so sessions that write are opened with ``Database.writing()``, which
starts with ``BEGIN IMMEDIATE`` and waits its turn instead. PostgreSQL needs neither.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_IMMEDIATE = "mixcoach_begin_immediate"
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: Connections one process may hold: more than the server's request threads (32) plus its job
#: runner, so no request thread ever waits for a connection while holding a thread.
POOL_SIZE = 10
#: The PostgreSQL advisory lock migrations hold ("mixcoach" in ASCII, as a 64-bit key).
MIGRATION_LOCK = 0x6D6978636F616368
POOL_OVERFLOW = 30


def normalize_url(url: str) -> URL:
    """``postgres://`` and ``postgresql://`` URLs use psycopg 3; anything else is kept as given."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_database_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite, creates the folder and sets WAL and foreign keys."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            parsed, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        parsed,
        connect_args={"check_same_thread": False},
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself, so writers can ask for IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps it consistent
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    immediate = connection.get_execution_options().get(_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@dataclass
class Database:
    """An engine and its two session factories: one for reading, one for writing."""

    engine: Engine

    def __post_init__(self) -> None:
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(**{_IMMEDIATE: True}), expire_on_commit=False
        )
        # dispose() closes the pool's idle connections. One still checked out then (a request
        # finishing while the server stops) would go back into the discarded pool and stay
        # open until the garbage collector finds it; it is closed when it comes back instead.
        self._checked_out: set[int] = set()
        self._close_on_return: set[int] = set()
        event.listen(self.engine.pool, "checkout", self._on_checkout)
        event.listen(self.engine.pool, "checkin", self._on_checkin)

    def _on_checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        self._checked_out.add(id(dbapi_connection))

    def _on_checkin(self, dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is None:  # already invalidated
            return
        key = id(dbapi_connection)
        self._checked_out.discard(key)
        if key in self._close_on_return:
            self._close_on_return.discard(key)
            record.invalidate()  # closes the DBAPI connection

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(create_database_engine(url))

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        """A session for reads (and writes that need no lock ordering)."""
        return self._read()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session in one write transaction: committed on success, rolled back on error."""
        with self._write() as session, session.begin():
            yield session

    def migrate(self) -> None:
        """Bring the schema to the newest migration (a no-op when it is already there)."""
        from alembic import command

        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Servers and workers started together migrate one at a time; the others then
                # find the schema at head and do nothing. Held until this transaction ends.
                lock = text("SELECT pg_advisory_xact_lock(:key)")
                connection.execute(lock, {"key": MIGRATION_LOCK})
            command.upgrade(alembic_config(connection), "head")

    def dispose(self) -> None:
        """Close every connection: the idle ones now, the checked-out ones as they come back."""
        self._close_on_return |= self._checked_out
        self.engine.dispose()


def alembic_config(connection: Any = None) -> Any:
    """Alembic's configuration for the migrations shipped in this package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def insert_ignore(db: Session, model: type[DeclarativeBase], values: dict[str, Any]) -> None:
    """Insert a row unless one with the same unique key exists (the first writer wins).

    Concurrent inserts of the same key wait for each other instead of failing, so two uploads
    of the same content at once end with one row.
    """
    backend = db.get_bind().dialect.name
    if backend == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        db.execute(pg_insert(model).values(**values).on_conflict_do_nothing())
    elif backend == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        db.execute(sqlite_insert(model).values(**values).on_conflict_do_nothing())
    else:
        raise ValueError(f"unsupported database backend {backend!r}: use SQLite or PostgreSQL")
