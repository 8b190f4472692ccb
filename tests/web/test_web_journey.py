"""The whole journey in a real browser: open the page, upload a clipped master (by the picker)
and a reference (by drag and drop), watch the analysis's progress, read the metrics, find the
clipping on the waveform and jump to it, compare A/B, read the streamed feedback, ask a
follow-up question, reload and find it all again in the history.

Everything the page shows is checked against what the API returns for the same review."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect
from web_page import Page
from web_steps import (
    REQUEST,
    drop_file,
    fill_form,
    position,
    shown,
    span,
    wait_for_position,
    wait_for_results,
)

from mixcoach.formatting import count, number


def words(text: str) -> list[str]:
    """The words of a text, without Markdown's marks (list numbers, emphasis, headings)."""
    text = re.sub(r"^\s*\d+\.\s", " ", text, flags=re.MULTILINE)
    return re.findall(r"\w+", text)


def record_progress(page: Page) -> None:
    """Note every text the progress line shows (the test's own observer, not the page's)."""
    page.page.evaluate(
        """() => {
            window.progressSeen = [];
            new MutationObserver(() => {
                window.progressSeen.push(document.getElementById("progress-stage").textContent);
            }).observe(document.getElementById("progress-stage"),
                       { childList: true, characterData: true, subtree: true });
            window.feedbackNodes = [];
            new MutationObserver((records) => {
                const added = records.flatMap((r) => [...r.addedNodes]);
                window.feedbackNodes.push(...added.map((n) => n.id));
            }).observe(document.getElementById("feedback"), { childList: true });
        }"""
    )


def test_upload_analyse_read_ask_and_come_back(page: Page, mixes: Any) -> None:
    page.open()
    assert page.page.title() == "New review · Mixcoach"
    assert page.text("#history-empty") == "Nothing uploaded yet."
    page.shot("01-empty-page")

    # Upload: the track by the picker, the reference dropped on its box.
    fill_form(page, mixes.track, **REQUEST)
    drop_file(page, "reference", mixes.reference)
    assert page.text("#track-chosen").startswith("clipped-master.wav · 2.1 MB")
    assert page.text("#reference-chosen").startswith("reference-master.wav · 2.1 MB")
    assert page.page.locator("#genre-description").inner_text().startswith("Electronic dance")
    page.shot("02-form-filled")
    record_progress(page)
    page.page.click("#upload-submit")

    # Progress: stages with percentages, rising, until the results replace it.
    page.page.wait_for_selector("#progress-section:not([hidden])")
    page.shot("03-progress")
    wait_for_results(page)
    seen = page.page.evaluate("window.progressSeen")
    percents = [int(m.group(1)) for text in seen if (m := re.search(r"(\d+)%$", text))]
    assert percents, seen
    assert percents == sorted(percents), seen
    assert any(text.startswith("Measuring the track") for text in seen), seen
    assert page.page.locator("#progress-section").is_hidden()
    review_id = page.page.evaluate("location.hash").removeprefix("#/review/")
    analysis = page.api(f"/api/reviews/{review_id}/analysis").json()

    # The title names both files; the history lists the new review as the current one.
    assert page.text("#review-title") == "clipped-master.wav vs reference-master.wav"
    assert page.page.title() == "clipped-master.wav vs reference-master.wav · Mixcoach"
    assert "Master review · EDM / House" in page.text("#review-meta")
    current = page.page.locator('#history-list [aria-current="true"]')
    assert current.locator(".history-name").inner_text() == "clipped-master.wav"

    # Metric cards: one per metric, each value, target and status as the analysis has it,
    # written as the server writes them (findings/metric_view.py, the PDF's formatter too).
    cards = page.page.locator("#metrics > li")
    assert cards.count() == len(analysis["metrics"])
    by_metric = {m["metric"]: m for m in analysis["metrics"]}
    loudness = page.page.locator('[data-metric="loudness.integrated_lufs"]')
    integrated = by_metric["loudness.integrated_lufs"]
    assert loudness.locator(".metric-value").inner_text() == number(integrated["value"])
    assert integrated["status"] == "high"
    assert "High" in loudness.locator(".pill").inner_text()
    target = (
        f"Target {number(integrated['target_low'])} to {number(integrated['target_high'])} LUFS"
    )
    assert target in loudness.inner_text()
    assert integrated["note"] in loudness.inner_text()
    clips = page.page.locator('[data-metric="defects.clip_run_count"]')
    assert clips.locator(".metric-value").inner_text() == count(
        analysis["defects"]["clip_run_count"]
    )
    assert "Problem" in clips.locator(".pill").inner_text()
    page.shot_of("#metrics-section", "04-metrics")

    # The planted clipping: found, marked on the waveform at its times, and a click jumps there.
    clipping = next(f for f in analysis["findings"] if f["code"] == "clipping")
    assert clipping["severity"] == "problem" and clipping["time_ranges"]
    page.page.wait_for_selector("#play:not([disabled])")
    # Runs of clipping that nearly touch are one place on the waveform; the longest are painted.
    regions = page.page.locator('.finding-region[data-finding="clipping"]')
    regions.first.wait_for(state="attached")
    painted = regions.count()
    assert 1 <= painted <= min(8, len(clipping["time_ranges"]))
    finding = page.page.locator("#finding-clipping")
    assert clipping["title"] in finding.inner_text()
    chips = finding.locator("button.chip")
    # The latest run that leaves the track playing for 2 s after it (the track is 12 s long).
    ranges = clipping["time_ranges"]
    index = max(
        i for i, r in enumerate(ranges) if r["start_s"] + 2 < analysis["file"]["duration_s"]
    )
    last = ranges[index]
    assert chips.nth(index).locator(".chip-place").inner_text() == span(
        last["start_s"], last["end_s"]
    )
    chips.nth(index).click()
    start = int(last["start_s"])
    assert start <= position(page) <= start + 1
    expect(page.page.locator("#play")).to_have_text("Pause")  # the click also plays from there
    wait_for_position(page, start + 1)  # and the track really plays
    page.page.click("#play")
    expect(page.page.locator("#play")).to_have_text("Play")
    paused_at = position(page)
    page.shot_of("#player-section", "05-player-and-findings")

    # A/B, loudness-matched: the louder one (the clipped track) is turned down by the gain the
    # reference comparison gives; switching keeps the place. (The A/B buttons come once the
    # reference's audio is in, after the track's.)
    gain = analysis["reference"]["comparison"]["gain_to_match_db"]
    assert gain < 0
    expect(page.page.locator("#ab")).to_be_visible()
    assert page.text("#ab-gains") == (
        f"Track {shown(gain, decimals=1, signed=True)} dB, reference 0.0 dB"
    )
    page.page.click("#ab-reference")
    assert page.page.get_attribute("#ab-reference", "aria-pressed") == "true"
    assert position(page) == paused_at
    page.page.uncheck("#ab-match")
    assert page.text("#ab-gains") == "Played as they are"
    page.page.check("#ab-match")
    page.page.click("#ab-track")

    # Charts: loudness, spectrum, the reference difference, correlation drawn; a width bar per band.
    for chart in ("loudness", "spectrum", "difference", "correlation"):
        assert page.page.locator(f"#chart-{chart} canvas").count() == 1, chart
    assert page.page.locator("#chart-width [data-band]").count() == len(analysis["stereo"]["bands"])
    page.shot_of("#charts-section", "06-charts")

    # Feedback: streamed (the live element was on the page), then the stored sections, each
    # with buttons to the findings it comes from.
    feedback = page.api(f"/api/reviews/{review_id}/feedback").json()
    assert "feedback-live" in page.page.evaluate("window.feedbackNodes")
    sections = page.page.locator(".feedback-section")
    assert sections.count() == len(feedback["sections"])
    assert page.text("#review-headline") == page.text("#feedback-headline")
    assert words(page.text("#feedback-headline")) == words(feedback["headline"])
    linked = page.page.locator(".feedback-section [data-finding-link='clipping']")
    assert linked.count() >= 1
    linked.first.click()
    assert page.page.evaluate("document.activeElement.id") == "finding-clipping"
    page.shot_of("#feedback-section", "07-feedback")

    # Streaming services: one row per service, in order, each figure as GET /platforms computed
    # it; this master review's delivery verdicts (from the feedback) take the rows' notes.
    platforms = page.api(f"/api/reviews/{review_id}/platforms").json()["platforms"]
    assert platforms
    expect(page.page.locator("#platforms")).to_be_visible()
    rows = page.page.locator("#platforms tbody tr")
    assert [rows.nth(i).get_attribute("data-platform") for i in range(rows.count())] == [
        p["platform"] for p in platforms
    ]
    for p in platforms:
        row = page.page.locator(f'#platforms tr[data-platform="{p["platform"]}"]')
        assert row.locator("th").inner_text() == p["label"]
        assert row.locator(".platform-gain").inner_text() == (
            f"{shown(p['gain_db'], decimals=1, signed=True)} dB"
        )
        assert row.locator(".platform-loudness").inner_text() == (
            f"{shown(p['playback_lufs'], decimals=1)} LUFS"
        )
        assert row.locator(".platform-peak").inner_text() == (
            f"{shown(p['playback_peak_dbtp'], decimals=1)} dBTP"
        )
        assert row.locator(".platform-ceiling").inner_text() == (
            f"their ceiling {shown(p['ceiling_dbtp'], decimals=1)} dBTP"
        )
        assert f"Source: {p['source']}" in row.inner_text()
    assert any(p["exceeds_ceiling"] for p in platforms)  # the clipped master peaks over
    assert feedback["delivery"]
    for verdict in feedback["delivery"]:
        row = page.page.locator(f'#platforms tr[data-platform="{verdict["platform"]}"]')
        expect(row.locator(".platform-note")).to_have_text(verdict["note"])
    page.shot_of("#platforms-section", "08-platforms")

    # A follow-up question; the answer streams in and is the one the API stored.
    page.page.fill("#chat-question", "How do I fix the clipping without losing loudness?")
    page.page.press("#chat-question", "Enter")
    answer = page.page.locator('.chat-message[data-role="assistant"]:not([aria-busy])')
    answer.wait_for()
    chat = page.api(f"/api/reviews/{review_id}/chat").json()["messages"]
    assert [m["role"] for m in chat] == ["user", "assistant"]
    assert words(answer.locator(".prose-mc").inner_text()) == words(chat[1]["content"])
    assert (
        page.page.locator('.chat-message[data-role="user"]')
        .inner_text()
        .endswith("How do I fix the clipping without losing loudness?")
    )
    assert page.page.input_value("#chat-question") == ""
    page.shot_of("#chat-section", "09-chat")

    # Reload: the session survives, the review reopens from the address, with its conversation,
    # its feedback read back from storage (not written again), and it is in the history.
    page.page.reload()
    wait_for_results(page)
    assert page.page.locator(".chat-message").count() == 2
    assert page.page.locator("#feedback-live").count() == 0
    history = page.page.locator("#history-list > li")
    assert history.count() == 1
    assert history.first.locator(".history-name").inner_text() == "clipped-master.wav"
    page.page.wait_for_selector("#play:not([disabled])")
    page.shot("10-after-reload")

    # Back to the form, then reopen the review from the history.
    page.page.click("#new-review")
    page.page.wait_for_selector("#upload-view:not([hidden])")
    history.first.locator("a").click()
    wait_for_results(page)
    assert page.page.evaluate("location.hash") == f"#/review/{review_id}"
    assert page.page.locator(".chat-message").count() == 2
    page.page.wait_for_selector("#play:not([disabled])")
    expect(regions).to_have_count(painted)
    page.shot("11-reopened-from-history")
