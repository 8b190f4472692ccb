"""Previews through real HTTP on a real recording with an inverted channel: listed with their
moves, rendered once, each side playable as Opus, AAC and WAV, matched in loudness; another
session's review and an unknown preview answer 404."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf
from http_helpers import analysed, assert_error, new_session

from mixcoach.audio.codecs import decode, loudness_of

TRACK = Path("/usr/share/scummvm/drascula/audio/track1.ogg")


@pytest.fixture
def flipped(tmp_path: Path) -> Path:
    if not TRACK.exists():
        pytest.skip(f"{TRACK} is not installed (scripts/test.sh installs it)")
    rate = sf.info(str(TRACK)).samplerate
    audio, rate = sf.read(str(TRACK), start=30 * rate, frames=12 * rate, always_2d=True)
    audio[:, 1] *= -1
    path = tmp_path / "flipped mix.flac"  # under the tests' 2 MB upload limit
    sf.write(str(path), audio, rate, subtype="PCM_16")
    return path


def test_previews_list_render_once_and_play_matched(
    client: httpx.Client, auth: dict[str, str], flipped: Path
) -> None:
    review_id = analysed(client, auth, flipped, feedback_type="master_review")
    listed = client.get(f"/api/reviews/{review_id}/previews", headers=auth)
    assert listed.status_code == 200, listed.text
    previews = listed.json()
    moves = [p["move"] for p in previews]
    assert moves[0] == "polarity_flip" and moves[-1] == "all"
    flip = previews[0]
    assert "phase_issue" in flip["finding_codes"]
    assert flip["presets"] == []  # done by hand: no plugin setting
    # Every other preview names where its settings are in the review's presets.
    presets = client.get(f"/api/reviews/{review_id}/presets", headers=auth).json()
    for preview in previews[1:-1]:
        for place in preview["presets"]:
            kind, _, index = place.partition(".")
            held = presets[kind][int(index)] if index else presets[kind]
            assert held, (place, presets)
    assert previews[-1]["presets"] == [p for preview in previews[:-1] for p in preview["presets"]]

    rendered = client.get(f"/api/reviews/{review_id}/previews/{flip['id']}", headers=auth)
    assert rendered.status_code == 200, rendered.text
    body = rendered.json()
    (change,) = body["changes"]
    assert change["metric"] == "correlation"
    assert change["before"] < -0.3 and change["after"] > 0.3
    assert body["gain_db"] <= 0 and body["end_s"] - body["start_s"] == pytest.approx(10, abs=0.01)

    sides = {}
    for side in ("before", "after"):
        wav = client.get(f"/api/reviews/{review_id}/previews/all/{side}?format=wav", headers=auth)
        assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav"
        audio, rate = sf.read(io.BytesIO(wav.content), always_2d=True)
        sides[side] = audio.T
        opus = client.get(f"/api/reviews/{review_id}/previews/all/{side}", headers=auth)
        assert opus.status_code == 200 and opus.headers["content-type"] == "audio/ogg"
        assert opus.content[:4] == b"OggS"
        # The page's compact form: a tenth of the WAV's bytes or less, at the same loudness.
        assert len(opus.content) * 10 <= len(wav.content), (len(opus.content), len(wav.content))
        # For browsers without Opus: AAC in ADTS frames (each starts with the 12-bit syncword).
        aac = client.get(f"/api/reviews/{review_id}/previews/all/{side}?format=aac", headers=auth)
        assert aac.status_code == 200 and aac.headers["content-type"] == "audio/aac"
        assert aac.content[0] == 0xFF and aac.content[1] & 0xF0 == 0xF0
        assert len(aac.content) * 5 <= len(wav.content), (len(aac.content), len(wav.content))
        for compact in (opus, aac):
            decoded, decoded_rate = decode(compact.content)
            assert decoded.shape[0] == audio.shape[1]
            assert decoded.shape[1] / decoded_rate == pytest.approx(len(audio) / rate, abs=0.1)
            assert loudness_of(decoded, decoded_rate).integrated_lufs == pytest.approx(
                loudness_of(audio.T, rate).integrated_lufs, abs=0.5
            )
    before = loudness_of(sides["before"], rate).integrated_lufs
    after = loudness_of(sides["after"], rate).integrated_lufs
    assert before is not None and after is not None and after == pytest.approx(before, abs=0.5)
    assert np.corrcoef(*sides["after"])[0, 1] > 0.3 > -0.3 > np.corrcoef(*sides["before"])[0, 1]

    assert_error(
        client.get(f"/api/reviews/{review_id}/previews/9-eq/after", headers=auth), 404, "not_found"
    )
    unknown = client.get(f"/api/reviews/{review_id}/previews/all/after?format=flac", headers=auth)
    assert unknown.status_code == 422 and "aac" in unknown.text
    other = new_session(client)
    assert_error(client.get(f"/api/reviews/{review_id}/previews", headers=other), 404, "not_found")
    assert_error(
        client.get(f"/api/reviews/{review_id}/previews/all/after", headers=other), 404, "not_found"
    )
