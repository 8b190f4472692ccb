"""The API with its audio in S3-compatible object storage (a real SeaweedFS, through boto3):
uploads go to the bucket and leave no audio on the server's disk, the analysis reads them back,
the player streams them by byte range, deleting a track removes its object, and a store that is
missing an object or does not answer says so (404, 503) without naming its address or keys;
the health check says so within two seconds. Two servers on one PostgreSQL database and one
bucket serve each other's previews, reports and codec runs without rendering them again."""

from __future__ import annotations

import io
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf
from http_helpers import TEST_MAX_FILE_MB, assert_error, new_session, upload, wait_for_job
from live import LiveServer
from pydantic import SecretStr
from storage.databases import empty_tables, sqlite_url
from storage.s3_server import S3Server, new_prefix, storage_settings

from mixcoach.config import DatabaseSettings, JobSettings, Settings, StorageSettings, UploadSettings

Tone = Callable[..., Path]


def server_settings(
    tmp_path: Path, storage: StorageSettings, database_url: str | None = None
) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database=DatabaseSettings(url=SecretStr(database_url or sqlite_url(tmp_path))),
        uploads=UploadSettings(max_file_mb=TEST_MAX_FILE_MB),
        jobs=JobSettings(workers=1, max_attempts=3),
        storage=storage,
    )


@pytest.fixture
def prefix() -> str:
    return new_prefix()


@pytest.fixture
def s3_live(
    s3_server: S3Server, s3_bucket: str, prefix: str, tmp_path: Path
) -> Iterator[LiveServer]:
    settings = server_settings(tmp_path, storage_settings(s3_server, s3_bucket, prefix))
    with LiveServer(settings) as live:
        yield live


def objects(s3_server: S3Server, bucket: str, prefix: str) -> list[str]:
    return [key for key in s3_server.keys(bucket) if key.startswith(prefix)]


def audio_on_disk(live: LiveServer) -> list[Path]:
    """Every file in the server's data folder but the SQLite database."""
    root = live.settings.data_dir
    return [
        p for p in root.rglob("*") if p.is_file() and not p.name.startswith(("mixcoach.db", "."))
    ]


def test_a_review_is_uploaded_analysed_streamed_and_deleted_through_the_bucket(
    s3_live: LiveServer, s3_server: S3Server, s3_bucket: str, prefix: str, tone: Tone
) -> None:
    path = tone(seconds=1.5)
    content = path.read_bytes()
    with s3_live.client() as client:
        assert client.get("/api/health").json()["storage"] == "ok"
        auth = new_session(client)
        response = upload(client, auth, path)
        assert response.status_code == 202, response.text
        review = response.json()
        (key,) = objects(s3_server, s3_bucket, prefix)
        assert key.startswith(f"{prefix}audio/")
        assert wait_for_job(client, auth, review["id"])["state"] == "done"
        assert audio_on_disk(s3_live) == []  # the upload and the worker's copy are gone
        analysis = client.get(f"/api/reviews/{review['id']}/analysis", headers=auth)
        assert analysis.status_code == 200 and analysis.json()["file"]["duration_s"] == 1.5

        audio = f"/api/tracks/{review['track']['id']}/audio"
        whole = client.get(audio, headers=auth)
        assert whole.status_code == 200 and whole.content == content
        assert whole.headers["content-type"] == "audio/wav"
        assert whole.headers["accept-ranges"] == "bytes"
        assert path.name in whole.headers["content-disposition"]
        size = len(content)
        for asked, start, end in (
            ("bytes=4-11", 4, 11),
            ("bytes=100-", 100, size - 1),
            ("bytes=-10", size - 10, size - 1),
            (f"bytes=10-{size + 500}", 10, size - 1),
        ):
            part = client.get(audio, headers={**auth, "Range": asked})
            assert part.status_code == 206, asked
            assert part.content == content[start : end + 1], asked
            assert part.headers["content-range"] == f"bytes {start}-{end}/{size}"
        past = client.get(audio, headers={**auth, "Range": f"bytes={size}-"})
        assert_error(past, 416, "range_not_satisfiable", "past the end")
        assert past.headers["content-range"] == f"bytes */{size}"
        stale = client.get(audio, headers={**auth, "Range": "bytes=0-3", "If-Range": '"other"'})
        assert stale.status_code == 200 and stale.content == content

        assert client.delete(f"/api/reviews/{review['id']}", headers=auth).status_code == 204
        assert objects(s3_server, s3_bucket, prefix) == [key]  # the track keeps its audio
        track = f"/api/tracks/{review['track']['id']}"
        assert client.delete(track, headers=auth).status_code == 204
        assert objects(s3_server, s3_bucket, prefix) == []  # no set-aside copy left either
    assert audio_on_disk(s3_live) == []


def test_an_object_gone_from_the_bucket_is_a_clear_404(
    s3_live: LiveServer, s3_server: S3Server, s3_bucket: str, prefix: str, tone: Tone
) -> None:
    with s3_live.client() as client:
        auth = new_session(client)
        review = upload(client, auth, tone(frequency_hz=700.0)).json()
        wait_for_job(client, auth, review["id"])
        for key in objects(s3_server, s3_bucket, prefix):
            s3_server.client().delete_object(Bucket=s3_bucket, Key=key)
        missing = client.get(f"/api/tracks/{review['track']['id']}/audio", headers=auth)
        assert_error(missing, 404, "audio_missing", "no longer stored")


def test_an_unreachable_store_is_503_naming_neither_address_nor_key(
    tmp_path: Path, tone: Tone
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    storage = StorageSettings(
        url="s3://mixcoach-nowhere",
        s3_endpoint_url=f"http://127.0.0.1:{port}",
        access_key_id=SecretStr("AKIA-test-key"),
        secret_access_key=SecretStr("very-secret-words"),
        region="us-east-1",
    )
    with LiveServer(server_settings(tmp_path, storage)) as live, live.client() as client:
        health = client.get("/api/health")
        assert health.status_code == 503 and health.json()["storage"] == "unreachable"
        auth = new_session(client)
        refused = upload(client, auth, tone(frequency_hz=900.0))
        body = assert_error(refused, 503, "storage_unavailable", "does not answer")
        message = body["error"]["message"]
        for secret in (str(port), "127.0.0.1", "AKIA-test-key", "very-secret-words"):
            assert secret not in message
        assert client.get("/api/reviews", headers=auth).json() == []  # nothing half-kept
        assert audio_on_disk(live) == []


def test_the_other_storage_routes_document_503(s3_live: LiveServer) -> None:
    with s3_live.client() as client:
        paths = client.get("/openapi.json").json()["paths"]
    assert "503" in paths["/api/reviews"]["post"]["responses"]
    assert {"206", "416", "503"} <= set(paths["/api/tracks/{track_id}/audio"]["get"]["responses"])
    for rendered in (  # kept beside the audio
        "/api/reviews/{review_id}/report.pdf",
        "/api/reviews/{review_id}/previews/{preview_id}",
        "/api/reviews/{review_id}/codecs",
    ):
        assert "503" in paths[rendered]["get"]["responses"], rendered


def test_a_stopped_store_fails_the_health_check_within_two_seconds(
    s3_live: LiveServer, s3_server: S3Server
) -> None:
    with s3_live.client() as client:
        assert client.get("/api/health").status_code == 200
        with s3_server.stopped():  # it takes connections and never answers
            started = time.monotonic()
            health = client.get("/api/health")
            waited_s = time.monotonic() - started
        assert waited_s < 2.0, f"the health check took {waited_s:.2f} s"
        body = health.json()
        assert health.status_code == 503 and body["status"] == "degraded", body
        assert body["storage"] == "unreachable" and "unreachable" in body["storage_problem"]
        port = s3_server.endpoint_url.rsplit(":", 1)[1]
        assert port not in health.text and "127.0.0.1" not in health.text
        assert client.get("/api/health").json()["storage_problem"] is None  # it answers again


def samples(wav: bytes) -> np.ndarray:
    """The samples of a WAV answer (the bytes carry libsndfile's time stamp in a PEAK chunk)."""
    audio, _ = sf.read(io.BytesIO(wav), dtype="float32")
    return np.asarray(audio)


@dataclass
class Renders:
    """A review's preview ("all fixes"), one side of it, its report and its codec run."""

    path: str
    preview: dict[str, Any]
    after: np.ndarray
    report: bytes
    codecs: dict[str, Any]


def render_all(client: httpx.Client, auth: dict[str, str], tone: Tone) -> Renders:
    response = upload(client, auth, tone(seconds=3.0), feedback_type="master_review")
    path = f"/api/reviews/{response.json()['id']}"
    assert wait_for_job(client, auth, path.rsplit("/", 1)[1])["state"] == "done"
    renders = fetch_renders(client, auth, path)
    assert renders.report.startswith(b"%PDF-")
    return renders


def fetch_renders(client: httpx.Client, auth: dict[str, str], path: str) -> Renders:
    # The codec check first: a master review's plan (so its previews and report) takes the
    # decoded peaks into account once the check is done.
    codecs = client.get(f"{path}/codecs", headers=auth)
    deadline = time.monotonic() + 60
    while codecs.status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.1)
        codecs = client.get(f"{path}/codecs", headers=auth)
    assert codecs.status_code == 200 and codecs.json()["state"] == "done", codecs.text
    preview_id = client.get(f"{path}/previews", headers=auth).json()[-1]["id"]  # all fixes
    preview = client.get(f"{path}/previews/{preview_id}", headers=auth)
    after = client.get(f"{path}/previews/{preview_id}/after?format=wav", headers=auth)
    report = client.get(f"{path}/report.pdf", headers=auth)
    assert preview.status_code == after.status_code == report.status_code == 200
    return Renders(path, preview.json(), samples(after.content), report.content, codecs.json())


def assert_same_renders(served: Renders, made: Renders) -> None:
    assert served.preview == made.preview and np.array_equal(served.after, made.after)
    assert served.codecs == made.codecs and served.report == made.report


STORED_REPORT = b"%PDF-1.4 as the first server stored it"


@pytest.fixture
def shared_postgres(postgres_url: str) -> Iterator[str]:
    yield postgres_url
    empty_tables(postgres_url)


def test_renders_made_through_one_server_are_served_by_another_and_go_with_the_review(
    s3_server: S3Server,
    s3_bucket: str,
    prefix: str,
    shared_postgres: str,
    tmp_path: Path,
    tone: Tone,
) -> None:
    storage = storage_settings(s3_server, s3_bucket, prefix)
    one, two = (server_settings(tmp_path / name, storage, shared_postgres) for name in ("a", "b"))
    bucket = s3_server.client()
    with LiveServer(one) as a, LiveServer(two) as b, a.client() as first, b.client() as second:
        auth = new_session(first)
        made = render_all(first, auth, tone)
        keys = objects(s3_server, s3_bucket, prefix)
        kinds = sorted(key[len(prefix) :].split("/", 1)[0] for key in keys)
        assert kinds == ["audio", "codecs", "peaks", "previews", "reports"], keys

        # The second server could render none of it: the track's audio is gone, and the stored
        # report is swapped for other bytes, which it serves as they are.
        (audio,) = [key for key in keys if key.startswith(f"{prefix}audio/")]
        bucket.delete_object(Bucket=s3_bucket, Key=audio)
        (pdf,) = [key for key in keys if key.startswith(f"{prefix}reports/")]
        bucket.put_object(Bucket=s3_bucket, Key=pdf, Body=STORED_REPORT)
        made.report = STORED_REPORT
        assert_same_renders(fetch_renders(second, auth, made.path), made)
        stranger = new_session(second)
        assert_error(second.get(f"{made.path}/report.pdf", headers=stranger), 404, "not_found")

        assert second.delete(made.path, headers=auth).status_code == 204
        assert objects(s3_server, s3_bucket, prefix) == []  # previews, report, codec run, outline


def test_in_the_embedded_default_renders_stay_in_the_data_folder_across_a_restart(
    tmp_path: Path, tone: Tone
) -> None:
    settings = server_settings(tmp_path, StorageSettings())  # no bucket: the data folder
    data = settings.data_dir

    def renders_on_disk() -> dict[str, Path]:
        kinds = ("previews", "reports", "codecs", "peaks")
        return {k: p for k in kinds for p in (data / k).rglob("*") if p.is_file()}

    with LiveServer(settings) as live, live.client() as client:
        auth = new_session(client)
        made = render_all(client, auth, tone)
    stored = renders_on_disk()
    assert sorted(stored) == ["codecs", "peaks", "previews", "reports"]
    for audio in (data / "audio").rglob("*"):  # nothing can be rendered again
        if audio.is_file():
            audio.unlink()
    stored["reports"].write_bytes(STORED_REPORT)
    made.report = STORED_REPORT
    with LiveServer(settings) as live, live.client() as client:
        assert_same_renders(fetch_renders(client, auth, made.path), made)
        assert client.delete(made.path, headers=auth).status_code == 204
    assert renders_on_disk() == {}
