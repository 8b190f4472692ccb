"""The Server-Sent Events stream of one analysis's progress.

Each event is ``event: progress`` with a JobOut as JSON data; the stream ends after the event
whose state is ``done`` or ``failed``. While nothing happens, a comment line every few seconds
keeps proxies from closing the connection, and the state is read again from the database in
case an update was missed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi.sse import format_sse_event
from starlette.concurrency import run_in_threadpool

from mixcoach.api.schemas import JobOut
from mixcoach.api.state import AppState
from mixcoach.storage.jobs import JobStatus, job_status

KEEPALIVE_S = 10.0
#: Tells EventSource how long to wait before reconnecting after a dropped connection.
RETRY_MS = 2000
FINAL_STATES = frozenset({"done", "failed"})


async def job_events(state: AppState, analysis_id: str) -> AsyncIterator[bytes]:
    def read() -> JobStatus | None:
        with state.database.session() as db:
            return job_status(db, analysis_id)

    with state.hub.watch(analysis_id) as watcher:  # before reading: no update slips between
        status = await run_in_threadpool(read)
        sent: JobOut | None = None
        number = 0
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
            status = await watcher.next(timeout_s=KEEPALIVE_S)
            if status is None:
                yield b": keep-alive\n\n"
                status = await run_in_threadpool(read)
