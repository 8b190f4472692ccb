"""Repositories on a real database of each backend: sessions, tracks and their files, reviews
and the analyses they share, and deleting a track with everything that hangs on it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from storage_helpers import new_session, request_for, stored

from mixcoach.errors import NotFound
from mixcoach.storage.browser_sessions import create_session, session_for_token
from mixcoach.storage.database import Database
from mixcoach.storage.files import FileStore
from mixcoach.storage.models import (
    Analysis,
    BrowserSession,
    ChatMessage,
    Feedback,
    Review,
    StoredFile,
    Track,
)
from mixcoach.storage.rendered import FolderRendered
from mixcoach.storage.reviews import (
    add_review,
    get_review,
    list_reviews,
    queue_analysis,
)
from mixcoach.storage.tracks import (
    add_track,
    delete_track,
    forget_if_unreferenced,
    get_track,
    list_tracks,
)


def track_of(database: Database, session_id: str, sha: str, filename: str = "a.wav") -> Track:
    with database.writing() as db:
        return add_track(db, session_id=session_id, sha256=sha, filename=filename)


def review_of(
    database: Database, session_id: str, track: Track, *, reference: Track | None = None
) -> str:
    with database.writing() as db:
        analysis = queue_analysis(
            db,
            request_for(
                track.file_sha256, reference=None if reference is None else reference.file_sha256
            ),
        )
        return add_review(
            db,
            session_id=session_id,
            track=track,
            reference=reference,
            analysis=analysis,
            detail_level="simple",
        ).id


def count(database: Database, model: type) -> int:
    with database.session() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_tokens_are_stored_only_as_hashes(database: Database) -> None:
    with database.writing() as db:
        session, token = create_session(db)
    assert len(token) >= 40
    with database.session() as db:
        row = db.get(BrowserSession, session.id)
        assert row is not None and token not in (row.id, row.token_sha256)
        found = session_for_token(db, token)
        assert found is not None and found.id == session.id
        assert session_for_token(db, token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_timestamps_come_back_timezone_aware_in_utc(database: Database) -> None:
    before = datetime.now(UTC)
    session_id = new_session(database)
    with database.session() as db:
        row = db.get(BrowserSession, session_id)
    assert row is not None and row.created_at.tzinfo is not None
    assert row.created_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= row.created_at <= datetime.now(UTC)


def test_same_content_is_one_file_and_one_track_per_session(
    database: Database, store: FileStore
) -> None:
    alice, bob = new_session(database), new_session(database)
    sha = stored(database, store, b"audio")
    assert stored(database, store, b"audio") == sha  # received again: kept once
    first = track_of(database, alice, sha, "mix v1.wav")
    again = track_of(database, alice, sha, "mix v2.wav")
    other = track_of(database, bob, sha, "bob.wav")
    assert again.id == first.id and again.filename == "mix v1.wav"
    assert other.id != first.id
    assert count(database, StoredFile) == 1 and count(database, Track) == 2
    assert store.stored() == {sha}
    with database.session() as db:
        assert [t.id for t, _ in list_tracks(db, session_id=alice)] == [first.id]


def test_another_sessions_track_is_not_found_exactly_like_a_missing_one(
    database: Database, store: FileStore
) -> None:
    alice, bob = new_session(database), new_session(database)
    track = track_of(database, alice, stored(database, store, b"x"))
    with database.session() as db:
        with pytest.raises(NotFound) as theirs:
            get_track(db, session_id=bob, track_id=track.id)
        with pytest.raises(NotFound) as missing:
            get_track(db, session_id=bob, track_id="0" * 32)
        assert get_track(db, session_id=alice, track_id=track.id)[0].id == track.id
    assert theirs.value.message == missing.value.message.replace("0" * 32, track.id)


def test_the_same_request_shares_one_analysis_and_a_failed_one_is_queued_again(
    database: Database, store: FileStore
) -> None:
    sha = stored(database, store, b"y")
    with database.writing() as db:
        first = queue_analysis(db, request_for(sha))
        same = queue_analysis(db, request_for(sha))
        other_genre = queue_analysis(db, request_for(sha, genre="rock"))
        assert same.id == first.id and other_genre.id != first.id
        first.state, first.error, first.attempts = "failed", "disk full", 1
    with database.writing() as db:
        retried = queue_analysis(db, request_for(sha))
    assert retried.id == first.id
    assert (retried.state, retried.error, retried.attempts) == ("queued", None, 0)


def test_reviews_are_listed_newest_first_and_only_to_their_session(
    database: Database, store: FileStore
) -> None:
    alice, bob = new_session(database), new_session(database)
    track = track_of(database, alice, stored(database, store, b"z"))
    older = review_of(database, alice, track)
    newer = review_of(database, alice, track)
    with database.writing() as db:  # make the order unambiguous whatever the clock resolution
        review = db.get(Review, older)
        assert review is not None
        review.created_at -= timedelta(seconds=5)
    with database.session() as db:
        assert [r.review.id for r in list_reviews(db, session_id=alice)] == [newer, older]
        assert list_reviews(db, session_id=bob) == []
        with pytest.raises(NotFound):
            get_review(db, session_id=bob, review_id=newer)


def test_deleting_a_track_deletes_its_reviews_analyses_and_file(
    database: Database, store: FileStore
) -> None:
    alice = new_session(database)
    mix = track_of(database, alice, stored(database, store, b"mix"), "mix.wav")
    ref = track_of(database, alice, stored(database, store, b"ref"), "ref.wav")
    with_ref = review_of(database, alice, mix, reference=ref)
    ref_alone = review_of(database, alice, ref)
    with database.writing() as db:
        db.add(Feedback(review_id=with_ref, engine="offline", detail_level="simple", content="ok"))
        db.add(ChatMessage(review_id=with_ref, role="user", content="why?"))
    delete_track(
        database, store, rendered=FolderRendered(store.root), session_id=alice, track_id=ref.id
    )
    with database.session() as db:
        assert [r.review.id for r in list_reviews(db, session_id=alice)] == []
        assert db.get(Review, ref_alone) is None
        assert [t.filename for t, _ in list_tracks(db, session_id=alice)] == ["mix.wav"]
    assert count(database, Feedback) == 0 and count(database, ChatMessage) == 0
    assert count(database, Analysis) == 0  # both analyses involved the reference's content
    assert store.stored() == {mix.file_sha256}
    assert count(database, StoredFile) == 1


def test_a_file_another_session_still_uses_is_kept(database: Database, store: FileStore) -> None:
    alice, bob = new_session(database), new_session(database)
    sha = stored(database, store, b"shared")
    track_a, track_b = track_of(database, alice, sha), track_of(database, bob, sha)
    review_of(database, alice, track_a)
    bobs = review_of(database, bob, track_b)
    delete_track(
        database, store, rendered=FolderRendered(store.root), session_id=alice, track_id=track_a.id
    )
    assert store.stored() == {sha} and count(database, StoredFile) == 1
    with database.session() as db:
        assert get_review(db, session_id=bob, review_id=bobs).analysis.track_sha256 == sha
    with pytest.raises(NotFound):
        delete_track(
            database,
            store,
            rendered=FolderRendered(store.root),
            session_id=bob,
            track_id=track_a.id,
        )


def test_two_uploads_of_the_same_content_at_once_make_one_row_each(
    database: Database, store: FileStore
) -> None:
    session_id = new_session(database)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []
    tracks: list[str] = []

    def upload() -> None:
        try:
            barrier.wait(timeout=10)
            sha = stored(database, store, b"same bytes")
            tracks.append(track_of(database, session_id, sha).id)
        except BaseException as exc:  # reported below, with the thread's failure
            errors.append(exc)

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(tracks)) == 1 and count(database, Track) == 1
    assert count(database, StoredFile) == 1 and len(store.stored()) == 1


def test_a_kept_file_without_a_row_is_forgotten_and_one_with_a_row_is_not(
    database: Database, store: FileStore
) -> None:
    referenced = stored(database, store, b"has a row")
    incoming = store.receive()
    incoming.write(b"no row")
    store.keep(incoming)
    forget_if_unreferenced(database, store, incoming.sha256)
    forget_if_unreferenced(database, store, referenced)
    assert store.stored() == {referenced}
