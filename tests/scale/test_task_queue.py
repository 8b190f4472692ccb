"""The scale-out mode end to end: two `mixcoach serve` and two `mixcoach worker` processes on
one PostgreSQL database, one RabbitMQ queue and one storage, as an operator runs them.

Uploads go through either server, progress and results reach the other, a worker killed
mid-analysis leaves its job to the other worker, which finishes it once, and stopping and
starting everything loses nothing."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import soundfile as sf
from cluster import Deployment, deployment, new_session, wait_for_job
from sqlalchemy import create_engine, text
from storage.s3_server import S3Server, new_prefix

pytestmark = pytest.mark.slow

#: The soundtrack's longest tracks (2-3 minutes each): an analysis lasts long enough to be seen.
MUSIC = [
    Path("/usr/share/scummvm/drascula/audio") / f"track{number}.ogg" for number in (2, 1, 30, 23)
]


@pytest.fixture
def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    """The deployment, its audio in one data folder every process reads (the default), or with
    ``s3`` as the parameter in one bucket (a real SeaweedFS)."""
    if not all(track.exists() for track in MUSIC):
        pytest.skip("the drascula-music package is not installed (scripts/apt-test-packages.txt)")
    storage = {"MIXCOACH_DATA_DIR": str(tmp_path / "shared")}
    if getattr(request, "param", "files") == "s3":
        server: S3Server = request.getfixturevalue("s3_server")
        storage = server.env(request.getfixturevalue("s3_bucket"), new_prefix())
    with deployment(tmp_path, storage) as running:
        yield running


def upload(client: httpx.Client, auth: dict[str, str], track: Path) -> str:
    files = {"track": (track.name, track.read_bytes(), "audio/ogg")}
    response = client.post(
        "/api/reviews", headers=auth, files=files, data={"feedback_type": "mixdown"}
    )
    assert response.status_code == 202, response.text
    review_id: str = response.json()["id"]
    return review_id


def analyses(cluster: Deployment) -> dict[str, dict[str, Any]]:
    engine = create_engine(cluster.database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as db:
            rows = db.execute(
                text(
                    "SELECT id, state, attempts, worker, progress_percent, error, started_at,"
                    " finished_at FROM analyses"
                )
            )
            return {row.id: dict(row._mapping) for row in rows}
    finally:
        engine.dispose()


def progress_events(client: httpx.Client, auth: dict[str, str], review_id: str) -> list[str]:
    """The states the progress stream sends until the analysis ends."""
    states = []
    with client.stream("GET", f"/api/reviews/{review_id}/events", headers=auth) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data: "):
                states.append(line)
                if '"state":"done"' in line or '"state":"failed"' in line:
                    break
    return states


def test_uploads_through_either_server_are_analysed_and_readable_through_the_other(
    cluster: Deployment,
) -> None:
    cluster.worker(1)
    cluster.worker(2)
    _, first = cluster.server(1)
    _, second = cluster.server(2)
    health = second.get("/api/health").json()
    assert health["status"] == "ok" and health["jobs"] == "running", health

    auth = new_session(first)  # a session made on one server is known to the other
    one = upload(first, auth, MUSIC[0])
    two = upload(second, auth, MUSIC[1])
    streamed = progress_events(second, auth, one)  # queued through the first server
    assert '"state":"done"' in streamed[-1], streamed
    for review_id in (one, two):
        for client in (first, second):
            assert wait_for_job(client, auth, review_id, timeout_s=120)["state"] == "done"
            analysis = client.get(f"/api/reviews/{review_id}/analysis", headers=auth)
            assert analysis.status_code == 200 and analysis.json()["loudness"]["integrated_lufs"]
    audio = second.get(f"/api/reviews/{one}", headers=auth).json()
    track_id = audio["track"]["id"]
    ranged = first.get(f"/api/tracks/{track_id}/audio", headers={**auth, "Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.content) == 100
    assert ranged.content == MUSIC[0].read_bytes()[:100]
    chat = second.post(
        f"/api/reviews/{two}/chat", headers=auth, json={"question": "How loud is it?"}
    )
    assert chat.status_code == 200, chat.text
    assert "LUFS" in chat.text
    workers = {row["worker"] for row in analyses(cluster).values()}
    assert len(workers) == 2, workers  # both workers took a job


# Kill and restart run on the object store, as a cluster of servers is deployed; the other
# tests here cover the files mode, and running these two in both modes doubled their minutes.
@pytest.mark.parametrize("cluster", ["s3"], indirect=True)
def test_a_worker_killed_mid_analysis_leaves_its_job_to_the_other_which_runs_it_once(
    cluster: Deployment,
) -> None:
    workers = [cluster.worker(1), cluster.worker(2)]
    _, client = cluster.server(1)
    auth = new_session(client)
    reviews = [upload(client, auth, track) for track in MUSIC[:3]]
    by_pid = {str(w.popen.pid): w for w in workers}
    deadline = time.monotonic() + 120
    victim = None
    while victim is None and time.monotonic() < deadline:
        for row in analyses(cluster).values():
            pid = (row["worker"] or ":").rsplit(":", 1)[1]
            if row["state"] == "running" and row["progress_percent"] > 0 and pid in by_pid:
                victim = row
                break
        time.sleep(0.02)
    assert victim is not None, "no analysis was seen running"
    os.kill(int(victim["worker"].rsplit(":", 1)[1]), signal.SIGKILL)

    for review_id in reviews:
        assert wait_for_job(client, auth, review_id, timeout_s=180)["state"] == "done"
    rows = analyses(cluster)
    assert rows[victim["id"]]["attempts"] == 2, rows[victim["id"]]  # started again once
    assert rows[victim["id"]]["worker"] != victim["worker"]
    others = [row["attempts"] for key, row in rows.items() if key != victim["id"]]
    assert others == [1, 1], rows  # nothing else ran twice


@pytest.mark.parametrize("cluster", ["s3"], indirect=True)
def test_stopping_and_starting_everything_loses_nothing(cluster: Deployment) -> None:
    server, client = cluster.server(1)
    assert client.get("/api/health").json()["jobs_problem"] is not None  # no worker yet
    auth = new_session(client)
    queued = [upload(client, auth, track) for track in MUSIC[:2]]
    server.stop()
    client.close()

    cluster.worker(1)
    _, client = cluster.server(2)
    for review_id in queued:
        assert wait_for_job(client, auth, review_id, timeout_s=120)["state"] == "done"
    cluster.stop()  # and once more, with the results stored
    cluster.worker(3)
    _, client = cluster.server(3)
    for review_id in queued:
        assert client.get(f"/api/reviews/{review_id}/analysis", headers=auth).status_code == 200


def parent_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("PPid:")).split()[1])


def test_one_worker_with_concurrency_runs_its_jobs_side_by_side(cluster: Deployment) -> None:
    """`mixcoach worker --concurrency 2` is two processes taking jobs at once: the rows show two
    holders, both its children, each job started before the other finished."""
    worker = cluster.worker(1, "--concurrency", "2")
    worker.wait_for_line("Mixcoach worker is running")  # its second process
    _, client = cluster.server(1)
    auth = new_session(client)
    reviews = [upload(client, auth, track) for track in MUSIC[:2]]
    for review_id in reviews:
        assert wait_for_job(client, auth, review_id, timeout_s=180)["state"] == "done"
    first, second = analyses(cluster).values()
    holders = {int(row["worker"].rsplit(":", 1)[1]) for row in (first, second)}
    assert len(holders) == 2 and {parent_of(pid) for pid in holders} == {worker.popen.pid}
    assert max(first["started_at"], second["started_at"]) < min(
        first["finished_at"], second["finished_at"]
    ), (first, second)


def codec_checks(cluster: Deployment) -> list[dict[str, Any]]:
    engine = create_engine(cluster.database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as db:
            rows = db.execute(
                text("SELECT state, attempts, worker, error FROM analyses WHERE kind = 'codecs'")
            )
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


def test_a_mastering_reviews_codec_check_runs_on_a_worker_by_itself(
    cluster: Deployment, tmp_path: Path
) -> None:
    """The analysis of a mastering review queues the codec check of its track, which a worker
    runs (the row names it), not the server; the server then answers with the stored run."""
    worker = cluster.worker(1)
    server, client = cluster.server(1)
    audio, rate = sf.read(MUSIC[0], dtype="float32", always_2d=True, frames=12 * 44100)
    excerpt = tmp_path / "excerpt.flac"
    sf.write(excerpt, audio, rate, subtype="PCM_16")
    auth = new_session(client)
    files = {"track": (excerpt.name, excerpt.read_bytes(), "audio/flac")}
    response = client.post(
        "/api/reviews", headers=auth, files=files, data={"feedback_type": "mastering"}
    )
    assert response.status_code == 202, response.text
    review_id = response.json()["id"]
    assert wait_for_job(client, auth, review_id, timeout_s=120)["state"] == "done"
    deadline = time.monotonic() + 120
    while not (checks := codec_checks(cluster)) or checks[0]["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"the codec check did not finish: {checks}"
        time.sleep(0.2)
    assert len(checks) == 1 and checks[0]["state"] == "done", checks
    holder = int(checks[0]["worker"].rsplit(":", 1)[1])
    assert holder == worker.popen.pid and holder != server.popen.pid
    body = client.get(f"/api/reviews/{review_id}/codecs", headers=auth)
    assert body.status_code == 200 and body.json()["state"] == "done", body.text
    assert [c["codec"] for c in body.json()["codecs"]] == [
        "AAC 256 kbps",
        "Opus 160 kbps",
        "MP3 320 kbps",
    ]
    assert codec_checks(cluster)[0]["attempts"] == 1  # read from the store, not run again
