"""Presets through real HTTP: derived from the review's analysis, kept once derived, downloaded
as Mixcoach's preset file that reads back to the same presets, and the EQ moves downloaded as a
REAPER ReaEQ preset library that parses back band for band; a track with nothing to correct by
EQ has no ReaEQ preset but still has its preset file."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import httpx
import numpy as np
import pytest
from http_helpers import analysed, assert_error, document
from signals import write

from mixcoach.export.presets import parse_reaeq_rpl
from mixcoach.feedback.model import Presets
from mixcoach.feedback.offline import OfflineEngine
from mixcoach.findings.tonal_curve import profile_target
from mixcoach.knowledge.genres import resolve_profile

Tone = Callable[..., Path]


def balanced_noise(path: Path, *, sample_rate_hz: int = 48000, seconds: float = 3.0) -> Path:
    """Stereo noise on the general profile's target curve from 30 Hz (energy per 1/6 octave as
    the curve gives it, so power per hertz falls as 1/f beside it), channels 0.8 correlated,
    -20 dBFS RMS: a spectrum, width and level inside the general profile (no finding at all)."""
    n = int(sample_rate_hz * seconds)
    rng = np.random.default_rng(1)
    spectrum = rng.normal(size=(2, n // 2 + 1)) + 1j * rng.normal(size=(2, n // 2 + 1))
    spectrum[1] = 0.8 * spectrum[0] + 0.6 * spectrum[1]
    frequency_hz = np.maximum(np.fft.rfftfreq(n, 1 / sample_rate_hz), 1.0)
    target_db = profile_target(resolve_profile("general"), frequency_hz)
    spectrum *= np.where(frequency_hz < 30, 0.0, 10 ** (target_db / 20) / np.sqrt(frequency_hz))
    audio = np.fft.irfft(spectrum, n)
    audio *= 10 ** (-20 / 20) / np.sqrt(np.mean(audio**2))
    return write(path, audio.astype(np.float32), sample_rate_hz=sample_rate_hz, subtype="PCM_16")


def test_presets_come_from_the_analysis_and_download_as_a_reaeq_library(
    client: httpx.Client, auth: dict[str, str], tone: Tone, tmp_path: Path
) -> None:
    # A name with a backtick, which REAPER's preset library uses as its quote.
    track = shutil.copy(tone(seconds=3.0, frequency_hz=1000.0), tmp_path / "my `mix` v2.wav")
    review_id = analysed(client, auth, Path(track), genre="")
    response = client.get(f"/api/reviews/{review_id}/presets", headers=auth)
    assert response.status_code == 200, response.text
    presets = Presets.model_validate(response.json())
    assert presets == OfflineEngine().presets(document(client, auth, review_id))
    # A 1 kHz tone piles its energy in the mid band: the EQ cuts there.
    (mid_cut,) = [move for move in presets.eq if 500 <= move.frequency_hz <= 2000]
    assert mid_cut.kind == "bell" and mid_cut.gain_db < 0 and "muddy" in mid_cut.finding_codes
    assert client.get(f"/api/reviews/{review_id}/presets", headers=auth).json() == response.json()

    saved = client.get(f"/api/reviews/{review_id}/presets/mixcoach.json", headers=auth)
    assert saved.status_code == 200, saved.text
    assert saved.headers["content-type"] == "application/json"
    disposition = saved.headers["content-disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert unquote(disposition.split("''", 1)[1]) == "my `mix` v2 Mixcoach presets.json"
    preset_file = json.loads(saved.text)
    assert preset_file["format"] == "mixcoach-presets" and preset_file["version"] == 1
    assert Presets.model_validate(preset_file["presets"]) == presets
    # Every setting carries its reason and the findings it answers.
    assert preset_file["presets"]["eq"][presets.eq.index(mid_cut)]["reason"] == mid_cut.reason
    assert "muddy" in preset_file["presets"]["eq"][presets.eq.index(mid_cut)]["finding_codes"]

    download = client.get(f"/api/reviews/{review_id}/presets/reaeq.RPL", headers=auth)
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "application/octet-stream"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert unquote(disposition.split("''", 1)[1]) == "my `mix` v2 ReaEQ.RPL"
    library = parse_reaeq_rpl(download.text)
    assert list(library) == ["Mixcoach - my 'mix' v2"]
    (bands,) = library.values()
    assert len(bands) == len(presets.eq)
    for band, move in zip(bands, presets.eq, strict=True):
        assert band.kind == move.kind and band.enabled
        assert band.frequency_hz == pytest.approx(move.frequency_hz, abs=1e-9)
        assert band.gain_db == pytest.approx(move.gain_db, abs=1e-9)  # stored as a linear ratio
        assert band.bandwidth_octaves == pytest.approx(move.bandwidth_octaves, abs=1e-9)


def test_a_track_with_nothing_to_equalise_has_a_preset_file_but_no_reaeq_preset(
    client: httpx.Client, auth: dict[str, str], tmp_path: Path
) -> None:
    review_id = analysed(client, auth, balanced_noise(tmp_path / "balanced.wav"))
    presets = Presets.model_validate(
        client.get(f"/api/reviews/{review_id}/presets", headers=auth).json()
    )
    assert presets.eq == [], "the premise: this track's spectrum needs no EQ"
    preset_file = client.get(f"/api/reviews/{review_id}/presets/mixcoach.json", headers=auth)
    assert preset_file.status_code == 200, preset_file.text
    assert preset_file.headers["content-disposition"] == (
        "attachment; filename*=utf-8''balanced%20Mixcoach%20presets.json"
    )
    assert Presets.model_validate(preset_file.json()["presets"]) == presets
    assert_error(
        client.get(f"/api/reviews/{review_id}/presets/reaeq.RPL", headers=auth),
        404,
        "no_preset",
        "nothing to correct with EQ in balanced.wav",
    )
