from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from storage.databases import database_url, postgres_url

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
