"""The in-process job runner: one thread that claims queued jobs (analyses and codec checks),
hands them to worker processes, and records what comes back.

    API ──queue_analysis──▶ analyses table ◀──claim / progress / done / failed── runner thread
        ──notify()──────────────────────────────────────────────────────────────▶ │
                                                       pipe per worker ◀──────────┘
                                     worker process: analyze(...) | check_codecs(...)

A codec check's results are kept beside the audio (``jobs.codec_runs``) by the runner before
its row says done; one whose results are stored already is done without a worker. An analysis
whose advice is about delivery queues the codec check of its track when it is recorded done.

Everything the runner knows is in the database, so a restart loses nothing: analyses left
running are queued again at start (``resume_interrupted``), up to ``max_attempts`` times.
Only one runner should serve a database: it assumes every running row is its own, and every
so often queues again a running row none of its workers holds.

Database trouble never costs a result or a worker. Every message from a worker is read and
acted on in memory at once (a worker is free again as soon as it has answered); what it means
for the database (done, failed, queued again) waits, in order, until the database takes it.
Progress reaches the streams from memory and the database when it allows. ``health()`` tells a
stuck runner (a silent loop, a silent worker, results the database keeps refusing) from a busy one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.exc import SQLAlchemyError

from mixcoach.errors import AudioMissing, StorageUnavailable
from mixcoach.jobs.codec_runs import keep_run, stored_run
from mixcoach.jobs.events import ProgressHub
from mixcoach.jobs.pool import Death, Message, Worker, WorkerPool
from mixcoach.jobs.protocol import Failed, Finished, Job, Progress, RunAnalysis, RunCodecs
from mixcoach.storage.database import Database
from mixcoach.storage.jobs import (
    CODEC_CHECK,
    ClaimedJob,
    JobStatus,
    claim_next,
    queue_follow_up,
    record_done,
    record_failure,
    record_progress,
    requeue,
    resume_interrupted,
    running_ids,
)
from mixcoach.storage.models import utc_now
from mixcoach.storage.rendered import RenderedStore
from mixcoach.storage.store import AudioStore

#: The runner looks at the queue this often even when nobody calls notify().
POLL_INTERVAL_S = 2.0
#: While the database refuses a write, it is tried again this often.
RETRY_INTERVAL_S = 0.5
#: Progress reaches the database at most this often per job (every message reaches the streams).
PROGRESS_WRITE_INTERVAL_S = 0.5
#: Running rows no worker holds are looked for this often (by default).
RECONCILE_INTERVAL_S = 30.0
#: A loop that has not come round for this long is stuck (a turn waits at most a few seconds).
LOOP_STALL_S = 60.0
#: Percent shown until the document is stored; 100 means done.
RUNNING_MAX_PERCENT = 99.0

WORKER_DIED = (
    "The analysis worker stopped unexpectedly while {stage} ({how}), so the analysis did not "
    "finish. Upload the track again to retry."
)
CODECS_WORKER_DIED = (
    "The worker stopped unexpectedly while putting the track through the codecs ({how}), so "
    "the codec check did not finish. Check the codecs again to retry."
)
FILE_MISSING = "The uploaded file is no longer stored, so it cannot be analysed."
LOOP_SILENT = "The job runner has not looked at the queue for {seconds:.0f} s."
WORKER_SILENT = "An analysis has not reported progress for {seconds:.0f} s (worker {pid})."
DATABASE_FAILING = "The job runner's database writes have failed for {seconds:.0f} s."
UNRECORDED = (
    "{count} finished analyses have waited {seconds:.0f} s for the database to record them."
)

log = logging.getLogger(__name__)

RunnerState = Literal["running", "stuck", "stopped"]


@dataclass(frozen=True)
class RunnerHealth:
    state: RunnerState
    #: Why the runner is stuck or stopped, in a sentence; None while it runs.
    reason: str | None = None


@dataclass
class _Running:
    pid: int | None
    job: ClaimedJob | None = None
    stage: str = "starting"
    percent: float = 0.0
    written_at: float = field(default_factory=time.monotonic)
    heard_at: float = field(default_factory=time.monotonic)
    #: The local copies of its files (temporary downloads from an object store), removed when
    #: the analysis ends.
    files: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)


@dataclass(frozen=True)
class _Outcome:
    """What the database must be told about one analysis, decided at ``decided_at``."""

    analysis_id: str
    state: Literal["done", "failed", "queued"]
    document: dict[str, Any] | None = None
    error: str | None = None
    count_attempt: bool = True  # for "queued": whether the start counts against max_attempts
    percent: float = 0.0  # for "failed": how far the analysis had come
    decided_at: float = field(default_factory=time.monotonic)


class JobRunner:
    def __init__(
        self,
        database: Database,
        store: AudioStore,
        hub: ProgressHub,
        *,
        rendered: RenderedStore,
        workers: int,
        max_attempts: int,
        stall_s: float = 300.0,
        reconcile_s: float = RECONCILE_INTERVAL_S,
    ) -> None:
        self._database = database
        self._store = store
        self._rendered = rendered
        self._hub = hub
        self._max_attempts = max_attempts
        self._stall_s = stall_s
        self._reconcile_s = reconcile_s
        self._pool = WorkerPool(workers)
        self._running: dict[str, _Running] = {}
        self._unrecorded: deque[_Outcome] = deque()
        self._failing_since: float | None = None  # when the database began refusing the runner
        self._reconciled_at = time.monotonic()
        self._heartbeat = time.monotonic()
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

    def health(self) -> RunnerHealth:
        """Whether the runner is taking and finishing jobs (safe from any thread)."""
        if not self._thread.is_alive():
            return RunnerHealth("stopped", "The job runner has stopped.")
        now = time.monotonic()
        if now - self._heartbeat > LOOP_STALL_S:
            return RunnerHealth("stuck", LOOP_SILENT.format(seconds=now - self._heartbeat))
        for running in dict(self._running).values():  # a copy: the runner thread changes it
            if now - running.heard_at > self._stall_s:
                reason = WORKER_SILENT.format(seconds=now - running.heard_at, pid=running.pid)
                return RunnerHealth("stuck", reason)
        failing_since = self._failing_since
        if failing_since is not None and now - failing_since > self._stall_s:
            return RunnerHealth("stuck", DATABASE_FAILING.format(seconds=now - failing_since))
        waiting = list(self._unrecorded)
        if waiting and now - waiting[0].decided_at > self._stall_s:
            reason = UNRECORDED.format(count=len(waiting), seconds=now - waiting[0].decided_at)
            return RunnerHealth("stuck", reason)
        return RunnerHealth("running")

    def worker_pids(self) -> list[int | None]:
        """The process ids of the workers alive now (for operators and tests)."""
        return [worker.pid for worker in self._pool.workers]

    # -- the runner thread -----------------------------------------------------------------

    def _loop(self) -> None:
        try:
            while not self._stopping.is_set():
                self._heartbeat = time.monotonic()
                self._turn()
        finally:
            interrupted = [job.analysis_id for job in self._pool.stop()]
            for running in self._running.values():
                running.files.close()
            with contextlib.suppress(SQLAlchemyError):  # the next start resumes them anyway
                self._record()
                if interrupted:
                    with self._database.writing() as db:
                        requeue(db, interrupted)

    def _turn(self) -> None:
        try:
            self._record()
            self._reconcile()
            self._dispatch()
            self._database_ok()
        except SQLAlchemyError:
            self._database_trouble()
        except Exception:  # a bug must not stop the runner: the next turn tries again
            log.exception("job runner error; retrying")
        pending = self._unrecorded or self._failing_since is not None
        events, woken = self._pool.wait(
            timeout_s=RETRY_INTERVAL_S if pending else POLL_INTERVAL_S, also=[self._wake_read]
        )
        if woken:
            self._drain_wake()
        for event in events:  # each on its own: one that fails must not drop the others
            try:
                self._handle(event)
            except Exception:
                log.exception("job runner could not handle %r", event)

    def _database_trouble(self) -> None:
        if self._failing_since is None:  # once per outage, not once per turn
            log.exception("job runner cannot reach the database; results wait in memory")
            self._failing_since = time.monotonic()

    def _database_ok(self) -> None:
        if self._failing_since is not None:
            log.info("job runner reaches the database again")
        self._failing_since = None

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
            files = contextlib.ExitStack()
            try:
                if job.kind == CODEC_CHECK and stored_run(self._rendered, job.track_sha256):
                    self._decide(_Outcome(job.analysis_id, "done"))  # nothing to encode again
                    continue
                run = self._run_message(job, files)
            except StorageUnavailable as exc:  # not the job's fault: it waits for the store
                files.close()
                log.warning("analysis %s waits for the audio store: %s", job.analysis_id, exc)
                self._decide(_Outcome(job.analysis_id, "queued", count_attempt=False))
                return
            if run is None:
                files.close()
                self._decide(_Outcome(job.analysis_id, "failed", error=FILE_MISSING))
                continue
            try:
                worker = self._pool.idle()
                if worker is None:  # cannot happen: has_idle() said there was room
                    raise RuntimeError("no idle worker after has_idle()")
                self._pool.assign(worker, run)
            except (OSError, RuntimeError):
                # No worker could take it (it died a moment ago, or none could start): the job
                # did nothing wrong, so it goes back uncounted; wait() reports any death.
                log.exception("no worker took analysis %s; queued again", job.analysis_id)
                files.close()
                self._decide(_Outcome(job.analysis_id, "queued", count_attempt=False))
                return
            self._running[job.analysis_id] = _Running(pid=worker.pid, job=job, files=files)
            self._publish(job.analysis_id, "running", "starting", 0.0, at=job.claimed_at)

    def _run_message(self, job: ClaimedJob, files: contextlib.ExitStack) -> Job | None:
        """The worker's message, with paths to local copies of the files (entered on
        ``files``); None when a file is no longer stored."""
        try:
            track = files.enter_context(self._store.local_copy(job.track_sha256))
            if job.kind == CODEC_CHECK:
                return RunCodecs.of(job, track=track)
            reference = (
                None
                if job.reference_sha256 is None
                else files.enter_context(self._store.local_copy(job.reference_sha256))
            )
        except AudioMissing:
            return None
        return RunAnalysis.of(job, track=track, reference=reference)

    def _handle(self, event: Message | Death) -> None:
        if isinstance(event, Death):
            self._worker_died(event)
            return
        message = event.message
        if isinstance(message, Progress):
            self._progress(message)
            return
        running = self._running.get(message.analysis_id, _Running(pid=None))
        reached, job = running.percent, running.job
        self._free(event.worker, message.analysis_id)
        if isinstance(message, Finished) and job is not None and job.kind == CODEC_CHECK:
            not_kept = keep_run(self._rendered, job.track_sha256, message.document_json)
            if not_kept is None:
                self._decide(_Outcome(message.analysis_id, "done"))
            else:
                self._decide(_Outcome(message.analysis_id, "failed", error=not_kept))
        elif isinstance(message, Finished):
            document = json.loads(message.document_json)
            self._decide(_Outcome(message.analysis_id, "done", document=document))
        elif isinstance(message, Failed):
            outcome = _Outcome(
                message.analysis_id, "failed", error=message.message, percent=reached
            )
            self._decide(outcome)

    def _free(self, worker: Worker, analysis_id: str) -> None:
        worker.job = None
        running = self._running.pop(analysis_id, None)
        if running is not None:
            running.files.close()

    def _worker_died(self, death: Death) -> None:
        log.warning("worker %s exited (code %s)", death.pid, death.exit_code)
        if death.job is None:
            return
        analysis_id = death.job.analysis_id
        running = self._running.pop(analysis_id, _Running(pid=death.pid))
        running.files.close()
        if death.exit_code == -signal.SIGTERM:
            # Asked to stop (a service manager stopping everything): not the job's fault.
            self._decide(_Outcome(analysis_id, "queued", count_attempt=False))
            return
        if isinstance(death.job, RunCodecs):
            message = CODECS_WORKER_DIED.format(how=death.describe())
        else:
            message = WORKER_DIED.format(stage=running.stage, how=death.describe())
        self._decide(_Outcome(analysis_id, "failed", error=message, percent=running.percent))

    def _progress(self, message: Progress) -> None:
        running = self._running.get(message.analysis_id)
        if running is None:
            return
        percent = round(min(max(message.fraction, 0.0), 1.0) * RUNNING_MAX_PERCENT, 1)
        stage_changed = message.stage != running.stage
        running.stage, running.percent = message.stage, percent
        now = running.heard_at = time.monotonic()
        at = utc_now()
        self._publish(message.analysis_id, "running", message.stage, percent, at=at)
        if not (stage_changed or now - running.written_at >= PROGRESS_WRITE_INTERVAL_S):
            return
        try:  # the streams have it already; the database may have it when it can
            with self._database.writing() as db:
                record_progress(
                    db, message.analysis_id, stage=message.stage, percent=percent, at=at
                )
            running.written_at = now
            self._database_ok()
        except SQLAlchemyError:
            self._database_trouble()

    def _decide(self, outcome: _Outcome) -> None:
        """Queue ``outcome`` for the database and record what the database will take now."""
        self._unrecorded.append(outcome)
        try:
            self._record()
        except SQLAlchemyError:
            self._database_trouble()

    def _record(self) -> None:
        """Write the outcomes waiting for the database, oldest first; raises on the first
        the database refuses (it stays first in line)."""
        while self._unrecorded:
            outcome = self._unrecorded[0]
            at = utc_now()
            with self._database.writing() as db:
                changed = self._write(db, outcome, at)
                follow_up = queue_follow_up(db, outcome.analysis_id) if changed else None
            self._unrecorded.popleft()
            if follow_up is not None:
                self.notify()  # the runner claims it on its next turn
            if changed:
                percent = {"done": 100.0, "queued": 0.0}.get(outcome.state, outcome.percent)
                self._publish(
                    outcome.analysis_id,
                    outcome.state,
                    outcome.state,
                    percent,
                    error=outcome.error,
                    at=at,
                )
            if outcome.state == "failed" and changed:
                log.info("analysis %s failed: %s", outcome.analysis_id, outcome.error)

    @staticmethod
    def _write(db: Any, outcome: _Outcome, at: datetime) -> bool:
        if outcome.state == "done":
            return record_done(db, outcome.analysis_id, outcome.document, at=at)
        if outcome.state == "failed":
            return record_failure(
                db, outcome.analysis_id, outcome.error or "", percent=outcome.percent, at=at
            )
        requeue(db, [outcome.analysis_id], count_attempt=outcome.count_attempt, at=at)
        return True

    def _reconcile(self) -> None:
        """Queue again running rows no worker of this runner holds (a claim whose answer was
        lost with the connection, say), so no analysis stays "running" with nobody on it."""
        now = time.monotonic()
        if now - self._reconciled_at < self._reconcile_s:
            return
        self._reconciled_at = now
        held = set(self._running) | {outcome.analysis_id for outcome in self._unrecorded}
        with self._database.session() as db:
            orphans = sorted(running_ids(db) - held)
        for analysis_id in orphans:
            log.warning("analysis %s was running with no worker; queued again", analysis_id)
            self._decide(_Outcome(analysis_id, "queued"))

    def _publish(
        self,
        analysis_id: str,
        state: str,
        stage: str,
        percent: float,
        *,
        at: datetime,
        error: str | None = None,
    ) -> None:
        self._hub.publish(JobStatus(analysis_id, state, stage, percent, error, at))
