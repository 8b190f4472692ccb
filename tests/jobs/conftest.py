from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from storage.databases import database_url, postgres_url

from mixcoach.jobs.events import ProgressHub
from mixcoach.jobs.runner import JobRunner
from mixcoach.storage.database import Database
from mixcoach.storage.files import FileStore

__all__ = ["database_url", "postgres_url"]  # fixtures shared with the other folders


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database.from_url(database_url)
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "data")


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
