"""A data folder on a real, small file system (a tmpfs mounted for the test) that fills up:
uploads and new sessions answer 507 ``storage_full``, keep nothing (no file, no row), health
says so (503, ``storage: full``), and all is well again once space is freed. Needs root to
mount; skipped, with the reason, elsewhere."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from http_helpers import assert_error, new_session, upload
from live import LiveServer
from small_disk import fill, small_disk
from sqlalchemy import func, select

from mixcoach.config import DatabaseSettings, JobSettings, Settings
from mixcoach.storage.models import BrowserSession

Tone = Callable[..., Path]
DISK_MB = 8


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with small_disk(tmp_path / "disk", size_mb=DISK_MB) as mounted:
        yield mounted


def count_sessions(server: LiveServer) -> int:
    with server.state.database.session() as db:
        return int(db.scalar(select(func.count()).select_from(BrowserSession)) or 0)


def health(client: httpx.Client) -> tuple[int, dict[str, object]]:
    response = client.get("/api/health")
    return response.status_code, response.json()


def test_a_full_disk_refuses_uploads_with_507_and_keeps_nothing(
    settings: Settings, disk: Path, tone: Tone
) -> None:
    on_disk = settings.model_copy(update={"data_dir": disk / "data"})
    track = tone(seconds=2.0)  # 384 KB
    with LiveServer(on_disk) as server, server.client() as client:
        auth = new_session(client)
        assert health(client) == (200, {**health(client)[1], "status": "ok", "storage": "ok"})
        filler = fill(disk)
        before = server.footprint()

        refused = upload(client, auth, track)
        assert_error(refused, 507, "storage_full", "storage is full", "nothing was kept")
        assert server.footprint() == before  # no half-written file in incoming/, no row
        assert not list((disk / "data" / "incoming").iterdir())
        status, body = health(client)
        assert status == 503
        assert body["status"] == "degraded" and body["storage"] == "full"
        assert body["database"] == "ok"

        filler.unlink()
        assert health(client)[1]["storage"] == "ok"
        assert upload(client, auth, track).status_code == 202


def test_a_full_disk_under_the_sqlite_database_refuses_new_sessions_with_507(
    disk: Path, tone: Tone
) -> None:
    # The default setup: the SQLite database inside the data folder, on the same disk.
    default = Settings(
        data_dir=disk / "data",
        database=DatabaseSettings(url=None),
        jobs=JobSettings(workers=1),
    )
    with LiveServer(default) as server, server.client() as client:
        auth = new_session(client)
        database = disk / "data" / "mixcoach.db"
        assert server.state.database.backend == "sqlite" and database.exists()
        # Empty the write-ahead log, so that the next write must grow it.
        with sqlite3.connect(database) as checkpoint:
            busy, _, _ = checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
        filler = fill(disk)
        sessions = count_sessions(server)

        refused = client.post("/api/sessions")
        assert_error(refused, 507, "storage_full", "storage is full")
        assert count_sessions(server) == sessions
        assert_error(upload(client, auth, tone(seconds=0.5)), 507, "storage_full")
        status, body = health(client)
        assert (status, body["storage"], body["database"]) == (503, "full", "ok")

        filler.unlink()
        assert client.post("/api/sessions").status_code == 201
        assert count_sessions(server) == sessions + 1


def test_health_says_when_the_data_folder_cannot_be_written(settings: Settings, disk: Path) -> None:
    on_disk = settings.model_copy(update={"data_dir": disk / "data"})
    with LiveServer(on_disk) as server, server.client() as client:
        assert health(client)[1]["storage"] == "ok"
        # A read-only view of the folder laid over it (the server keeps files open in it, so
        # the disk itself cannot be remounted read-only).
        folder = str(disk / "data")
        subprocess.run(["mount", "--bind", folder, folder], check=True)
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", folder], check=True)
            status, body = health(client)
            assert (status, body["status"], body["storage"]) == (503, "degraded", "unwritable")
        finally:
            subprocess.run(["umount", folder], check=True)
        assert health(client)[1]["storage"] == "ok"
        assert server.state.store.condition() == "ok"


def test_postgresql_disk_full_is_storage_full_too() -> None:
    """PostgreSQL's own disk cannot be filled from here: its error, as psycopg raises it, is
    mapped by the same function the handler uses."""
    import psycopg.errors
    from sqlalchemy.exc import OperationalError

    from mixcoach.api.errors import storage_full

    full = OperationalError("INSERT ...", {}, psycopg.errors.DiskFull("could not extend file"))
    assert storage_full(full) is not None
    other = OperationalError("INSERT ...", {}, psycopg.errors.OperationalError("gone"))
    assert storage_full(other) is None
