"""The job queue as the job runner sees it: claim, progress, finish, fail, resume.

A job is an analysis or the codec check of one content (``Analysis.kind``); the codec check is
queued by itself when an analysis whose advice is about delivery is done (``DELIVERY_TYPES``).
Every transition is one conditional UPDATE, so a row changes state exactly once even when two
runners (or a runner and a delete) race for it: ``queued → running → done | failed``, and
``running → queued`` for a job interrupted by a restart.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mixcoach.storage.database import insert_ignore
from mixcoach.storage.models import Analysis, JobKind, utc_now

#: The feedback types whose finished analysis starts the codec check of its track: their advice
#: is about delivery (a master review's verdict reads the decoded peaks).
DELIVERY_TYPES = ("master_review", "mastering")
CODEC_CHECK: JobKind = "codecs"

WORKERS_LOST_TOO_OFTEN = (
    "The worker stopped {attempts} times while running this {job}, so it was not started "
    "again; {retry}."
)
INTERRUPTED_TOO_OFTEN = (
    "The {job} was interrupted by {attempts} restarts of Mixcoach and was not started again; "
    "{retry}."
)

#: Job kind -> (what the producer calls it, how they run it again).
_JOB_WORDS: dict[str, tuple[str, str]] = {
    "analysis": ("analysis", "upload the track again to retry"),
    CODEC_CHECK: ("codec check", 'press "Check the codecs" to run it again'),
}


def gave_up(template: str, kind: str, attempts: int) -> str:
    """A given-up job's message in the words of its kind (a codec check is run again from the
    review, an analysis by uploading again)."""
    job, retry = _JOB_WORDS.get(kind, _JOB_WORDS["analysis"])
    return template.format(job=job, attempts=attempts, retry=retry)


@dataclass(frozen=True)
class ClaimedJob:
    """What a worker needs to run one analysis."""

    analysis_id: str
    track_sha256: str
    reference_sha256: str | None
    genre: str | None
    subgenre: str | None
    feedback_type: str
    claimed_at: datetime
    kind: str = "analysis"


@dataclass(frozen=True)
class JobStatus:
    analysis_id: str
    state: str
    stage: str
    progress_percent: float
    error: str | None
    updated_at: datetime


#: The columns of a JobStatus, in its order.
_STATUS_COLUMNS = (
    Analysis.id,
    Analysis.state,
    Analysis.stage,
    Analysis.progress_percent,
    Analysis.error,
    Analysis.updated_at,
)


def job_status(db: Session, analysis_id: str) -> JobStatus | None:
    row = db.execute(select(*_STATUS_COLUMNS).where(Analysis.id == analysis_id)).first()
    return None if row is None else JobStatus(*row)


def resume_interrupted(db: Session, *, max_attempts: int) -> tuple[list[str], list[str]]:
    """Queue again the analyses left running by a stopped server, failing those already started
    ``max_attempts`` times (a job that brings the server down must not do it forever).
    Returns the ids queued again and the ids failed."""
    resumed: list[str] = []
    failed: list[str] = []
    interrupted = db.execute(
        select(Analysis.id, Analysis.attempts, Analysis.kind).where(Analysis.state == "running")
    )
    for analysis_id, attempts, kind in interrupted:
        if attempts >= max_attempts:
            message = gave_up(INTERRUPTED_TOO_OFTEN, kind, attempts)
            _finish(db, analysis_id, "failed", error=message)
            failed.append(analysis_id)
        else:
            db.execute(
                update(Analysis)
                .where(Analysis.id == analysis_id, Analysis.state == "running")
                .values(state="queued", stage="queued", progress_percent=0.0, updated_at=utc_now())
            )
            resumed.append(analysis_id)
    return resumed, failed


def claim_next(db: Session) -> ClaimedJob | None:
    """Take the oldest queued analysis and mark it running, or None when the queue is empty."""
    while True:
        candidate = db.scalar(
            select(Analysis)
            .where(Analysis.state == "queued")
            .order_by(Analysis.created_at, Analysis.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if candidate is None:
            return None
        now = utc_now()
        claimed = db.execute(
            update(Analysis)
            .where(Analysis.id == candidate.id, Analysis.state == "queued")
            .values(
                state="running",
                stage="starting",
                progress_percent=0.0,
                attempts=Analysis.attempts + 1,
                started_at=now,
                updated_at=now,
            )
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            return _claimed(candidate, now)


def _claimed(row: Analysis, at: datetime) -> ClaimedJob:
    return ClaimedJob(
        analysis_id=row.id,
        track_sha256=row.track_sha256,
        reference_sha256=row.reference_sha256,
        genre=row.genre,
        subgenre=row.subgenre,
        feedback_type=row.feedback_type,
        claimed_at=at,
        kind=row.kind,
    )


def claim(
    db: Session,
    analysis_id: str,
    *,
    holder_gone: bool,
    lease_s: float,
    max_attempts: int,
    worker: str,
) -> ClaimedJob | None:
    """Take one analysis for a queue worker, or None when it is not this worker's to run.

    A queued analysis is taken. A running one is taken over only when its holder is gone: the
    broker says so (``holder_gone``: the message comes again because the connection of the
    worker that had it closed) or the holder has not written for ``lease_s``. Taken over once
    more than ``max_attempts`` times, it is failed instead (a job that kills its worker must not
    do it forever). Done, failed, deleted and freshly held analyses are left alone, so a
    message that arrives twice runs the analysis once. ``worker`` names the claimer (host:pid)."""
    row = db.execute(
        select(Analysis.state, Analysis.attempts, Analysis.updated_at, Analysis.kind).where(
            Analysis.id == analysis_id
        )
    ).first()
    if row is None:
        return None
    state, attempts, updated_at, kind = row
    now = utc_now()
    if state == "running":
        if not holder_gone and now - updated_at < timedelta(seconds=lease_s):
            return None
        if attempts >= max_attempts:
            _finish(
                db, analysis_id, "failed", error=gave_up(WORKERS_LOST_TOO_OFTEN, kind, attempts)
            )
            return None
    elif state != "queued":
        return None
    claimed = db.execute(
        update(Analysis)
        .where(
            Analysis.id == analysis_id,
            Analysis.state == state,
            Analysis.attempts == attempts,  # nobody else took it since it was read
        )
        .values(
            state="running",
            stage="starting",
            progress_percent=0.0,
            attempts=attempts + 1,
            worker=worker,
            started_at=now,
            updated_at=now,
        )
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return _claimed(db.get_one(Analysis, analysis_id), now)


def codec_check_key(sha256: str) -> str:
    """The codec check's row key: one check per content."""
    return hashlib.sha256(json.dumps([CODEC_CHECK, sha256]).encode("utf-8")).hexdigest()


def queue_codec_check(
    db: Session, sha256: str, *, again: Collection[str] = ()
) -> tuple[JobStatus, bool]:
    """The codec check of a content: the existing job, or a new queued one; one in a state of
    ``again`` ("failed", or "done" when its stored results are gone) is queued again. Returns
    its status and whether it was queued now (to be sent to the workers)."""
    key = codec_check_key(sha256)
    inserted = db.execute(select(Analysis.id).where(Analysis.key == key)).first() is None
    if inserted:
        insert_ignore(
            db,
            Analysis,
            {
                "key": key,
                "kind": CODEC_CHECK,
                "track_sha256": sha256,
                "feedback_type": "",
                "analyzer_version": CODEC_CHECK,
            },
        )
    row = db.scalar(select(Analysis).where(Analysis.key == key).with_for_update())
    if row is None:
        raise RuntimeError(f"the codec check of {sha256[:12]} vanished while it was being queued")
    queued = inserted  # two inserting at once may both send it: a claim runs it once
    if row.state in again:
        row.state, row.stage, row.progress_percent = "queued", "queued", 0.0
        row.error, row.attempts, row.submitted_at = None, 0, None
        row.updated_at = utc_now()
        queued = True
    db.flush()
    status = JobStatus(
        row.id, row.state, row.stage, row.progress_percent, row.error, row.updated_at
    )
    return status, queued


def queue_follow_up(db: Session, analysis_id: str) -> str | None:
    """What a done analysis starts: the codec check of its track when its feedback type is
    about delivery. Returns the check's id when it was queued now."""
    row = db.execute(
        select(Analysis.kind, Analysis.feedback_type, Analysis.track_sha256, Analysis.state).where(
            Analysis.id == analysis_id
        )
    ).first()
    if row is None or row.kind == CODEC_CHECK or row.state != "done":
        return None
    if row.feedback_type not in DELIVERY_TYPES:
        return None
    status, queued = queue_codec_check(db, row.track_sha256)
    return status.analysis_id if queued else None


def mark_submitted(db: Session, analysis_ids: list[str], *, at: datetime | None = None) -> None:
    """Record that the broker took these analyses' messages."""
    db.execute(
        update(Analysis).where(Analysis.id.in_(analysis_ids)).values(submitted_at=at or utc_now())
    )


def heartbeat(db: Session, analysis_id: str) -> None:
    """Say the worker running ``analysis_id`` is alive (its lease starts again)."""
    db.execute(
        update(Analysis)
        .where(Analysis.id == analysis_id, Analysis.state == "running")
        .values(updated_at=utc_now())
    )


def lost_jobs(db: Session, *, lease_s: float, unsubmitted_s: float) -> list[str]:
    """Analyses the task queue may not hold a message for: queued ones the broker never took
    (for ``unsubmitted_s``) and running ones whose worker has not written for twice ``lease_s``
    (the broker gives a dead worker's message to another at once, so such a row means the
    message itself was lost). Sending them again is safe: ``claim`` runs each once."""
    now = utc_now()
    rows = db.scalars(
        select(Analysis.id)
        .where(
            (
                (Analysis.state == "queued")
                & Analysis.submitted_at.is_(None)
                & (Analysis.created_at < now - timedelta(seconds=unsubmitted_s))
            )
            | (
                (Analysis.state == "running")
                & (Analysis.updated_at < now - timedelta(seconds=2 * lease_s))
            )
        )
        .order_by(Analysis.created_at, Analysis.id)
    )
    return list(rows)


def changes_since(db: Session, since: datetime) -> list[JobStatus]:
    """The status of every analysis written after ``since`` (oldest first)."""
    rows = db.execute(
        select(*_STATUS_COLUMNS).where(Analysis.updated_at > since).order_by(Analysis.updated_at)
    )
    return [JobStatus(*row) for row in rows]


# The writes below take the time they record (``at``) from the caller, who publishes the same
# status to the event streams: a stream and GET /job then agree to the microsecond.


def record_progress(
    db: Session, analysis_id: str, *, stage: str, percent: float, at: datetime | None = None
) -> None:
    db.execute(
        update(Analysis)
        .where(Analysis.id == analysis_id, Analysis.state == "running")
        .values(stage=stage, progress_percent=percent, updated_at=at or utc_now())
    )


def record_done(
    db: Session, analysis_id: str, document: dict[str, Any] | None, *, at: datetime | None = None
) -> bool:
    """Finish a running job with its document (None for a codec check: its results are kept
    beside the audio)."""
    return _finish(db, analysis_id, "done", document=document, at=at)


def record_failure(
    db: Session,
    analysis_id: str,
    message: str,
    *,
    percent: float | None = None,
    at: datetime | None = None,
) -> bool:
    """Fail a running analysis; it keeps the progress it reached (``percent`` when the caller
    knows it better than the last progress written)."""
    return _finish(db, analysis_id, "failed", error=message, percent=percent, at=at)


def requeue(
    db: Session,
    analysis_ids: list[str],
    *,
    count_attempt: bool = False,
    at: datetime | None = None,
) -> None:
    """Put running analyses back in the queue. At a clean shutdown that start does not count
    as an attempt, since the job did nothing wrong; ``count_attempt`` keeps it counted."""
    db.execute(
        update(Analysis)
        .where(Analysis.id.in_(analysis_ids), Analysis.state == "running")
        .values(
            state="queued",
            stage="queued",
            progress_percent=0.0,
            attempts=Analysis.attempts if count_attempt else Analysis.attempts - 1,
            updated_at=at or utc_now(),
        )
    )


def running_ids(db: Session) -> set[str]:
    """The analyses marked running (the runner compares them with what its workers hold)."""
    return set(db.scalars(select(Analysis.id).where(Analysis.state == "running")))


def _finish(
    db: Session,
    analysis_id: str,
    state: str,
    *,
    error: str | None = None,
    document: dict[str, Any] | None = None,
    percent: float | None = None,
    at: datetime | None = None,
) -> bool:
    now = at or utc_now()
    if state == "done":
        progress: Any = 100.0
    else:
        progress = Analysis.progress_percent if percent is None else percent
    result = db.execute(
        update(Analysis)
        .where(Analysis.id == analysis_id, Analysis.state == "running")
        .values(
            state=state,
            stage=state,
            progress_percent=progress,
            error=error,
            document=document,
            finished_at=now,
            updated_at=now,
        )
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
