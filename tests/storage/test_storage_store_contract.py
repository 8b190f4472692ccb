"""The audio store's contract, run against both stores: the data folder (FileStore) and a real
S3 server (SeaweedFS, through boto3). Then what only the object store does: multipart uploads,
its errors (a missing object, an unreachable or refusing store, with messages that name no
endpoint and no key), and the sweep of orphaned objects with its grace period."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from storage.s3_server import S3Server, new_prefix, storage_settings

from mixcoach.config import Settings, StorageSettings
from mixcoach.errors import AudioMissing, StorageUnavailable
from mixcoach.storage import s3
from mixcoach.storage.files import FileStore
from mixcoach.storage.s3 import S3Store
from mixcoach.storage.store import AudioStore, open_store

CONTENT = bytes(range(256)) * 40  # 10240 bytes, every offset distinct modulo 256
SHA = hashlib.sha256(CONTENT).hexdigest()
ABSENT = "0" * 64


@pytest.fixture(params=["files", "s3"])
def audio_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AudioStore]:
    if request.param == "files":
        yield FileStore(tmp_path / "data")
        return
    server: S3Server = request.getfixturevalue("s3_server")
    bucket: str = request.getfixturevalue("s3_bucket")
    settings = Settings(
        data_dir=tmp_path / "data", storage=storage_settings(server, bucket, new_prefix())
    )
    store = open_store(settings)
    assert isinstance(store, S3Store)
    yield store


def received(store: AudioStore, content: bytes = CONTENT) -> str:
    incoming = store.receive()
    incoming.write(content[:1000])
    incoming.write(content[1000:])
    assert store.keep(incoming)
    assert not incoming.path.exists()
    return incoming.sha256


def local_files(store: AudioStore) -> list[Path]:
    """Files on this machine's disk outside the store's kept audio."""
    root = store.root if isinstance(store, FileStore) else store._incoming.parent
    return [p for p in (root / "incoming").iterdir()]


def test_a_kept_file_reads_back_whole_and_by_ranges(audio_store: AudioStore) -> None:
    sha = received(audio_store)
    assert sha == SHA and audio_store.exists(sha) and audio_store.stored() == {sha}
    assert audio_store.size(sha) == len(CONTENT)
    with audio_store.open(sha) as handle:
        assert handle.read() == CONTENT
    assert audio_store.read_range(sha, 0, 100) == CONTENT[:100]
    assert audio_store.read_range(sha, 5000, 1234) == CONTENT[5000:6234]
    assert audio_store.read_range(sha, 10000, 1000) == CONTENT[10000:]  # short at the end
    assert audio_store.read_range(sha, 20000, 10) == b""  # past the end
    assert audio_store.read_range(sha, 7, 0) == b""
    pieces = list(audio_store.iter_range(sha, 100, 5000, chunk_bytes=1024))
    assert b"".join(pieces) == CONTENT[100:5100] and max(map(len, pieces)) <= 1024
    assert local_files(audio_store) == []


def test_the_same_content_is_kept_once(audio_store: AudioStore) -> None:
    sha = received(audio_store)
    again = audio_store.receive()
    again.write(CONTENT)
    assert audio_store.keep(again) is False
    assert not again.path.exists()
    assert audio_store.put(sha, io.BytesIO(CONTENT)) is False
    assert audio_store.stored() == {sha}


def test_a_file_sent_ahead_is_kept_once_and_leaves_no_copy(audio_store: AudioStore) -> None:
    incoming = audio_store.receive()
    incoming.write(CONTENT)
    ahead = audio_store.send_ahead(incoming)  # before the transaction (an upload to a bucket)
    assert incoming.path.exists()  # still needed, until keep
    kept = audio_store.keep(incoming)  # in the transaction
    assert (ahead, kept) == ((True, False) if isinstance(audio_store, S3Store) else (False, True))
    assert not incoming.path.exists() and audio_store.stored() == {SHA}


def test_keep_puts_back_what_a_delete_set_aside_after_it_was_sent_ahead(
    audio_store: AudioStore,
) -> None:
    received(audio_store)
    incoming = audio_store.receive()
    incoming.write(CONTENT)
    audio_store.send_ahead(incoming)  # the content is there: nothing sent
    aside = audio_store.set_aside(SHA)  # a delete of the same content, committing first
    assert aside is not None
    assert audio_store.keep(incoming) is True  # the upload keeps its own file
    aside.purge()  # the delete finishes
    assert audio_store.read_range(SHA, 0, len(CONTENT)) == CONTENT


def test_put_stores_a_stream(audio_store: AudioStore) -> None:
    assert audio_store.put(SHA, io.BytesIO(CONTENT)) is True
    assert audio_store.read_range(SHA, 0, len(CONTENT)) == CONTENT


def test_a_local_copy_is_the_content_and_leaves_nothing_behind(audio_store: AudioStore) -> None:
    sha = received(audio_store)
    with audio_store.local_copy(sha) as path:
        assert path.read_bytes() == CONTENT
    assert local_files(audio_store) == []
    if isinstance(audio_store, S3Store):
        assert not path.exists()  # the temporary download is gone
    else:
        assert path.exists()  # the kept file itself


def test_a_missing_file_is_audio_missing_everywhere(audio_store: AudioStore) -> None:
    assert not audio_store.exists(ABSENT)
    for read in (
        lambda: audio_store.size(ABSENT),
        lambda: audio_store.open(ABSENT),
        lambda: audio_store.read_range(ABSENT, 0, 10),
        lambda: audio_store.read_range(ABSENT, 0, 0),
        lambda: audio_store.iter_range(ABSENT, 0, 10),
    ):
        with pytest.raises(AudioMissing, match="no longer stored"):
            read()
    with pytest.raises(AudioMissing), audio_store.local_copy(ABSENT):
        pass
    assert local_files(audio_store) == []
    audio_store.remove(ABSENT)  # nothing to do, no error
    assert audio_store.set_aside(ABSENT) is None


def test_remove_deletes(audio_store: AudioStore) -> None:
    sha = received(audio_store)
    audio_store.remove(sha)
    assert not audio_store.exists(sha) and audio_store.stored() == set()


def test_a_file_set_aside_can_be_restored_or_purged(audio_store: AudioStore) -> None:
    sha = received(audio_store)
    aside = audio_store.set_aside(sha)
    assert aside is not None and not audio_store.exists(sha)
    aside.restore()
    assert audio_store.read_range(sha, 0, len(CONTENT)) == CONTENT
    aside = audio_store.set_aside(sha)
    assert aside is not None
    aside.purge()
    assert not audio_store.exists(sha) and audio_store.stored() == set()


def test_bad_names_and_ranges_are_refused(audio_store: AudioStore) -> None:
    with pytest.raises(ValueError, match="sha256"):
        audio_store.exists("../../etc/passwd")
    sha = received(audio_store)
    with pytest.raises(ValueError, match="offset"):
        audio_store.read_range(sha, -1, 10)


def test_the_store_can_take_files(audio_store: AudioStore) -> None:
    assert audio_store.condition() == "ok"


# -- the object store only ------------------------------------------------------------------


@pytest.fixture
def bucket_store(s3_server: S3Server, s3_bucket: str, tmp_path: Path) -> S3Store:
    store = open_store(
        Settings(data_dir=tmp_path / "data", storage=storage_settings(s3_server, s3_bucket))
    )
    assert isinstance(store, S3Store)
    return S3Store(store._client, bucket=s3_bucket, prefix=new_prefix(), spool=tmp_path / "data")


def test_a_big_file_goes_up_in_parts(bucket_store: S3Store, s3_server: S3Server) -> None:
    big = os.urandom(s3.MULTIPART_BYTES * 2 + 12345)
    sha = received(bucket_store, big)
    head = s3_server.client().head_object(Bucket=bucket_store.bucket, Key=bucket_store.key(sha))
    assert head["ETag"].strip('"').endswith("-3")  # S3's ETag of a 3-part upload
    assert bucket_store.size(sha) == len(big)
    offset = s3.MULTIPART_BYTES - 10  # across the first part boundary
    assert bucket_store.read_range(sha, offset, 20) == big[offset : offset + 20]
    with bucket_store.local_copy(sha) as path:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha


def unavailable(message: str) -> None:
    assert "127.0.0.1" not in message and "http" not in message
    assert "mixcoach-test-secret" not in message and "wrong-secret" not in message


def store_at(settings: StorageSettings, tmp_path: Path) -> S3Store:
    store = open_store(Settings(data_dir=tmp_path / "data", storage=settings))
    assert isinstance(store, S3Store)
    return store


def test_an_unreachable_store_is_unavailable_without_naming_its_address(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = StorageSettings(
        url="s3://nowhere",
        s3_endpoint_url=f"http://127.0.0.1:{port}",
        access_key_id=SecretStr("key"),
        secret_access_key=SecretStr("wrong-secret"),
        region="us-east-1",
    )
    store = store_at(settings, tmp_path)
    assert store.condition() == "unreachable"
    with pytest.raises(StorageUnavailable, match="does not answer") as caught:
        store.size(SHA)
    unavailable(caught.value.message)
    incoming = store.receive()
    incoming.write(CONTENT)
    with pytest.raises(StorageUnavailable):
        store.keep(incoming)
    assert not incoming.path.exists()  # the received copy goes anyway


def test_wrong_credentials_and_a_missing_bucket_say_so(
    s3_server: S3Server, s3_bucket: str, tmp_path: Path
) -> None:
    wrong = storage_settings(s3_server, s3_bucket)
    wrong.secret_access_key = SecretStr("wrong-secret")
    store = store_at(wrong, tmp_path)
    with pytest.raises(StorageUnavailable, match="credentials") as caught:
        store.size(SHA)
    unavailable(caught.value.message)
    assert store.condition() == "unreachable"
    missing = store_at(storage_settings(s3_server, "no-such-bucket-here"), tmp_path)
    with pytest.raises(StorageUnavailable, match="bucket does not exist") as caught:
        missing.read_range(SHA, 0, 10)
    unavailable(caught.value.message)


def test_the_sweep_removes_old_orphans_and_spares_young_and_referenced_ones(
    bucket_store: S3Store,
) -> None:
    referenced = received(bucket_store, b"referenced")
    orphan = received(bucket_store, b"orphan")
    aside = bucket_store.set_aside(received(bucket_store, b"set aside"))
    assert aside is not None
    leftover = bucket_store._incoming / "crashed.part"
    leftover.write_bytes(b"half an upload")
    assert bucket_store.sweep_orphans(lambda: {referenced}) == 0  # all younger than the grace
    later = datetime.now(UTC) + timedelta(seconds=s3.SWEEP_GRACE_S + 60)
    assert bucket_store.sweep_orphans(lambda: {referenced}, now=later) == 3
    assert bucket_store.stored() == {referenced} and not bucket_store.exists(orphan)
    assert list(bucket_store.listing("deleted/")) == []
    assert not leftover.exists()


def test_storage_urls_are_checked() -> None:
    assert StorageSettings(url="").s3_location is None
    assert StorageSettings(url="s3://my-bucket").s3_location == ("my-bucket", "")
    assert StorageSettings(url="s3://my-bucket/a/b/").s3_location == ("my-bucket", "a/b/")
    for bad in ("http://bucket", "s3://", "s3://UPPER", "/var/data"):
        with pytest.raises(ValueError, match="MIXCOACH_STORAGE_URL"):
            StorageSettings(url=bad)
