"""The in-process job runner: one thread that claims queued analyses, hands them to worker
processes, and records what comes back.

    API ──queue_analysis──▶ analyses table ◀──claim / progress / done / failed── runner thread
        ──notify()──────────────────────────────────────────────────────────────▶ │
                                                       pipe per worker ◀──────────┘
                                                       worker process: analyze(...)

Everything the runner knows is in the database, so a restart loses nothing: analyses left
running are queued again at start (``resume_interrupted``), up to ``max_attempts`` times.
Only one runner should serve a database: it assumes every running row is its own.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, field

from mixcoach.jobs.events import ProgressHub
from mixcoach.jobs.pool import Death, Message, WorkerPool
from mixcoach.jobs.protocol import Failed, Finished, Progress, RunAnalysis
from mixcoach.storage.database import Database
from mixcoach.storage.files import FileStore
from mixcoach.storage.jobs import (
    ClaimedJob,
    JobStatus,
    claim_next,
    job_status,
    record_done,
    record_failure,
    record_progress,
    requeue,
    resume_interrupted,
)
from mixcoach.storage.models import utc_now

#: The runner looks at the queue this often even when nobody calls notify().
POLL_INTERVAL_S = 2.0
#: Progress reaches the database at most this often per job (every message reaches the streams).
PROGRESS_WRITE_INTERVAL_S = 0.5
#: Percent shown until the document is stored; 100 means done.
RUNNING_MAX_PERCENT = 99.0

WORKER_DIED = (
    "The analysis worker stopped unexpectedly while {stage} ({how}), so the analysis did not "
    "finish. Upload the track again to retry."
)
FILE_MISSING = "The uploaded file is no longer stored, so it cannot be analysed."

log = logging.getLogger(__name__)


@dataclass
class _Running:
    stage: str = "starting"
    percent: float = 0.0
    written_at: float = field(default_factory=time.monotonic)


class JobRunner:
    def __init__(
        self,
        database: Database,
        store: FileStore,
        hub: ProgressHub,
        *,
        workers: int,
        max_attempts: int,
    ) -> None:
        self._database = database
        self._store = store
        self._hub = hub
        self._max_attempts = max_attempts
        self._pool = WorkerPool(workers)
        self._running: dict[str, _Running] = {}
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_write, False)
        self._stopping = threading.Event()
        self._closed = False
        self._wake_lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="mixcoach-jobs", daemon=True)

    # -- called from the server ------------------------------------------------------------

    def start(self) -> None:
        """Queue again what a previous server left running, then start taking jobs."""
        with self._database.writing() as db:
            resumed, failed = resume_interrupted(db, max_attempts=self._max_attempts)
        if resumed or failed:
            log.info("resumed %d interrupted analyses, failed %d", len(resumed), len(failed))
        self._thread.start()

    def notify(self) -> None:
        """Wake the runner: an analysis was queued. A no-op once stopped."""
        with self._wake_lock:  # never write to the pipe's number after stop() closed it
            if self._closed:
                return
            with contextlib.suppress(BlockingIOError):  # the pipe is full of wake-ups already
                os.write(self._wake_write, b"!")

    def stop(self) -> None:
        """Stop the workers; analyses they were running are queued again for the next start.
        Safe to call more than once, and on a runner never started."""
        if self._closed:
            return
        self._stopping.set()
        self.notify()
        if self._thread.is_alive():
            self._thread.join()
        with self._wake_lock:
            self._closed = True
            os.close(self._wake_read)
            os.close(self._wake_write)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def worker_pids(self) -> list[int | None]:
        """The process ids of the workers alive now (for operators and tests)."""
        return [worker.pid for worker in self._pool.workers]

    # -- the runner thread -----------------------------------------------------------------

    def _loop(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    self._dispatch()
                    events, woken = self._pool.wait(
                        timeout_s=POLL_INTERVAL_S, also=[self._wake_read]
                    )
                    if woken:
                        self._drain_wake()
                    for event in events:
                        self._handle(event)
                except Exception:  # e.g. the database went away: log, wait, try again
                    log.exception("job runner error; retrying")
                    self._stopping.wait(POLL_INTERVAL_S)
        finally:
            interrupted = [job.analysis_id for job in self._pool.stop()]
            if interrupted:
                with self._database.writing() as db:
                    requeue(db, interrupted)

    def _drain_wake(self) -> None:
        os.set_blocking(self._wake_read, False)
        with contextlib.suppress(BlockingIOError):
            while os.read(self._wake_read, 4096):
                pass

    def _dispatch(self) -> None:
        while self._pool.has_idle() and not self._stopping.is_set():
            with self._database.writing() as db:
                job = claim_next(db)
            if job is None:
                return
            run = self._run_message(job)
            if run is None:
                self._fail(job.analysis_id, FILE_MISSING)
                continue
            worker = self._pool.idle()
            if worker is None:  # cannot happen: has_idle() said there was room
                raise RuntimeError("no idle worker after has_idle()")
            self._running[job.analysis_id] = _Running()
            self._pool.assign(worker, run)
            self._publish(job.analysis_id)

    def _run_message(self, job: ClaimedJob) -> RunAnalysis | None:
        track = self._store.path(job.track_sha256)
        reference = None if job.reference_sha256 is None else self._store.path(job.reference_sha256)
        if not track.exists() or (reference is not None and not reference.exists()):
            return None
        return RunAnalysis(
            analysis_id=job.analysis_id,
            track_path=str(track),
            reference_path=None if reference is None else str(reference),
            genre=job.genre,
            subgenre=job.subgenre,
            feedback_type=job.feedback_type,
        )

    def _handle(self, event: Message | Death) -> None:
        if isinstance(event, Death):
            self._worker_died(event)
            return
        message = event.message
        if isinstance(message, Progress):
            self._progress(message)
            return
        event.worker.job = None
        if isinstance(message, Finished):
            self._running.pop(message.analysis_id, None)
            with self._database.writing() as db:
                stored = record_done(db, message.analysis_id, json.loads(message.document_json))
            if stored:
                self._publish(message.analysis_id)
        elif isinstance(message, Failed):
            self._fail(message.analysis_id, message.message)

    def _worker_died(self, death: Death) -> None:
        log.warning("worker %s exited (code %s)", death.pid, death.exit_code)
        if death.job is None:
            return
        analysis_id = death.job.analysis_id
        running = self._running.pop(analysis_id, _Running())
        if death.exit_code == -signal.SIGTERM:
            # Asked to stop (a service manager stopping everything): not the job's fault.
            with self._database.writing() as db:
                requeue(db, [analysis_id])
            self._publish(analysis_id)
            return
        self._fail(analysis_id, WORKER_DIED.format(stage=running.stage, how=death.describe()))

    def _progress(self, message: Progress) -> None:
        running = self._running.get(message.analysis_id)
        if running is None:
            return
        percent = round(min(max(message.fraction, 0.0), 1.0) * RUNNING_MAX_PERCENT, 1)
        stage_changed = message.stage != running.stage
        running.stage, running.percent = message.stage, percent
        now = time.monotonic()
        if stage_changed or now - running.written_at >= PROGRESS_WRITE_INTERVAL_S:
            running.written_at = now
            with self._database.writing() as db:
                record_progress(db, message.analysis_id, stage=message.stage, percent=percent)
        self._hub.publish(
            JobStatus(
                analysis_id=message.analysis_id,
                state="running",
                stage=message.stage,
                progress_percent=percent,
                error=None,
                updated_at=utc_now(),
            )
        )

    def _fail(self, analysis_id: str, message: str) -> None:
        self._running.pop(analysis_id, None)
        with self._database.writing() as db:
            recorded = record_failure(db, analysis_id, message)
        if recorded:
            log.info("analysis %s failed: %s", analysis_id, message)
            self._publish(analysis_id)

    def _publish(self, analysis_id: str) -> None:
        with self._database.session() as db:
            status = job_status(db, analysis_id)
        if status is not None:
            self._hub.publish(status)
