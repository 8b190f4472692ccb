"""The scale-out mode with its audio in S3-compatible object storage (a real SeaweedFS): two
`mixcoach serve` and a `mixcoach worker`, each in a folder of its own, on one PostgreSQL database,
one RabbitMQ queue and one bucket. An upload through one server is analysed by the worker,
streamed by range and discussed through the other, deleted through the other; no server or
worker keeps any audio on its own disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cluster import Deployment, deployment, new_session, wait_for_job
from signals import sine, write
from storage.s3_server import S3Server, new_prefix

pytestmark = pytest.mark.slow


@pytest.fixture
def prefix() -> str:
    return new_prefix()


@pytest.fixture
def cluster(
    tmp_path: Path, s3_server: S3Server, s3_bucket: str, prefix: str
) -> Iterator[Deployment]:
    with deployment(tmp_path / "deployment", s3_server.env(s3_bucket, prefix)) as running:
        yield running


def files_on_disk(folder: Path) -> list[Path]:
    """Every file the processes left in their folders (their data folders included)."""
    return [path for path in folder.rglob("*") if path.is_file()]


def test_two_servers_and_a_worker_share_audio_through_the_bucket_and_keep_none(
    cluster: Deployment, s3_server: S3Server, s3_bucket: str, prefix: str, tmp_path: Path
) -> None:
    track = write(
        tmp_path / "tone.wav",
        sine(seconds=8.0, frequency_hz=220.0, dbfs=-12.0),
        sample_rate_hz=48000,
    )
    content = track.read_bytes()
    cluster.worker(1)
    _, first = cluster.server(1)
    _, second = cluster.server(2)
    for client in (first, second):
        health = client.get("/api/health").json()
        assert health["storage"] == "ok" and health["jobs"] == "running", health

    auth = new_session(first)
    uploaded = first.post(
        "/api/reviews",
        headers=auth,
        files={"track": (track.name, content, "audio/wav")},
        data={"feedback_type": "mixdown"},
    )
    assert uploaded.status_code == 202, uploaded.text
    review = uploaded.json()
    keys = [key for key in s3_server.keys(s3_bucket) if key.startswith(prefix)]
    assert len(keys) == 1 and keys[0].startswith(f"{prefix}audio/"), keys
    assert wait_for_job(second, auth, review["id"], timeout_s=120)["state"] == "done"

    audio = f"/api/tracks/{review['track']['id']}/audio"
    ranged = second.get(audio, headers={**auth, "Range": "bytes=1000-1999"})
    assert ranged.status_code == 206 and ranged.content == content[1000:2000]
    assert ranged.headers["content-range"] == f"bytes 1000-1999/{len(content)}"
    assert second.get(audio, headers=auth).content == content
    chat = second.post(
        f"/api/reviews/{review['id']}/chat", headers=auth, json={"question": "How loud is it?"}
    )
    assert chat.status_code == 200 and "LUFS" in chat.text, chat.text
    assert files_on_disk(cluster.folder) == []  # no audio, no leftovers, on any machine

    assert second.delete(f"/api/tracks/{review['track']['id']}", headers=auth).status_code == 204
    assert [key for key in s3_server.keys(s3_bucket) if key.startswith(prefix)] == []
    assert first.get(audio, headers=auth).status_code == 404
