from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from storage.databases import database, database_url, postgres_url, store

from mixcoach.jobs.events import ProgressHub
from mixcoach.jobs.runner import JobRunner
from mixcoach.storage.database import Database
from mixcoach.storage.files import FileStore

__all__ = ["database", "database_url", "postgres_url", "store"]  # fixtures shared with the others


@pytest.fixture
def make_runner(database: Database, store: FileStore) -> Iterator[Callable[..., JobRunner]]:
    """Builds runners on the test's database and store (one worker each) and stops them all."""
    runners: list[JobRunner] = []

    def build(hub: ProgressHub | None = None) -> JobRunner:
        runner = JobRunner(database, store, hub or ProgressHub(), workers=1, max_attempts=3)
        runners.append(runner)
        return runner

    yield build
    for runner in runners:
        runner.stop()
