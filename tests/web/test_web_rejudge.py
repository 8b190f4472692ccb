"""An open review judged again in place: another feedback type and detail level chosen on the
page, the new judgement shown without uploading, both judgements grouped under the track in the
history (the old one reopens), a rename, and no console error along the way; "New review" on
the form itself starts it again; a new review's history entry follows its progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import soundfile as sf
from mixes import SAMPLE_RATE_HZ, clean_mix
from web_page import Page
from web_steps import REQUEST, analysed_review, fill_form, wait_for_results


@pytest.fixture(scope="module")
def solo(server: Any, mixes: Any) -> dict[str, Any]:
    return analysed_review(server, mixes.shared("rejudged.wav"), None)


def test_an_open_review_is_judged_again_for_another_type_and_detail_level(
    new_page: Any, solo: dict[str, Any]
) -> None:
    page: Page = new_page(session=solo["session"])
    console: list[str] = []
    page.page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    first = solo["review"]
    page.open(f"#/review/{first['id']}")
    wait_for_results(page)
    assert first["detail_level"] != "pro" and first["feedback_type"] != "mixdown"
    old_meta = page.text("#review-meta")

    page.page.select_option("[data-rejudge=feedback_type]", "mixdown")
    page.page.select_option("[data-rejudge=detail_level]", "pro")
    page.page.click("#rejudge-form button[type=submit]")
    page.page.wait_for_function("(old) => location.hash !== old", arg=f"#/review/{first['id']}")
    wait_for_results(page)
    new_id = page.page.evaluate("location.hash").removeprefix("#/review/")
    meta = page.text("#review-meta")
    assert "Mixdown" in meta and "Pro feedback" in meta, meta
    assert meta != old_meta
    assert page.page.input_value("[data-rejudge=detail_level]") == "pro"
    judged = page.api(f"/api/reviews/{new_id}").json()
    assert (judged["feedback_type"], judged["detail_level"]) == ("mixdown", "pro")

    # Both judgements sit under the track, the new one current; the old one reopens.
    group = page.page.locator("#history-list .history-group")
    page.page.wait_for_selector("#history-list .history-group .history-item >> nth=1")
    assert "2 judgements" in group.locator(".history-group-name").inner_text()
    current = group.locator('[aria-current="true"]')
    assert current.get_attribute("data-review") == new_id
    assert "Pro" in current.inner_text()
    group.locator(f'[data-review="{first["id"]}"] a').click()
    wait_for_results(page)
    assert page.text("#review-meta") == old_meta

    # Renamed in the history, and by the API.
    entry = group.locator(f'[data-review="{first["id"]}"]')
    entry.locator(".history-rename").click()
    page.page.fill(".history-title", "First take")
    page.page.click(".history-save")
    page.page.wait_for_selector(
        f'[data-review="{first["id"]}"] .history-name:text-is("First take")'
    )
    assert page.api(f"/api/reviews/{first['id']}").json()["title"] == "First take"
    assert not console, console


def test_new_review_on_the_form_starts_it_again(page: Page, mixes: Any) -> None:
    page.open()
    page.page.wait_for_selector("#upload-view:not([hidden])")
    page.page.set_input_files("#track-input", str(mixes.shared("chosen.wav")))
    assert page.text("#track-chosen") != ""
    page.page.click("#new-review")
    assert page.text("#track-chosen") == ""
    assert page.page.evaluate("document.activeElement.id") == "track-input"
    assert page.page.title() == "New review · Mixcoach"


def test_the_history_entry_follows_the_analysis_progress(page: Page, tmp_path: Path) -> None:
    """Each progress the panel shows is shown by the review's history entry too, never a
    percentage left behind."""
    mix = clean_mix("edm/house", seconds=28.0, seed=11)  # content of its own: a new analysis
    track = tmp_path / "followed.wav"
    sf.write(track, mix.T, SAMPLE_RATE_HZ, "PCM_16")
    page.open()
    page.page.wait_for_selector("#upload-view:not([hidden])")
    fill_form(page, track, **REQUEST)
    page.page.evaluate(
        """() => {
            window.seen = [];
            const note = () => {
                const pill = document.querySelector(
                    '#history-list [aria-current="true"] .history-state');
                const panel = document.getElementById("progress-stage").textContent;
                window.seen.push([panel, pill ? pill.textContent : null]);
            };
            new MutationObserver(note).observe(document.body,
                { subtree: true, childList: true, characterData: true });
        }"""
    )
    page.page.click("#upload-submit")
    wait_for_results(page)
    seen: list[list[str | None]] = page.page.evaluate("() => window.seen")
    followed = [
        (panel, pill)
        for panel, pill in seen
        if pill is not None and panel and "%" in panel and pill.startswith("analysing")
    ]
    moving = [(panel, pill) for panel, pill in followed if not panel.endswith(" 0%")]
    assert moving, seen
    for panel, pill in followed:
        percent = panel.rsplit(" ", 1)[1]
        assert pill == f"analysing {percent}", (panel, pill)
