"""Talking to a test server over HTTP: sessions, uploads, waiting for jobs, checking errors,
reading streamed events, freezing the worker, and pointing the server at a language model."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from live import LiveServer
from pydantic import SecretStr
from signals import sine, write

from mixcoach.analysis import Analysis
from mixcoach.config import LLMSettings, Settings

#: Small enough that the over-limit test sends little.
TEST_MAX_FILE_MB = 2.0
FINAL = ("done", "failed")
#: The model name the OpenAI engine asks for in the tests.
MODEL = "test-model"
Tone = Callable[..., Path]
#: A Server-Sent Event: (name, parsed data).
Event = tuple[str, Any]


def new_session(client: httpx.Client) -> dict[str, str]:
    """Authorization headers of a new browser session."""
    response = client.post("/api/sessions")
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def upload(
    client: httpx.Client,
    auth: dict[str, str],
    track: Path | tuple[str, bytes] | None,
    *,
    reference: Path | None = None,
    **fields: str,
) -> httpx.Response:
    files: dict[str, Any] = {}
    if isinstance(track, Path):
        files["track"] = (track.name, track.read_bytes(), "audio/wav")
    elif track is not None:
        files["track"] = track
    if reference is not None:
        files["reference"] = (reference.name, reference.read_bytes(), "audio/wav")
    data = {"feedback_type": "mixdown", **fields}
    return client.post("/api/reviews", headers=auth, files=files or None, data=data)


def wait_for_job(
    client: httpx.Client, auth: dict[str, str], review_id: str, *, timeout_s: float = 60.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/reviews/{review_id}/job", headers=auth).json()
        if job["state"] in FINAL:
            return job
        time.sleep(0.05)
    raise AssertionError(f"review {review_id} still {job['state']} after {timeout_s} s")


def assert_error(response: httpx.Response, status: int, code: str, *words: str) -> dict[str, Any]:
    """The response is an error in the one shape, with this status and code, and a message
    that says the ``words`` (case-insensitive)."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code, body
    message = body["error"]["message"]
    assert message.endswith(".") and "Traceback" not in message, message
    for word in words:
        assert word.lower() in message.lower(), (word, message)
    return body


def analysed(client: httpx.Client, auth: dict[str, str], track: Path, **fields: str) -> str:
    """Upload ``track`` and wait for its analysis; the review's id."""
    response = upload(client, auth, track, **fields)
    assert response.status_code == 202, response.text
    review_id: str = response.json()["id"]
    job = wait_for_job(client, auth, review_id)
    assert job["state"] == "done", job["error"]
    return review_id


def document(client: httpx.Client, auth: dict[str, str], review_id: str) -> Analysis:
    return Analysis.model_validate(
        client.get(f"/api/reviews/{review_id}/analysis", headers=auth).json()
    )


def events(
    client: httpx.Client,
    auth: dict[str, str],
    review_id: str,
    route: str,
    *,
    body: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> Iterator[Event]:
    """POST a streamed route; its events as (name, parsed data), as they arrive."""
    url = f"/api/reviews/{review_id}/{route}"
    with client.stream("POST", url, headers=auth, json=body, params=params) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        name, data = "", ""
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data = line.removeprefix("data: ")
            elif not line and data:
                yield name, json.loads(data)
                name, data = "", ""


def streamed(received: list[Event]) -> tuple[list[str], dict[str, Any]]:
    """The chunks' texts and the `done` data of a stream that succeeded."""
    *chunks, (last, done) = received
    assert last == "done", received[-1]
    assert [name for name, _ in chunks] == ["chunk"] * len(chunks)
    return [data["text"] for _, data in chunks], done


def stop_the_worker(server: LiveServer, client: httpx.Client, tone: Tone) -> int:
    """Start the one worker (with a first analysis) and freeze it: the next job stays running."""
    auth = new_session(client)
    warm_up = upload(client, auth, tone(seconds=0.25, frequency_hz=50.0)).json()
    wait_for_job(client, auth, warm_up["id"])
    (pid,) = server.state.runner.worker_pids()
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    return pid


def damaged_flac(tmp_path: Path) -> Path:
    """A FLAC whose header is fine and whose middle is noise: it opens, then stops decoding."""
    path = write(
        tmp_path / "damaged.flac", sine(seconds=20.0), sample_rate_hz=48000, subtype="PCM_16"
    )
    content = bytearray(path.read_bytes())
    middle = len(content) // 3
    content[middle : middle + 20_000] = np.random.default_rng(7).bytes(20_000)
    path.write_bytes(bytes(content))
    return path


def with_llm(
    settings: Settings, base_url: str, *, timeout_s: float = 5.0, max_retries: int = 0
) -> Settings:
    """``settings`` with the OpenAI engine pointed at ``base_url``."""
    llm = LLMSettings(
        engine="openai",
        base_url=base_url,
        api_key=SecretStr("sk-test"),
        model=MODEL,
        timeout_s=timeout_s,
        max_retries=max_retries,
    )
    return settings.model_copy(update={"llm": llm})
