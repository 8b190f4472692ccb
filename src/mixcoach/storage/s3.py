"""Audio in S3-compatible object storage (AWS S3, SeaweedFS, MinIO, Ceph...), for the scale-out
mode: every server and worker reads the same bucket, and no audio stays on their disks.

    s3://BUCKET/PREFIX/audio/ab/abcdef...          kept content, named by its sha256
    s3://BUCKET/PREFIX/deleted/abcdef....<random>  set aside by a delete, until its commit
    s3://BUCKET/PREFIX/previews|reports|codecs/... what is rendered from a review
                                                   (storage/rendered.py; :class:`S3Rendered`)
    <data_dir>/incoming/<random>.part              an upload being received and checked
    <data_dir>/incoming/<random>.copy              a worker's temporary copy for the decoder

An upload is received on local disk (hashed, its header checked), then sent with boto3's managed
transfer (multipart past :data:`MULTIPART_BYTES`, parts in parallel) before the database
transaction that records it (``send_ahead``), and removed once kept. Reads are GETs
with a ``Range``. Deleting copies the object to ``deleted/`` and removes it inside the database
transaction (S3 has no rename); the copy is removed after the commit, or copied back if the
transaction failed. :meth:`S3Store.sweep_orphans` removes what no row refers to (a server killed
between a PUT and its commit) once it is older than a grace period, so an upload whose rows are
being written is never touched; it lists only its prefix and kinds, and removes only the names
this module makes. The health check's probe has a client of its own, with short waits and no
retry, so a dead store is reported in about a second.

This is the only module that imports boto3. The client is made once per store, with the
credentials from the settings (boto3 does not read .env), explicit timeouts and a few retries.
Its errors become AudioMissing (404) or StorageUnavailable (503) here; their messages name no
endpoint and no key (those go to the log, the keys never).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, cast

from mixcoach.config import StorageSettings
from mixcoach.errors import AudioMissing, StorageUnavailable
from mixcoach.storage.files import (
    AUDIO_MISSING,
    MIN_FREE_BYTES,
    READ_CHUNK_BYTES,
    FolderLock,
    IncomingFile,
    check_range,
    check_sha256,
    no_room_is_storage_full,
)
from mixcoach.storage.rendered import KINDS, check_name
from mixcoach.storage.store import StoreCondition

#: Files past this size go up in parts of this size (S3's smallest part is 5 MiB).
MULTIPART_BYTES = 8 * 1024 * 1024
#: Parts sent at the same time.
UPLOAD_THREADS = 4
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
#: Attempts per request (boto3's "standard" retry mode: backoff on throttling and 5xx).
MAX_ATTEMPTS = 3
#: The health check's probe of the bucket: one attempt, each wait this short, so /api/health
#: answers within about two seconds when the store is dead (with the timeouts above: ~15 s).
PROBE_TIMEOUT_S = 0.8
#: Keys one DeleteObjects request removes (S3's limit).
DELETE_BATCH = 1000
#: Objects no row refers to are removed by the sweep once they are older than this.
SWEEP_GRACE_S = 3600.0

UNREACHABLE = (
    "The audio store (object storage) does not answer, so Mixcoach cannot read or keep audio "
    "now. Please try again in a moment."
)
REFUSED = (
    "The audio store (object storage) refused Mixcoach's credentials, so audio cannot be read "
    "or kept; the operator has to check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
)
NO_BUCKET = (
    "The audio store's bucket does not exist, so audio cannot be read or kept; the operator has "
    "to create it or correct MIXCOACH_STORAGE_URL."
)
NO_CREDENTIALS = (
    "Mixcoach has no credentials for the audio store (object storage); the operator has to set "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
)
FAILING = (
    "The audio store (object storage) answered with an error, so audio cannot be read or kept "
    "now. Please try again in a moment."
)

#: The keys this store makes, after its prefix: kept content and set-aside copies.
_KEPT = re.compile(r"audio/[0-9a-f]{2}/(?P<sha256>[0-9a-f]{64})")
_ASIDE = re.compile(r"deleted/[0-9a-f]{64}\.[0-9a-f]{32}")
_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
_REFUSED_CODES = frozenset(
    {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403", "Forbidden"}
)

log = logging.getLogger(__name__)


def _problem(exc: Exception) -> Exception:
    """The Mixcoach error a boto3 error stands for (the original is logged, never shown)."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        NoCredentialsError,
        PartialCredentialsError,
    )

    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _MISSING_CODES:
            return AudioMissing(AUDIO_MISSING)
        message = (
            NO_BUCKET if code == "NoSuchBucket" else REFUSED if code in _REFUSED_CODES else FAILING
        )
        log.warning("object storage answered %s: %s", code or "an error", exc)
        return StorageUnavailable(message)
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        log.warning("object storage: %s", type(exc).__name__)
        return StorageUnavailable(NO_CREDENTIALS)
    if isinstance(exc, BotoCoreError):
        log.warning("object storage unreachable: %s", exc)
        return StorageUnavailable(UNREACHABLE)
    return exc


@contextmanager
def _translated() -> Iterator[None]:
    from boto3.exceptions import S3TransferFailedError, S3UploadFailedError
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise _problem(exc) from exc
    except (S3UploadFailedError, S3TransferFailedError) as exc:
        inner = exc.__cause__ or exc.__context__  # boto3 raises it while handling the error
        cause = inner if isinstance(inner, Exception) else None
        problem = _problem(cause) if cause is not None else None
        if problem is None or problem is cause:
            log.warning("object storage transfer failed: %s", exc)
            raise StorageUnavailable(FAILING) from exc
        raise problem from exc


@dataclass(frozen=True)
class SetAsideObject:
    """A kept object copied to ``deleted/`` and removed from its content name."""

    store: S3Store
    sha256: str
    key: str

    def restore(self) -> None:
        self.store._copy(self.key, self.store.key(self.sha256))
        self.store._delete(self.key)

    def purge(self) -> None:
        self.store._delete(self.key)


class S3Store:
    """Content-addressed audio in ``bucket`` under ``prefix`` (empty, or ending in ``/``); uploads
    are received and worker copies made in ``<spool>/incoming``."""

    kind = "s3"

    def __init__(
        self, client: Any, *, bucket: str, prefix: str, spool: Path, probe: Any = None
    ) -> None:
        if prefix and not prefix.endswith("/"):
            raise ValueError(f"an object prefix must be empty or end in '/', not {prefix!r}")
        self.bucket = bucket
        self.prefix = prefix
        self._client = client
        #: The client of the health check (short waits, no retries); ``client`` if not given.
        self._probe = client if probe is None else probe
        self._incoming = spool / "incoming"
        self._incoming.mkdir(parents=True, exist_ok=True)
        self._lock = FolderLock(spool)

    @classmethod
    def from_settings(
        cls, settings: StorageSettings, *, bucket: str, prefix: str, spool: Path
    ) -> S3Store:
        import boto3
        from botocore.config import Config

        def secret(value: Any) -> str | None:
            return None if value is None else str(value.get_secret_value()) or None

        endpoint = (settings.s3_endpoint_url or "").strip() or None
        session = boto3.session.Session()

        def client(*, timeout_s: tuple[float, float], attempts: int, pool: int) -> Any:
            return session.client(
                "s3",
                endpoint_url=endpoint,
                aws_access_key_id=secret(settings.access_key_id),
                aws_secret_access_key=secret(settings.secret_access_key),
                region_name=settings.region or None,
                config=Config(
                    connect_timeout=timeout_s[0],
                    read_timeout=timeout_s[1],
                    retries={"total_max_attempts": attempts, "mode": "standard"},
                    # Stores other than AWS serve buckets by path, not by host name.
                    s3={"addressing_style": "path" if endpoint else "auto"},
                    max_pool_connections=pool,
                ),
            )

        return cls(
            client(timeout_s=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S), attempts=MAX_ATTEMPTS, pool=32),
            bucket=bucket,
            prefix=prefix,
            spool=spool,
            probe=client(timeout_s=(PROBE_TIMEOUT_S, PROBE_TIMEOUT_S), attempts=1, pool=2),
        )

    # -- names --------------------------------------------------------------------------------

    def key(self, sha256: str) -> str:
        check_sha256(sha256)
        return f"{self.prefix}audio/{sha256[:2]}/{sha256}"

    # -- the local folder ---------------------------------------------------------------------

    def claim(self) -> None:
        self._lock.claim()

    def release(self) -> None:
        self._lock.release()

    def receive(self) -> IncomingFile:
        return IncomingFile(self._incoming / f"{uuid.uuid4().hex}.part")

    # -- writing ------------------------------------------------------------------------------

    def send_ahead(self, incoming: IncomingFile) -> bool:
        """Upload the received file (unless that content is there already), keeping the local
        copy: :meth:`keep`, in the transaction, then only checks the object is still there (a
        delete of the same content may have set it aside meanwhile) and removes the copy."""
        incoming.close()
        return self._upload(incoming)

    def keep(self, incoming: IncomingFile) -> bool:
        incoming.close()
        try:
            return self._upload(incoming)
        finally:
            incoming.discard()

    def _upload(self, incoming: IncomingFile) -> bool:
        if self.exists(incoming.sha256):
            return False
        with _translated():
            self._client.upload_file(
                str(incoming.path), self.bucket, self.key(incoming.sha256), Config=_transfer()
            )
        return True

    def put(self, sha256: str, source: IO[bytes]) -> bool:
        if self.exists(sha256):
            return False
        with _translated():
            self._client.upload_fileobj(source, self.bucket, self.key(sha256), Config=_transfer())
        return True

    def remove(self, sha256: str) -> None:
        self._delete(self.key(sha256))

    def set_aside(self, sha256: str) -> SetAsideObject | None:
        key = self.key(sha256)
        aside = f"{self.prefix}deleted/{sha256}.{uuid.uuid4().hex}"
        try:
            self._copy(key, aside)
        except AudioMissing:
            return None
        self._delete(key)
        return SetAsideObject(self, sha256, aside)

    def _copy(self, source: str, target: str) -> None:
        with _translated():
            self._client.copy(
                {"Bucket": self.bucket, "Key": source}, self.bucket, target, Config=_transfer()
            )

    def _delete(self, key: str) -> None:
        with _translated():
            self._client.delete_object(Bucket=self.bucket, Key=key)

    # -- reading ------------------------------------------------------------------------------

    def exists(self, sha256: str) -> bool:
        try:
            self.size(sha256)
        except AudioMissing:
            return False
        return True

    def size(self, sha256: str) -> int:
        with _translated():
            head = self._client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        return int(head["ContentLength"])

    def open(self, sha256: str) -> IO[bytes]:
        with _translated():
            answer = self._client.get_object(Bucket=self.bucket, Key=self.key(sha256))
        return cast(IO[bytes], _Body(answer["Body"]))

    def read_range(self, sha256: str, offset: int, length: int) -> bytes:
        return b"".join(self.iter_range(sha256, offset, length))

    def iter_range(
        self, sha256: str, offset: int, length: int, *, chunk_bytes: int = READ_CHUNK_BYTES
    ) -> Iterator[bytes]:
        check_range(offset, length)
        if length == 0:
            self.size(sha256)  # still says whether it is there
            return iter(())
        with _translated():
            try:
                answer = self._client.get_object(
                    Bucket=self.bucket,
                    Key=self.key(sha256),
                    Range=f"bytes={offset}-{offset + length - 1}",
                )
            except Exception as exc:  # past the end: S3 answers 416 InvalidRange
                if _code(exc) != "InvalidRange":
                    raise
                self.size(sha256)
                return iter(())
        return _chunks(answer["Body"], chunk_bytes)

    @contextmanager
    def local_copy(self, sha256: str) -> Iterator[Path]:
        """A temporary download, deleted when the ``with`` ends."""
        key = self.key(sha256)
        with no_room_is_storage_full():
            handle, name = tempfile.mkstemp(dir=self._incoming, suffix=".copy")
        os.close(handle)
        path = Path(name)
        try:
            with _translated(), no_room_is_storage_full():
                self._client.download_file(self.bucket, key, str(path), Config=_transfer())
            yield path
        finally:
            path.unlink(missing_ok=True)

    def stored(self) -> set[str]:
        return {sha for key, _ in self.listing("audio/") if (sha := self._content_of(key))}

    def condition(self) -> StoreCondition:
        """``unreachable`` when the bucket cannot be reached (or refuses the credentials); the
        local folder's condition otherwise (``full`` or ``unwritable`` refuse uploads too)."""
        try:
            with _translated():
                self._probe.head_bucket(Bucket=self.bucket)
        except StorageUnavailable:
            return "unreachable"
        if not os.access(self._incoming, os.W_OK):
            return "unwritable"
        try:
            free = os.statvfs(self._incoming)
        except OSError:
            return "unwritable"
        return "full" if free.f_bavail * free.f_frsize < MIN_FREE_BYTES else "ok"

    # -- orphans ------------------------------------------------------------------------------

    def sweep_orphans(
        self,
        referenced: Callable[[], Iterable[str]],
        *,
        grace_s: float = SWEEP_GRACE_S,
        now: datetime | None = None,
    ) -> int:
        """Remove every object no row refers to, and every set-aside copy, once older than
        ``grace_s``; also this server's local leftovers that old. Returns how many went.

        Only this store's prefix and kinds are listed (``audio/``, ``deleted/``), page by page,
        and only keys of the names this module makes are removed: a bucket shared with other
        data keeps it. Safe while other servers run: the objects are listed before the rows are
        read, so an upload committed in between is counted as referenced, and one still being
        written is younger than the grace period."""
        cutoff = (now or datetime.now(UTC)) - timedelta(seconds=grace_s)
        kept = [
            (key, sha)
            for key, at in self.listing("audio/")
            if at < cutoff and (sha := self._content_of(key))
        ]
        aside = [
            key
            for key, at in self.listing("deleted/")
            if at < cutoff and _ASIDE.fullmatch(key[len(self.prefix) :])
        ]
        keep = set(referenced())
        doomed = [key for key, sha in kept if sha not in keep] + aside
        self.delete_keys(doomed)
        local = [
            path
            for path in self._incoming.iterdir()
            if datetime.fromtimestamp(path.stat().st_mtime, UTC) < cutoff
        ]
        for path in local:
            path.unlink(missing_ok=True)
        return len(doomed) + len(local)

    def _content_of(self, key: str) -> str | None:
        """The sha256 a kept object's key names; None for a key this store did not make."""
        match = _KEPT.fullmatch(key[len(self.prefix) :]) if key.startswith(self.prefix) else None
        return None if match is None else match["sha256"]

    def listing(self, folder: str) -> Iterator[tuple[str, datetime]]:
        """Every key under ``prefix + folder`` with when it was stored, a page (1000) at a time."""
        with _translated():
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=f"{self.prefix}{folder}"
            )
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"], item["LastModified"]

    def delete_keys(self, keys: list[str]) -> None:
        """Remove these keys, :data:`DELETE_BATCH` per request."""
        for start in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
            with _translated():
                answer = self._client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )
            if answer.get("Errors"):
                log.warning("object storage kept %d keys asked to delete", len(answer["Errors"]))
                raise StorageUnavailable(FAILING)


class S3Rendered:
    """Renders (``storage/rendered.py``) in the audio's bucket, under its prefix."""

    def __init__(self, store: S3Store) -> None:
        self._store = store
        self._client = store._client

    def _key(self, name: str) -> str:
        return f"{self._store.prefix}{check_name(name)}"

    def get(self, name: str) -> bytes | None:
        try:
            with _translated():
                answer = self._client.get_object(Bucket=self._store.bucket, Key=self._key(name))
                content: bytes = answer["Body"].read()
        except AudioMissing:
            return None
        return content

    def put(self, name: str, content: bytes) -> None:
        with _translated():  # one PUT: S3 shows the whole object or none
            self._client.put_object(Bucket=self._store.bucket, Key=self._key(name), Body=content)

    def remove_folder(self, folder: str) -> None:
        self._store.delete_keys([key for key, _ in self._store.listing(check_name(folder))])

    def remove(self, name: str) -> None:
        self._store._delete(self._key(name))

    def listing(self) -> Iterator[tuple[str, datetime]]:
        for kind in KINDS:
            for key, at in self._store.listing(kind):
                yield key[len(self._store.prefix) :], at


def _transfer() -> Any:
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(
        multipart_threshold=MULTIPART_BYTES,
        multipart_chunksize=MULTIPART_BYTES,
        max_concurrency=UPLOAD_THREADS,
    )


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


def _chunks(body: Any, chunk_bytes: int) -> Iterator[bytes]:
    """A GET's body in pieces; a connection lost on the way is StorageUnavailable."""
    try:
        with _translated():
            yield from body.iter_chunks(chunk_bytes)
    finally:
        body.close()


class _Body:
    """A GET's streaming body as a readable binary file (read errors translated)."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def read(self, size: int = -1) -> bytes:
        with _translated():
            data: bytes = self._body.read(None if size < 0 else size)
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._body.close()

    def __enter__(self) -> _Body:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
