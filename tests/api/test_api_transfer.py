"""What travels: the page's script compressed and kept by content name, the JSON compressed,
audio, byte ranges and event streams sent as they are, and a Content-Security-Policy on all."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
from http_helpers import analysed

Tone = Callable[..., Path]

GZIP = {"Accept-Encoding": "gzip"}


def policy(response: httpx.Response) -> dict[str, list[str]]:
    directives = (d.split() for d in response.headers["content-security-policy"].split(";"))
    return {d[0]: d[1:] for d in directives if d}


def test_the_page_loads_its_script_by_content_name_compressed_and_kept(
    client: httpx.Client,
) -> None:
    page = client.get("/", headers=GZIP)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-cache"
    script_name = re.search(r'<script type="module" src="(app\.[0-9a-f]+\.js)"', page.text)
    style_name = re.search(r'<link rel="stylesheet" href="(app\.[0-9a-f]+\.css)"', page.text)
    assert script_name and style_name, page.text[:600]
    for name in (script_name[1], style_name[1]):
        asset = client.get(f"/{name}", headers=GZIP)
        assert asset.status_code == 200
        assert asset.headers["content-encoding"] == "gzip"
        assert "immutable" in asset.headers["cache-control"]
        # The bytes on the wire against the bytes the browser runs.
        assert asset.num_bytes_downloaded < 0.5 * len(asset.content), name
    # The plain names of earlier releases are gone: an old tab cannot mix two releases.
    assert client.get("/app.js").status_code == 404
    # The API keeps its own caching rules: no page header leaks onto it.
    assert client.get("/api/health").headers.get("cache-control") != "no-cache"


def test_only_the_pages_own_script_may_run_on_the_page_and_on_the_api(
    client: httpx.Client,
) -> None:
    for response in (client.get("/"), client.get("/api/health"), client.get("/api/nothing")):
        rules = policy(response)
        assert rules["script-src"] == ["'self'"], response.url
        assert rules["object-src"] == ["'none'"] and rules["frame-ancestors"] == ["'none'"]
        assert response.headers["x-content-type-options"] == "nosniff"


def test_json_is_compressed_but_audio_ranges_and_events_are_sent_as_they_are(
    client: httpx.Client, auth: dict[str, str], tone: Tone
) -> None:
    path = tone(seconds=4.0)
    review_id = analysed(client, auth, path)
    analysis = client.get(f"/api/reviews/{review_id}/analysis", headers={**auth, **GZIP})
    assert analysis.headers["content-encoding"] == "gzip"
    assert analysis.json()["schema_version"]
    track_id = client.get(f"/api/reviews/{review_id}", headers=auth).json()["track"]["id"]
    audio = f"/api/tracks/{track_id}/audio"
    whole = client.get(audio, headers={**auth, **GZIP})
    part = client.get(audio, headers={**auth, **GZIP, "Range": "bytes=100-2099"})
    assert whole.status_code == 200 and part.status_code == 206
    assert "content-encoding" not in whole.headers and "content-encoding" not in part.headers
    assert part.headers["content-length"] == "2000"
    assert part.content == path.read_bytes()[100:2100]
    with client.stream("GET", f"/api/reviews/{review_id}/events", headers={**auth, **GZIP}) as sse:
        assert sse.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in sse.headers
