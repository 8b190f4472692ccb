"""``mixcoach serve``: run the app with uvicorn."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
from typing import TYPE_CHECKING

from mixcoach.config import get_settings

if TYPE_CHECKING:
    import uvicorn

DATABASE_UNUSABLE = "mixcoach: cannot use the database at {where} ({reason}); {hint}."
HINTS = {
    "sqlite": "check DATABASE_URL, or MIXCOACH_DATA_DIR where the SQLite database is kept",
    "other": "check DATABASE_URL and that the database server is running",
}


def serve(*, host: str | None = None, port: int | None = None) -> int:
    """Serve until interrupted; returns the process exit status.

    The port is bound before anything else happens, so a second server started by mistake
    stops there and never touches the first one's database or files. A database that does not
    answer (or cannot be opened) stops the start with one line saying so. "Mixcoach is
    serving" is printed once the app has started (migrations applied, job runner running).
    """
    import uvicorn

    from mixcoach.api.app import create_app
    from mixcoach.storage.files import FolderInUse, FolderLock

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    try:
        listener = socket.create_server((host, port))
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        print(f"mixcoach: cannot listen on {host}:{port} ({reason}).", file=sys.stderr)
        return 1
    if settings.jobs.broker is None:  # servers of the scale-out mode share their storage
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        lock = FolderLock(settings.data_dir)
        try:  # the app claims the folder for good at start-up; this says it early and clearly
            lock.claim()
        except FolderInUse as exc:
            listener.close()
            print(f"mixcoach: {exc}", file=sys.stderr)
            return 1
        lock.release()
    problem = database_problem(settings.database_url)
    if problem is not None:
        listener.close()
        print(problem, file=sys.stderr)
        return 1
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    database = "PostgreSQL" if settings.database_url.startswith("postgres") else "SQLite"
    jobs = (
        f"{settings.jobs.workers} analysis workers"
        if settings.jobs.broker is None
        else "analyses go to the task queue"
    )
    location = settings.storage.s3_location
    audio = "" if location is None else f", audio in s3://{location[0]}/{location[1]}"
    server = _announcing_server(
        uvicorn.Config(create_app(settings)),
        started=f"Mixcoach is serving http://{host}:{port}/ (data in "
        f"{settings.data_dir.resolve()}, {database}, {jobs}{audio})",
    )
    try:
        # uvicorn passes Ctrl+C on after its clean shutdown; nothing is left to report
        with listener, contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[listener])
    except SystemExit:  # uvicorn's way out of a failed start-up, which it has logged
        return 1
    return 0 if server.started else 1


def database_problem(url: str) -> str | None:
    """Why the database at ``url`` cannot be used, in one line without its password; None when
    it answers."""
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from mixcoach.storage.database import create_database_engine

    where = _without_password(url)
    hint = HINTS["sqlite" if url.startswith("sqlite") else "other"]
    try:
        engine = create_database_engine(url)
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        return DATABASE_UNUSABLE.format(where=where, reason=_first_line(exc), hint=hint)
    try:
        with engine.connect():
            return None
    except SQLAlchemyError as exc:
        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        reason = _first_line(cause)
        password = _password(url)
        if password:
            reason = reason.replace(password, "***")
        return DATABASE_UNUSABLE.format(where=where, reason=reason, hint=hint)
    finally:
        engine.dispose()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].rstrip(".") if text else type(exc).__name__


def _password(url: str) -> str | None:
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).password
    except (ArgumentError, ValueError):
        return None


def _without_password(url: str) -> str:
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # not a URL: say which setting, not what it holds
        return "DATABASE_URL"


def _announcing_server(config: uvicorn.Config, *, started: str) -> uvicorn.Server:
    """uvicorn's server, printing ``started`` once its start-up (the app's lifespan, the
    listening socket) has succeeded; a failed start-up never prints it."""
    import uvicorn

    class Announcing(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            print(started, flush=True)

    return Announcing(config)
