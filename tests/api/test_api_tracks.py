"""A session's tracks: listed with what decoding saw, played back, and deleted with their
reviews and (when no one else has the same content) their file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from http_helpers import new_session, upload
from live import LiveServer

Tone = Callable[..., Path]


def test_the_audio_is_served_whole_and_by_range(
    client: httpx.Client, auth: dict[str, str], tone: Tone
) -> None:
    path = tone(seconds=1.0)
    track_id = upload(client, auth, path).json()["track"]["id"]
    whole = client.get(f"/api/tracks/{track_id}/audio", headers=auth)
    assert whole.status_code == 200 and whole.content == path.read_bytes()
    assert whole.headers["content-type"] == "audio/wav"
    assert path.name in whole.headers["content-disposition"]
    part = client.get(f"/api/tracks/{track_id}/audio", headers={**auth, "Range": "bytes=4-11"})
    assert part.status_code == 206 and part.content == path.read_bytes()[4:12]


def test_deleting_a_track_removes_its_reviews_rows_and_file(
    client: httpx.Client, auth: dict[str, str], server: LiveServer, tone: Tone
) -> None:
    empty = server.footprint()
    mix, ref = tone(frequency_hz=250.0), tone(frequency_hz=4000.0)
    review = upload(client, auth, mix, reference=ref).json()
    mix_only = upload(client, auth, mix, genre="rock").json()
    assert (
        client.delete(f"/api/tracks/{review['reference']['id']}", headers=auth).status_code == 204
    )
    assert [r["id"] for r in client.get("/api/reviews", headers=auth).json()] == [mix_only["id"]]
    assert client.get(f"/api/reviews/{review['id']}", headers=auth).status_code == 404
    assert client.delete(f"/api/tracks/{review['track']['id']}", headers=auth).status_code == 204
    assert client.get("/api/tracks", headers=auth).json() == []
    assert client.get("/api/reviews", headers=auth).json() == []
    rows, files = server.footprint()
    assert rows == empty[0]
    assert files == empty[1]


def test_deleting_a_review_keeps_its_tracks(
    client: httpx.Client, auth: dict[str, str], tone: Tone
) -> None:
    review = upload(client, auth, tone(frequency_hz=3000.0)).json()
    assert client.delete(f"/api/reviews/{review['id']}", headers=auth).status_code == 204
    assert client.get("/api/reviews", headers=auth).json() == []
    assert [t["id"] for t in client.get("/api/tracks", headers=auth).json()] == [
        review["track"]["id"]
    ]


def test_a_file_shared_with_another_session_outlives_one_delete(
    client: httpx.Client, server: LiveServer, tone: Tone
) -> None:
    path = tone(frequency_hz=1500.0)
    alice, bob = new_session(client), new_session(client)
    mine = upload(client, alice, path).json()
    theirs = upload(client, bob, path).json()
    assert client.delete(f"/api/tracks/{mine['track']['id']}", headers=alice).status_code == 204
    audio = client.get(f"/api/tracks/{theirs['track']['id']}/audio", headers=bob)
    assert audio.status_code == 200 and audio.content == path.read_bytes()
    assert server.footprint()[0] == {"files": 1, "tracks": 1, "analyses": 1, "reviews": 1}
