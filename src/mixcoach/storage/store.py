"""Where uploaded audio is kept, behind one interface: :class:`AudioStore`.

    open_store(settings) ──▶ FileStore   (storage/files.py)  <data_dir>/audio/ab/abcdef...
                         └─▶ S3Store     (storage/s3.py)     s3://BUCKET/PREFIX/audio/ab/abcdef...

Both keep each content once, named by its sha256, and both receive an upload the same way: into
``<data_dir>/incoming/`` while it is hashed and its header is checked, then :meth:`keep` gives it
its content name (a rename on disk; for the bucket, a multipart upload made ahead of the database
transaction by :meth:`send_ahead`, the local copy removed).
Everything after that reads through the store: the page's player asks for byte ranges, the
analysis worker for a local copy (the file itself on disk; a temporary download from the
bucket, deleted after). Deleting a track sets its file aside inside the database transaction
and purges it after the commit, so a failed transaction restores it and a concurrent upload of
the same content never loses its file.

Errors are the store's, not the backend's: a missing file is :class:`AudioMissing` (404), a
store that cannot be reached or refuses Mixcoach is :class:`StorageUnavailable` (503, with a
message that names neither the endpoint nor a key), a full disk is ``StorageFull`` (507).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Literal, Protocol

from mixcoach.config import Settings
from mixcoach.storage.files import IncomingFile

#: ``unreachable``: the object store does not answer (or refuses the credentials).
StoreCondition = Literal["ok", "full", "unwritable", "unreachable"]


class SetAside(Protocol):
    """A stored file taken out of its content name, until restored or purged."""

    def restore(self) -> None: ...

    def purge(self) -> None: ...


class AudioStore(Protocol):
    """Content-addressed audio storage (every ``sha256`` is a lower-case hex digest)."""

    #: ``files`` or ``s3``.
    kind: str

    def claim(self) -> None:
        """Take the local data folder for this process alone (the embedded default)."""

    def release(self) -> None: ...

    def receive(self) -> IncomingFile:
        """A new, empty local file for an upload, to be kept with :meth:`keep` or discarded."""

    def send_ahead(self, incoming: IncomingFile) -> bool:
        """Where keeping is slow (an upload to a bucket), store the received file now, before
        the database transaction that will :meth:`keep` it, so that no transaction waits on
        the network; True if that stored new content. The data folder does nothing here."""

    def keep(self, incoming: IncomingFile) -> bool:
        """Store the received file under its sha256; False if that content was there already.
        The local file is gone afterwards either way (kept by rename, or uploaded)."""

    def put(self, sha256: str, source: IO[bytes]) -> bool:
        """Store ``source``'s bytes (read to the end) under ``sha256``; False if already there."""

    def exists(self, sha256: str) -> bool: ...

    def size(self, sha256: str) -> int:
        """The stored file's size in bytes; AudioMissing when it is not stored."""

    def open(self, sha256: str) -> IO[bytes]:
        """The stored file as a stream read from the start (the caller closes it)."""

    def read_range(self, sha256: str, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes from ``offset`` (fewer past the end of the file)."""

    def iter_range(
        self, sha256: str, offset: int, length: int, *, chunk_bytes: int = ...
    ) -> Iterator[bytes]:
        """The bytes of :meth:`read_range` in pieces; AudioMissing is raised by the call."""

    def local_copy(self, sha256: str) -> AbstractContextManager[Path]:
        """A path to the file on this machine's disk, for decoders that need one, valid inside
        the ``with``; a temporary copy is deleted at its end."""

    def remove(self, sha256: str) -> None:
        """Delete the stored file (nothing happens when it is not there)."""

    def set_aside(self, sha256: str) -> SetAside | None:
        """Take the file out of its content name (None when it is not stored)."""

    def condition(self) -> StoreCondition:
        """Whether the store can take new files now (for the health check)."""

    def stored(self) -> set[str]:
        """The sha256 of every stored file."""


def open_store(settings: Settings) -> AudioStore:
    """The store the settings name: the data folder, or the bucket of ``MIXCOACH_STORAGE_URL``
    (its local data folder only holds uploads while they are received)."""
    location = settings.storage.s3_location
    if location is None:
        from mixcoach.storage.files import FileStore

        return FileStore(settings.data_dir)
    from mixcoach.storage.s3 import S3Store

    bucket, prefix = location
    return S3Store.from_settings(
        settings.storage, bucket=bucket, prefix=prefix, spool=settings.data_dir
    )
