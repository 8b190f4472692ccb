"""The in-process runner with its audio in S3-compatible object storage (a real SeaweedFS):
its worker processes analyse temporary downloads, removed when the analysis ends, and a store
that does not answer keeps the job queued (not failed, no attempt counted)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from pydantic import SecretStr
from signals import sine, write
from storage.databases import sqlite_url
from storage.s3_server import S3Server, new_prefix, storage_settings
from storage.storage_helpers import FACTS, request_for

from mixcoach.config import Settings, StorageSettings
from mixcoach.jobs.events import ProgressHub
from mixcoach.jobs.runner import JobRunner
from mixcoach.storage.browser_sessions import create_session
from mixcoach.storage.database import Database
from mixcoach.storage.models import Analysis
from mixcoach.storage.reviews import queue_analysis
from mixcoach.storage.s3 import S3Rendered, S3Store
from mixcoach.storage.store import open_store
from mixcoach.storage.tracks import add_file


def bucket_store(folder: Path, storage: StorageSettings) -> S3Store:
    store = open_store(Settings(data_dir=folder, storage=storage))
    assert isinstance(store, S3Store)
    return store


def queued(database: Database, store: S3Store, tmp_path: Path) -> str:
    path = write(tmp_path / "tone.wav", sine(seconds=1.0, frequency_hz=550.0), sample_rate_hz=48000)
    incoming = store.receive()
    incoming.write(path.read_bytes())
    with database.writing() as db:
        create_session(db)
        add_file(db, sha256=incoming.sha256, facts=FACTS)
        store.keep(incoming)
        return queue_analysis(db, request_for(incoming.sha256)).id


def row(database: Database, analysis_id: str) -> Analysis:
    with database.session() as db:
        found = db.get(Analysis, analysis_id)
        assert found is not None
        db.expunge(found)
        return found


def test_the_runner_analyses_downloads_and_removes_them(
    s3_server: S3Server, s3_bucket: str, tmp_path: Path
) -> None:
    database = Database.from_url(sqlite_url(tmp_path))
    database.migrate()
    store = bucket_store(tmp_path / "data", storage_settings(s3_server, s3_bucket, new_prefix()))
    analysis_id = queued(database, store, tmp_path)
    runner = JobRunner(
        database, store, ProgressHub(), rendered=S3Rendered(store), workers=1, max_attempts=3
    )
    runner.start()
    try:
        deadline = time.monotonic() + 60
        while row(database, analysis_id).state not in ("done", "failed"):
            assert time.monotonic() < deadline, "the analysis did not finish"
            time.sleep(0.05)
        finished = row(database, analysis_id)
    finally:
        runner.stop()
        database.dispose()
    assert (finished.state, finished.error, finished.attempts) == ("done", None, 1)
    assert list((tmp_path / "data" / "incoming").iterdir()) == []


def test_a_store_that_does_not_answer_keeps_the_job_queued(
    s3_server: S3Server, s3_bucket: str, tmp_path: Path
) -> None:
    database = Database.from_url(sqlite_url(tmp_path))
    database.migrate()
    good = storage_settings(s3_server, s3_bucket, new_prefix())
    analysis_id = queued(database, bucket_store(tmp_path / "data", good), tmp_path)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    away = good.model_copy(
        update={"s3_endpoint_url": f"http://127.0.0.1:{port}", "access_key_id": SecretStr("k")}
    )
    store = bucket_store(tmp_path / "data", away)
    runner = JobRunner(
        database, store, ProgressHub(), rendered=S3Rendered(store), workers=1, max_attempts=3
    )
    runner.start()
    try:
        time.sleep(2.5)  # a claim at the start, and one more after the poll interval
        assert runner.health().state == "running"
    finally:
        runner.stop()
    waiting = row(database, analysis_id)
    database.dispose()
    assert (waiting.state, waiting.attempts, waiting.error) == ("queued", 0, None)
