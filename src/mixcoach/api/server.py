"""``mixcoach serve``: run the app with uvicorn."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys

from mixcoach.config import get_settings


def serve(*, host: str | None = None, port: int | None = None) -> int:
    """Serve until interrupted; returns the process exit status.

    The port is bound before anything else happens, so a second server started by mistake
    stops there and never touches the first one's database or files.
    """
    import uvicorn

    from mixcoach.api.app import create_app
    from mixcoach.storage.files import FileStore, FolderInUse

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    try:
        listener = socket.create_server((host, port))
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        print(f"mixcoach: cannot listen on {host}:{port} ({reason}).", file=sys.stderr)
        return 1
    store = FileStore(settings.data_dir)
    try:  # the app claims the folder for good at start-up; this only says it early and clearly
        store.claim()
    except FolderInUse as exc:
        listener.close()
        print(f"mixcoach: {exc}", file=sys.stderr)
        return 1
    store.release()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    database = "PostgreSQL" if settings.database_url.startswith("postgres") else "SQLite"
    print(
        f"Mixcoach is serving http://{host}:{port}/ (data in {settings.data_dir.resolve()}, "
        f"{database}, {settings.jobs.workers} analysis workers)",
        flush=True,
    )
    server = uvicorn.Server(uvicorn.Config(create_app(settings)))
    # uvicorn passes Ctrl+C on after its clean shutdown; nothing is left to report
    with listener, contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[listener])
    return 0 if server.started else 1
