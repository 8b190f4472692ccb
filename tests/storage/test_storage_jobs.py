"""The analysis queue's transitions: each happens once, in order, whatever races it."""

from __future__ import annotations

import pytest
from storage_helpers import request_for, stored

from mixcoach.storage.database import Database
from mixcoach.storage.files import FileStore
from mixcoach.storage.jobs import (
    claim_next,
    job_status,
    queue_codec_check,
    record_done,
    record_failure,
    record_progress,
    requeue,
    resume_interrupted,
)
from mixcoach.storage.models import Analysis
from mixcoach.storage.reviews import queue_analysis


def queued(database: Database, store: FileStore, *contents: bytes) -> list[str]:
    ids = []
    for content in contents:
        sha = stored(database, store, content)
        with database.writing() as db:
            ids.append(queue_analysis(db, request_for(sha)).id)
    return ids


def row(database: Database, analysis_id: str) -> Analysis:
    with database.session() as db:
        analysis = db.get(Analysis, analysis_id)
        assert analysis is not None
        return analysis


def test_jobs_are_claimed_oldest_first_and_only_once(database: Database, store: FileStore) -> None:
    first, second = queued(database, store, b"one", b"two")
    with database.writing() as db:
        a = claim_next(db)
    with database.writing() as db:
        b = claim_next(db)
    with database.writing() as db:
        assert claim_next(db) is None
    assert a is not None and b is not None
    assert (a.analysis_id, b.analysis_id) == (first, second)
    claimed = row(database, first)
    assert (claimed.state, claimed.attempts, claimed.stage) == ("running", 1, "starting")
    assert claimed.started_at is not None


def test_progress_then_done_and_nothing_after(database: Database, store: FileStore) -> None:
    (analysis_id,) = queued(database, store, b"three")
    with database.writing() as db:
        record_progress(db, analysis_id, stage="measuring", percent=40.0)  # not running: ignored
        claim_next(db)
        record_progress(db, analysis_id, stage="measuring", percent=40.0)
    with database.session() as db:
        status = job_status(db, analysis_id)
    assert status is not None
    assert (status.state, status.stage, status.progress_percent) == ("running", "measuring", 40.0)
    with database.writing() as db:
        assert record_done(db, analysis_id, {"schema_version": "x"})
        assert not record_failure(db, analysis_id, "too late")
    done = row(database, analysis_id)
    assert (done.state, done.progress_percent, done.error) == ("done", 100.0, None)
    assert done.document == {"schema_version": "x"} and done.finished_at is not None


def test_a_failure_keeps_the_progress_reached_and_the_message(
    database: Database, store: FileStore
) -> None:
    (analysis_id,) = queued(database, store, b"four")
    with database.writing() as db:
        claim_next(db)
        record_progress(db, analysis_id, stage="measuring", percent=62.5)
        assert record_failure(db, analysis_id, "The track is damaged.")
    failed = row(database, analysis_id)
    assert (failed.state, failed.progress_percent, failed.error) == (
        "failed",
        62.5,
        "The track is damaged.",
    )


@pytest.mark.parametrize("max_attempts", [1, 2])
def test_interrupted_jobs_resume_until_they_have_used_their_attempts(
    database: Database, store: FileStore, max_attempts: int
) -> None:
    (analysis_id,) = queued(database, store, b"five")
    with database.writing() as db:
        claim_next(db)  # attempt 1, then the server "crashes"
    with database.writing() as db:
        resumed, failed = resume_interrupted(db, max_attempts=max_attempts)
    if max_attempts == 1:
        assert (resumed, failed) == ([], [analysis_id])
        error = row(database, analysis_id).error or ""
        assert "interrupted by 1 restarts" in error and "upload the track again" in error
    else:
        assert (resumed, failed) == ([analysis_id], [])
        assert (row(database, analysis_id).state, row(database, analysis_id).attempts) == (
            "queued",
            1,
        )


def test_a_codec_check_given_up_after_restarts_says_how_to_run_it_again(
    database: Database, store: FileStore
) -> None:
    sha = stored(database, store, b"seven")
    with database.writing() as db:
        check_id = queue_codec_check(db, sha)[0].analysis_id
    with database.writing() as db:
        claimed = claim_next(db)
        assert claimed is not None and claimed.analysis_id == check_id
    with database.writing() as db:
        assert resume_interrupted(db, max_attempts=1) == ([], [check_id])
    error = row(database, check_id).error or ""
    assert "codec check was interrupted" in error and "Check the codecs" in error
    assert "upload the track" not in error


def test_a_clean_shutdown_requeues_without_spending_an_attempt(
    database: Database, store: FileStore
) -> None:
    (analysis_id,) = queued(database, store, b"six")
    with database.writing() as db:
        claim_next(db)
    with database.writing() as db:
        requeue(db, [analysis_id])
    again = row(database, analysis_id)
    assert (again.state, again.attempts, again.progress_percent) == ("queued", 0, 0.0)
