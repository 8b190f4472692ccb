"""A review's track through the delivery codecs, through real HTTP on real recordings: the check
is a job of the server's runner, started by itself when a master review's analysis is done (the
review's verdict then reads the decoded peaks with no request for it) and by the first request
for other types, which answers 202 with progress, then 200 with each codec's decoded peak and
each service's peak after its gain; the run is kept per content, so a second review of the same
audio answers 200 at once and a run asked for again encodes nothing; a failure says why;
another session's review is not found."""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf
from http_helpers import analysed, assert_error, events, new_session, streamed
from live import LiveServer
from signals import sine, write
from sqlalchemy import select

from mixcoach.audio.codecs import CODECS, loudness_of
from mixcoach.storage.jobs import CODEC_CHECK
from mixcoach.storage.models import Analysis as JobRow

DRASCULA = Path("/usr/share/scummvm/drascula/audio/track13.ogg")
SECONDS = 12.0


def loud_excerpt(tmp_path: Path, *, drive_db: float) -> Path:
    """The middle of a real recording driven ``drive_db`` into full scale and hard-clipped:
    a master pushed too loud, as 16-bit FLAC."""
    if not DRASCULA.exists():
        pytest.skip(f"real music not found at {DRASCULA}: install drascula-music")
    audio, rate = sf.read(DRASCULA, dtype="float32", always_2d=True)
    middle, half = audio.shape[0] // 2, int(SECONDS * rate / 2)
    piece = audio[middle - half : middle + half]
    driven = np.clip(piece / np.abs(piece).max() * 10 ** (drive_db / 20), -1.0, 1.0)
    path = tmp_path / f"drascula-{drive_db}dB.flac"  # under the tests' 2 MB upload limit
    sf.write(path, driven, rate, subtype="PCM_16")
    return path


def codecs_of(client: httpx.Client, auth: dict[str, str], review_id: str) -> dict[str, Any]:
    """Poll until done; the 202 answers carry progress that never goes back."""
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        response = client.get(f"/api/reviews/{review_id}/codecs", headers=auth)
        body: dict[str, Any] = response.json()
        if response.status_code == 200:
            assert body["state"] == "done", body
            return body
        assert response.status_code == 202 and body["state"] == "running", response.text
        seen.append(body["progress_percent"])
        assert seen == sorted(seen) and 0 <= seen[-1] < 100
        time.sleep(0.2)
    raise AssertionError(f"the codecs did not finish; progress {seen}")


def codec_jobs(server: LiveServer) -> list[JobRow]:
    """The codec check rows, read from the server's database."""
    with server.state.database.session() as db:
        rows = list(db.scalars(select(JobRow).where(JobRow.kind == CODEC_CHECK)))
        db.expunge_all()
        return rows


def wait_for_codec_job(server: LiveServer, *, timeout_s: float = 120) -> JobRow:
    """The one codec check row once it is done or failed."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        rows = codec_jobs(server)
        if rows and rows[0].state in ("done", "failed"):
            assert len(rows) == 1, rows
            return rows[0]
        time.sleep(0.2)
    raise AssertionError(f"the codec check did not finish: {codec_jobs(server)}")


def test_a_clipped_master_peaks_higher_after_aac_and_each_service_judges_the_decoded_peak(
    client: httpx.Client, auth: dict[str, str], tmp_path: Path
) -> None:
    track = loud_excerpt(tmp_path, drive_db=6.0)
    # A mixdown review starts no check by itself: the first request does.
    review_id = analysed(client, auth, track, feedback_type="mixdown")
    first = client.get(f"/api/reviews/{review_id}/codecs", headers=auth)
    assert first.status_code == 202, first.text
    body = codecs_of(client, auth, review_id)

    assert [row["codec"] for row in body["codecs"]] == [codec.name for codec in CODECS]
    aac = body["codecs"][0]
    # A master clipped at full scale: AAC rebuilds overshoots past it, and a fixed-point
    # decoder clips them.
    assert aac["true_peak_change_db"] > 0.3
    assert aac["true_peak_dbtp"] > 0.0
    assert aac["true_peak_dbtp"] == pytest.approx(
        body["true_peak_dbtp"] + aac["true_peak_change_db"], abs=0.02
    )
    assert aac["clipped_samples"] > 0
    assert abs(aac["loudness_change_lu"]) < 0.5

    by_name = {row["codec"]: row for row in body["codecs"]}
    rows = {row["platform"]: row for row in body["platforms"]}
    apple = rows["apple-music"]
    assert apple["codec"] == "AAC 256 kbps"
    # A loud master is turned down, never up, and its decoded peak falls by the gain.
    assert apple["gain_db"] < -1.0 and not apple["turned_up"]
    assert apple["decoded_peak_after_gain_dbtp"] == pytest.approx(
        by_name["AAC 256 kbps"]["true_peak_dbtp"] + apple["gain_db"], abs=0.02
    )
    assert rows["youtube"]["codec"] == "Opus 160 kbps"
    for row in body["platforms"]:
        peak = row["decoded_peak_after_gain_dbtp"]
        assert row["verdict"] == ("over" if peak > row["ceiling_dbtp"] else "ok")
    # A service that plays the file as delivered keeps the overshoot past its ceiling.
    unnormalised = [row for row in body["platforms"] if row["gain_db"] == 0.0]
    assert unnormalised and all(row["verdict"] == "over" for row in unnormalised)


def test_the_run_is_kept_per_content_and_another_session_gets_404(
    client: httpx.Client, auth: dict[str, str], tmp_path: Path
) -> None:
    track = loud_excerpt(tmp_path, drive_db=1.0)
    review_id = analysed(client, auth, track, feedback_type="master_review")
    body = codecs_of(client, auth, review_id)

    again = analysed(client, auth, track, feedback_type="mixdown")
    second = client.get(f"/api/reviews/{again}/codecs", headers=auth)
    assert second.status_code == 200 and second.json() == body

    stranger = new_session(client)
    assert_error(client.get(f"/api/reviews/{review_id}/codecs", headers=stranger), 404, "not_found")


def loudness_of_wav(response: httpx.Response) -> tuple[float, np.ndarray, int]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "audio/wav"
    audio, rate = sf.read(io.BytesIO(response.content), dtype="float32", always_2d=True)
    measured = loudness_of(audio.T, rate).integrated_lufs
    assert measured is not None
    return measured, audio.T, rate


def test_excerpts_play_as_each_service_plays_them_beside_the_original_at_the_same_loudness(
    client: httpx.Client, auth: dict[str, str], tmp_path: Path
) -> None:
    track = loud_excerpt(tmp_path, drive_db=3.0)
    review_id = analysed(client, auth, track, feedback_type="mixdown")
    base = f"/api/reviews/{review_id}/codecs/aac/audio"
    assert_error(client.get(base, headers=auth), 409, "not_ready", "codec check")
    body = codecs_of(client, auth, review_id)
    spotify = next(row for row in body["platforms"] if row["platform"] == "spotify")

    as_delivered, audio, rate = loudness_of_wav(client.get(base, headers=auth))
    assert audio.shape[1] == pytest.approx(10 * rate, abs=2)
    as_spotify, _, _ = loudness_of_wav(
        client.get(base, params={"platform": "spotify", "kind": "decoded"}, headers=auth)
    )
    # Spotify turns this loud master down by its gain (the delivered one clips a little more).
    assert spotify["gain_db"] < -3.0
    assert as_spotify - as_delivered == pytest.approx(spotify["gain_db"], abs=0.3)
    original, _, _ = loudness_of_wav(
        client.get(base, params={"platform": "spotify", "kind": "original"}, headers=auth)
    )
    assert original == pytest.approx(as_spotify, abs=0.5)
    mono, folded, _ = loudness_of_wav(
        client.get(base, params={"platform": "spotify", "kind": "mono"}, headers=auth)
    )
    assert np.array_equal(folded[0], folded[1])
    # Folding to mono loses what the channels do not share, never adds level.
    assert mono <= original + 0.3
    artifacts, _, _ = loudness_of_wav(
        client.get(base, params={"platform": "spotify", "kind": "artifacts"}, headers=auth)
    )
    assert artifacts < as_spotify - 20.0

    opus = client.get(f"/api/reviews/{review_id}/codecs/opus/audio", headers=auth)
    assert sf.info(io.BytesIO(opus.content)).samplerate == 48000
    assert client.get(base, params={"kind": "noise"}, headers=auth).status_code == 422
    unknown = client.get(base, params={"platform": "napster"}, headers=auth)
    assert_error(unknown, 422, "input_error", "napster", "spotify")
    assert (
        client.get(f"/api/reviews/{review_id}/codecs/flac/audio", headers=auth).status_code == 422
    )
    stranger = new_session(client)
    assert_error(client.get(base, headers=stranger), 404, "not_found")


def test_a_master_reviews_feedback_written_before_the_codec_check_is_written_again_from_it(
    server: LiveServer, client: httpx.Client, auth: dict[str, str], tmp_path: Path
) -> None:
    track = loud_excerpt(tmp_path, drive_db=6.0)
    mixdown = analysed(client, auth, track, feedback_type="mixdown")
    # Re-judged as a master from the stored measurements: its feedback is written at once, and
    # no analysis finished, so no check started.
    rejudged = client.post(
        f"/api/reviews/{mixdown}/rejudge", headers=auth, json={"feedback_type": "master_review"}
    )
    assert rejudged.status_code == 201, rejudged.text
    review_id = rejudged.json()["review"]["id"]
    before = rejudged.json()["feedback"]
    assert "encoding it peaks at" not in json.dumps(before)
    assert codec_jobs(server) == []

    body = codecs_of(client, auth, review_id)
    _, after = streamed(list(events(client, auth, review_id, "feedback")))
    plan = after["plan"]
    worst = max(body["codecs"], key=lambda c: c["true_peak_dbtp"])
    limiter = next(step["limiter"] for step in plan["steps"] if step["limiter"])
    said = re.search(
        r"after (\w+) encoding it peaks at ([+-]\d+\.\d) dBTP: "
        r"lower the ceiling to (-\d+\.\d) dBTP",
        json.dumps(plan),
        re.IGNORECASE,
    )
    assert said, plan
    assert float(said[2]) <= round(worst["true_peak_dbtp"], 1)
    # One ceiling: the words', the plan's, its limiter's and the presets'; lower than before.
    assert float(said[3]) == plan["ceiling_dbtp"] == limiter["ceiling_dbtp"]
    assert plan["ceiling_dbtp"] < before["plan"]["ceiling_dbtp"]
    presets = client.get(f"/api/reviews/{review_id}/presets", headers=auth).json()
    assert presets["limiter"]["ceiling_dbtp"] == plan["ceiling_dbtp"]


def test_a_master_reviews_check_starts_by_itself_and_its_verdict_reads_the_decoded_peaks(
    server: LiveServer, client: httpx.Client, auth: dict[str, str], tmp_path: Path
) -> None:
    track = loud_excerpt(tmp_path, drive_db=6.0)
    review_id = analysed(client, auth, track, feedback_type="master_review")
    job = wait_for_codec_job(server)  # nobody asked for /codecs
    assert job.state == "done" and job.error is None and job.attempts == 1, job.error
    assert job.track_sha256 == hashlib.sha256(track.read_bytes()).hexdigest()

    _, feedback = streamed(list(events(client, auth, review_id, "feedback")))
    plan = feedback["plan"]
    said = re.search(
        r"after (\w+) encoding it peaks at ([+-]\d+\.\d) dBTP: lower the ceiling to (-\d+\.\d)",
        json.dumps(plan),
        re.IGNORECASE,
    )
    assert said, plan
    assert float(said[3]) == plan["ceiling_dbtp"]
    # The figures the words quote are the check's, as the API gives them (at once: stored).
    body = client.get(f"/api/reviews/{review_id}/codecs", headers=auth)
    assert body.status_code == 200, body.text
    peaks = {c["codec"].split()[0].upper(): c["true_peak_dbtp"] for c in body.json()["codecs"]}
    assert float(said[2]) == pytest.approx(peaks[said[1].upper()], abs=0.051)

    # Asked again (the button), the stored run is read: nothing is encoded a second time.
    again = client.post(f"/api/reviews/{review_id}/codecs", headers=auth)
    assert again.status_code == 200 and again.json() == body.json()
    assert [(row.state, row.attempts) for row in codec_jobs(server)] == [("done", 1)]


def test_a_mixdown_review_starts_no_check_and_a_failed_check_says_why_and_runs_again(
    server: LiveServer, client: httpx.Client, auth: dict[str, str], tmp_path: Path
) -> None:
    mix = loud_excerpt(tmp_path, drive_db=1.0)
    analysed(client, auth, mix, feedback_type="mixdown")
    # A check is queued in the transaction that records its analysis done.
    assert codec_jobs(server) == []
    surround = write(
        tmp_path / "surround.wav",
        sine(seconds=3.0, frequency_hz=440.0, channels=3),
        sample_rate_hz=48000,
    )
    master = analysed(client, auth, surround, feedback_type="master_review")
    job = wait_for_codec_job(server)
    assert len(codec_jobs(server)) == 1  # the master's only
    assert job.track_sha256 == hashlib.sha256(surround.read_bytes()).hexdigest()

    assert job.state == "failed"
    failed = client.get(f"/api/reviews/{master}/codecs", headers=auth)
    assert failed.status_code == 200, failed.text
    assert failed.json()["state"] == "failed"
    assert failed.json()["error"] == (
        "The codec check could not run: delivery codecs take mono or stereo, not 3 channels."
    )
    # Looking again reports the failure; asking again runs it again.
    assert client.get(f"/api/reviews/{master}/codecs", headers=auth).json()["state"] == "failed"
    rerun = client.post(f"/api/reviews/{master}/codecs", headers=auth)
    assert rerun.status_code == 202 and rerun.json()["state"] == "running", rerun.text
    assert wait_for_codec_job(server).attempts == 1  # counted afresh
    stranger = new_session(client)
    assert_error(client.post(f"/api/reviews/{master}/codecs", headers=stranger), 404, "not_found")


def test_a_check_whose_results_the_store_refuses_fails_saying_so_and_runs_again(
    server: LiveServer, client: httpx.Client, auth: dict[str, str], tmp_path: Path
) -> None:
    # A file where the results' folder should be: the data folder refuses to store them.
    blocked = server.settings.data_dir / "codecs"
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_bytes(b"")
    track = loud_excerpt(tmp_path, drive_db=1.0)
    review_id = analysed(client, auth, track, feedback_type="master_review")
    job = wait_for_codec_job(server)
    assert job.state == "failed"
    body = client.get(f"/api/reviews/{review_id}/codecs", headers=auth).json()
    assert body["state"] == "failed"
    assert "results could not be stored" in body["error"] and "Check the codecs" in body["error"]
    assert str(server.settings.data_dir) not in body["error"]  # no path in words a user reads
    # The review's feedback is written all the same, from the measurements.
    _, feedback = streamed(list(events(client, auth, review_id, "feedback")))
    assert feedback["plan"]

    blocked.unlink()
    rerun = client.post(f"/api/reviews/{review_id}/codecs", headers=auth)
    assert rerun.status_code == 202, rerun.text
    assert codecs_of(client, auth, review_id)["state"] == "done"
    sha = hashlib.sha256(track.read_bytes()).hexdigest()
    assert (server.settings.data_dir / "codecs" / f"{sha}.json").is_file()
