"""Versions and albums in a real browser: upload a clean excerpt of a real recording, then a
louder, hard-clipped render of it as its new version; the review shows the timeline (v1, v2)
and the comparison saying the clipping is new, with its amount. Then the two reviews become an
album, whose table shows each track's figures and the album gain per streaming service; it is
listed under the history (not in another browser's) and deleting it keeps its reviews.

What the page shows is checked against what the API returns for the same reviews."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from recordings import DRASCULA, at_loudness, excerpt, hard_clipped, write
from web_page import Page
from web_steps import REQUEST, fill_form, shown, wait_for_results

SECONDS = 20.0


def squashed(text: str) -> str:
    return " ".join(text.split())


def upload(page: Page, track: Path, *, version_of: str = "") -> str:
    """Upload ``track`` through the form (as a new version of the track named ``version_of``)
    and wait for its review; the review's id."""
    page.page.click("#new-review")
    page.page.wait_for_selector("#upload-view:not([hidden])")
    fill_form(page, track, **REQUEST)
    if version_of:
        option = page.page.locator("#version-of option", has_text=version_of).first
        page.page.select_option("#version-of", option.get_attribute("value"))
    page.page.click("#upload-submit")
    page.page.wait_for_url("**/#/review/*")
    wait_for_results(page)
    return page.page.url.rsplit("/", 1)[1]


def test_a_clipped_new_version_and_an_album(
    page: Page, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    audio, rate = excerpt(DRASCULA / "track1.ogg", seconds=SECONDS)
    clean = at_loudness(audio, rate, lufs=-20.0)
    v1 = write(tmp_path / "Song.wav", clean, rate, subtype="PCM_16")
    v2 = write(tmp_path / "Song v2.wav", hard_clipped(clean, gain_db=9.0), rate, subtype="PCM_16")
    final = write(
        tmp_path / "Song final.wav", at_loudness(audio, rate, lufs=-19.0), rate, subtype="PCM_16"
    )
    other_audio, other_rate = excerpt(DRASCULA / "track2.ogg", seconds=SECONDS)
    other = at_loudness(other_audio, other_rate, lufs=-20.5)
    other_song = write(tmp_path / "Other.wav", other, other_rate, subtype="PCM_16")

    page.open()
    first = upload(page, v1)
    # The only version so far: one entry in the timeline, this one.
    page.page.wait_for_selector("#versions-timeline li")
    assert page.page.locator("#versions-timeline li").count() == 1
    assert "only version" in page.text("#versions-intro")
    assert page.page.locator(".feedback-section h3", has_text="Since").count() == 0

    # The page offers the session's tracks as what a new upload is a version of.
    page.page.click("#new-review")
    assert "Song.wav" in page.text("#version-of")
    second = upload(page, v2, version_of="Song.wav")
    assert second != first

    # The timeline: v1 then v2, this review (v2) marked, each with its file name and date.
    page.page.wait_for_selector("#versions-timeline li >> nth=1")
    items = page.page.locator("#versions-timeline li")
    assert items.count() == 2
    assert [items.nth(i).locator(".version-number").inner_text() for i in range(2)] == ["v1", "v2"]
    assert items.nth(0).locator(".version-name").inner_text() == "Song.wav"
    assert items.nth(1).locator(".version-name").inner_text() == "Song v2.wav"
    assert items.nth(1).get_attribute("aria-current") == "true"
    assert items.nth(0).get_attribute("aria-current") == "false"
    assert items.nth(0).locator(".version-date").inner_text() != ""

    # The comparison with v1, as the API gives it.
    page.page.wait_for_selector(".versions-summary")
    compared = page.api(f"/api/reviews/{first}/compare/{second}").json()
    assert page.text(".versions-summary") == compared["summary"]
    assert "clipping" in compared["summary"].lower()
    clipping = next(f for f in compared["findings"] if f["code"] == "clipping")
    assert clipping["status"] == "new"
    row = page.page.locator('.finding-change[data-code="clipping"]')
    assert row.get_attribute("data-status") == "new"
    assert row.locator(".pill").inner_text() == "New"
    assert shown(clipping["value_after"]) in row.inner_text()
    # The metrics: the true peak went up, shown as a positive change.
    peak = next(m for m in compared["metrics"] if "true_peak" in m["metric"])
    assert peak["change"] > 0
    row_of_peak = f'.metric-change[data-metric="{peak["metric"]}"]'
    change = page.page.locator(f"{row_of_peak} .metric-change-amount")
    assert change.inner_text().startswith("+" + shown(peak["change"]))
    page.shot_of("#versions-section", "versions-01-compared")
    # The feedback on v2 says what changed since v1, as the comparison does.
    since = page.page.locator(".feedback-section").filter(
        has=page.page.locator("h3", has_text="Since v1")
    )
    assert since.count() == 1
    assert squashed(compared["summary"]) in squashed(since.inner_text())

    # A render uploaded without naming its earlier version: the page suggests the song's
    # versions, and compares with one at a click (the earlier one first).
    page.page.click("#new-review")
    assert page.page.input_value("#version-of") == ""  # the choice does not stick
    fourth = upload(page, final)
    assert page.page.locator("#versions-timeline li").count() == 1
    page.page.wait_for_selector("#versions-suggestions-box:not([hidden]) .version-suggestion")
    suggested = page.api(f"/api/reviews/{fourth}/versions").json()["suggestions"]
    assert first in [s["review_id"] for s in suggested]
    page.page.click('#versions-suggestions button[aria-label="Compare with Song.wav"]')
    page.page.wait_for_selector(".versions-summary")
    against_v1 = page.api(f"/api/reviews/{first}/compare/{fourth}").json()
    assert page.text(".versions-summary") == against_v1["summary"]
    # Linked at a click after v2: the review opens again as v3, its feedback written anew with
    # what changed since v2.
    link = 'button[aria-label="Link with Song v2.wav as versions of one song"]'
    page.page.click(f"#versions-suggestions {link}")
    page.page.wait_for_selector("#versions-timeline li:nth-child(3)")
    lineage = page.api(f"/api/reviews/{fourth}/versions").json()["versions"]
    assert [(v["number"], v["review_id"]) for v in lineage] == [
        (1, first),
        (2, second),
        (3, fourth),
    ]
    assert "this review is v3" in page.text("#versions-intro")
    page.page.locator(".feedback-section h3", has_text="Since v2").wait_for()
    since_v2 = page.api(f"/api/reviews/{second}/compare/{fourth}").json()["summary"]
    assert squashed(since_v2) in squashed(page.text("#versions-comparison .versions-summary"))

    # An album of v1, v2 and another song, chosen in the history panel: v2 (9 dB louder and
    # clipped) stands out from the other two.
    third = upload(page, other_song)
    page.page.wait_for_selector("#album-form:not([hidden])")
    for review_id in (first, second, third):
        page.page.check(f"#album-choice-{review_id}")
    page.page.fill("#album-title-input", "First EP")
    page.page.click("#album-create")
    page.page.wait_for_url("**/#/album/*")
    page.page.wait_for_selector("#album-view:not([hidden]) .album-track")
    album_id = page.page.url.rsplit("/", 1)[1]
    album: dict[str, Any] = page.api(f"/api/albums/{album_id}").json()
    assert page.text("#album-name") == "First EP"
    assert page.page.evaluate("document.activeElement.id") == "album-name"
    assert page.page.title() == "First EP · Mixcoach"
    rows = page.page.locator(".album-track")
    assert rows.count() == 3
    for i, track in enumerate(album["tracks"]):
        text = rows.nth(i).inner_text()
        assert track["name"] in text
        assert shown(track["integrated_lufs"]) in text
        assert shown(track["true_peak_dbtp"]) in text
    # One gain per service for the whole album.
    for platform in album["playback"]:
        service = f'.album-platform[data-platform="{platform["platform"]}"]'
        gain = page.page.locator(f"{service} .album-gain")
        assert gain.inner_text() == f"{shown(platform['album_gain_db'], signed=True)} dB"
        # and where each track then plays: its own loudness plus that one gain
        cells = page.page.locator(f"{service} td").all_inner_texts()[1:]
        assert len(cells) == len(album["tracks"])
        for cell, played, track in zip(cells, platform["tracks"], album["tracks"], strict=True):
            if played["playback_lufs"] is None:
                continue
            expected = track["integrated_lufs"] + platform["album_gain_db"]
            assert played["playback_lufs"] == pytest.approx(expected)
            assert cell.startswith(f"{shown(played['playback_lufs'])} LUFS")
    loud = [o for o in album["outliers"] if o["metric"] == "loudness.integrated_lufs"]
    assert [o["track_id"] for o in loud] == [second]
    assert loud[0]["difference"] > 0
    louder = page.page.locator(f'.album-track[data-review="{second}"] .album-outlier').inner_text()
    assert f"{shown(loud[0]['difference'])} LU {loud[0]['label']}" in louder
    for outlier in album["outliers"]:
        assert shown(abs(outlier["difference"])) in page.text("#album-outliers")
    page.shot_of("#album-view", "versions-02-album")

    # The album is listed under the history, with its number of tracks.
    entry = page.page.locator(f'.album-entry[data-album="{album_id}"]')
    entry.wait_for()
    assert entry.locator(".album-entry-title").inner_text() == "First EP"
    assert "3 tracks" in entry.inner_text()

    # Another browser has its own session: no album listed, and this one is not found.
    stranger = new_page()
    stranger.open()
    stranger.page.evaluate(f"location.hash = '#/album/{album_id}'")
    stranger.page.wait_for_selector("#album-view-error:not([hidden])")
    assert stranger.text("#album-name") == "Album not found"
    assert stranger.page.locator("#album-delete").is_hidden()
    assert stranger.page.locator("#albums-box").is_hidden()
    assert stranger.page.locator(".album-entry").count() == 0
    assert stranger.api("/api/albums").json() == []

    # Deleting the album from its view leaves it and lists none; its reviews stay.
    page.page.click("#album-delete")
    page.page.wait_for_url("**/#/")
    page.page.wait_for_selector("#albums-box", state="hidden")
    assert page.api("/api/albums").json() == []
    kept = {r["id"] for r in page.api("/api/reviews").json()}
    assert {first, second, third} <= kept
    for review_id in (first, second, third):
        assert page.page.locator(f'#history-list [data-review="{review_id}"]').count() >= 1
