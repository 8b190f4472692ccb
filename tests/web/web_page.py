"""A browser tab on the test server (with the API at hand under the tab's own session), and
the settings the browser tests share."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import httpx
from api.live import LiveServer

CHROMIUM = Path(os.environ.get("MIXCOACH_CHROMIUM", "/usr/bin/chromium"))
#: As root in a sandbox with no network: no sandboxing, no GPU, and nothing that phones home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
SCREENSHOTS = Path(
    os.environ.get("MIXCOACH_WEB_SCREENSHOTS", Path(tempfile.gettempdir()) / "mixcoach-web")
)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: The test server's limits: the test tracks (12 s, 2 MB) fit, a 40-second file does not.
MAX_FILE_MB = 8.0
MAX_DURATION_MINUTES = 0.5
SESSION_KEY = "mixcoach.session"


class Page:
    """A browser tab on the test server, with the API at hand under the tab's own session."""

    def __init__(self, page: Any, server: LiveServer) -> None:
        self.page = page
        self.server = server
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, route: str = "") -> None:
        self.page.goto(f"{self.server.url}/{route}")
        self.page.wait_for_selector("#upload-view:not([hidden]), #review-view:not([hidden])")

    def shot(self, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=path, full_page=False)
        return path

    def shot_of(self, selector: str, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        self.page.locator(selector).screenshot(path=path)
        return path

    def token(self) -> str:
        stored = self.page.evaluate(f"localStorage.getItem('{SESSION_KEY}')")
        token: str = json.loads(stored)["token"]
        return token

    def api(self, path: str, **kwargs: Any) -> httpx.Response:
        """GET (or another method) on the API as this tab's session."""
        method = kwargs.pop("method", "GET")
        headers = {"Authorization": f"Bearer {self.token()}"}
        with httpx.Client(base_url=self.server.url, timeout=30.0) as client:
            return client.request(method, path, headers=headers, **kwargs)

    def text(self, selector: str) -> str:
        return str(self.page.locator(selector).inner_text())
