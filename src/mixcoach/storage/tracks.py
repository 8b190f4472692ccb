"""Stored files and the tracks that sessions made of them; deleting a track with its files."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from mixcoach.errors import NotFound
from mixcoach.storage.database import Database, insert_ignore
from mixcoach.storage.models import Analysis, Review, StoredFile, Track
from mixcoach.storage.rendered import RenderedStore, forget_content, forget_review
from mixcoach.storage.store import AudioStore, SetAside

TRACK_NOT_FOUND = "Track {track_id} was not found."


@dataclass(frozen=True)
class AudioFacts:
    """What decoding saw of a file when it was received."""

    size_bytes: int
    format: str
    codec: str
    sample_rate_hz: int
    channels: int
    bit_depth: int | None
    duration_s: float


def add_file(db: Session, *, sha256: str, facts: AudioFacts) -> StoredFile:
    """The row for this content, created if new and locked until the transaction ends (so a
    concurrent delete of the same content waits)."""
    insert_ignore(db, StoredFile, {"sha256": sha256, **facts.__dict__})
    stored = db.scalar(select(StoredFile).where(StoredFile.sha256 == sha256).with_for_update())
    if stored is None:  # only if a delete committed between the two statements
        raise RuntimeError(f"stored file {sha256} vanished while it was being added")
    return stored


def add_track(db: Session, *, session_id: str, sha256: str, filename: str) -> Track:
    """The session's track for this content (the first upload's name is kept)."""
    insert_ignore(
        db, Track, {"session_id": session_id, "file_sha256": sha256, "filename": filename}
    )
    track = db.scalar(
        select(Track).where(Track.session_id == session_id, Track.file_sha256 == sha256)
    )
    if track is None:
        raise RuntimeError(f"track for {sha256} vanished while it was being added")
    return track


def get_track(db: Session, *, session_id: str, track_id: str) -> tuple[Track, StoredFile]:
    """The session's track and its file; another session's track is not found, exactly like a
    missing one."""
    row = db.execute(
        select(Track, StoredFile)
        .join(StoredFile, StoredFile.sha256 == Track.file_sha256)
        .where(Track.id == track_id, Track.session_id == session_id)
    ).first()
    if row is None:
        raise NotFound(TRACK_NOT_FOUND.format(track_id=track_id))
    return row[0], row[1]


def list_tracks(db: Session, *, session_id: str) -> list[tuple[Track, StoredFile]]:
    """The session's tracks, newest first."""
    rows = db.execute(
        select(Track, StoredFile)
        .join(StoredFile, StoredFile.sha256 == Track.file_sha256)
        .where(Track.session_id == session_id)
        .order_by(Track.created_at.desc(), Track.id)
    )
    return [(track, stored) for track, stored in rows]


def referenced_files(db: Session) -> set[str]:
    return set(db.scalars(select(StoredFile.sha256)))


def delete_track(
    database: Database,
    store: AudioStore,
    *,
    rendered: RenderedStore,
    session_id: str,
    track_id: str,
) -> None:
    """Delete a session's track, the reviews that use it (as track or reference) with their
    feedback, chat, presets and renders, and -- when no other track has the same content -- the
    stored file, its codec run and every analysis of it. Rows and files go together or not at
    all: the file is set aside while the rows go, restored if their transaction fails, and
    purged after it (the renders after it too, being made again if asked for)."""
    detached: list[SetAside] = []
    gone: list[str] = []
    unused: str | None = None
    try:
        with database.writing() as db:
            track, _ = get_track(db, session_id=session_id, track_id=track_id)
            sha = track.file_sha256
            # Lock the file row first: an upload of the same content waits for this delete.
            db.scalar(select(StoredFile).where(StoredFile.sha256 == sha).with_for_update())
            gone = list(
                db.scalars(
                    select(Review.id).where(
                        or_(Review.track_id == track.id, Review.reference_track_id == track.id)
                    )
                )
            )
            db.execute(delete(Review).where(Review.id.in_(gone)))
            db.delete(track)
            db.flush()
            users = db.scalar(select(func.count(Track.id)).where(Track.file_sha256 == sha))
            if users == 0:
                db.execute(
                    delete(Analysis).where(
                        or_(Analysis.track_sha256 == sha, Analysis.reference_sha256 == sha)
                    )
                )
                db.execute(delete(StoredFile).where(StoredFile.sha256 == sha))
                unused = sha
                aside = store.set_aside(sha)
                if aside is not None:
                    detached.append(aside)
    except BaseException:
        for aside in detached:
            aside.restore()
        raise
    for aside in detached:
        aside.purge()
    for review_id in gone:
        forget_review(rendered, review_id, content=None)
    if unused is not None:
        forget_content(rendered, unused)


def forget_if_unreferenced(database: Database, store: AudioStore, sha256: str) -> None:
    """Delete a kept file that no row refers to (after the transaction that kept it failed).

    Decided under the write lock, so an upload of the same content that is committing now
    keeps its file."""
    with database.writing() as db:
        row = db.scalar(select(StoredFile).where(StoredFile.sha256 == sha256).with_for_update())
        if row is None:
            store.remove(sha256)
