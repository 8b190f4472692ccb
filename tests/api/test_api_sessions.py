"""Browser sessions: a token opens the session's own resources and nothing else; another
session's resource answers exactly like one that does not exist."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from http_helpers import assert_error, new_session, upload
from live import LiveServer

from mixcoach.storage.models import BrowserSession

Tone = Callable[..., Path]
MISSING = "0123456789abcdef0123456789abcdef"


def test_a_new_session_is_known_by_its_token(client: httpx.Client, server: LiveServer) -> None:
    created = client.post("/api/sessions")
    assert created.status_code == 201
    body = created.json()
    auth = {"Authorization": f"Bearer {body['token']}"}
    current = client.get("/api/sessions/current", headers=auth).json()
    assert current == {"id": body["id"], "created_at": body["created_at"]}
    with server.state.database.session() as db:
        row = db.get(BrowserSession, body["id"])
    assert row is not None and body["token"] not in row.token_sha256


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({}, ("POST /api/sessions", "Bearer")),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, ("POST /api/sessions",)),
        ({"Authorization": "Bearer not-a-token-anyone-was-given"}, ("not known",)),
    ],
    ids=["no header", "another scheme", "unknown token"],
)
def test_without_a_known_token_the_answer_is_401_and_says_what_to_do(
    client: httpx.Client, headers: dict[str, str], words: tuple[str, ...]
) -> None:
    for path in ("/api/reviews", "/api/tracks", "/api/sessions/current"):
        response = client.get(path, headers=headers)
        assert_error(response, 401, "unauthorized", *words)
        assert response.headers["www-authenticate"] == "Bearer"


def test_another_sessions_resources_are_404_exactly_like_missing_ones(
    client: httpx.Client, tone: Tone
) -> None:
    alice, mallory = new_session(client), new_session(client)
    review = upload(client, alice, tone()).json()
    ids = {"review": review["id"], "track": review["track"]["id"]}
    paths = [
        ("GET", "/api/reviews/{review}"),
        ("GET", "/api/reviews/{review}/job"),
        ("GET", "/api/reviews/{review}/events"),
        ("GET", "/api/reviews/{review}/analysis"),
        ("GET", "/api/reviews/{review}/findings"),
        ("DELETE", "/api/reviews/{review}"),
        ("GET", "/api/tracks/{track}"),
        ("GET", "/api/tracks/{track}/audio"),
        ("DELETE", "/api/tracks/{track}"),
    ]
    for method, path in paths:
        theirs = client.request(method, path.format(**ids), headers=mallory)
        missing = client.request(method, path.format(review=MISSING, track=MISSING), headers=alice)
        assert_error(theirs, 404, "not_found", "was not found")
        assert theirs.text == missing.text.replace(
            MISSING, ids["review" if "review" in path else "track"]
        )
        assert dict(theirs.headers).keys() == dict(missing.headers).keys()
    assert client.get("/api/reviews", headers=mallory).json() == []
    assert client.get("/api/tracks", headers=mallory).json() == []
    still = client.get(f"/api/reviews/{review['id']}", headers=alice)
    assert still.status_code == 200 and still.json()["track"] == review["track"]
