"""Browser tests of the web page: a real Mixcoach server (uvicorn on 127.0.0.1, a free port, a
temporary data folder) and Debian's Chromium driven by Playwright.

Screenshots of each state go to ``$MIXCOACH_WEB_SCREENSHOTS`` (default: a ``mixcoach-web``
folder in the system's temporary folder), never into the repository.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf
from api.live import LiveServer
from mixes import SAMPLE_RATE_HZ, clean_mix, plant_clipping
from pydantic import SecretStr
from web_page import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    MAX_DURATION_MINUTES,
    MAX_FILE_MB,
    SCREENSHOTS,
    SESSION_KEY,
    Page,
)

from mixcoach.api.app import WEB_DIR
from mixcoach.config import AudioSettings, DatabaseSettings, JobSettings, Settings, UploadSettings


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    if not (WEB_DIR / "index.html").exists():
        pytest.skip(f"the web page is not built ({WEB_DIR}); run scripts/build-web.sh")
    from playwright.sync_api import sync_playwright

    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("web-server")
    settings = Settings(
        data_dir=folder / "data",
        database=DatabaseSettings(url=SecretStr(f"sqlite:///{folder / 'mixcoach.db'}")),
        uploads=UploadSettings(max_file_mb=MAX_FILE_MB),
        audio=AudioSettings(max_duration_minutes=MAX_DURATION_MINUTES),
        jobs=JobSettings(workers=1, max_attempts=1),
    )
    with LiveServer(settings) as live:
        yield live


class Mixes:
    """The audio the tests upload: a mastered house track clipped into full scale (the planted
    defect), and a clean master of the same style as the reference.

    ``track`` is uploaded by the journey alone, so its analysis is always new there (the
    server reuses an analysis of the same content); the other tests upload ``shared(name)``,
    the same clipped master 1 dB less driven, and share one analysis."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        mix = clean_mix("edm/house", seconds=12.0)
        self.track = folder / "clipped-master.wav"
        sf.write(self.track, plant_clipping(mix, drive_db=6.0).T, SAMPLE_RATE_HZ, "PCM_16")
        self._shared = folder / "shared.wav"
        sf.write(self._shared, plant_clipping(mix, drive_db=5.0).T, SAMPLE_RATE_HZ, "PCM_16")
        self.reference = folder / "reference-master.wav"
        reference = clean_mix("edm/house", seconds=12.0, seed=2)
        sf.write(self.reference, reference.T, SAMPLE_RATE_HZ, "PCM_16")

    def shared(self, name: str = "clipped-master.wav") -> Path:
        """The shared clipped master under ``name`` (in a folder of its own)."""
        path = self.folder / f"shared-{len(list(self.folder.glob('shared-*')))}" / name
        path.parent.mkdir()
        shutil.copyfile(self._shared, path)
        return path


@pytest.fixture(scope="session")
def mixes(tmp_path_factory: pytest.TempPathFactory) -> Mixes:
    return Mixes(tmp_path_factory.mktemp("mixes"))


@pytest.fixture
def new_page(browser: Any, server: LiveServer) -> Iterator[Callable[..., Page]]:
    """Open tabs (each in a fresh browser profile: its own localStorage, so its own session);
    every tab must end with no uncaught script error."""
    contexts: list[Any] = []
    pages: list[Page] = []

    def make(viewport: dict[str, int] = DESKTOP, session: dict[str, str] | None = None) -> Page:
        context = browser.new_context(viewport=viewport, accept_downloads=True)
        if session is not None:
            stored = json.dumps(json.dumps(session))
            context.add_init_script(f"localStorage.setItem({json.dumps(SESSION_KEY)}, {stored})")
        contexts.append(context)
        page = Page(context.new_page(), server)
        # Generous: a busy machine slows the upload and the analysis, never the page.
        page.page.set_default_timeout(30_000)
        pages.append(page)
        return page

    yield make
    for context in contexts:
        context.close()
    for page in pages:
        assert not page.errors, page.errors


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()
