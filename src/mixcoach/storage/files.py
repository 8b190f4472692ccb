"""Audio files on disk, stored once per content under their sha256.

    <root>/incoming/<random>.part     being received; never referenced by a row
    <root>/audio/ab/abcdef...         kept content, named by its sha256 (first two digits: folder)

A file is received into ``incoming/`` while it is hashed, then renamed into place (atomic on one
file system), so a half-received upload never has a content name; a deleted file leaves its name
the same way, before the rows that refer to it go. ``sweep`` removes what no row refers to (left
by a crash between a rename and its commit, or by a killed server).

A disk with no room left (``ENOSPC``, or a quota's ``EDQUOT``) raises :class:`StorageFull` here,
where the operating system says so; the received file is removed before the error leaves.
:meth:`FileStore.condition` tells the health check whether the folder can take new files.

:class:`FileStore` is the embedded default's :class:`~mixcoach.storage.store.AudioStore`;
``storage/s3.py`` is the other (S3-compatible object storage, for the scale-out mode).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Literal

from mixcoach.errors import AudioMissing, StorageFull

_SHA256 = re.compile(r"[0-9a-f]{64}")
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT})
#: Below this much free space, the folder counts as full (an upload would not fit).
MIN_FREE_BYTES = 1 << 20
STORAGE_FULL = (
    "The server's storage is full, so Mixcoach cannot keep anything new; nothing was kept. "
    "Please try again once space has been freed."
)
AUDIO_MISSING = "The audio of this track is no longer stored."
#: Pieces a stored file is read in, for streaming.
READ_CHUNK_BYTES = 256 * 1024
StorageCondition = Literal["ok", "full", "unwritable"]


def check_sha256(sha256: str) -> None:
    """ValueError unless ``sha256`` is a lower-case sha256 hex digest (a stored file's name)."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")


@contextmanager
def no_room_is_storage_full() -> Iterator[None]:
    """Turn the operating system's "no space left" (or "quota exceeded") into StorageFull."""
    try:
        yield
    except OSError as exc:
        if exc.errno in _NO_ROOM:
            raise StorageFull(STORAGE_FULL) from exc
        raise


class IncomingFile:
    """A file being received: written in pieces, hashed as it goes, discarded unless kept."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size_bytes = 0
        self._hash = hashlib.sha256()
        with no_room_is_storage_full():
            self._handle = path.open("xb")

    def write(self, data: bytes) -> None:
        try:
            with no_room_is_storage_full():
                self._handle.write(data)
        except StorageFull:
            self.discard()
            raise
        self._hash.update(data)
        self.size_bytes += len(data)

    def close(self) -> None:
        """Flush and close; StorageFull (with the file removed) when the last bytes do not fit."""
        try:
            with no_room_is_storage_full():
                self._handle.close()
        except StorageFull:
            self.discard()
            raise

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def discard(self) -> None:
        try:
            self._handle.close()
        except OSError:  # the buffered bytes had no room; they are going anyway
            pass
        finally:
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> IncomingFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is not None:
            self.discard()


class FolderInUse(RuntimeError):
    pass


class FolderLock:
    """An exclusive lock on a data folder for this process (``<root>/.lock``, flock)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._handle: IO[bytes] | None = None

    def claim(self) -> None:
        """Raises FolderInUse when another process holds the folder."""
        handle = (self.root / ".lock").open("wb")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise FolderInUse(
                f"Another Mixcoach server is using {self.root.resolve()}; stop it first, or give "
                "this one its own MIXCOACH_DATA_DIR and database."
            ) from None
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing drops the lock
            self._handle = None


@dataclass(frozen=True)
class DetachedFile:
    """A kept file taken out of its content name by :meth:`FileStore.set_aside`."""

    store: FileStore
    sha256: str
    path: Path

    def restore(self) -> None:
        self.store.restore(self.sha256, self.path)

    def purge(self) -> None:
        self.store.delete(self.path)


class FileStore:
    """Content-addressed audio storage under ``root``."""

    kind = "files"

    def __init__(self, root: Path) -> None:
        self.root = root
        self._incoming = root / "incoming"
        self._audio = root / "audio"
        self._incoming.mkdir(parents=True, exist_ok=True)
        self._audio.mkdir(parents=True, exist_ok=True)
        self._lock = FolderLock(root)

    def claim(self) -> None:
        """Take the folder for this process alone, until :meth:`release`: a second server on
        the same folder would sweep the first one's uploads in progress and steal its jobs.
        Raises FolderInUse when another process holds it."""
        self._lock.claim()

    def release(self) -> None:
        self._lock.release()

    def receive(self) -> IncomingFile:
        """A new, empty file in ``incoming/``, to be kept with :meth:`keep` or discarded."""
        return IncomingFile(self._incoming / f"{uuid.uuid4().hex}.part")

    def path(self, sha256: str) -> Path:
        check_sha256(sha256)
        return self._audio / sha256[:2] / sha256

    @contextmanager
    def local_copy(self, sha256: str) -> Iterator[Path]:
        """The kept file itself (it is local already); AudioMissing when it is not there."""
        path = self.path(sha256)
        if not path.exists():
            raise AudioMissing(AUDIO_MISSING)
        yield path

    def put(self, sha256: str, source: IO[bytes]) -> bool:
        """Keep ``source``'s bytes (read to the end) under ``sha256``. Returns False if that
        content was already stored. ValueError when the bytes do not hash to ``sha256``."""
        with self.receive() as incoming:
            while chunk := source.read(READ_CHUNK_BYTES):
                incoming.write(chunk)
            incoming.close()
            if incoming.sha256 != sha256:
                raise ValueError(f"the bytes given for {sha256} hash to {incoming.sha256}")
            return self.keep(incoming)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def size(self, sha256: str) -> int:
        """The kept file's size in bytes; AudioMissing when it is not there."""
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            raise AudioMissing(AUDIO_MISSING) from None

    def open(self, sha256: str) -> IO[bytes]:
        """The kept file, open for reading (the caller closes it); AudioMissing when absent."""
        try:
            return self.path(sha256).open("rb")
        except FileNotFoundError:
            raise AudioMissing(AUDIO_MISSING) from None

    def read_range(self, sha256: str, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes from ``offset`` (fewer at the end of the file)."""
        check_range(offset, length)
        with self.open(sha256) as handle:
            handle.seek(offset)
            return handle.read(length)

    def iter_range(
        self, sha256: str, offset: int, length: int, *, chunk_bytes: int = READ_CHUNK_BYTES
    ) -> Iterator[bytes]:
        """The bytes of :meth:`read_range`, in pieces of at most ``chunk_bytes``. Whether the
        file is there is known at once (AudioMissing here, not at the first piece); the file is
        opened by the first piece, so an answer its client never reads holds no open file."""
        check_range(offset, length)
        self.size(sha256)
        return _pieces(self.path(sha256), offset, length, chunk_bytes)

    def remove(self, sha256: str) -> None:
        """Delete a kept file (nothing happens when it is not there)."""
        self.path(sha256).unlink(missing_ok=True)

    def set_aside(self, sha256: str) -> DetachedFile | None:
        """:meth:`detach`, as a handle that can be restored or purged."""
        detached = self.detach(sha256)
        return None if detached is None else DetachedFile(self, sha256, detached)

    def send_ahead(self, incoming: IncomingFile) -> bool:
        """Nothing to do: :meth:`keep` is a rename."""
        return False

    def keep(self, incoming: IncomingFile) -> bool:
        """Give the received file its content name. Returns False if that content was already
        stored (the received copy is then discarded)."""
        incoming.close()
        target = self.path(incoming.sha256)
        if target.exists():
            incoming.discard()
            return False
        with no_room_is_storage_full():
            target.parent.mkdir(exist_ok=True)
        os.replace(incoming.path, target)
        return True

    def delete(self, path: Path) -> None:
        path.unlink(missing_ok=True)

    def detach(self, sha256: str) -> Path | None:
        """Take a kept file out of its content name (into ``incoming/``), so the rows that
        refer to it can be deleted first; :meth:`restore` undoes it, :meth:`delete` finishes it.
        Returns None when the file is not there."""
        detached = self._incoming / f"{sha256}.{uuid.uuid4().hex}.deleted"
        try:
            os.replace(self.path(sha256), detached)
        except FileNotFoundError:
            return None
        return detached

    def restore(self, sha256: str, detached: Path) -> None:
        target = self.path(sha256)
        target.parent.mkdir(exist_ok=True)
        os.replace(detached, target)

    def condition(self) -> StorageCondition:
        """Whether the folder can take new files: ``unwritable`` (read-only, or no permission),
        ``full`` (less than :data:`MIN_FREE_BYTES` free for this process), or ``ok``. Writes
        nothing."""
        if not all(os.access(folder, os.W_OK) for folder in (self._incoming, self._audio)):
            return "unwritable"
        try:
            free = os.statvfs(self._incoming)
        except OSError:
            return "unwritable"
        return "full" if free.f_bavail * free.f_frsize < MIN_FREE_BYTES else "ok"

    def stored(self) -> set[str]:
        """The sha256 of every kept file."""
        return {p.name for p in self._audio.glob("??/*") if _SHA256.fullmatch(p.name)}

    def sweep(self, referenced: Iterable[str]) -> int:
        """Delete every received-but-unkept file and every kept file not in ``referenced``.

        Only for start-up, before uploads are accepted. Returns the number of files deleted.
        """
        keep = set(referenced)
        doomed = list(self._incoming.iterdir())
        doomed += [self.path(sha) for sha in self.stored() - keep]
        for path in doomed:
            path.unlink(missing_ok=True)
        return len(doomed)


def check_range(offset: int, length: int) -> None:
    if offset < 0 or length < 0:
        raise ValueError(f"a byte range needs offset >= 0 and length >= 0, not {offset}, {length}")


def _pieces(path: Path, offset: int, length: int, chunk_bytes: int) -> Iterator[bytes]:
    try:
        handle = path.open("rb")
    except FileNotFoundError:  # removed after the answer was started
        raise AudioMissing(AUDIO_MISSING) from None
    with handle:
        handle.seek(offset)
        left = length
        while left > 0:
            piece = handle.read(min(chunk_bytes, left))
            if not piece:
                return
            left -= len(piece)
            yield piece
