"""The page audited by axe-core (the WCAG 2.1 A and AA rules) in a real Chromium: the upload
form, then the results of a real song uploaded through it (findings, the player with its A/B
reference, the previews panel open on a fix, the sections tables, the streaming and codec
tables and a chat answer), on a desktop and on a phone; and the keyboard's way from the top of
the page to the feedback.

axe-core is the npm devDependency that scripts/build-web.sh (and so scripts/test.sh) installs
into node_modules. The page's CSP allows scripts from its own origin only, so the test serves
axe.min.js from the test server's origin (a Playwright route) and audits the page under its
real CSP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from recordings import DRASCULA, SINGULARITY, excerpt, hard_clipped, write
from web_page import PHONE, Page
from web_steps import fill_form, wait_for_results

AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP_WIDE = {"width": 1440, "height": 900}
#: The rules of WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: WCAG A/AA rules axe ships switched off (experimental: they may report what a person would
#: judge fine, so each report is read before a fix), and duplicate ids (deprecated since WCAG 2.2
#: dropped 4.1.1 Parsing, but a repeated id still breaks labels and aria references).
EXTRA_RULES = [
    "css-orientation-lock",
    "p-as-heading",
    "table-fake-caption",
    "td-has-header",
    "duplicate-id",
    "duplicate-id-active",
]
#: What a page may not have: violations axe rates serious or critical.
BLOCKING = {"serious", "critical"}
#: Tab stops from the review's heading (where the focus lands when the results arrive) to the
#: feedback: the judge-again form, the exports, the sections menu, the player's controls, one stop
#: per finding's places and its fix, the previews and the sections tables.
MAX_STOPS_FROM_HEADING = 30
#: From the top of the page: the header and the history come first (the skip link passes them).
MAX_STOPS_FROM_TOP = 40
PART_S = 9.5  # three parts, under the test server's 30 s


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A real song: a quiet verse, a chorus driven into clipping, the verse again (so it has
    sections and findings with places to play); a real record as its reference."""
    verse, rate = excerpt(SINGULARITY / "Through Space.ogg", start_s=40.0, seconds=PART_S)
    chorus, _ = excerpt(DRASCULA / "track2.ogg", start_s=20.0, seconds=PART_S)
    quiet = 10 ** (-10 / 20) * verse
    audio = np.hstack([quiet, hard_clipped(chorus, gain_db=8.0), quiet])
    folder = tmp_path_factory.mktemp("a11y")
    reference, reference_rate = excerpt(DRASCULA / "track13.ogg", start_s=10.0, seconds=20.0)
    return {
        "track": write(folder / "song.wav", audio, rate, subtype="PCM_16"),
        "reference": write(folder / "record.wav", reference, reference_rate, subtype="PCM_16"),
    }


def audit(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/build-web.sh (npm ci installs axe-core)")
    url = f"{page.server.url}/__axe__/axe.min.js"
    page.page.route(url, lambda route: route.fulfill(path=AXE, content_type="text/javascript"))
    if not page.page.evaluate("typeof window.axe !== 'undefined'"):
        page.page.add_script_tag(url=url)
    violations: list[dict[str, Any]] = page.page.evaluate(
        """async ([tags, extra]) => {
            const rules = Object.fromEntries(extra.map((id) => [id, { enabled: true }]));
            const options = { runOnly: { type: "tag", values: tags }, rules };
            const result = await axe.run(document, options);
            const ran = ["passes", "violations", "incomplete", "inapplicable"]
                .flatMap((kind) => result[kind].map((r) => r.id));
            const missing = extra.filter((id) => !ran.includes(id));
            if (missing.length) throw new Error(`axe did not run ${missing}`);
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({ target: n.target.join(" "), impact: n.impact,
                                             summary: n.failureSummary })),
            }));
        }""",
        [WCAG_TAGS, EXTRA_RULES],
    )
    return violations


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in BLOCKING]


def described(where: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{where}: {len(violations)} serious or critical axe violations"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {n['target']} [{n['impact']}] {n['summary']}" for n in v["nodes"])
    return "\n".join(lines)


def assert_clean(page: Page, where: str) -> None:
    violations = audit(page)
    print(json.dumps({where: [(v["id"], v["impact"], len(v["nodes"])) for v in violations]}))
    serious = blocking(violations)
    assert not serious, described(where, serious)


def upload(page: Page, song: dict[str, Path]) -> None:
    """Upload the song and its reference through the form and wait for the review."""
    page.page.set_input_files("#reference-input", str(song["reference"]))
    fill_form(page, song["track"], feedback_type="master_review", genre="rock")
    page.page.click("#upload-submit")
    wait_for_results(page)


def open_everything(page: Page) -> None:
    """Wait for all of the review, then open the previews on the first fix, ask the coach a
    question and check the codecs."""
    page.page.wait_for_selector("#play:not([disabled])")
    page.page.wait_for_selector("#sections-section:not([hidden]) table tbody tr")
    page.page.wait_for_selector("#platforms:not([hidden]) tbody tr")
    page.page.wait_for_selector("#findings button.chip")
    page.page.click("#previews-box summary")
    page.page.locator("#previews-list [data-preview]").first.click()
    page.page.wait_for_selector("#preview-play:not([disabled])")
    page.page.fill("#chat-question", "How do I fix the clipping without losing loudness?")
    page.page.click("#chat-send")
    page.page.wait_for_selector('#chat-log li[data-role="assistant"]:not([aria-busy])')
    page.page.wait_for_selector("#chat-send:not([disabled])")
    page.page.click("#codecs-check")
    page.page.wait_for_selector("#codecs-results:not([hidden]) table", timeout=120_000)


@pytest.mark.parametrize("viewport", [DESKTOP_WIDE, PHONE], ids=["1440x900", "390x844"])
def test_the_upload_form_and_a_finished_review_pass_axe(
    new_page: Any, song: dict[str, Path], viewport: dict[str, int]
) -> None:
    page: Page = new_page(viewport=viewport)
    size = f"{viewport['width']}x{viewport['height']}"
    page.open()
    assert_clean(page, f"upload form at {size}")
    upload(page, song)
    # The results arrived while the form's button (now gone) had the focus: the review's heading
    # has it, so a screen reader announces the review.
    assert page.page.evaluate("document.activeElement.id") == "review-title"
    open_everything(page)
    assert page.page.locator("#findings .finding").count() >= 1
    assert page.page.locator("#ab").is_visible()
    assert_clean(page, f"finished review at {size}")


def tab_stops_to_feedback(page: Page) -> list[str]:
    """Press Tab until the focus is in the feedback or past it; what it stopped on before."""
    stops: list[str] = []
    for _ in range(200):
        page.page.keyboard.press("Tab")
        where = page.page.evaluate(
            """() => {
                const el = document.activeElement;
                const feedback = document.getElementById("feedback-section");
                const reached = feedback.contains(el) ||
                    !!(feedback.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
                return { reached, name: el.id || el.textContent.trim().slice(0, 30) || el.tagName };
            }"""
        )
        if where["reached"]:
            return stops
        stops.append(where["name"])
    raise AssertionError(f"Tab never reached the feedback: {stops}")


def test_the_feedback_is_a_few_tab_stops_from_the_top(new_page: Any, song: dict[str, Path]) -> None:
    """From the top of the page, and from the review's heading where the focus lands when the
    results arrive, Tab reaches the feedback in a reasonable number of presses; the skip link
    jumps past the header and the history to the review."""
    page: Page = new_page(viewport=DESKTOP_WIDE)
    page.open()
    upload(page, song)
    open_everything(page)
    page.page.locator("#previews-box summary").click()  # folded again, as a review opens

    page.page.focus("#review-title")
    from_heading = tab_stops_to_feedback(page)
    print("from the heading:", len(from_heading), from_heading)
    assert len(from_heading) <= MAX_STOPS_FROM_HEADING, from_heading

    page.page.focus(".skip-link")
    from_top = tab_stops_to_feedback(page)
    print("from the top:", len(from_top), from_top)
    assert len(from_top) <= MAX_STOPS_FROM_TOP, from_top

    # The skip link leaves the route alone and puts the focus in the page's content.
    hash_before = page.page.evaluate("location.hash")
    page.page.focus(".skip-link")
    assert page.page.locator(".skip-link").is_visible()  # shown while it has the focus
    page.page.keyboard.press("Enter")
    assert page.page.evaluate("document.activeElement.id") == "main"
    assert page.page.evaluate("location.hash") == hash_before
    page.page.keyboard.press("Tab")
    assert page.page.evaluate("document.activeElement.closest('#review-view') !== null")

    # A finding's places are one stop: End reaches its last place, Tab then leaves the row, and
    # Shift+Tab comes back to the place last used.
    row = page.page.locator("#findings [role=toolbar]").first
    places = row.locator("button")
    assert places.count() > 1
    places.first.focus()
    page.page.keyboard.press("End")
    assert places.last.evaluate("b => b === document.activeElement")
    page.page.keyboard.press("Tab")
    assert row.evaluate("r => !r.contains(document.activeElement)")
    page.page.keyboard.press("Shift+Tab")
    assert places.last.evaluate("b => b === document.activeElement")
