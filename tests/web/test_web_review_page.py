"""A review without a reference, opened in a new tab: what the tab, the history, the charts
and the browser's console show."""

from __future__ import annotations

import re
from typing import Any

import pytest
from web_page import Page
from web_steps import REQUEST, analysed_review, shown, span, wait_for_results

from mixcoach.audio.rhythm import Rhythm
from mixcoach.findings.metric_view import metric_views
from mixcoach.findings.metrics import MetricStatus
from mixcoach.knowledge.genres import resolve_profile


@pytest.fixture(scope="module")
def solo(server: Any, mixes: Any) -> dict[str, Any]:
    return analysed_review(server, mixes.shared("solo-master.wav"), None)


@pytest.fixture
def opened(new_page: Any, solo: dict[str, Any]) -> tuple[Page, list[str]]:
    page: Page = new_page(session=solo["session"])
    console: list[str] = []
    page.page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.open(f"#/review/{solo['review']['id']}")
    wait_for_results(page)
    return page, console


def test_the_first_open_writes_feedback_without_a_failed_request(
    opened: tuple[Page, list[str]], solo: dict[str, Any]
) -> None:
    """The review says it has no feedback yet, so the page writes it at once instead of asking
    for it first and logging the 404 in the console."""
    page, console = opened
    assert solo["review"]["has_feedback"] is False
    assert not console, console
    again = page.api(f"/api/reviews/{solo['review']['id']}").json()
    assert again["has_feedback"] is True


def test_the_tab_and_the_history_name_the_review(
    opened: tuple[Page, list[str]], solo: dict[str, Any]
) -> None:
    page, _ = opened
    assert page.page.title() == "solo-master.wav · Mixcoach"
    entry = page.page.locator('#history-list [aria-current="true"]').inner_text()
    profile = resolve_profile(REQUEST["genre"], REQUEST["subgenre"])
    assert profile.label in entry
    level = solo["review"]["detail_level"]
    assert f"· {level.capitalize()}" in entry  # the detail level, not only the type
    page.page.click("#new-review")
    page.page.wait_for_selector("#upload-view:not([hidden])")
    assert page.page.title() == "New review · Mixcoach"


def test_width_bars_without_a_reference_have_no_stray_text(
    opened: tuple[Page, list[str]], solo: dict[str, Any]
) -> None:
    page, _ = opened
    text = page.text("#chart-width")
    assert "null" not in text and "reference" not in text.lower()
    analysis = page.api(f"/api/reviews/{solo['review']['id']}/analysis").json()
    assert page.page.locator("#chart-width [data-band]").count() == len(analysis["stereo"]["bands"])


def test_time_charts_read_in_minutes_and_seconds(opened: tuple[Page, list[str]]) -> None:
    """Hovering the loudness chart shows the time under the cursor as m:ss.t, as the player
    and the findings write it."""
    page, _ = opened
    chart = page.page.locator("#chart-loudness .u-over")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None
    chart.hover(position={"x": box["width"] * 0.6, "y": box["height"] / 2})
    shown = page.page.locator("#chart-loudness .u-legend .u-series").first.inner_text()
    assert re.search(r"0:\d\d\.\d$", shown), shown
    assert not re.search(r"\d s\b", shown), shown


def _tempo_card(page: Page) -> dict[str, str]:
    card = page.page.locator('#metrics [data-metric="rhythm.tempo_bpm"]')
    return {
        "pill": card.locator(".pill").inner_text(),
        "pill_class": card.locator(".pill").get_attribute("class") or "",
        "value": card.locator(".metric-value").inner_text(),
        "note": card.locator(".metric-note").inner_text(),
        "target": card.locator(".metric-target").inner_text(),
    }


def test_tempo_and_key_are_information_not_defects(
    opened: tuple[Page, list[str]], solo: dict[str, Any]
) -> None:
    """The tempo shows its BPM and the confidence of the reading, in the neutral colour, with
    no high/low verdict against the style; the key likewise."""
    page, _ = opened
    analysis = page.api(f"/api/reviews/{solo['review']['id']}/analysis").json()
    rhythm = analysis["rhythm"]
    tempo = _tempo_card(page)
    assert tempo["value"] == shown(rhythm["tempo_bpm"])
    assert f"Confidence {shown(rhythm['confidence'], decimals=2)}" in tempo["note"]
    assert "status-info" in tempo["pill_class"]
    assert ("Uncertain" in tempo["pill"]) == bool(rhythm["uncertain"])
    for word in ("High", "Low", "▲", "▼", "above the target", "below the target"):
        assert word not in tempo["pill"] + tempo["note"] + tempo["target"], tempo
    key = page.page.locator('#metrics [data-metric="tonality.key"] .pill')
    assert "status-info" in (key.get_attribute("class") or "")


def test_an_uncertain_tempo_says_so(new_page: Any, solo: dict[str, Any]) -> None:
    """The same review with its tempo read below the confidence threshold (the metric views as
    the server computes them for that reading): the card says "Uncertain" and names the
    runner-up."""
    page: Page = new_page(session=solo["session"])
    page.open("#/")
    analysis = page.api(f"/api/reviews/{solo['review']['id']}/analysis").json()
    rhythm = Rhythm.model_validate(analysis["rhythm"]).model_copy(
        update={
            "confidence": 0.12,
            "uncertain": True,
            "alternative_bpm": 64.0,
            "alternative_relation": "half",
        }
    )
    metrics = [MetricStatus.model_validate(m) for m in analysis["metrics"]]
    views = [view.model_dump() for view in metric_views(metrics, rhythm)]
    page.page.route("**/metrics", lambda route: route.fulfill(json=views))
    page.open(f"#/review/{solo['review']['id']}")
    wait_for_results(page)
    tempo = _tempo_card(page)
    assert "Uncertain" in tempo["pill"] and "status-info" in tempo["pill_class"]
    assert "Confidence 0.12" in tempo["note"] and "weak" in tempo["note"]
    assert "64.0 BPM (half time)" in tempo["note"]


def test_the_offline_coach_offers_no_rewrite_that_would_repeat_itself(
    opened: tuple[Page, list[str]],
) -> None:
    """The built-in coach gives the same words for the same measurements: the page says so
    instead of offering "Write it again"."""
    page, _ = opened
    assert page.page.locator("#feedback-again").is_hidden()
    assert "same answer" in page.text("#feedback-engine")


def test_a_language_model_can_be_asked_again(new_page: Any, solo: dict[str, Any]) -> None:
    """Feedback a language model wrote (the stored feedback, as the server sends it, under a
    model's name) can be written again; feedback the built-in coach wrote in its place offers
    to ask the model again."""
    page: Page = new_page(session=solo["session"])
    engine = {"engine": "openai:test-model", "fallback_reason": None}

    def by_a_model(route: Any) -> None:
        if route.request.method != "GET":
            route.continue_()
            return
        feedback = route.fetch().json()
        feedback.update(engine)
        route.fulfill(json=feedback)

    page.page.route("**/feedback", by_a_model)
    page.open()
    feedback = f"/api/reviews/{solo['review']['id']}/feedback"
    page.api(feedback, method="POST").raise_for_status()  # written (or already there): stored
    page.open(f"#/review/{solo['review']['id']}")
    wait_for_results(page)
    again = page.page.locator("#feedback-again")
    assert again.is_visible() and again.inner_text() == "Write it again"
    assert "same answer" not in page.text("#feedback-engine")
    assert "test-model" in page.text("#feedback-engine")

    engine.update(engine="offline", fallback_reason="the model timed out")
    page.open("#/")
    page.open(f"#/review/{solo['review']['id']}")
    wait_for_results(page)
    assert "language model again" in again.inner_text()
    assert "timed out" in page.text("#feedback-engine")


def test_time_chips_are_named_by_what_they_show(
    opened: tuple[Page, list[str]], solo: dict[str, Any]
) -> None:
    """Each place a finding names is a button whose accessible name starts with all it shows,
    the ▶ and the times (WCAG 2.5.3, label in name), then says it plays from there."""
    page, _ = opened
    analysis = page.api(f"/api/reviews/{solo['review']['id']}/analysis").json()
    clipping = next(f for f in analysis["findings"] if f["code"] == "clipping")
    chips = page.page.locator("#finding-clipping button.chip")
    assert chips.count() == min(len(clipping["time_ranges"]), 12)
    for chip, place in zip(chips.all(), clipping["time_ranges"], strict=False):
        visible = chip.evaluate(
            "b => [...b.childNodes].filter((n) => n.getAttribute('aria-hidden') !== 'true')"
            ".map((n) => n.textContent).join('').trim()"
        )
        assert visible == span(place["start_s"], place["end_s"])
        name = chip.get_attribute("aria-label") or ""
        assert name.startswith(" ".join(chip.inner_text().split())) and "play" in name.lower(), name
        assert name.startswith(f"▶ {visible}"), name
    first = span(clipping["time_ranges"][0]["start_s"], clipping["time_ranges"][0]["end_s"])
    # The browser's own accessible name, as a screen reader gets it.
    assert page.page.get_by_role("button", name=first).count() >= 1


def test_focus_moves_to_the_review_when_its_results_arrive(
    opened: tuple[Page, list[str]],
) -> None:
    page, _ = opened
    assert page.page.evaluate("document.activeElement.id") == "review-title"
    assert page.text("#review-title") == "solo-master.wav"
