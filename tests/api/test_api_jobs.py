"""Following an analysis through real HTTP: Server-Sent Events and plain GETs, the document
once done, a clear failure, a worker that dies, and a restart that loses nothing."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from http_helpers import (
    FINAL,
    assert_error,
    damaged_flac,
    new_session,
    stop_the_worker,
    upload,
    wait_for_job,
)
from live import LiveServer

from mixcoach.analysis import Analysis
from mixcoach.config import Settings
from mixcoach.findings.model import Finding

Tone = Callable[..., Path]
ORDER = {"queued": 0, "running": 1, "done": 2, "failed": 2}


def events(client: httpx.Client, auth: dict[str, str], review_id: str) -> Iterator[dict[str, Any]]:
    """The SSE stream of a review, as parsed events, until the server closes it."""
    with client.stream("GET", f"/api/reviews/{review_id}/events", headers=auth) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        event: dict[str, Any] = {}
        for line in response.iter_lines():
            if not line:
                if "data" in event:
                    yield event
                event = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(": ")
                event[name] = value


def test_progress_streams_until_the_analysis_ends(
    client: httpx.Client, auth: dict[str, str], tone: Tone
) -> None:
    long_and_small = tone(seconds=40.0, sample_rate_hz=8000, channels=1)  # several blocks
    review = upload(client, auth, long_and_small).json()
    received = list(events(client, auth, review["id"]))
    assert received, "at least the current state is sent"
    jobs = [json.loads(event["data"]) for event in received]
    assert all(event["event"] == "progress" for event in received)
    assert [int(event["id"]) for event in received] == list(range(1, len(received) + 1))
    states = [ORDER[job["state"]] for job in jobs]
    assert states == sorted(states) and jobs[-1]["state"] in FINAL
    assert all(job["state"] not in FINAL for job in jobs[:-1])
    running = [job["progress_percent"] for job in jobs if job["state"] == "running"]
    assert running == sorted(running) and all(0 <= p < 100 for p in running)
    assert client.get(f"/api/reviews/{review['id']}/job", headers=auth).json() == jobs[-1]
    # A stream opened after the end sends the final state and closes.
    (late,) = list(events(client, auth, review["id"]))
    assert json.loads(late["data"]) == jobs[-1]


def test_a_finished_analysis_is_read_as_the_document_and_its_findings(
    client: httpx.Client, auth: dict[str, str], tone: Tone
) -> None:
    """Needs the analysis engine: a -20 dBFS stereo 1 kHz tone reads -20 LUFS."""
    review = upload(client, auth, tone(seconds=5.0, dbfs=-20.0)).json()
    job = wait_for_job(client, auth, review["id"])
    assert job["state"] == "done", job["error"]
    assert job["progress_percent"] == 100.0
    document = Analysis.model_validate(
        client.get(f"/api/reviews/{review['id']}/analysis", headers=auth).json()
    )
    assert document.file.duration_s == pytest.approx(5.0, abs=1e-3)
    assert document.loudness.integrated_lufs == pytest.approx(-20.0, abs=0.1)
    findings = client.get(f"/api/reviews/{review['id']}/findings", headers=auth).json()
    assert [Finding.model_validate(f) for f in findings] == document.findings


def test_the_document_names_the_files_as_uploaded_never_as_stored(
    client: httpx.Client, auth: dict[str, str], tone: Tone, settings: Settings
) -> None:
    track, reference = tone(seconds=4.0, dbfs=-20.0), tone(seconds=4.0, dbfs=-26.0)
    review = upload(client, auth, track, reference=reference).json()
    assert wait_for_job(client, auth, review["id"])["state"] == "done"
    response = client.get(f"/api/reviews/{review['id']}/analysis", headers=auth)
    document = response.json()
    assert document["file"]["path"] == track.name
    assert document["reference"]["measurements"]["file"]["path"] == reference.name
    assert str(settings.data_dir) not in response.text


def test_a_damaged_file_fails_its_analysis_with_the_reason(
    client: httpx.Client, auth: dict[str, str], tmp_path: Path
) -> None:
    response = upload(client, auth, damaged_flac(tmp_path))
    assert response.status_code == 202, response.text  # its header is fine
    review = response.json()
    job = wait_for_job(client, auth, review["id"])
    assert job["state"] == "failed"
    assert "damaged" in job["error"] and str(tmp_path) not in job["error"]
    for part in ("analysis", "findings"):
        refused = client.get(f"/api/reviews/{review['id']}/{part}", headers=auth)
        assert_error(refused, 409, "not_ready", "failed", "damaged")


def test_a_worker_that_dies_fails_its_job_clearly_and_the_next_job_runs(
    client: httpx.Client, server: LiveServer, tone: Tone
) -> None:
    pid = stop_the_worker(server, client, tone)
    auth = new_session(client)
    doomed = upload(client, auth, tone(seconds=1.0, frequency_hz=120.0)).json()
    deadline = time.monotonic() + 30
    while client.get(f"/api/reviews/{doomed['id']}/job", headers=auth).json()["state"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    not_yet = client.get(f"/api/reviews/{doomed['id']}/analysis", headers=auth)
    assert_error(not_yet, 409, "not_ready", "not finished")
    os.kill(pid, signal.SIGKILL)
    job = wait_for_job(client, auth, doomed["id"])
    assert job["state"] == "failed"
    assert "worker stopped unexpectedly" in job["error"] and "SIGKILL" in job["error"]
    assert "Upload the track again" in job["error"]

    retried = upload(client, auth, tone(seconds=1.0, frequency_hz=120.0)).json()
    assert retried["job"]["state"] == "queued"  # the same analysis, tried again
    again = wait_for_job(client, auth, retried["id"])
    assert again["error"] is None or "stopped unexpectedly" not in again["error"]
    assert server.state.runner.worker_pids() != [pid]


def test_a_restart_picks_up_the_interrupted_analysis(settings: Settings, tone: Tone) -> None:
    with LiveServer(settings) as first, first.client() as client:
        stop_the_worker(first, client, tone)
        auth = new_session(client)
        review = upload(client, auth, tone(seconds=1.0, frequency_hz=330.0)).json()
        deadline = time.monotonic() + 30
        while client.get(f"/api/reviews/{review['id']}/job", headers=auth).json()["state"] != (
            "running"
        ):
            assert time.monotonic() < deadline
            time.sleep(0.02)
    with LiveServer(settings) as second, second.client() as client:
        assert client.get(f"/api/reviews/{review['id']}/job", headers=auth).json()["state"] in (
            "queued",
            "running",
            "done",
            "failed",
        )
        job = wait_for_job(client, auth, review["id"])
        assert job["error"] is None or "stopped unexpectedly" not in job["error"]
        (track,) = [
            t
            for t in client.get("/api/tracks", headers=auth).json()
            if t["id"] == review["track"]["id"]
        ]
        audio = client.get(f"/api/tracks/{track['id']}/audio", headers=auth)
        assert audio.status_code == 200 and len(audio.content) == track["size_bytes"]
