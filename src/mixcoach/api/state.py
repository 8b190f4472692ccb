"""What the app holds while it runs: settings, database, file store, job runner, progress hub,
the sessions known by token, and the feedback engine (one per process: the LLM engine keeps
one HTTP client and its pool).

Built at start-up (never at import), closed at shutdown; routes reach it through ``deps``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from mixcoach.api.known_sessions import KnownSessions
from mixcoach.config import Settings
from mixcoach.feedback import FeedbackEngine, create_engine
from mixcoach.jobs.events import ProgressHub
from mixcoach.jobs.runner import JobRunner
from mixcoach.storage.database import Database
from mixcoach.storage.files import FileStore
from mixcoach.storage.tracks import referenced_files

log = logging.getLogger(__name__)


@dataclass
class AppState:
    settings: Settings
    database: Database
    store: FileStore
    hub: ProgressHub
    runner: JobRunner
    engine: FeedbackEngine
    sessions: KnownSessions = field(default_factory=KnownSessions)

    @classmethod
    def start(cls, settings: Settings) -> AppState:
        """Migrate the database, remove files no row refers to, and start the job runner.

        The feedback engine is made first: a setting it refuses stops the start there."""
        engine = create_engine(settings.llm)
        store = FileStore(settings.data_dir)
        store.claim()
        database = Database.from_url(settings.database_url)
        try:
            database.migrate()
            with database.session() as db:
                removed = store.sweep(referenced_files(db))
            if removed:
                log.info("removed %d files left by an interrupted upload or delete", removed)
            hub = ProgressHub()
            runner = JobRunner(
                database,
                store,
                hub,
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

    def close(self) -> None:
        self.runner.stop()
        self.database.dispose()
        self.store.release()
