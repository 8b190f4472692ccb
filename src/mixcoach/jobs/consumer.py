"""`mixcoach worker`: job workers fed by the task queue (scale-out mode).

    RabbitMQ ──message (job id)──▶ Consumer.analyse: claim the row ─▶ local copy of the audio
                                   (the file itself, or a temporary download from S3)
                                   ─▶ analyze | check_codecs ─ progress, heartbeat ──▶ the row
                                   ─▶ done | failed ──▶ the row, and only then the ack

A job is an analysis or a codec check (``storage.jobs``). A codec check's results are kept
beside the audio before its row says done, and one whose results are stored already is done
without encoding; an analysis whose advice is about delivery, once done, queues the codec check
of its track and sends its message.

One analysis at a time per process (``--concurrency N`` runs N processes): analyses are
CPU-bound, and a process that dies takes only its own job with it. The message is acknowledged
after the outcome is in the database, so a worker killed at any moment leaves its message to
RabbitMQ, which hands it to another worker at once; that worker takes the row over
(``storage.jobs.claim``) and the analysis is recorded once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from mixcoach.config import Settings
from mixcoach.errors import AudioMissing, StorageUnavailable
from mixcoach.jobs.codec_runs import keep_run, stored_run
from mixcoach.jobs.protocol import (
    Failed,
    Finished,
    Progress,
    RunAnalysis,
    RunCodecs,
    WorkerMessage,
)
from mixcoach.jobs.queue import ACTOR_NAME, connect, send
from mixcoach.storage.database import Database
from mixcoach.storage.jobs import (
    CODEC_CHECK,
    ClaimedJob,
    claim,
    heartbeat,
    lost_jobs,
    mark_submitted,
    queue_follow_up,
    record_done,
    record_failure,
    record_progress,
    requeue,
)
from mixcoach.storage.rendered import RenderedStore
from mixcoach.storage.store import AudioStore

#: A running analysis's row is written at least this often, so others know its worker lives.
HEARTBEAT_S = 5.0
#: A running row not written for this long has lost its worker: another may take it over.
LEASE_S = 30.0
#: Progress reaches the database at most this often (and at every change of stage).
PROGRESS_WRITE_INTERVAL_S = 0.5
#: How often a worker looks for analyses whose message the broker never had, or lost.
RESEND_INTERVAL_S = 15.0
#: A queued analysis no server has sent for this long is sent by a worker.
UNSUBMITTED_S = 30.0
#: While the database refuses an outcome, it is tried again this often, for this long.
RECORD_RETRY_S = 1.0
RECORD_PATIENCE_S = 300.0
#: While the audio store does not answer, reading a file is tried again this often, this long.
STORAGE_RETRY_S = 2.0
STORAGE_PATIENCE_S = 60.0
#: A dead worker process of a ``--concurrency`` group is started again after this pause.
RESTART_DELAY_S = 1.0
RUNNING_MAX_PERCENT = 99.0

FILE_MISSING = "The uploaded file is no longer stored, so it cannot be analysed."
STARTED = "Mixcoach worker is running (pid {pid}, queue {queue}, {database})"

log = logging.getLogger(__name__)


class Consumer:
    """Runs the jobs whose messages this process receives, one at a time; ``submit`` sends a
    job it queued (a codec check after an analysis) to the task queue."""

    def __init__(
        self,
        database: Database,
        store: AudioStore,
        *,
        rendered: RenderedStore,
        max_attempts: int,
        submit: Callable[[str], None],
    ) -> None:
        self._database = database
        self._store = store
        self._rendered = rendered
        self._submit = submit
        self._max_attempts = max_attempts
        #: The analysis running now (read by the shutdown, which may have to give it back).
        self.current: str | None = None
        from mixcoach.jobs.worker import load_analyze

        self._analyze = load_analyze()
        self._progress = _ProgressWriter(database)

    def analyse(self, analysis_id: str) -> None:
        """The actor: run ``analysis_id`` unless it is not this worker's to run."""
        from dramatiq.middleware import CurrentMessage

        message = CurrentMessage.get_current_message()
        holder_gone = bool(getattr(message, "redelivered", False))
        with self._database.writing() as db:
            job = claim(
                db,
                analysis_id,
                holder_gone=holder_gone,
                lease_s=LEASE_S,
                max_attempts=self._max_attempts,
                worker=f"{socket.gethostname()}:{os.getpid()}",
            )
        if job is None:
            return
        self.current = analysis_id
        try:
            with _heartbeat(self._database, analysis_id):
                outcome = self._run_codecs(job) if job.kind == CODEC_CHECK else self._run(job)
            follow_up = self._record(outcome, document=job.kind != CODEC_CHECK)
        finally:
            self.current = None
        if follow_up is not None:
            self._submit(follow_up)

    def _run_codecs(self, job: ClaimedJob) -> Finished | Failed:
        """The codec check, its results kept beside the audio (a run already stored is not
        encoded again)."""
        from mixcoach.jobs.worker import run_codecs

        if self._stored(job.track_sha256):
            return Finished(job.analysis_id, "")
        with contextlib.ExitStack() as files:
            try:
                track = self._local_copy(files, job.track_sha256)
            except AudioMissing:
                return Failed(job.analysis_id, FILE_MISSING)
            outcome = run_codecs(RunCodecs.of(job, track=track), send=self._progress)
        if isinstance(outcome, Finished):
            not_kept = keep_run(self._rendered, job.track_sha256, outcome.document_json)
            if not_kept is not None:
                return Failed(job.analysis_id, not_kept)
        return outcome

    def _stored(self, sha256: str) -> bool:
        """Whether the content's codec run is stored (a store that does not answer is waited
        out like the audio's, then leaves the message to the queue)."""
        deadline = time.monotonic() + STORAGE_PATIENCE_S
        while True:
            try:
                return stored_run(self._rendered, sha256) is not None
            except StorageUnavailable as exc:
                if time.monotonic() > deadline:
                    raise
                log.warning("cannot read the stored codec runs yet (%s); retrying", exc.message)
                time.sleep(STORAGE_RETRY_S)

    def _run(self, job: ClaimedJob) -> Finished | Failed:
        from mixcoach.jobs.worker import run_job

        with contextlib.ExitStack() as files:
            try:
                track = self._local_copy(files, job.track_sha256)
                reference = (
                    None
                    if job.reference_sha256 is None
                    else self._local_copy(files, job.reference_sha256)
                )
            except AudioMissing:
                return Failed(job.analysis_id, FILE_MISSING)
            run = RunAnalysis.of(job, track=track, reference=reference)
            return run_job(run, analyze=self._analyze, send=self._progress)

    def _local_copy(self, files: contextlib.ExitStack, sha256: str) -> Path:
        """A path to the file for the decoder (a temporary download from an object store,
        deleted when ``files`` closes). An unreachable store is waited out, with the lease
        kept, for STORAGE_PATIENCE_S; past that the error leaves the actor unacknowledged, the
        lease runs out and the job is sent again (``resend_lost``)."""
        deadline = time.monotonic() + STORAGE_PATIENCE_S
        while True:
            try:
                return files.enter_context(self._store.local_copy(sha256))
            except StorageUnavailable as exc:
                if time.monotonic() > deadline:
                    raise
                log.warning("cannot read the audio to analyse yet (%s); retrying", exc.message)
                time.sleep(STORAGE_RETRY_S)

    def _record(self, outcome: Finished | Failed, *, document: bool) -> str | None:
        """Write the outcome (with its document unless the job keeps its results beside the
        audio), waiting out a database outage (the message is acked after). Returns the job
        the outcome queued, to be sent."""
        deadline = time.monotonic() + RECORD_PATIENCE_S
        while True:
            try:
                with self._database.writing() as db:
                    if isinstance(outcome, Finished):
                        stored = json.loads(outcome.document_json) if document else None
                        record_done(db, outcome.analysis_id, stored)
                        return queue_follow_up(db, outcome.analysis_id)
                    record_failure(db, outcome.analysis_id, outcome.message)
                return None
            except SQLAlchemyError:
                if time.monotonic() > deadline:
                    raise  # unacknowledged: the row's lease runs out and the job runs again
                log.warning("cannot record analysis %s yet; retrying", outcome.analysis_id)
                time.sleep(RECORD_RETRY_S)


class _ProgressWriter:
    """Writes a running job's progress to its row, at most every so often."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._job: str | None = None
        self._stage: str | None = None
        self._written_at = 0.0

    def __call__(self, message: WorkerMessage) -> None:
        if not isinstance(message, Progress):
            return
        now = time.monotonic()
        if message.analysis_id != self._job:  # one writer serves the consumer's jobs in turn
            self._job, self._stage = message.analysis_id, None
        if message.stage == self._stage and now - self._written_at < PROGRESS_WRITE_INTERVAL_S:
            return
        percent = round(min(max(message.fraction, 0.0), 1.0) * RUNNING_MAX_PERCENT, 1)
        try:
            with self._database.writing() as db:
                record_progress(db, message.analysis_id, stage=message.stage, percent=percent)
            self._stage, self._written_at = message.stage, now
        except SQLAlchemyError:  # progress is news, not a result: the next one may get through
            log.warning("could not record progress of analysis %s", message.analysis_id)


@contextlib.contextmanager
def _heartbeat(database: Database, analysis_id: str) -> Iterator[None]:
    """Keep ``analysis_id``'s lease while the body runs (a meter may be silent for a while)."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(HEARTBEAT_S):
            try:
                with database.writing() as db:
                    heartbeat(db, analysis_id)
            except SQLAlchemyError:
                log.warning("could not renew the lease of analysis %s", analysis_id)

    thread = threading.Thread(target=beat, name="mixcoach-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def resend_lost(database: Database, broker: Any, queue_name: str) -> int:
    """Send again the analyses the broker may hold no message for; returns how many."""
    with database.session() as db:
        lost = lost_jobs(db, lease_s=LEASE_S, unsubmitted_s=UNSUBMITTED_S)
    for analysis_id in lost:
        send(broker, queue_name, analysis_id)
        with database.writing() as db:
            mark_submitted(db, [analysis_id])
    if lost:
        log.info("sent %d analyses again that the task queue did not hold", len(lost))
    return len(lost)


def run_workers(settings: Settings, *, concurrency: int) -> int:
    """Run ``concurrency`` worker processes until SIGTERM or Ctrl+C; returns the exit status."""
    if concurrency == 1:
        return consume(settings)
    stopping = threading.Event()

    def stop(_signum: int, _frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    command = [sys.executable, "-m", "mixcoach.cli", "worker", "--concurrency", "1"]
    children = [subprocess.Popen(command) for _ in range(concurrency)]
    while not stopping.wait(RESTART_DELAY_S):
        for number, child in enumerate(children):
            if child.poll() is not None:
                log.warning("worker %d exited (%s); starting another", child.pid, child.returncode)
                children[number] = subprocess.Popen(command)
    for child in children:
        child.send_signal(signal.SIGTERM)
    return max(child.wait() for child in children)


def consume(settings: Settings) -> int:
    """Take analyses from the queue in this process until SIGTERM or Ctrl+C.

    A stop lets the running analysis finish for ``jobs.shutdown_grace_seconds``; past that, it
    goes back to the queue (not counted as an attempt) and the process exits."""
    import dramatiq

    import mixcoach.jobs.warm  # noqa: F401  (one math thread, the engine loaded)
    from mixcoach.storage.rendered import open_rendered
    from mixcoach.storage.store import open_store

    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    url = settings.jobs.broker
    if url is None:
        print("mixcoach worker: set MIXCOACH_JOBS_BROKER_URL (amqp://...)", file=sys.stderr)
        return 2
    database = Database.from_url(settings.database_url)
    database.migrate()
    store = open_store(settings)
    queue_name = settings.jobs.queue
    broker = connect(url, queue_name)

    def submit(job_id: str) -> None:  # a lost message is sent again by resend_lost
        try:
            send(broker, queue_name, job_id)
            with database.writing() as db:
                mark_submitted(db, [job_id])
        except Exception:
            log.warning("could not send job %s; it is sent again later", job_id, exc_info=True)

    consumer = Consumer(
        database,
        store,
        rendered=open_rendered(settings, store),
        max_attempts=settings.jobs.max_attempts,
        submit=submit,
    )
    dramatiq.Actor(
        consumer.analyse,
        broker=broker,
        actor_name=ACTOR_NAME,
        queue_name=queue_name,
        priority=0,
        options={},
    )
    worker = dramatiq.Worker(broker, queues={queue_name}, worker_threads=1)
    worker.queue_prefetch = 1  # a busy worker holds no second message another could run now
    stopping = threading.Event()

    def stop(_signum: int, _frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.start()
    kind = "PostgreSQL" if settings.database_url.startswith("postgres") else "SQLite"
    print(STARTED.format(pid=os.getpid(), queue=queue_name, database=kind), flush=True)
    parent = os.getppid()
    while not stopping.wait(RESEND_INTERVAL_S):
        if os.getppid() != parent:  # the group that started this process is gone
            break
        try:
            resend_lost(database, broker, queue_name)
        except Exception:  # the broker or database is away: the next round tries again
            log.warning("could not look for lost analyses", exc_info=True)
    worker.stop(timeout=int(settings.jobs.shutdown_grace_seconds * 1000))
    interrupted = consumer.current
    if interrupted is not None:
        with contextlib.suppress(SQLAlchemyError), database.writing() as db:
            requeue(db, [interrupted])
        with contextlib.suppress(Exception):
            send(broker, queue_name, interrupted)
        log.info("analysis %s went back to the queue at shutdown", interrupted)
    with contextlib.suppress(Exception):
        broker.close()
    database.dispose()
    if interrupted is not None:
        os._exit(0)  # the analysis thread is still running; nothing of it may be recorded
    return 0
