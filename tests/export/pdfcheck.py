"""Reading a PDF report back: its text per page (pypdf), its words' boxes and its pages as PNG
images (Debian's poppler-utils: pdftotext, pdftoppm)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest

MM_PT = 72 / 25.4


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def body_text(texts: list[str]) -> str:
    """The pages' text without their footers, so text running over a page break reads on.

    The footer (name, date, page number) is drawn first on every page, so it comes first.
    """
    bodies = []
    for text in texts:
        name, _date, page, body = text.split("\n", 3)
        assert name.startswith("Mixcoach · ") and page.strip().startswith("Page "), text[:200]
        bodies.append(body)
    return "\n".join(bodies)


def squash(text: str) -> str:
    """``text`` without white space and list bullets: a wrapped line or a split long word reads
    the same."""
    return re.sub(r"[\s•]+", "", text)


def printed(markdown: str) -> str:
    """What simple Markdown (emphasis, bullet lists) prints as: its text without the marks."""
    return re.sub(r"(?m)^\s*[-*] ", "", markdown.replace("**", ""))


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} not found: install Debian's poppler-utils")
    return path


@dataclass(frozen=True)
class Word:
    page: int  # from 1
    text: str
    x0: float  # pt from the page's left edge
    y0: float  # pt from the page's top edge
    x1: float
    y1: float

    def overlaps(self, other: Word, *, tolerance_pt: float = 0.5) -> bool:
        return (
            min(self.x1, other.x1) - max(self.x0, other.x0) > tolerance_pt
            and min(self.y1, other.y1) - max(self.y0, other.y0) > tolerance_pt
        )


def words(pdf: bytes, folder: Path) -> tuple[list[Word], tuple[float, float]]:
    """Every word with its box (pdftotext -bbox), and the page size in pt."""
    path = folder / "words.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        [poppler("pdftotext"), "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = html.split("<page ")[1:]
    found: list[Word] = []
    size = (0.0, 0.0)
    for number, page in enumerate(pages, start=1):
        size_match = re.search(r'width="([\d.]+)" height="([\d.]+)"', page)
        assert size_match is not None
        size = (float(size_match[1]), float(size_match[2]))
        for x0, y0, x1, y1, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            page,
        ):
            found.append(Word(number, text, float(x0), float(y0), float(x1), float(y1)))
    return found, size


def layout_faults(pdf: bytes, folder: Path, *, margin_mm: float = 12.0) -> list[str]:
    """Words outside the printable area (``margin_mm`` from every edge), and words that overlap
    other words on the same page: what cut-off or colliding text looks like."""
    found, (width, height) = words(pdf, folder)
    margin = margin_mm * MM_PT
    faults = [
        f"page {w.page}: {w.text!r} at x {w.x0:.0f}-{w.x1:.0f}, y {w.y0:.0f}-{w.y1:.0f} pt"
        for w in found
        if w.x0 < margin or w.y0 < margin or w.x1 > width - margin or w.y1 > height - margin
    ]
    by_page: dict[int, list[Word]] = {}
    for word in found:
        by_page.setdefault(word.page, []).append(word)
    for page_words in by_page.values():
        page_words.sort(key=lambda w: w.y0)
        for i, word in enumerate(page_words):
            for other in page_words[i + 1 :]:
                if other.y0 >= word.y1:
                    break
                if word.overlaps(other):
                    faults.append(f"page {word.page}: {word.text!r} overlaps {other.text!r}")
    return faults


def render_pages(pdf: bytes, folder: Path, *, dpi: int = 60) -> list[Path]:
    """The pages as PNG images (pdftoppm), in page order."""
    path = folder / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        [poppler("pdftoppm"), "-r", str(dpi), "-png", str(path), str(folder / "page")], check=True
    )
    return sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
