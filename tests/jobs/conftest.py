from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from storage.databases import database, database_url, postgres_url, store
from storage.s3_server import s3_bucket, s3_server

from mixcoach.jobs.events import ProgressHub
from mixcoach.jobs.runner import JobRunner
from mixcoach.storage.database import Database
from mixcoach.storage.files import FileStore
from mixcoach.storage.rendered import FolderRendered

# fixtures shared with the others
__all__ = ["database", "database_url", "postgres_url", "s3_bucket", "s3_server", "store"]


@pytest.fixture
def make_runner(database: Database, store: FileStore) -> Iterator[Callable[..., JobRunner]]:
    """Builds runners on the test's database and store (one worker each) and stops them all."""
    runners: list[JobRunner] = []

    def build(
        hub: ProgressHub | None = None, *, on: Database | None = None, **options: float
    ) -> JobRunner:
        runner = JobRunner(
            on or database,
            store,
            hub or ProgressHub(),
            rendered=FolderRendered(store.root),
            workers=1,
            max_attempts=3,
            **options,
        )
        runners.append(runner)
        return runner

    yield build
    for runner in runners:
        runner.stop()


@pytest.fixture
def runner_database(database_url: str) -> Iterator[Database]:
    """A second Database on the test's database, for a runner whose writes can be refused
    while the test keeps writing through ``database``."""
    own = Database.from_url(database_url)
    yield own
    own.dispose()
