"""Limits on what a client can send, on a real server over real sockets: request bodies are
bounded before any route reads them (declared or streamed), the upload says its per-file limit,
new sessions are rate-limited per address, and text the database cannot store (a NUL in an id
or a question) is refused up front, on SQLite and PostgreSQL."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from http_helpers import (
    TEST_MAX_FILE_MB,
    analysed,
    assert_error,
    events,
    new_session,
    streamed,
    upload,
)
from live import LiveServer

from mixcoach.api.routers.sessions import WINDOW_S, NewSessionLimit
from mixcoach.api.upload import MAX_JSON_BODY_BYTES
from mixcoach.config import SessionSettings, Settings

Tone = Callable[..., Path]
#: A review id of the right shape that no review has.
UNKNOWN_ID = "0" * 32
LIMIT_KB = f"{MAX_JSON_BODY_BYTES / 1024:g} KB"


def raw_response(
    server: LiveServer, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, dict[str, str], dict[str, object]]:
    """Send the request line and headers (and ``body``, which may be shorter than the declared
    length), then read the answer: status, headers, JSON body."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body or None)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        connection.close()


# --- request bodies -----------------------------------------------------------------------


def test_a_huge_declared_body_is_refused_at_once_without_being_sent(
    server: LiveServer, auth: dict[str, str]
) -> None:
    started = time.monotonic()
    status, _, body = raw_response(
        server,
        "POST",
        f"/api/reviews/{UNKNOWN_ID}/chat",
        {**auth, "Content-Type": "application/json", "Content-Length": str(300_000_000)},
        b'{"question": "',  # and nothing more: the answer must come without the rest
    )
    assert status == 413
    error = body["error"]
    assert isinstance(error, dict) and error["code"] == "too_large"
    assert LIMIT_KB in error["message"]
    assert time.monotonic() - started < 5


def streamed_body(size: int, piece: int = 16 * 1024) -> Iterator[bytes]:
    """A JSON body of ``size`` bytes, sent chunked (no Content-Length)."""
    head, tail = b'{"question": "', b'"}'
    filler = size - len(head) - len(tail)
    yield head
    for start in range(0, filler, piece):
        yield b"a" * min(piece, filler - start)
    yield tail


def test_a_streamed_body_is_counted_as_it_comes_and_refused_past_the_limit(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    response = client.post(
        f"/api/reviews/{UNKNOWN_ID}/chat",
        headers={**auth, "Content-Type": "application/json"},
        content=streamed_body(4 * MAX_JSON_BODY_BYTES),
    )
    assert "content-length" not in response.request.headers  # it really was chunked
    assert_error(response, 413, "too_large", LIMIT_KB)


def test_a_streamed_body_within_the_limit_reaches_the_route(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    response = client.post(
        f"/api/reviews/{UNKNOWN_ID}/chat",
        headers={**auth, "Content-Type": "application/json"},
        content=streamed_body(1000),
    )
    # The route read the question (1000 bytes, under 2000 characters) and looked for the review.
    assert_error(response, 404, "not_found", UNKNOWN_ID)


def test_a_route_that_reads_no_body_is_bounded_too(
    client: httpx.Client, server: LiveServer
) -> None:
    sessions_before = count_sessions(server)
    response = client.post("/api/sessions", content=b"x" * (MAX_JSON_BODY_BYTES + 1))
    assert_error(response, 413, "too_large", LIMIT_KB)
    assert count_sessions(server) == sessions_before  # refused before the route ran


def test_the_upload_keeps_its_own_limit_and_says_the_per_file_one(
    client: httpx.Client, auth: dict[str, str], server: LiveServer, tone: Tone
) -> None:
    # Far past the 64 KB of the other routes, within the upload's own limit: accepted.
    track = tone(seconds=2.0)
    assert track.stat().st_size > 4 * MAX_JSON_BODY_BYTES
    assert upload(client, auth, track).status_code == 202
    before = server.footprint()
    # Declared past the request's limit (two files and the form): the per-file limit is named.
    huge = b"--x\r\n" + b"\0" * int(3 * TEST_MAX_FILE_MB * 1e6)
    response = client.post(
        "/api/reviews",
        headers={**auth, "Content-Type": "multipart/form-data; boundary=x"},
        content=huge,
    )
    body = assert_error(response, 413, "too_large", f"{TEST_MAX_FILE_MB:g} MB per file")
    request_limit_mb = (2 * TEST_MAX_FILE_MB * 1e6 + (1 << 20)) / 1e6
    assert f"{request_limit_mb:g}" not in body["error"]["message"]
    assert server.footprint() == before


# --- new sessions -------------------------------------------------------------------------


@pytest.fixture
def few_sessions(settings: Settings) -> Iterator[LiveServer]:
    limited = settings.model_copy(update={"sessions": SessionSettings(max_per_minute=3)})
    with LiveServer(limited) as live:
        yield live


def count_sessions(server: LiveServer) -> int:
    from sqlalchemy import func, select

    from mixcoach.storage.models import BrowserSession

    with server.state.database.session() as db:
        return int(db.scalar(select(func.count()).select_from(BrowserSession)) or 0)


def test_new_sessions_are_limited_per_address_with_retry_after(few_sessions: LiveServer) -> None:
    with few_sessions.client() as client:
        tokens = [new_session(client) for _ in range(3)]
        refused = client.post("/api/sessions")
        assert_error(refused, 429, "too_many_requests", "3 sessions", "try again")
        retry_after = int(refused.headers["Retry-After"])
        assert 1 <= retry_after <= WINDOW_S
        assert f"{retry_after} s" in refused.json()["error"]["message"]
        assert count_sessions(few_sessions) == 3
        # The sessions already made keep working.
        assert client.get("/api/sessions/current", headers=tokens[0]).status_code == 200
    # Another address has its own count (127.0.0.2 is this machine too).
    other = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=few_sessions.url, transport=other) as elsewhere:
        assert elsewhere.post("/api/sessions").status_code == 201


def test_the_window_slides() -> None:
    now = [1000.0]
    limit = NewSessionLimit(2, clock=lambda: now[0])
    limit.admit("a")
    now[0] += 30
    limit.admit("a")
    with pytest.raises(Exception, match="2 sessions") as refused:
        limit.admit("a")
    assert getattr(refused.value, "retry_after_s", None) == 30
    now[0] += 30  # the first one is a minute old now
    limit.admit("a")
    limit.admit("b")


# --- text the database cannot store ------------------------------------------------------

ID_ROUTES = [
    ("GET", "/api/reviews/{id}"),
    ("GET", "/api/reviews/{id}/job"),
    ("GET", "/api/reviews/{id}/events"),
    ("GET", "/api/reviews/{id}/analysis"),
    ("GET", "/api/reviews/{id}/feedback"),
    ("GET", "/api/reviews/{id}/chat"),
    ("GET", "/api/reviews/{id}/presets"),
    ("GET", "/api/reviews/{id}/report.pdf"),
    ("DELETE", "/api/reviews/{id}"),
    ("GET", "/api/tracks/{id}"),
    ("GET", "/api/tracks/{id}/audio"),
    ("DELETE", "/api/tracks/{id}"),
]


@pytest.mark.parametrize("bad_id", ["%00", "abc%00def", "%01", "%7F"])
def test_an_id_with_a_control_character_is_not_found_like_any_unknown_id(
    client: httpx.Client, auth: dict[str, str], bad_id: str
) -> None:
    for method, route in ID_ROUTES:
        response = client.request(method, route.format(id=bad_id), headers=auth)
        kind = "Track" if route.startswith("/api/tracks") else "Review"
        assert_error(response, 404, "not_found", f"{kind} ", "was not found")
    post = client.post(f"/api/reviews/{bad_id}/feedback", headers=auth)
    assert_error(post, 404, "not_found", "Review ", "was not found")
    # Without a token, the token is still what is missing.
    assert_error(client.get(f"/api/reviews/{bad_id}"), 401, "unauthorized", "token")


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("Why\x00 is it muddy?", "control characters (found U+0000)"),
        ("a\x1b[31m red", "control characters (found U+001B)"),
        ("a lone surrogate: \ud800?", "unicode string"),  # not text at all (pydantic says so)
    ],
)
def test_a_question_with_a_control_character_is_refused_before_streaming(
    client: httpx.Client, auth: dict[str, str], tone: Tone, question: str, says: str
) -> None:
    review_id = analysed(client, auth, tone(seconds=1.0))
    chunks, _ = streamed(
        list(events(client, auth, review_id, "chat", body={"question": "Is it too loud?"}))
    )
    assert chunks
    before = client.get(f"/api/reviews/{review_id}/chat", headers=auth).json()
    response = client.post(
        f"/api/reviews/{review_id}/chat",
        headers={**auth, "Content-Type": "application/json"},
        content=json.dumps({"question": question}).encode(),  # JSON escapes keep it ASCII
    )
    body = assert_error(response, 422, "invalid_request", "question", says)
    assert body["error"]["details"][0]["field"] == "question"
    assert client.get(f"/api/reviews/{review_id}/chat", headers=auth).json() == before


def test_newlines_and_tabs_in_a_question_are_fine(
    client: httpx.Client, auth: dict[str, str], tone: Tone
) -> None:
    review_id = analysed(client, auth, tone(seconds=1.0))
    question = "Two things:\n\t1. the low end\r\n\t2. the vocal"
    _, done = streamed(list(events(client, auth, review_id, "chat", body={"question": question})))
    assert done["role"] == "assistant"
    messages = client.get(f"/api/reviews/{review_id}/chat", headers=auth).json()["messages"]
    assert messages[0]["content"] == question


def test_an_upload_field_with_a_control_character_is_refused_naming_it(
    client: httpx.Client, auth: dict[str, str], server: LiveServer, tone: Tone
) -> None:
    track = tone(seconds=0.5)
    before = server.footprint()
    response = client.post(
        "/api/reviews",
        headers=auth,
        files={"track": (track.name, track.read_bytes())},
        data={"feedback_type": "mixdown", "genre": "edm\x00"},
    )
    body = assert_error(response, 422, "invalid_request", "genre", "U+0000")
    assert [d["field"] for d in body["error"]["details"]] == ["genre"]
    assert server.footprint() == before
