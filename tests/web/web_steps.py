"""What the browser tests do on the page (upload through the form, wait for the results), and
the page's number format, so a test can compare what is shown with what the API says."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
from api.live import LiveServer
from web_page import Page

MINUS = "\u2212"
EN_DASH = "\u2013"
#: The request every test uses for the clipped house master (the analysis is then shared).
REQUEST = {"feedback_type": "master_review", "genre": "edm", "subgenre": "house"}


def shown(value: float, *, decimals: int | None = None, signed: bool = False) -> str:
    """``value`` as the page writes it (dom.js formatNumber): a typographic minus, 0 decimals
    from 100 up, 2 below 1, else 1."""
    size = abs(value)
    places = decimals if decimals is not None else 0 if size >= 100 else 2 if 0 < size < 1 else 1
    text = f"{size:.{places}f}"
    if float(text) == 0:
        return text
    return MINUS + text if value < 0 else f"+{text}" if signed else text


def span(start_s: float, end_s: float) -> str:
    """A finding's place as its button writes it (after a ▶ hidden from screen readers):
    "0:01.6", an en dash, "0:02.1"."""
    return f"{clock(start_s, tenths=True)}{EN_DASH}{clock(end_s, tenths=True)}"


def clock(seconds: float, *, tenths: bool = False) -> str:
    """Seconds as the player writes them: m:ss, or m:ss.t."""
    whole = int(seconds)
    text = f"{whole // 60}:{whole % 60:02d}"
    return f"{text}.{int((seconds - whole) * 10)}" if tenths else text


def position(page: Page) -> int:
    """The player's position in whole seconds, from its "m:ss / m:ss" readout."""
    minutes, seconds = page.text("#play-time").split(" / ")[0].split(":")
    return int(minutes) * 60 + int(seconds)


def drop_file(page: Page, zone: str, path: Path) -> None:
    """Drag ``path`` onto the drop zone ``zone`` the way a file dragged from the desktop
    arrives: dragover, then drop, with the file in the event's DataTransfer."""
    page.page.evaluate(
        """([zone, name, data]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: "audio/wav" }));
            const target = document.querySelector(`[data-drop="${zone}"]`);
            const init = { dataTransfer: transfer, bubbles: true, cancelable: true };
            for (const type of ["dragenter", "dragover", "drop"]) {
                target.dispatchEvent(new DragEvent(type, init));
            }
        }""",
        [zone, path.name, base64.b64encode(path.read_bytes()).decode()],
    )


def fill_form(
    page: Page, track: Path | None, *, feedback_type: str, genre: str, subgenre: str = ""
) -> None:
    if track is not None:
        page.page.set_input_files("#track-input", str(track))
    page.page.check(f"#feedback_type-{feedback_type}")
    page.page.select_option("#genre", genre)
    if subgenre:
        page.page.select_option("#subgenre", subgenre)


def wait_for_results(page: Page) -> None:
    """The review is all there: the analysis shown, the feedback written and the conversation
    read back, open to questions (the last things a review loads, in either order)."""
    page.page.wait_for_selector("#results:not([hidden])")
    page.page.wait_for_selector(".feedback-section")
    page.page.wait_for_selector("#chat-log:not([aria-busy])", state="attached")  # may be empty
    page.page.wait_for_selector("#chat-send:not([disabled])")


def wait_for_position(page: Page, seconds: int) -> None:
    """Wait until the player's readout (see :func:`position`) reaches ``seconds``."""
    page.page.wait_for_function(
        """(seconds) => {
            const [minutes, rest] = document.getElementById("play-time").textContent
                .split(" / ")[0].split(":");
            return Number(minutes) * 60 + Number(rest) >= seconds;
        }""",
        arg=seconds,
    )


def analysed_review(server: LiveServer, track: Path, reference: Path | None) -> dict[str, Any]:
    """A new session with one finished review of ``track`` (against ``reference``, if one is
    given; uploaded through the API):
    ``{"session": {"id", "token"}, "review": ReviewOut}``."""
    with httpx.Client(base_url=server.url, timeout=60.0) as client:
        created = client.post("/api/sessions").json()
        auth = {"Authorization": f"Bearer {created['token']}"}
        files = {
            name: (path.name, path.read_bytes(), "audio/wav")
            for name, path in (("track", track), ("reference", reference))
            if path is not None
        }
        response = client.post("/api/reviews", headers=auth, files=files, data=REQUEST)
        assert response.status_code == 202, response.text
        review = response.json()
        # The analysis's event stream ends with its final state.
        url = f"/api/reviews/{review['id']}/events"
        with client.stream("GET", url, headers=auth) as events:
            assert events.status_code == 200, events.read()
            job = review["job"]
            for line in events.iter_lines():
                if line.startswith("data: "):
                    job = json.loads(line.removeprefix("data: "))
        assert job["state"] == "done", job
        review = client.get(f"/api/reviews/{review['id']}", headers=auth).json()
    return {"session": {"id": created["id"], "token": created["token"]}, "review": review}
