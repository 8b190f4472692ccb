"""The engine's life: disposing of a Database leaves no connection open, not even one a
request still held when the server began to stop."""

from __future__ import annotations

import gc
import warnings

from sqlalchemy import text

from mixcoach.storage.database import Database


def test_a_connection_checked_out_at_dispose_is_closed_when_it_comes_back(
    database: Database,
) -> None:
    late = database.session()
    late.execute(text("SELECT 1"))  # holds a connection from the pool
    raw = late.connection().connection.dbapi_connection
    idle = database.session()
    idle.execute(text("SELECT 1"))
    idle.close()  # back in the pool before dispose: closed by dispose itself

    database.dispose()
    assert not _closed(raw)  # still the request's: dispose must not pull it away
    late.close()
    assert _closed(raw)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_a_database_stays_usable_after_a_connection_was_closed_on_return(
    database: Database,
) -> None:
    late = database.session()
    late.execute(text("SELECT 1"))
    database.dispose()
    late.close()
    with database.session() as db:  # a fresh pool: new connections work as before
        assert db.execute(text("SELECT 1")).scalar() == 1


def _closed(dbapi_connection: object) -> bool:
    closed = getattr(dbapi_connection, "closed", None)
    if closed is not None:  # psycopg
        return bool(closed)
    try:  # sqlite3 has no flag: a closed connection refuses to make a cursor
        dbapi_connection.cursor()  # type: ignore[attr-defined]
    except Exception:
        return True
    return False
