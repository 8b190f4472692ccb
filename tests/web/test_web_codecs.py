"""The codec check in a real browser, on a real recording clipped into full scale: the button
starts the encodes, the page shows their progress, then each codec's decoded peak and each
service's decoded peak after its gain with its verdict, the figures the API gives; an excerpt
as Spotify plays it loads and plays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf
from web_page import Page
from web_steps import analysed_review, shown, wait_for_results

DRASCULA = Path("/usr/share/scummvm/drascula/audio/track13.ogg")


@pytest.fixture(scope="module")
def clipped_review(server: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not DRASCULA.exists():
        pytest.skip(f"real music not found at {DRASCULA}: install drascula-music")
    audio, rate = sf.read(DRASCULA, dtype="float32", always_2d=True)
    middle, half = audio.shape[0] // 2, 6 * rate
    piece = audio[middle - half : middle + half]
    clipped = np.clip(piece / np.abs(piece).max() * 2.0, -1.0, 1.0)  # 6 dB into full scale
    path = tmp_path_factory.mktemp("codecs") / "loud-master.flac"
    sf.write(path, clipped, rate, subtype="PCM_16")
    return analysed_review(server, path, None)


def test_the_codec_check_shows_the_decoded_peaks_and_plays_an_excerpt(
    new_page: Any, server: Any, clipped_review: dict[str, Any]
) -> None:
    page: Page = new_page(session=clipped_review["session"])
    review_id = clipped_review["review"]["id"]
    page.open(f"#/review/{review_id}")
    wait_for_results(page)
    # A master review's check started by itself when its analysis was done: the button shows
    # it (its progress while it still runs, which may be over by now).
    page.page.click("#codecs-check")
    page.page.wait_for_selector("#codecs-results:not([hidden])", timeout=90_000)

    auth = {"Authorization": f"Bearer {clipped_review['session']['token']}"}
    with httpx.Client(base_url=server.url, timeout=60.0) as client:
        body = client.get(f"/api/reviews/{review_id}/codecs", headers=auth).json()
    aac = body["codecs"][0]
    assert aac["true_peak_change_db"] > 0 and aac["clipped_samples"] > 0
    row = page.page.locator('tr[data-codec="aac"]')
    assert (
        row.locator(".codec-peak")
        .inner_text()
        .startswith(shown(aac["true_peak_dbtp"], decimals=2, signed=True))
    )
    assert row.locator(".codec-clipped").inner_text() == str(aac["clipped_samples"])
    for p in body["platforms"]:
        cells = page.page.locator(f'#codecs-results tr[data-platform="{p["platform"]}"]')
        peak = cells.locator(".codec-platform-peak").inner_text()
        assert peak.startswith(shown(p["decoded_peak_after_gain_dbtp"], decimals=2, signed=True))
        verdict = cells.locator(".codec-verdict").inner_text()
        assert verdict.startswith("Over" if p["verdict"] == "over" else "Within")
    page.shot("codecs-table")

    page.page.click('#codecs-results tr[data-platform="spotify"] .codec-listen')
    decoded = page.page.locator('audio[data-kind="decoded"]')
    decoded.wait_for(timeout=30_000)
    assert page.page.locator("audio.codec-audio").count() == 4
    page.page.evaluate("document.querySelector('audio[data-kind=decoded]').play()")
    page.page.wait_for_function(
        "() => document.querySelector('audio[data-kind=decoded]').currentTime > 0.3"
    )
    duration = page.page.evaluate("document.querySelector('audio[data-kind=decoded]').duration")
    assert duration == pytest.approx(10.0, abs=0.05)
