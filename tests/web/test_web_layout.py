"""The page on a phone and on a desktop, with the keyboard alone, and its text contrast."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from web_page import PHONE, Page
from web_steps import EN_DASH, analysed_review, position, shown, wait_for_results

#: WCAG 2.1 AA: normal text needs 4.5:1 against its background.
MIN_CONTRAST = 4.5

#: Every visible text on the page with its contrast ratio against what is behind it.
CONTRASTS_JS = (Path(__file__).parent / "contrast.js").read_text()


@pytest.fixture(scope="module")
def review(server: Any, mixes: Any) -> dict[str, Any]:
    return analysed_review(server, mixes.shared(), mixes.reference)


def open_review(new_page: Any, review: dict[str, Any], **kwargs: Any) -> Page:
    page: Page = new_page(session=review["session"], **kwargs)
    page.open(f"#/review/{review['review']['id']}")
    wait_for_results(page)
    page.page.wait_for_selector("#play:not([disabled])")
    return page


def test_phone_width_fits_without_sideways_scrolling(new_page: Any, review: dict[str, Any]) -> None:
    page = open_review(new_page, review, viewport=PHONE)
    # The history is folded on a phone, so the review comes first; it opens with a tap.
    history = page.page.locator("#history-box")
    assert history.get_attribute("open") is None
    page.page.click("#history-box summary")
    assert history.get_attribute("open") is not None
    page.page.click("#history-box summary")
    width = page.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px screen"
    # The charts shrink to the column: none is wider than the screen.
    for chart in page.page.locator(".chart canvas").all():
        box = chart.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.shot("30-phone-review-top")
    page.page.evaluate("document.getElementById('metrics-section').scrollIntoView()")
    page.shot("31-phone-metrics")
    page.page.evaluate("document.getElementById('charts-section').scrollIntoView()")
    page.shot("32-phone-charts")
    page.open()
    page.shot("33-phone-form")
    assert page.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_text_contrast_is_readable(new_page: Any, review: dict[str, Any]) -> None:
    page = open_review(new_page, review)
    texts = page.page.evaluate(CONTRASTS_JS)
    assert len(texts) > 200  # the whole review was measured, not an empty page
    poor = [t for t in texts if t["ratio"] < MIN_CONTRAST]
    assert not poor, poor
    page.open()
    poor = [t for t in page.page.evaluate(CONTRASTS_JS) if t["ratio"] < MIN_CONTRAST]
    assert not poor, poor


def tab_to(page: Page, selector: str, *, limit: int = 80, backwards: bool = False) -> None:
    """Press Tab (Shift+Tab ``backwards``) until ``selector`` has the focus (as a keyboard user
    would reach it)."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if page.page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        page.page.keyboard.press(key)
    raise AssertionError(f"{selector} was not reached with {limit} presses of {key}")


def test_keyboard_alone_uploads_and_plays_a_finding(new_page: Any, mixes: Any) -> None:
    page: Page = new_page()
    # Listen for file choosers before the page opens. Playwright switches Chromium's file chooser
    # interception on when the first listener comes, without waiting for it; a key pressed at once
    # can reach the page first, and the chooser then opens unseen. Switched on now, it is in force
    # long before the page has answered the calls that open it.
    page.page.on("filechooser", lambda _: None)
    page.open()
    tab_to(page, "#track-input")
    with page.page.expect_file_chooser() as chooser:
        page.page.keyboard.press("Space")
    chooser.value.set_files(str(mixes.shared()))
    expect(page.page.locator("#track-chosen")).to_contain_text("clipped-master.wav")
    tab_to(page, "#feedback_type-mixdown")
    page.page.keyboard.press("ArrowRight")
    page.page.keyboard.press("ArrowRight")
    assert page.page.is_checked("#feedback_type-master_review")
    tab_to(page, "#genre")
    page.page.keyboard.press("ArrowDown")  # the next genre after General
    assert page.page.input_value("#genre") != "general"
    tab_to(page, "#upload-submit")
    page.page.keyboard.press("Enter")
    wait_for_results(page)
    page.page.wait_for_selector("#play:not([disabled])")
    # Reach the clipping finding's places (one Tab stop), its second with Right, and play it.
    chip = "#finding-clipping button.chip >> nth=1"
    tab_to(page, "#finding-clipping button.chip:nth-of-type(1)")
    page.page.keyboard.press("ArrowRight")
    assert page.page.locator(chip).evaluate("b => b === document.activeElement")
    start = page.page.locator(f"{chip} >> .chip-place").inner_text().split(EN_DASH)[0]
    minutes, seconds = start.split(":")
    start_s = int(minutes) * 60 + int(float(seconds))
    page.page.keyboard.press("Enter")
    assert start_s <= position(page) <= start_s + 1
    expect(page.page.locator("#play")).to_have_text("Pause")
    # Back up to the Play button, a few presses above, before the track plays to its end.
    tab_to(page, "#play", backwards=True)
    page.page.keyboard.press("Enter")
    expect(page.page.locator("#play")).to_have_text("Play")
    page.shot("34-keyboard-focus")


def test_streaming_verdicts_fit_a_phone_and_name_whose_peak(
    new_page: Any, review: dict[str, Any]
) -> None:
    """On a phone each service is a card with its verdict under its name, inside the screen
    (no sideways scroller); a peak over a ceiling is said to be the uploaded file's."""
    page = open_review(new_page, review, viewport=PHONE)
    platforms = page.api(f"/api/reviews/{review['review']['id']}/platforms").json()["platforms"]
    over = [p for p in platforms if p["exceeds_ceiling"]]
    assert over  # the clipped master peaks over
    section = page.page.locator("#platforms-section")
    section.scroll_into_view_if_needed()
    for p in platforms:
        row = page.page.locator(f'#platforms tr[data-platform="{p["platform"]}"]')
        row.scroll_into_view_if_needed()
        name, verdict = (
            row.locator("th").bounding_box(),
            row.locator(".platform-meaning").bounding_box(),
        )
        assert name is not None and verdict is not None
        assert verdict["x"] >= 0 and verdict["x"] + verdict["width"] <= PHONE["width"], verdict
        assert verdict["y"] > name["y"]  # under the service's name, before the figures
        figures = row.locator(".platform-gain").bounding_box()
        assert figures is not None and figures["y"] > verdict["y"]
    scroller = page.page.locator("#platforms").evaluate(
        "t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]"
    )
    assert scroller[0] <= scroller[1], scroller
    assert page.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    row = page.page.locator(f'#platforms tr[data-platform="{over[0]["platform"]}"]')
    said = row.locator(".platform-meaning").inner_text()
    assert "Your file peaks" in said and "Master" not in said
    assert f"{shown(over[0]['peak_over_ceiling_db'], decimals=1)} dB over" in said
    page.shot_of("#platforms-section", "35-phone-platforms")
