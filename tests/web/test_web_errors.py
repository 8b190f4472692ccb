"""What the page says when something goes wrong: a file that is not audio, a track the server
refuses, a file over the size limit, a review that is not there; and that nothing a file name
or a question contains can become markup on the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import numpy as np
import soundfile as sf
from playwright.sync_api import expect
from web_page import MAX_FILE_MB, Page
from web_steps import REQUEST, analysed_review, fill_form, wait_for_results


def server_says(page: Page, path: Path, **fields: str) -> dict[str, Any]:
    """The error the API gives for uploading ``path`` directly (what the page must show)."""
    with httpx.Client(base_url=page.server.url, timeout=30.0) as client:
        auth = {"Authorization": f"Bearer {page.token()}"}
        files = {"track": (path.name, path.read_bytes(), "application/octet-stream")}
        response = client.post("/api/reviews", headers=auth, files=files, data=fields)
    body: dict[str, Any] = response.json()["error"]
    body["status"] = response.status_code
    return body


def test_a_file_that_is_not_audio_is_refused_with_the_servers_reason(
    page: Page, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.wav"  # the name says WAV; the content is text
    notes.write_text("Mix notes: kick too loud, vocal needs air.\n" * 20)
    page.open()
    fill_form(page, notes, feedback_type="mixdown", genre="general")
    page.page.click("#upload-submit")
    error = page.page.locator("#upload-error")
    expect(error).to_be_visible()
    said = server_says(page, notes, feedback_type="mixdown")
    assert said["status"] == 415 and said["code"] == "audio_error"
    assert said["message"] in error.inner_text()
    assert "notes.wav" in error.inner_text() and "not an audio file" in error.inner_text()
    assert "invalid" in (page.page.get_attribute('[data-drop="track"]', "class") or "")
    # Nothing was kept: the page stays on the form with an empty history.
    assert page.page.locator("#upload-view").is_visible()
    assert page.page.locator("#history-list > li").count() == 0
    assert page.text("#upload-submit") == "Analyse"
    page.shot("20-error-not-audio")


def test_a_track_the_server_refuses_shows_its_message(page: Page, tmp_path: Path) -> None:
    # 40 s is past the test server's 0.5-minute limit, which only the server knows to check.
    long = tmp_path / "forty-seconds.wav"
    sf.write(long, np.zeros(40 * 8000, dtype=np.int16), 8000, "PCM_16")
    page.open()
    fill_form(page, long, feedback_type="mixdown", genre="general")
    page.page.click("#upload-submit")
    error = page.page.locator("#upload-error")
    expect(error).to_be_visible()
    said = server_says(page, long, feedback_type="mixdown")
    assert said["status"] == 422
    assert error.inner_text() == said["message"]
    assert "0.7 minutes long" in said["message"]
    assert "invalid" in (page.page.get_attribute('[data-drop="track"]', "class") or "")
    page.shot("21-error-server-refuses")


def test_a_file_over_the_limit_is_stopped_before_it_is_sent(page: Page) -> None:
    page.open()
    size = int(MAX_FILE_MB * 1e6) + 1
    big = {"name": "huge.wav", "mimeType": "audio/wav", "buffer": b"\0" * size}
    page.page.set_input_files("#track-input", files=[big])
    error = page.page.locator("#upload-error")
    expect(error).to_have_text(f"huge.wav is {size / 1e6:.1f} MB; Mixcoach takes files up to 8 MB.")
    page.page.click("#upload-submit")
    expect(error).to_be_visible()
    assert page.page.locator("#upload-view").is_visible()


def test_a_missing_track_is_asked_for(page: Page) -> None:
    page.open()
    page.page.click("#upload-submit")
    expect(page.page.locator("#upload-error")).to_contain_text("Choose the track to analyse")
    assert page.page.evaluate("document.activeElement.id") == "track-input"


def test_a_review_that_is_not_there_says_so(page: Page) -> None:
    page.open("#/review/0123456789abcdef0123456789abcdef")
    expect(page.page.locator("#review-title")).to_have_text("Review not found")
    error = page.page.locator("#review-error")
    expect(error).to_be_visible()
    said = page.api("/api/reviews/0123456789abcdef0123456789abcdef").json()["error"]
    assert error.inner_text() == said["message"]
    assert page.page.locator("#results").is_hidden()
    page.shot("22-error-review-not-found")


def test_a_stale_session_is_replaced_by_a_new_one(new_page: Any) -> None:
    page = new_page(session={"id": "gone", "token": "not-a-token-this-server-knows"})
    page.open()
    assert page.token() != "not-a-token-this-server-knows"
    assert page.api("/api/sessions/current").status_code == 200
    assert page.page.locator("#notice").is_hidden()


def test_no_markup_from_a_file_name_or_a_question(page: Page, mixes: Any) -> None:
    # Without double quotes: browsers send those in a multipart file name as %22.
    hostile = "<img src=x onerror=window.pwned=1>.wav"
    track = mixes.shared(hostile)
    page.open()
    fill_form(page, track, **REQUEST)
    page.page.click("#upload-submit")
    wait_for_results(page)
    assert page.text("#review-title") == hostile
    assert page.page.locator("#history-list .history-name").inner_text() == hostile
    question = (
        'What about <img src=x onerror="window.pwned=2"> and [this](javascript:window.pwned=3)?'
    )
    page.page.fill("#chat-question", question)
    page.page.click("#chat-send")
    page.page.locator('.chat-message[data-role="assistant"]:not([aria-busy])').wait_for()
    assert page.page.locator('.chat-message[data-role="user"] div').inner_text() == question
    assert page.page.locator("main img, aside img").count() == 0
    assert page.page.locator("a[href^='javascript']").count() == 0
    assert page.page.evaluate("window.pwned") is None
    page.shot("23-no-markup-injection")


def test_deleting_a_review_removes_it_and_its_audio(new_page: Any, server: Any, mixes: Any) -> None:
    made = analysed_review(server, mixes.shared("to-delete.wav"), mixes.reference)
    page = new_page(session=made["session"])
    review = made["review"]
    page.open(f"#/review/{review['id']}")
    wait_for_results(page)
    item = page.page.locator(f'#history-list [data-review="{review["id"]}"]')
    item.locator(".history-delete").click()
    expect(item).to_contain_text("Delete this review and its audio?")
    page.shot("24-delete-confirm")
    item.locator(".history-confirm").click()
    expect(item).to_have_count(0)
    expect(page.page.locator("#upload-view")).to_be_visible()
    assert page.api(f"/api/reviews/{review['id']}").status_code == 404
    assert page.api("/api/tracks").json() == []
