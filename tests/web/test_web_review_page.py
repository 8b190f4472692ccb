"""A review without a reference, opened in a new tab: what the tab, the history, the charts
and the browser's console show."""

from __future__ import annotations

import re
from typing import Any

import pytest
from web_page import Page
from web_steps import REQUEST, analysed_review, wait_for_results

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
