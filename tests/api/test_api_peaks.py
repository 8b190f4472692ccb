"""The waveform outline over real HTTP: on a known signal every column holds the lowest and
highest sample of its stretch (over both channels), at each level; the outline is kept per
content; the reference has its own; another session's review, and the reference of a review
without one, are not found."""

from __future__ import annotations

from pathlib import Path

import httpx
import numpy as np
import soundfile as sf
from http_helpers import assert_error, new_session, upload
from live import LiveServer

RATE = 48_000
#: One second each: (left sine amplitude, right channel's constant level) and what the
#: outline must say there: (lowest, highest) over both channels.
SEGMENTS = [((0.8, 0.1), (-0.8, 0.8)), ((0.2, -0.5), (-0.5, 0.2)),
            ((0.5, 0.0), (-0.5, 0.5)), ((0.05, 0.3), (-0.05, 0.3))]  # fmt: skip
#: 16-bit quantisation and the outline's four decimals.
TOLERANCE = 2e-4


def known_signal(path: Path) -> Path:
    t = np.arange(RATE) / RATE
    sine = np.sin(2 * np.pi * 12_000 * t)  # 0, 1, 0, -1: each column holds whole periods
    left = np.concatenate([a * sine for (a, _), _ in SEGMENTS])
    right = np.concatenate([np.full(RATE, d) for (_, d), _ in SEGMENTS])
    sf.write(path, np.stack([left, right]).T, RATE, subtype="PCM_16")
    return path


def review_of(client: httpx.Client, auth: dict[str, str], track: Path, **kw: Path) -> str:
    response = upload(client, auth, track, feedback_type="master_review", **kw)  # type: ignore[arg-type]
    assert response.status_code == 202, response.text
    review_id: str = response.json()["id"]
    return review_id


def test_each_column_holds_the_lowest_and_highest_sample_of_its_stretch(
    client: httpx.Client, auth: dict[str, str], server: LiveServer, tmp_path: Path
) -> None:
    review_id = review_of(client, auth, known_signal(tmp_path / "known.wav"))
    response = client.get(f"/api/reviews/{review_id}/peaks", headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["which"] == "track" and body["sample_rate_hz"] == RATE
    assert body["duration_s"] == len(SEGMENTS)
    assert [level["columns"] for level in body["levels"]] == [1024, 4096, 16384]
    for level in body["levels"]:
        columns = level["columns"]
        assert len(level["min"]) == len(level["max"]) == columns
        width = body["duration_s"] / columns
        checked = 0
        for i in range(columns):
            # A column that meets a change of segment holds both: skip it (and its neighbour).
            first, last = int((i - 1) * width), int((i + 2) * width - 1e-9)
            if first != last or first >= len(SEGMENTS):
                continue
            low, high = SEGMENTS[first][1]
            assert abs(level["min"][i] - low) < TOLERANCE, (columns, i, level["min"][i])
            assert abs(level["max"][i] - high) < TOLERANCE, (columns, i, level["max"][i])
            checked += 1
        assert checked > columns * 0.9
    # Kept per content: a second review of the same audio reads the same outline.
    kept = list((server.settings.data_dir / "peaks").glob("*.json"))
    assert len(kept) == 1
    again = review_of(client, auth, tmp_path / "known.wav")
    assert client.get(f"/api/reviews/{again}/peaks", headers=auth).json() == body
    # The outline is the audio's: it goes with the track.
    track_id = client.get(f"/api/reviews/{again}", headers=auth).json()["track"]["id"]
    assert client.delete(f"/api/tracks/{track_id}", headers=auth).status_code == 204
    assert not list((server.settings.data_dir / "peaks").glob("*.json"))


def test_the_reference_has_its_own_outline_and_others_are_not_found(
    client: httpx.Client, auth: dict[str, str], tmp_path: Path
) -> None:
    track = known_signal(tmp_path / "known.wav")
    reference = tmp_path / "reference.wav"
    sf.write(reference, np.full((RATE // 2, 2), 0.25), RATE, subtype="PCM_16")
    review_id = review_of(client, auth, track, reference=reference)
    url = f"/api/reviews/{review_id}/peaks"
    body = client.get(url, headers=auth, params={"which": "reference"}).json()
    assert body["which"] == "reference" and body["duration_s"] == 0.5
    assert {v for level in body["levels"] for v in level["min"] + level["max"]} == {0.25}
    alone = review_of(client, auth, track)
    assert_error(
        client.get(f"/api/reviews/{alone}/peaks", headers=auth, params={"which": "reference"}),
        404, "not_found", "no reference",
    )  # fmt: skip
    stranger = new_session(client)
    assert_error(client.get(url, headers=stranger), 404, "not_found", "not found")
    assert client.get(url, headers=auth, params={"which": "other"}).status_code == 422
