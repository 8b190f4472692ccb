"""The export buttons: the PDF report and the preset files, downloaded as a producer would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from web_page import Page
from web_steps import analysed_review, wait_for_results

from mixcoach.export.presets import parse_reaeq_rpl


@pytest.fixture(scope="module")
def review(server: Any, mixes: Any) -> dict[str, Any]:
    return analysed_review(server, mixes.shared(), mixes.reference)


@pytest.fixture
def opened(new_page: Any, review: dict[str, Any]) -> Page:
    page: Page = new_page(session=review["session"])
    page.open(f"#/review/{review['review']['id']}")
    wait_for_results(page)
    return page


def download(page: Page, button: str, folder: Path) -> Path:
    with page.page.expect_download() as started:
        page.page.click(button)
    saved: Path = folder / started.value.suggested_filename
    started.value.save_as(saved)
    return saved


def test_pdf_report(opened: Page, review: dict[str, Any], tmp_path: Path) -> None:
    report = f"/api/reviews/{review['review']['id']}/report.pdf"
    if opened.api(report).status_code == 404 and "nothing at" in opened.api(report).text:
        pytest.skip(f"the server has no {report.rsplit('/', 1)[-1]} endpoint yet")
    saved = download(opened, "#export-pdf", tmp_path)
    # Named as the server names it; a whole PDF (it carries its date, so not byte-compared).
    assert quote(saved.name) in opened.api(report).headers["Content-Disposition"]
    assert saved.suffix == ".pdf"
    content = saved.read_bytes()
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    assert opened.page.locator("#review-error").is_hidden()


def test_presets_as_json_and_reaeq(opened: Page, review: dict[str, Any], tmp_path: Path) -> None:
    base = f"/api/reviews/{review['review']['id']}"
    preset_file = opened.api(f"{base}/presets/mixcoach.json")
    saved = download(opened, "#export-json", tmp_path)
    # Mixcoach's preset file, named as the server names it, holding the review's presets.
    assert quote(saved.name) in preset_file.headers["Content-Disposition"]
    assert saved.read_bytes() == preset_file.content
    content = json.loads(saved.read_text())
    assert (content["format"], content["version"]) == ("mixcoach-presets", 1)
    assert content["presets"] == opened.api(f"{base}/presets").json()

    rpl = opened.api(f"{base}/presets/reaeq.RPL")
    if rpl.status_code == 404:
        # No EQ move for this track: the page says so instead of saving an empty preset.
        opened.page.click("#export-rpl")
        expect(opened.page.locator("#review-error")).to_have_text(rpl.json()["error"]["message"])
        return
    saved = download(opened, "#export-rpl", tmp_path)
    assert saved.suffix == ".RPL"
    assert saved.read_bytes() == rpl.content
    assert parse_reaeq_rpl(saved.read_text())
