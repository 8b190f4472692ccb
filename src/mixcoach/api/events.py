"""The Server-Sent Events stream of one analysis's progress.

Each event is ``event: progress`` with a JobOut as JSON data; the stream ends after the event
whose state is ``done`` or ``failed``. The stream starts from the status the route read (or a
newer one the hub holds) and then waits on the progress hub, in memory: a waiting stream holds
no database connection and no thread. While nothing happens, a comment line every few seconds
keeps proxies from closing the connection; once in a long while the state is read again from
the database, in case an update never reached the hub (the review was deleted, say).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi.sse import format_sse_event
from starlette.concurrency import run_in_threadpool

from mixcoach.api.schemas import JobOut
from mixcoach.api.state import AppState
from mixcoach.storage.jobs import JobStatus, job_status

KEEPALIVE_S = 10.0
#: Every this many keep-alives without news, the state is read from the database once.
REREAD_EVERY_KEEPALIVES = 6
#: Tells EventSource how long to wait before reconnecting after a dropped connection.
RETRY_MS = 2000
FINAL_STATES = frozenset({"done", "failed"})


async def job_events(state: AppState, read: JobStatus) -> AsyncIterator[bytes]:
    """The events of the analysis ``read`` is the status of (read by the caller just now)."""

    def reread() -> JobStatus | None:
        with state.database.session() as db:
            return job_status(db, read.analysis_id)

    with state.hub.watch(read.analysis_id) as watcher:
        status: JobStatus | None = watcher.current(read)
        sent: JobOut | None = None
        number = quiet = 0
        while status is not None:
            job = JobOut.of(status)
            if sent is None or job.model_dump(exclude={"updated_at"}) != sent.model_dump(
                exclude={"updated_at"}
            ):
                number += 1
                yield format_sse_event(
                    data_str=job.model_dump_json(),
                    event="progress",
                    id=str(number),
                    retry=RETRY_MS if number == 1 else None,
                )
                sent = job
            if job.state in FINAL_STATES:
                return
            news = await watcher.next(timeout_s=KEEPALIVE_S)
            if news is not None:
                status, quiet = news, 0
                continue
            yield b": keep-alive\n\n"
            quiet += 1
            if quiet % REREAD_EVERY_KEEPALIVES == 0:
                fresh = await run_in_threadpool(reread)
                status = None if fresh is None else watcher.current(fresh)
