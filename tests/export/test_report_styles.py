"""Fonts of the PDF report: DejaVu when Debian's fonts-dejavu-core is installed, else the Vera
that ships with ReportLab; both must set Markdown (bold, italic, code) that reads back."""

from __future__ import annotations

import io

import pytest
from pdfcheck import page_texts
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import SimpleDocTemplate

from mixcoach.export.report import markdown_flowables
from mixcoach.export.report_styles import DEJAVU_DIR, report_fonts, report_styles


def test_dejavu_is_preferred_when_installed() -> None:
    if not (DEJAVU_DIR / "DejaVuSans.ttf").is_file():
        pytest.skip(f"fonts-dejavu-core is not installed ({DEJAVU_DIR})")
    fonts = report_fonts()
    assert fonts.regular == "MixcoachDejaVuSans"
    assert isinstance(pdfmetrics.getFont(fonts.mono), TTFont)  # DejaVu Sans Mono, embedded


@pytest.mark.parametrize("family", ["DejaVuSans", "Vera"])
def test_each_family_sets_markdown_that_reads_back(family: str) -> None:
    if family == "DejaVuSans" and not (DEJAVU_DIR / "DejaVuSans.ttf").is_file():
        pytest.skip(f"fonts-dejavu-core is not installed ({DEJAVU_DIR})")
    styles = report_styles(report_fonts((family,)))
    buffer = io.BytesIO()
    story = markdown_flowables("**Loud** and *wide*: `ceiling -1.0 dBTP` & café", styles)
    SimpleDocTemplate(buffer, invariant=True).build(story)
    (text,) = page_texts(buffer.getvalue())
    assert "Loud and wide: ceiling -1.0 dBTP & café" in text


def test_unknown_font_family_is_named() -> None:
    with pytest.raises(ValueError, match="unknown font families \\['Comic'\\]"):
        report_fonts(("Comic",))
