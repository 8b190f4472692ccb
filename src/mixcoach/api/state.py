"""What the app holds while it runs: settings, database, audio store (the data folder or an
S3-compatible bucket), the jobs (an in-process
runner, or in the scale-out mode a publisher to the task queue and a feed of the progress
workers write), progress hub, the sessions known by token, and the feedback engine (one per
process: the LLM engine keeps one HTTP client and its pool).

Built at start-up (never at import), closed at shutdown; routes reach it through ``deps``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from mixcoach.api.known_sessions import KnownSessions
from mixcoach.config import Settings
from mixcoach.errors import StorageUnavailable
from mixcoach.feedback import FeedbackEngine, create_engine
from mixcoach.jobs.codec_runs import CodecRuns
from mixcoach.jobs.events import ProgressHub
from mixcoach.jobs.feed import DatabaseFeed
from mixcoach.jobs.queue import Publisher
from mixcoach.jobs.runner import JobRunner, RunnerHealth
from mixcoach.preview.cache import PreviewCache
from mixcoach.storage.database import Database
from mixcoach.storage.files import FileStore
from mixcoach.storage.models import Review
from mixcoach.storage.rendered import RenderedStore, open_rendered, sweep_renders
from mixcoach.storage.s3 import SWEEP_GRACE_S, S3Store
from mixcoach.storage.store import AudioStore, open_store
from mixcoach.storage.tracks import referenced_files

log = logging.getLogger(__name__)


@dataclass
class AppState:
    settings: Settings
    database: Database
    store: AudioStore
    hub: ProgressHub
    #: The in-process runner (embedded default); None in the scale-out mode.
    runner: JobRunner | None
    engine: FeedbackEngine
    #: The task queue's publisher and the progress feed (scale-out mode only).
    publisher: Publisher | None = None
    feed: DatabaseFeed | None = None
    sessions: KnownSessions = field(default_factory=KnownSessions)
    previews: PreviewCache = field(default_factory=PreviewCache)
    #: Previews, PDF reports and codec runs, beside the audio (the data folder or the bucket).
    rendered: RenderedStore = field(init=False)
    #: The tracks through the delivery codecs, by content (results kept in ``rendered``).
    codec_runs: CodecRuns = field(init=False)

    def __post_init__(self) -> None:
        self.rendered = open_rendered(self.settings, self.store)
        self.codec_runs = CodecRuns(self.rendered)

    @classmethod
    def start(cls, settings: Settings) -> AppState:
        """Migrate the database, remove files no row refers to, and start the jobs.

        The feedback engine is made first: a setting it refuses stops the start there."""
        engine = create_engine(settings.llm)
        store = open_store(settings)
        broker_url = settings.jobs.broker
        if broker_url is None:  # many servers share one store in the scale-out mode
            store.claim()
        database = Database.from_url(settings.database_url)
        try:
            database.migrate()
            _sweep(settings, store, database, shared=broker_url is not None)
            hub = ProgressHub()
            if broker_url is not None:
                publisher = Publisher(database, broker_url, settings.jobs.queue)
                feed = DatabaseFeed(database, hub)
                publisher.start()
                feed.start()
                return cls(settings, database, store, hub, None, engine, publisher, feed)
            runner = JobRunner(
                database,
                store,
                hub,
                rendered=open_rendered(settings, store),
                workers=settings.jobs.workers,
                max_attempts=settings.jobs.max_attempts,
                stall_s=settings.jobs.stall_seconds,
            )
            runner.start()
        except BaseException:
            database.dispose()
            store.release()
            raise
        return cls(settings, database, store, hub, runner, engine)

    def job_queued(self, analysis_id: str) -> None:
        """Start a job just queued (an analysis or a codec check): wake the runner, or send it
        to the task queue."""
        if self.publisher is not None:
            self.publisher.submit(analysis_id)
        elif self.runner is not None:
            self.runner.notify()

    def jobs_health(self) -> RunnerHealth:
        """Whether analyses are being taken and finished (by the runner or the queue)."""
        if self.runner is not None:
            return self.runner.health()
        if self.publisher is None:
            return RunnerHealth("stopped", "Mixcoach has no job runner.")
        queue = self.publisher.health()
        return RunnerHealth("running" if queue.problem is None else "stopped", queue.problem)

    def close(self) -> None:
        if self.runner is not None:
            self.runner.stop()
        if self.publisher is not None:
            self.publisher.stop()
        if self.feed is not None:
            self.feed.stop()
        self.database.dispose()
        self.store.release()


def _sweep(settings: Settings, store: AudioStore, database: Database, *, shared: bool) -> None:
    """Remove stored files and renders no row refers to: in the data folder this server holds
    alone, all of them (no upload is under way yet); in a bucket, the ones older than the grace
    period (other servers may be uploading). A data folder shared by many servers is left
    alone."""
    if isinstance(store, S3Store):

        def referenced() -> set[str]:
            with database.session() as db:
                return referenced_files(db)

        try:
            removed = store.sweep_orphans(referenced)
        except StorageUnavailable as exc:  # the health check says so; the next start sweeps
            log.warning("could not look for orphaned objects: %s", exc.message)
            return
        if removed:
            log.info("removed %d objects no review refers to", removed)
        older_than = datetime.now(UTC) - timedelta(seconds=SWEEP_GRACE_S)
    elif isinstance(store, FileStore) and not shared:
        with database.session() as db:
            removed = store.sweep(referenced_files(db))
        if removed:
            log.info("removed %d files left by an interrupted upload or delete", removed)
        older_than = datetime.now(UTC)
    else:
        return

    def owners() -> tuple[set[str], set[str]]:
        with database.session() as db:
            return set(db.scalars(select(Review.id))), referenced_files(db)

    try:
        removed = sweep_renders(open_rendered(settings, store), owners, older_than=older_than)
    except StorageUnavailable as exc:
        log.warning("could not look for orphaned renders: %s", exc.message)
        return
    if removed:
        log.info("removed %d renders of deleted reviews", removed)
