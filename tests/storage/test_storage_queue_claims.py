"""How a task-queue worker claims an analysis by id: a message that comes twice runs the job
once, a dead worker's job is taken over, and a job that keeps killing workers is failed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from storage_helpers import request_for, stored

from mixcoach.storage.database import Database
from mixcoach.storage.files import FileStore
from mixcoach.storage.jobs import (
    ClaimedJob,
    claim,
    heartbeat,
    lost_jobs,
    mark_submitted,
    queue_codec_check,
    record_done,
)
from mixcoach.storage.models import Analysis, utc_now
from mixcoach.storage.reviews import queue_analysis

LEASE_S = 30.0


def queued(database: Database, store: FileStore, content: bytes) -> str:
    sha = stored(database, store, content)
    with database.writing() as db:
        return queue_analysis(db, request_for(sha)).id


def take(
    database: Database, analysis_id: str, *, holder_gone: bool = False, worker: str = "a:1"
) -> ClaimedJob | None:
    with database.writing() as db:
        return claim(
            db, analysis_id, holder_gone=holder_gone, lease_s=LEASE_S, max_attempts=2, worker=worker
        )


def age(database: Database, analysis_id: str, seconds: float) -> None:
    """Make the row's last write ``seconds`` old (its worker went silent that long ago)."""
    with database.writing() as db:
        db.execute(
            update(Analysis)
            .where(Analysis.id == analysis_id)
            .values(updated_at=utc_now() - timedelta(seconds=seconds))
        )


def row(database: Database, analysis_id: str) -> Analysis:
    with database.session() as db:
        return db.get_one(Analysis, analysis_id)


def test_a_message_that_comes_twice_runs_the_analysis_once(
    database: Database, store: FileStore
) -> None:
    analysis_id = queued(database, store, b"one")
    job = take(database, analysis_id)
    assert job is not None and job.analysis_id == analysis_id
    assert take(database, analysis_id, worker="b:2") is None  # held, and its holder is alive
    claimed = row(database, analysis_id)
    assert (claimed.state, claimed.attempts, claimed.worker) == ("running", 1, "a:1")
    with database.writing() as db:
        record_done(db, analysis_id, {"schema_version": "1.1"})
    assert take(database, analysis_id, holder_gone=True) is None  # done stays done
    assert row(database, analysis_id).state == "done"


def test_a_dead_workers_analysis_is_taken_over_when_redelivered_or_silent(
    database: Database, store: FileStore
) -> None:
    redelivered, silent = queued(database, store, b"one"), queued(database, store, b"two")
    assert take(database, redelivered) is not None
    assert take(database, redelivered, holder_gone=True, worker="b:2") is not None
    assert (row(database, redelivered).attempts, row(database, redelivered).worker) == (2, "b:2")

    assert take(database, silent) is not None
    age(database, silent, LEASE_S - 5)
    assert take(database, silent, worker="b:2") is None  # within its lease
    age(database, silent, LEASE_S + 1)
    assert take(database, silent, worker="b:2") is not None  # past it


def test_a_heartbeat_keeps_the_lease(database: Database, store: FileStore) -> None:
    analysis_id = queued(database, store, b"one")
    assert take(database, analysis_id) is not None
    age(database, analysis_id, LEASE_S + 1)
    with database.writing() as db:
        heartbeat(db, analysis_id)
    assert take(database, analysis_id, worker="b:2") is None


def test_an_analysis_that_keeps_losing_its_worker_is_failed(
    database: Database, store: FileStore
) -> None:
    analysis_id = queued(database, store, b"one")
    assert take(database, analysis_id) is not None
    assert take(database, analysis_id, holder_gone=True) is not None
    assert take(database, analysis_id, holder_gone=True) is None  # max_attempts=2 reached
    failed = row(database, analysis_id)
    assert failed.state == "failed"
    assert "stopped 2 times while running this analysis" in (failed.error or "")
    assert "upload the track again" in (failed.error or "")


def test_a_codec_check_that_keeps_losing_its_worker_says_how_to_run_it_again(
    database: Database, store: FileStore
) -> None:
    sha = stored(database, store, b"two")
    with database.writing() as db:
        check_id = queue_codec_check(db, sha)[0].analysis_id
    assert take(database, check_id) is not None
    assert take(database, check_id, holder_gone=True) is not None
    assert take(database, check_id, holder_gone=True) is None
    error = row(database, check_id).error or ""
    assert "running this codec check" in error and "Check the codecs" in error
    assert "upload the track" not in error


def test_lost_jobs_are_the_unsent_and_the_long_silent(database: Database, store: FileStore) -> None:
    unsent, sent, silent = (queued(database, store, c) for c in (b"one", b"two", b"three"))
    with database.writing() as db:
        mark_submitted(db, [sent, silent])
        assert lost_jobs(db, lease_s=LEASE_S, unsubmitted_s=10) == []  # all too recent
    assert take(database, silent) is not None
    age(database, silent, 2 * LEASE_S + 1)
    with database.writing() as db:
        db.execute(
            update(Analysis)
            .where(Analysis.id.in_([unsent, sent]))
            .values(created_at=utc_now() - timedelta(seconds=11))
        )
    with database.session() as db:
        assert set(lost_jobs(db, lease_s=LEASE_S, unsubmitted_s=10)) == {unsent, silent}
