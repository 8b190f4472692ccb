"""A `mixcoach worker`'s consumer reading its audio from S3-compatible object storage (a real
SeaweedFS): the analysis runs on a temporary download that is gone afterwards, a file missing
from the bucket fails the job with a message, and a store that does not answer is waited out
and then left to the queue (the job is not failed for it)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from signals import sine, write
from storage.databases import sqlite_url
from storage.s3_server import S3Server, new_prefix, storage_settings
from storage.storage_helpers import FACTS, request_for

from mixcoach.config import Settings, StorageSettings
from mixcoach.errors import StorageUnavailable
from mixcoach.jobs import consumer as consumer_module
from mixcoach.jobs.consumer import FILE_MISSING, Consumer
from mixcoach.storage.browser_sessions import create_session
from mixcoach.storage.database import Database
from mixcoach.storage.jobs import job_status
from mixcoach.storage.models import Analysis as AnalysisRow
from mixcoach.storage.reviews import queue_analysis
from mixcoach.storage.s3 import S3Rendered, S3Store
from mixcoach.storage.store import open_store
from mixcoach.storage.tracks import add_file


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Database]:
    database = Database.from_url(sqlite_url(tmp_path))
    database.migrate()
    yield database
    database.dispose()


def bucket_store(tmp_path: Path, storage: StorageSettings) -> S3Store:
    store = open_store(Settings(data_dir=tmp_path / "worker", storage=storage))
    assert isinstance(store, S3Store)
    return store


def consumer_of(database: Database, store: S3Store, sent: list[str] | None = None) -> Consumer:
    """A consumer on ``store``, its renders in the same bucket; the jobs it sends go to
    ``sent``."""
    return Consumer(
        database,
        store,
        rendered=S3Rendered(store),
        max_attempts=3,
        submit=(sent if sent is not None else []).append,
    )


def queued(database: Database, store: S3Store, tmp_path: Path, *, upload: bool = True) -> str:
    """A queued analysis of a 2 s tone, its file in the bucket (unless ``upload`` is False)."""
    path = write(tmp_path / "tone.wav", sine(seconds=2.0, frequency_hz=440.0), sample_rate_hz=48000)
    incoming = store.receive()
    incoming.write(path.read_bytes())
    incoming.close()
    sha = incoming.sha256
    with database.writing() as db:
        create_session(db)
        add_file(db, sha256=sha, facts=FACTS)
        if upload:
            assert store.keep(incoming)
        else:
            incoming.discard()
        return queue_analysis(db, request_for(sha)).id


def state_of(database: Database, analysis_id: str) -> tuple[str, str | None, int]:
    with database.session() as db:
        status = job_status(db, analysis_id)
        assert status is not None
        row = db.get(AnalysisRow, analysis_id)
        assert row is not None
        return status.state, status.error, row.attempts


def test_the_worker_analyses_a_file_read_from_the_bucket_and_keeps_no_copy(
    sqlite: Database, s3_server: S3Server, s3_bucket: str, tmp_path: Path
) -> None:
    store = bucket_store(tmp_path, storage_settings(s3_server, s3_bucket, new_prefix()))
    analysis_id = queued(sqlite, store, tmp_path)
    consumer_of(sqlite, store).analyse(analysis_id)
    assert state_of(sqlite, analysis_id) == ("done", None, 1)
    with sqlite.session() as db:
        row = db.get(AnalysisRow, analysis_id)
        assert row is not None and row.document is not None
        assert row.document["file"]["duration_s"] == 2.0
    assert list((tmp_path / "worker" / "incoming").iterdir()) == []


def test_a_file_missing_from_the_bucket_fails_the_job_with_a_message(
    sqlite: Database, s3_server: S3Server, s3_bucket: str, tmp_path: Path
) -> None:
    store = bucket_store(tmp_path, storage_settings(s3_server, s3_bucket, new_prefix()))
    analysis_id = queued(sqlite, store, tmp_path, upload=False)
    consumer_of(sqlite, store).analyse(analysis_id)
    assert state_of(sqlite, analysis_id)[:2] == ("failed", FILE_MISSING)


def test_a_store_that_does_not_answer_leaves_the_job_to_the_queue(
    sqlite: Database,
    s3_server: S3Server,
    s3_bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good = storage_settings(s3_server, s3_bucket, new_prefix())
    analysis_id = queued(sqlite, bucket_store(tmp_path, good), tmp_path)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    away = good.model_copy(
        update={"s3_endpoint_url": f"http://127.0.0.1:{port}", "access_key_id": SecretStr("k")}
    )
    monkeypatch.setattr(consumer_module, "STORAGE_PATIENCE_S", 0.5)
    monkeypatch.setattr(consumer_module, "STORAGE_RETRY_S", 0.1)
    with pytest.raises(StorageUnavailable):  # unacknowledged: the message comes back
        consumer_of(sqlite, bucket_store(tmp_path, away)).analyse(analysis_id)
    state, error, _ = state_of(sqlite, analysis_id)
    assert state == "running" and error is None  # not failed; its lease runs out
