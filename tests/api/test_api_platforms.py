"""What each streaming service does to a review's track, through real HTTP: for every feedback
type, the numbers of knowledge.platforms.playback for the analysis's loudness and true peak;
409 until the analysis is done (or when it failed); another session's review is not found."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from http_helpers import (
    analysed,
    assert_error,
    damaged_flac,
    document,
    new_session,
    stop_the_worker,
    upload,
    wait_for_job,
)
from live import LiveServer
from signals import write

from mixcoach.findings.model import FEEDBACK_TYPES
from mixcoach.knowledge.platforms import platform, playback
from mixcoach.knowledge.sources import source

Tone = Callable[..., Path]


def platforms_of(client: httpx.Client, auth: dict[str, str], review_id: str) -> list[Any]:
    response = client.get(f"/api/reviews/{review_id}/platforms", headers=auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"platforms"}
    rows: list[Any] = body["platforms"]
    return rows


def expected(integrated: float | None, peak: float | None) -> list[dict[str, Any]]:
    """The rows the route must send: playback() for these figures, with each source."""
    rows = []
    for result in playback(integrated_lufs=integrated, true_peak_dbtp=peak):
        cited = source(platform(result.platform).source)
        over = result.peak_over_ceiling_db
        rows.append(
            {
                **result.model_dump(),
                "exceeds_ceiling": over is not None and over > 0,
                "source": cited.short,
                "source_citation": cited.citation,
            }
        )
    return rows


@pytest.mark.parametrize("feedback_type", FEEDBACK_TYPES)
@pytest.mark.parametrize("dbfs", [-1.0, -30.0])
def test_every_feedback_type_gets_what_each_service_does(
    client: httpx.Client, auth: dict[str, str], tone: Tone, feedback_type: str, dbfs: float
) -> None:
    """A loud tone (-1 dBFS: turned down, peaks over the ceilings) and a quiet one (-30 dBFS:
    raised where the service raises quiet tracks)."""
    review_id = analysed(client, auth, tone(seconds=3.0, dbfs=dbfs), feedback_type=feedback_type)
    loudness = document(client, auth, review_id).loudness
    integrated, peak = loudness.integrated_lufs, loudness.true_peak_dbtp
    assert integrated is not None and peak is not None
    rows = platforms_of(client, auth, review_id)
    assert rows == expected(integrated, peak)

    spotify = next(row for row in rows if row["platform"] == "spotify")
    # A sine's true peak sits at its amplitude (±0.1 dB of true-peak interpolation error).
    assert abs(peak - dbfs) <= 0.1
    assert spotify["playback_lufs"] == pytest.approx(integrated + spotify["gain_db"], abs=0.01)
    assert spotify["playback_peak_dbtp"] == pytest.approx(peak + spotify["gain_db"], abs=0.01)
    if dbfs > -2:
        # Louder than -14 LUFS: turned down to exactly -14, and over the -2 dBTP loud ceiling.
        assert spotify["action"] == "turned down"
        assert spotify["gain_db"] == pytest.approx(-14.0 - integrated, abs=0.01)
        assert spotify["playback_lufs"] == pytest.approx(-14.0, abs=0.01)
        assert spotify["ceiling_dbtp"] == -2.0 and spotify["exceeds_ceiling"] is True
    else:
        # Quiet: raised, but only until the true peak reaches -1 dBTP.
        assert spotify["action"] == "turned up"
        assert spotify["gain_db"] == pytest.approx(min(-14.0 - integrated, -1.0 - peak), abs=0.01)
        assert spotify["exceeds_ceiling"] is False
    assert [row["platform"] for row in rows] == [
        result.platform for result in playback(integrated_lufs=None, true_peak_dbtp=None)
    ]


def test_silence_has_no_loudness_so_every_gain_is_unknown(
    client: httpx.Client, auth: dict[str, str], tmp_path: Path
) -> None:
    silent = write(
        tmp_path / "silence.wav", np.zeros((2, 48000)), sample_rate_hz=48000, subtype="PCM_16"
    )
    review_id = analysed(client, auth, silent)
    loudness = document(client, auth, review_id).loudness
    assert loudness.integrated_lufs is None
    rows = platforms_of(client, auth, review_id)
    assert rows == expected(None, loudness.true_peak_dbtp)
    assert {row["action"] for row in rows} == {"unknown"}
    assert all(row["gain_db"] == 0.0 and row["playback_lufs"] is None for row in rows)


def test_not_ready_until_the_analysis_is_done_and_after_it_failed(
    client: httpx.Client, server: LiveServer, tone: Tone, tmp_path: Path
) -> None:
    pid = stop_the_worker(server, client, tone)
    auth = new_session(client)
    try:
        review_id = upload(client, auth, tone(seconds=1.0, frequency_hz=440.0)).json()["id"]
        response = client.get(f"/api/reviews/{review_id}/platforms", headers=auth)
        assert_error(response, 409, "not_ready", "not finished")
    finally:
        os.kill(pid, signal.SIGCONT)
    assert wait_for_job(client, auth, review_id)["state"] == "done"
    assert platforms_of(client, auth, review_id)

    failed = upload(client, auth, damaged_flac(tmp_path)).json()["id"]
    assert wait_for_job(client, auth, failed)["state"] == "failed"
    response = client.get(f"/api/reviews/{failed}/platforms", headers=auth)
    assert_error(response, 409, "not_ready", "failed", "damaged")


def test_another_sessions_review_is_not_found_like_a_missing_one(
    client: httpx.Client, auth: dict[str, str], tone: Tone
) -> None:
    review_id = analysed(client, auth, tone(seconds=1.0))
    intruder = new_session(client)
    theirs = client.get(f"/api/reviews/{review_id}/platforms", headers=intruder)
    missing = client.get(f"/api/reviews/{'0' * 32}/platforms", headers=auth)
    assert_error(theirs, 404, "not_found")
    assert_error(missing, 404, "not_found")
    assert theirs.json()["error"]["message"].replace(review_id, "") == missing.json()["error"][
        "message"
    ].replace("0" * 32, "")
    assert_error(client.get(f"/api/reviews/{review_id}/platforms"), 401, "unauthorized")
