"""Albums through real HTTP: five loudness-matched excerpts of a real soundtrack, track 4 planted
3 LU louder and named with its amount, the others not named for loudness; album mode gives
every track one gain; bad bodies are 422s; another session's album is not found."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from http_helpers import analysed, assert_error, new_session
from recordings import DRASCULA, at_loudness, excerpt, write

SECONDS = 10.0  # 16-bit stereo: 1.8 MB, under the tests' 2 MB upload limit
LOUDER_LU = 3.0


@pytest.fixture
def album_reviews(client: httpx.Client, auth: dict[str, str], tmp_path: Path) -> list[str]:
    reviews = []
    for position, number in enumerate((1, 2, 6, 8, 10), start=1):
        audio, rate = excerpt(DRASCULA / f"track{number}.ogg", seconds=SECONDS)
        lufs = -23.0 + (LOUDER_LU if position == 4 else 0.0)
        path = write(
            tmp_path / f"{position:02d} cue {number}.wav",
            at_loudness(audio, rate, lufs=lufs),
            rate,
            subtype="PCM_16",
        )
        reviews.append(analysed(client, auth, path))
    return reviews


def _album(client: httpx.Client, auth: dict[str, str], review_ids: list[str]) -> Any:
    response = client.post(
        "/api/albums", headers=auth, json={"title": "Cues", "review_ids": review_ids}
    )
    assert response.status_code == 201, response.text
    album_id = response.json()["id"]
    body = client.get(f"/api/albums/{album_id}", headers=auth)
    assert body.status_code == 200, body.text
    return body.json()


def test_the_louder_track_is_named_and_album_mode_keeps_it_louder(
    client: httpx.Client, auth: dict[str, str], album_reviews: list[str]
) -> None:
    album = _album(client, auth, album_reviews)
    assert album["review_ids"] == album_reviews
    loud = [o for o in album["outliers"] if o["metric"] == "loudness.integrated_lufs"]
    assert [(o["position"], o["track_id"]) for o in loud] == [(4, album_reviews[3])]
    assert loud[0]["difference"] == pytest.approx(LOUDER_LU, abs=0.5)
    said = [s for s in album["summary"] if s.startswith("Track 4 ")]
    assert said and f"{loud[0]['difference']:.1f} LU louder" in said[0]
    assert not any(" LU " in s for s in album["summary"] if not s.startswith("Track 4 "))

    spotify = next(p for p in album["playback"] if p["platform"] == "spotify")
    gain = spotify["album_gain_db"]
    assert gain > 0  # a quiet album is raised
    for track, played in zip(album["tracks"], spotify["tracks"], strict=True):
        assert played["playback_lufs"] == pytest.approx(track["integrated_lufs"] + gain)


def test_an_album_body_is_checked(
    client: httpx.Client, auth: dict[str, str], album_reviews: list[str]
) -> None:
    one = client.post(
        "/api/albums", headers=auth, json={"title": "x", "review_ids": [album_reviews[0]]}
    )
    assert_error(one, 422, "invalid_request", "review_ids")
    twice = [album_reviews[0], album_reviews[0]]
    repeated = client.post("/api/albums", headers=auth, json={"title": "x", "review_ids": twice})
    assert_error(repeated, 422, "invalid_request", "repeated")
    unknown = [album_reviews[0], "f" * 32]
    missing = client.post("/api/albums", headers=auth, json={"title": "x", "review_ids": unknown})
    assert_error(missing, 404, "not_found", "f" * 32)


def test_another_session_gets_404(
    client: httpx.Client, auth: dict[str, str], album_reviews: list[str]
) -> None:
    response = client.post(
        "/api/albums", headers=auth, json={"title": "Cues", "review_ids": album_reviews[:2]}
    )
    album_id = response.json()["id"]
    stranger = new_session(client)
    assert_error(client.get(f"/api/albums/{album_id}", headers=stranger), 404, "not_found")
    theirs = client.post(
        "/api/albums", headers=stranger, json={"title": "Mine", "review_ids": album_reviews[:2]}
    )
    assert_error(theirs, 404, "not_found")


def test_albums_are_listed_and_deleting_one_keeps_its_reviews(
    client: httpx.Client, auth: dict[str, str], album_reviews: list[str]
) -> None:
    first = _album(client, auth, album_reviews[:2])
    second = _album(client, auth, album_reviews[2:])
    listed = client.get("/api/albums", headers=auth)
    assert listed.status_code == 200, listed.text
    assert [(a["id"], a["review_ids"]) for a in listed.json()] == [
        (second["id"], album_reviews[2:]),
        (first["id"], album_reviews[:2]),
    ]

    stranger = new_session(client)
    assert client.get("/api/albums", headers=stranger).json() == []
    assert_error(client.delete(f"/api/albums/{first['id']}", headers=stranger), 404, "not_found")

    gone = client.delete(f"/api/albums/{first['id']}", headers=auth)
    assert gone.status_code == 204, gone.text
    assert [a["id"] for a in client.get("/api/albums", headers=auth).json()] == [second["id"]]
    assert_error(client.get(f"/api/albums/{first['id']}", headers=auth), 404, "not_found")
    assert_error(client.delete(f"/api/albums/{first['id']}", headers=auth), 404, "not_found")
    # its reviews and their tracks stay, finished, in the session
    reviews = {r["id"]: r for r in client.get("/api/reviews", headers=auth).json()}
    assert set(album_reviews) <= set(reviews)
    assert all(reviews[r]["job"]["state"] == "done" for r in album_reviews[:2])
    tracks = {t["id"] for t in client.get("/api/tracks", headers=auth).json()}
    assert {reviews[r]["track"]["id"] for r in album_reviews[:2]} <= tracks


def test_an_album_left_with_one_review_says_so(
    client: httpx.Client, auth: dict[str, str], album_reviews: list[str]
) -> None:
    album = _album(client, auth, album_reviews[:2])
    gone = client.delete(f"/api/reviews/{album_reviews[0]}", headers=auth)
    assert gone.status_code == 204, gone.text
    listed = client.get("/api/albums", headers=auth).json()
    assert [a["review_ids"] for a in listed] == [album_reviews[1:2]]
    response = client.get(f"/api/albums/{album['id']}", headers=auth)
    body = assert_error(response, 409, "not_ready", "has 1 of its reviews left")
    assert "two or more" in body["error"]["message"]
