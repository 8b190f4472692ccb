"""The page and the PDF of one review of a real recording show the same statuses and figures;
the PDF is dated when it was made and has no largely empty page."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pypdf
import pytest
import soundfile as sf
from PIL import Image
from web_page import Page
from web_steps import analysed_review, wait_for_results

#: Share of a page's text frame (below the top margin, above the footer) a page other than the
#: last must fill.
MIN_PAGE_USE = 0.40


#: A real recording (the Drascula soundtrack, 44.1 kHz Vorbis), reviewed without a reference.
RECORDING = Path("/usr/share/scummvm/drascula/audio/track2.ogg")


EXCERPT_S = 25.0  # the server analyses up to 30 s


@pytest.fixture(scope="module")
def reviewed(server: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not RECORDING.exists():
        pytest.skip(f"{RECORDING} not found: install Debian's drascula-music")
    with sf.SoundFile(RECORDING) as recording:
        audio = recording.read(round(EXCERPT_S * recording.samplerate), dtype="float32")
        rate = recording.samplerate
    excerpt = tmp_path_factory.mktemp("recording") / "drascula-track2.wav"
    sf.write(excerpt, audio, rate, "PCM_24")
    return analysed_review(server, excerpt, None)


@pytest.fixture(scope="module")
def pdf(server: Any, reviewed: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    import httpx

    review_id = reviewed["review"]["id"]
    headers = {"Authorization": f"Bearer {reviewed['session']['token']}"}
    with httpx.Client(base_url=server.url, timeout=120.0) as client:
        response = client.get(f"/api/reviews/{review_id}/report.pdf", headers=headers)
    assert response.status_code == 200, response.text
    path = tmp_path_factory.mktemp("agree") / "report.pdf"
    path.write_bytes(response.content)
    return path


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not found: install Debian's poppler-utils")
    return path


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("\u2212", "-")


def test_the_page_and_the_pdf_show_the_same_statuses_and_figures(
    new_page: Any, reviewed: dict[str, Any], pdf: Path
) -> None:
    page: Page = new_page(session=reviewed["session"])
    page.open(f"#/review/{reviewed['review']['id']}")
    wait_for_results(page)
    cards = page.page.locator("#metrics li.card")
    shown = [
        {
            "label": card.locator("h3").inner_text(),
            "pill": card.locator(".pill").inner_text().lstrip("✓▼▲!? \n"),
            "value": card.locator(".metric-figure").inner_text(),
            "target": card.locator(".metric-target").inner_text(),
        }
        for card in cards.all()
    ]
    assert len(shown) >= 10
    pills = {card["pill"] for card in shown}
    assert "For reference" in pills  # the key at least has no target
    text = squash(
        subprocess.run(
            [tool("pdftotext"), "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
    )
    for card in shown:
        # The PDF's row reads: label, figure with unit, target, status (then the note).
        row = squash(card["label"] + card["value"] + card["target"] + card["pill"])
        assert row in text, (card, text[:2000])


def test_the_pdf_is_dated_when_it_was_made(pdf: Path) -> None:
    info = pypdf.PdfReader(io.BytesIO(pdf.read_bytes())).metadata
    assert info is not None and info.creation_date is not None
    made = info.creation_date.astimezone(UTC)
    assert abs(datetime.now(UTC) - made) < timedelta(minutes=1)


def test_no_page_but_the_last_is_largely_empty(pdf: Path) -> None:
    """Ink (text and charts) is measured on the rendered pages, so charts count as used."""
    folder = pdf.parent / "pages"
    folder.mkdir(exist_ok=True)
    subprocess.run([tool("pdftoppm"), "-r", "50", "-png", str(pdf), str(folder / "p")], check=True)
    images = sorted(folder.glob("p-*.png"))
    assert len(images) >= 2
    used = []
    for image in images[:-1]:
        ink = np.asarray(Image.open(image).convert("L")) < 200
        height = ink.shape[0]
        top, footer = round(0.06 * height), round(0.90 * height)  # margins and footer band
        rows = np.flatnonzero(ink[top:footer].any(axis=1))
        used.append(0.0 if rows.size == 0 else (rows[-1] + 1) / (footer - top))
    assert min(used) >= MIN_PAGE_USE, used
