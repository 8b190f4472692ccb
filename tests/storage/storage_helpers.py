"""Rows and files for the storage tests, made through the real repositories."""

from __future__ import annotations

from mixcoach.storage.browser_sessions import create_session
from mixcoach.storage.database import Database
from mixcoach.storage.files import FileStore
from mixcoach.storage.reviews import AnalysisRequest
from mixcoach.storage.tracks import AudioFacts, add_file

FACTS = AudioFacts(
    size_bytes=5,
    format="wav",
    codec="pcm_16",
    sample_rate_hz=48000,
    channels=2,
    bit_depth=16,
    duration_s=1.5,
)


def new_session(database: Database) -> str:
    with database.writing() as db:
        session, _ = create_session(db)
        return session.id


def stored(database: Database, store: FileStore, content: bytes) -> str:
    """Receive ``content`` into the store and give it a files row; returns its sha256."""
    incoming = store.receive()
    incoming.write(content)
    with database.writing() as db:
        add_file(db, sha256=incoming.sha256, facts=FACTS)
        store.keep(incoming)
    return incoming.sha256


def request_for(sha: str, *, reference: str | None = None, genre: str = "pop") -> AnalysisRequest:
    return AnalysisRequest(
        track_sha256=sha,
        reference_sha256=reference,
        genre=genre,
        subgenre=None,
        feedback_type="mixdown",
        analyzer_version="test/1",
    )
