"""The "Hear the fixes" panel on a real recording with an inverted channel: listed lazily with
"All fixes" first, before and after switching at the same position with the A/B keys, the
level-matching gain the API reports, and the finding card's button opening its preview."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import mixes
import pytest
import soundfile as sf
from web_page import Page
from web_steps import analysed_review, shown, wait_for_results

TRACK = Path("/usr/share/scummvm/drascula/audio/track1.ogg")  # 44.1 kHz

POSITIONS = """() => {
    const before = document.getElementById("preview-audio-before");
    const after = document.getElementById("preview-audio-after");
    return {before: before.currentTime, after: after.currentTime,
            beforePaused: before.paused, afterPaused: after.paused};
}"""

PLAYED_PAST = """([side, seconds]) =>
    document.getElementById(`preview-audio-${side}`).currentTime > seconds"""


def settled(server: Any, review: dict[str, Any]) -> dict[str, Any]:
    """``review`` once its codec check has finished: a master review's plan (its ceiling) reads
    the decoded peaks, so the previews the page shows and the API gives are of one plan."""
    auth = {"Authorization": f"Bearer {review['session']['token']}"}
    url = f"{server.url}/api/reviews/{review['review']['id']}/codecs"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if httpx.get(url, headers=auth, timeout=30).status_code == 200:
            return review
        time.sleep(0.2)
    raise AssertionError("the codec check did not finish")


@pytest.fixture(scope="module")
def flipped(server: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not TRACK.exists():
        pytest.skip(f"{TRACK} is not installed (scripts/test.sh installs it)")
    rate = sf.info(str(TRACK)).samplerate
    audio, rate = sf.read(str(TRACK), start=30 * rate, frames=12 * rate, always_2d=True)
    audio[:, 1] *= -1  # the planted defect: one channel's polarity inverted
    path = tmp_path_factory.mktemp("previews") / "flipped-mix.wav"
    sf.write(str(path), audio, rate, subtype="PCM_16")
    return settled(server, analysed_review(server, path, None))


def test_before_and_after_switch_at_the_same_place_with_the_matching_gain(
    new_page: Any, flipped: dict[str, Any]
) -> None:
    page: Page = new_page(session=flipped["session"])
    review_id = flipped["review"]["id"]
    page.open(f"#/review/{review_id}")
    wait_for_results(page)
    p = page.page
    assert p.locator("#previews-list [data-preview]").count() == 0  # nothing before it opens

    p.click("#previews-box summary")
    p.wait_for_selector("#previews-detail[data-preview='all']")
    assert p.locator("#previews-list [data-preview]").first.get_attribute("data-preview") == "all"
    assert "All fixes" in page.text("#previews-list [data-preview='all']")
    p.wait_for_selector("#preview-play:not([disabled])", timeout=30_000)
    assert page.text("#previews-status") == ""

    rendered = page.api(f"/api/reviews/{review_id}/previews/all").json()
    gain = page.text("#preview-gain")
    assert shown(abs(rendered["gain_db"]), decimals=1) in gain and "dB" in gain
    assert float(p.get_attribute("#preview-gain", "data-gain-db") or "nan") == rendered["gain_db"]
    assert p.locator("#preview-changes [data-metric='correlation']").count() == 1

    p.focus("#preview-play")
    p.keyboard.press(" ")  # Space plays the before
    p.wait_for_function(PLAYED_PAST, arg=["before", 1.5])
    p.keyboard.press("b")
    switched = p.evaluate(POSITIONS)
    assert switched["beforePaused"] and not switched["afterPaused"], switched
    assert abs(switched["after"] - switched["before"]) < 0.3, switched
    assert p.get_attribute("#preview-after", "aria-pressed") == "true"
    start = switched["after"]
    p.wait_for_function(PLAYED_PAST, arg=["after", start + 0.5])
    assert p.evaluate(POSITIONS)["beforePaused"]
    page.shot_of("#previews-section", "40-previews-after")

    p.keyboard.press("a")
    back = p.evaluate(POSITIONS)
    assert back["afterPaused"] and not back["beforePaused"], back
    assert abs(back["after"] - back["before"]) < 0.3, back

    # The inverted channel's finding card offers its own preview, and opens it in the panel.
    card_button = p.locator("#findings [data-preview-open]").first
    preview_id = card_button.get_attribute("data-preview-open")
    assert preview_id and preview_id != "all"
    card_button.click()
    p.wait_for_selector(f"#previews-detail[data-preview='{preview_id}']")
    p.wait_for_selector("#preview-play:not([disabled])", timeout=30_000)
    chosen = f"#previews-list [data-preview='{preview_id}']"
    assert p.get_attribute(chosen, "aria-pressed") == "true"
    p.click("#previews-box summary")  # closed: nothing plays unseen
    assert all(p.evaluate(POSITIONS)[f"{side}Paused"] for side in ("before", "after"))


@pytest.fixture(scope="module")
def bright_and_quiet(server: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real excerpt with a +10 dB shelf above 4 kHz, 20 dB under its level: a master review
    calls for an EQ cut and a limiter."""
    if not TRACK.exists():
        pytest.skip(f"{TRACK} is not installed (scripts/test.sh installs it)")
    rate = sf.info(str(TRACK)).samplerate
    audio, rate = sf.read(str(TRACK), start=30 * rate, frames=12 * rate, always_2d=True)
    planted = mixes.plant_gain(mixes.plant_high_shelf(audio.T, sample_rate_hz=rate))
    path = tmp_path_factory.mktemp("settings") / "bright-quiet.wav"
    sf.write(str(path), planted.T, rate, subtype="FLOAT")
    return settled(server, analysed_review(server, path, None))


def test_each_setting_reads_as_its_preset_and_opens_the_preview_that_plays_it(
    new_page: Any, bright_and_quiet: dict[str, Any]
) -> None:
    page: Page = new_page(session=bright_and_quiet["session"])
    review_id = bright_and_quiet["review"]["id"]
    page.open(f"#/review/{review_id}")
    wait_for_results(page)
    p = page.page
    presets = page.api(f"/api/reviews/{review_id}/presets").json()
    previews = page.api(f"/api/reviews/{review_id}/previews").json()
    cut = next(move for move in presets["eq"] if move["kind"] == "high_shelf")
    place = f"eq.{presets['eq'].index(cut)}"
    assert presets["limiter"] is not None
    p.wait_for_selector(f"#presets-list [data-place='{place}'] [data-hear]")
    row = page.text(f"#presets-list [data-place='{place}']")
    assert "High shelf" in row and shown(cut["gain_db"], decimals=1, signed=True) in row
    assert shown(cut["frequency_hz"] / 1000, decimals=2) + " kHz" in row
    limiter = page.text("#presets-list [data-place='limiter']")
    assert shown(presets["limiter"]["ceiling_dbtp"], decimals=1) + " dBTP" in limiter

    # "Hear it" opens the preview that plays this very setting, with its A/B switch.
    (playing,) = [p for p in previews if place in p["presets"] and p["move"] != "all"]
    p.click(f"#presets-list [data-place='{place}'] [data-hear]")
    p.wait_for_selector(f"#previews-detail[data-preview='{playing['id']}']")
    p.wait_for_selector("#preview-play:not([disabled])", timeout=30_000)
    p.click("#preview-after")
    assert p.get_attribute("#preview-after", "aria-pressed") == "true"
    page.shot_of("#presets-section", "41-settings")
