"""The content-addressed file store: names from content, one copy per content, a sweep that
leaves only what rows refer to, and a full disk met as StorageFull with nothing left behind."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mixcoach.errors import StorageFull
from mixcoach.storage.files import FileStore, FolderInUse


def receive(store: FileStore, *pieces: bytes) -> tuple[str, bool]:
    incoming = store.receive()
    for piece in pieces:
        incoming.write(piece)
    return incoming.sha256, store.keep(incoming)


def test_a_file_is_named_by_the_sha256_of_its_content(store: FileStore) -> None:
    sha, created = receive(store, b"first half, ", b"second half")
    assert created
    assert sha == hashlib.sha256(b"first half, second half").hexdigest()
    assert store.path(sha).read_bytes() == b"first half, second half"
    assert list((store.root / "incoming").iterdir()) == []


def test_the_same_content_is_kept_once(store: FileStore) -> None:
    sha, _ = receive(store, b"abc")
    again, created = receive(store, b"a", b"bc")
    assert again == sha and not created
    assert store.stored() == {sha}
    assert list((store.root / "incoming").iterdir()) == []


def test_a_failed_receive_leaves_nothing(store: FileStore) -> None:
    with pytest.raises(OSError), store.receive() as incoming:
        incoming.write(b"partial")
        raise OSError("the client went away")
    assert list((store.root / "incoming").iterdir()) == []


def test_detach_then_restore_or_delete(store: FileStore) -> None:
    sha, _ = receive(store, b"keep me")
    detached = store.detach(sha)
    assert detached is not None and not store.path(sha).exists()
    store.restore(sha, detached)
    assert store.path(sha).read_bytes() == b"keep me"
    detached = store.detach(sha)
    assert detached is not None
    store.delete(detached)
    assert store.stored() == set() and store.detach(sha) is None


def test_sweep_keeps_only_referenced_files(store: FileStore) -> None:
    kept, _ = receive(store, b"referenced")
    orphan, _ = receive(store, b"orphan")
    half = store.receive()
    half.write(b"an upload cut short by a crash")
    half.close()
    assert store.sweep([kept]) == 2
    assert store.stored() == {kept}
    assert list((store.root / "incoming").iterdir()) == []
    assert orphan != kept


def test_paths_are_only_for_sha256_names(store: FileStore) -> None:
    with pytest.raises(ValueError, match="not a sha256"):
        store.path("../../etc/passwd")


def test_one_process_at_a_time_holds_the_folder(store: FileStore) -> None:
    store.claim()
    rival = FileStore(store.root)
    with pytest.raises(FolderInUse, match="Another Mixcoach server is using"):
        rival.claim()
    store.release()
    rival.claim()
    rival.release()


# --- a full disk (a real tmpfs, filled) ---------------------------------------------------


@pytest.fixture
def full_store(tmp_path: Path) -> Iterator[tuple[FileStore, Path]]:
    """A store on a small disk that has just been filled; the filler, to free it."""
    from api.small_disk import fill, small_disk

    with small_disk(tmp_path / "disk", size_mb=2) as disk:
        store = FileStore(disk / "data")
        assert store.condition() == "ok"
        yield store, fill(disk)


def test_a_write_past_the_free_space_is_storage_full_and_leaves_nothing(
    full_store: tuple[FileStore, Path],
) -> None:
    store, _ = full_store
    incoming = store.receive()
    with pytest.raises(StorageFull, match="storage is full"):
        incoming.write(b"\0" * 65536)  # past the write buffer: the disk refuses it at once
    assert not incoming.path.exists()
    incoming.discard()  # and discarding again is harmless
    assert list((store.root / "incoming").iterdir()) == []


def test_buffered_bytes_that_do_not_fit_are_storage_full_on_close(
    full_store: tuple[FileStore, Path],
) -> None:
    store, _ = full_store
    incoming = store.receive()
    incoming.write(b"small")  # still in the buffer
    with pytest.raises(StorageFull):
        incoming.close()
    assert list((store.root / "incoming").iterdir()) == []


def test_the_condition_says_full_until_room_is_freed(full_store: tuple[FileStore, Path]) -> None:
    store, filler = full_store
    assert store.condition() == "full"
    filler.unlink()
    assert store.condition() == "ok"
    sha, created = receive(store, b"fits again")
    assert created and store.path(sha).read_bytes() == b"fits again"


def test_an_unwritable_folder_is_said_so(tmp_path: Path) -> None:
    from api.small_disk import small_disk

    with small_disk(tmp_path / "disk", size_mb=1) as disk:
        store = FileStore(disk / "data")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        try:
            assert store.condition() == "unwritable"
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        assert store.condition() == "ok"
