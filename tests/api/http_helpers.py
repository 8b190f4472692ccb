"""Talking to a test server over HTTP: sessions, uploads, waiting for jobs, checking errors."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

#: Small enough that the over-limit test sends little.
TEST_MAX_FILE_MB = 2.0
FINAL = ("done", "failed")


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
