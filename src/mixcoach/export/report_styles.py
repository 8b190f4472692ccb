"""How the PDF report looks: fonts, palette, paragraph and table styles, page geometry.

The content (:mod:`mixcoach.export.report`) and the charts (:mod:`mixcoach.export.report_charts`)
take every font, colour and size from here, so the look changes in one place.

Fonts: DejaVu Sans from Debian's ``fonts-dejavu-core`` when it is installed (wide Unicode
coverage: accents, Greek, Cyrillic, arrows, maths signs), otherwise Bitstream Vera, which ships
inside the ReportLab wheel (Latin only; DejaVu is its extension). Both are embedded as subsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import TableStyle

#: Where Debian's fonts-dejavu-core puts DejaVu.
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
#: Bitstream Vera, shipped inside the ReportLab package.
VERA_DIR = Path(reportlab.__file__).parent / "fonts"

PAGE_SIZE = A4
MARGIN_PT = 18 * mm
FOOTER_HEIGHT_PT = 6 * mm  # kept free above the bottom margin for the footer
FOOTER_BOTTOM_PT = MARGIN_PT - 2 * mm  # the footer's lower edge, from the page's bottom
FOOTER_COLUMNS = (0.42, 0.25, 0.33)  # name, date, page number: shares of the frame's width
FRAME_WIDTH_PT = PAGE_SIZE[0] - 2 * MARGIN_PT


@dataclass(frozen=True)
class Fonts:
    """Registered font names. ``family`` maps <b> and <i> in paragraphs to the right faces."""

    family: str
    regular: str
    bold: str
    italic: str
    bold_italic: str
    mono: str


#: (family, directory, regular, bold, italic, bold italic, mono file or a built-in font name)
_CANDIDATES: tuple[tuple[str, Path, str, str, str, str, str], ...] = (
    (
        "DejaVuSans",
        DEJAVU_DIR,
        "DejaVuSans.ttf",
        "DejaVuSans-Bold.ttf",
        "DejaVuSans-Oblique.ttf",
        "DejaVuSans-BoldOblique.ttf",
        "DejaVuSansMono.ttf",
    ),
    ("Vera", VERA_DIR, "Vera.ttf", "VeraBd.ttf", "VeraIt.ttf", "VeraBI.ttf", "Courier"),
)


@cache
def report_fonts(search: tuple[str, ...] = ("DejaVuSans", "Vera")) -> Fonts:
    """Register and return the first font family of ``search`` whose files are present.

    ``search`` names families of :data:`_CANDIDATES`; Vera is always present (it ships with
    ReportLab), so the default never fails.
    """
    known = {candidate[0]: candidate for candidate in _CANDIDATES}
    unknown = [name for name in search if name not in known]
    if unknown:
        raise ValueError(f"unknown font families {unknown!r}; known: {', '.join(known)}")
    for name in search:
        family, folder, *files = known[name]
        faces, mono = files[:4], files[4]
        if not all((folder / face).is_file() for face in faces):
            continue
        names = [f"Mixcoach{family}{suffix}" for suffix in ("", "-Bold", "-Italic", "-BoldItalic")]
        for font_name, face in zip(names, faces, strict=True):
            pdfmetrics.registerFont(TTFont(font_name, str(folder / face)))
        pdfmetrics.registerFontFamily(
            names[0], normal=names[0], bold=names[1], italic=names[2], boldItalic=names[3]
        )
        mono_name = mono
        if mono.endswith(".ttf"):
            mono_name = f"Mixcoach{family}Mono"
            pdfmetrics.registerFont(TTFont(mono_name, str(folder / mono)))
        return Fonts(names[0], names[0], names[1], names[2], names[3], mono_name)
    raise FileNotFoundError(f"none of the font families {list(search)!r} is installed")


@dataclass(frozen=True)
class Palette:
    ink: colors.Color
    paper: colors.Color
    muted: colors.Color
    rule: colors.Color
    faint: colors.Color  # table headers and the questions of the chat
    accent: colors.Color
    grid: colors.Color
    track: colors.Color  # the track's curves
    reference: colors.Color  # the reference's curves
    target_fill: colors.Color  # genre target bands
    integrated: colors.Color  # the integrated loudness line
    finding_fill: colors.Color  # the spans of time a finding concerns
    finding_over: colors.Color  # the same spans over a waveform: translucent, so both show


PALETTE = Palette(
    ink=colors.HexColor("#1d2433"),
    paper=colors.HexColor("#ffffff"),
    muted=colors.HexColor("#5b6475"),
    rule=colors.HexColor("#c9ced8"),
    faint=colors.HexColor("#f3f5f8"),
    accent=colors.HexColor("#2451a6"),
    grid=colors.HexColor("#e3e6eb"),
    track=colors.HexColor("#1f5fbf"),
    reference=colors.HexColor("#d9731a"),
    target_fill=colors.HexColor("#d8efdf"),
    integrated=colors.HexColor("#7a2e8e"),
    finding_fill=colors.HexColor("#f7d4cc"),
    finding_over=colors.Color(0.85, 0.28, 0.17, alpha=0.45),
)

#: Status of a metric -> (text colour, background).
STATUS_COLOURS: dict[str, tuple[colors.Color, colors.Color]] = {
    "ok": (colors.HexColor("#17663a"), colors.HexColor("#e2f3e8")),
    "low": (colors.HexColor("#7a4f00"), colors.HexColor("#fdf0d5")),
    "high": (colors.HexColor("#7a4f00"), colors.HexColor("#fdf0d5")),
    "problem": (colors.HexColor("#9b1c1c"), colors.HexColor("#fbe0e0")),
    "info": (colors.HexColor("#4a5263"), colors.HexColor("#eceef2")),
    "unknown": (colors.HexColor("#4a5263"), colors.HexColor("#eceef2")),
}
#: Severity of a finding -> (text colour, background).
SEVERITY_COLOURS: dict[str, tuple[colors.Color, colors.Color]] = {
    "problem": (colors.HexColor("#ffffff"), colors.HexColor("#a61b1b")),
    "warning": (colors.HexColor("#8a1f11"), colors.HexColor("#fbe0d8")),
    "suggestion": (colors.HexColor("#6b4a00"), colors.HexColor("#fdf0d5")),
    "info": (colors.HexColor("#1d4380"), colors.HexColor("#e1ebfa")),
}
#: The verdict box's background when nothing worse than this severity was found.
VERDICT_BACKGROUND = {
    None: colors.HexColor("#e2f3e8"),
    "info": colors.HexColor("#e2f3e8"),
    "suggestion": colors.HexColor("#eef3fb"),
    "warning": colors.HexColor("#fdf0d5"),
    "problem": colors.HexColor("#fbe0e0"),
}

BODY_SIZE_PT = 9.5
SMALL_SIZE_PT = 8.0
CHART_FONT_SIZE_PT = 7.5
CHART_HEIGHT_PT = 180.0
#: A heading needs this many of its own line heights left on the page, or it starts the next.
HEADING_ROOM_LINES = 5


@dataclass(frozen=True)
class Styles:
    fonts: Fonts
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    h4: ParagraphStyle  # headings inside Markdown
    body: ParagraphStyle
    bullet: ParagraphStyle
    muted: ParagraphStyle
    caption: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    cell_right: ParagraphStyle
    label: ParagraphStyle  # the names in label/value lists
    header: ParagraphStyle
    header_right: ParagraphStyle  # over columns of numbers
    badge: ParagraphStyle
    verdict: ParagraphStyle
    question: ParagraphStyle
    code: ParagraphStyle
    quote: ParagraphStyle
    footer: ParagraphStyle
    footer_right: ParagraphStyle


@cache
def report_styles(fonts: Fonts | None = None) -> Styles:
    """The report's paragraph styles, in ``fonts`` (default: :func:`report_fonts`)."""
    fonts = fonts or report_fonts()
    body = ParagraphStyle(
        "body",
        fontName=fonts.regular,
        fontSize=BODY_SIZE_PT,
        leading=BODY_SIZE_PT * 1.38,
        textColor=PALETTE.ink,
        spaceAfter=5,
    )

    def derive(name: str, **changes: object) -> ParagraphStyle:
        return ParagraphStyle(name, parent=body, **changes)

    footer = derive("footer", fontSize=SMALL_SIZE_PT, leading=SMALL_SIZE_PT * 1.3, spaceAfter=0)
    cell = derive("cell", fontSize=8.5, leading=11, spaceAfter=0)
    return Styles(
        fonts=fonts,
        title=derive("title", fontName=fonts.bold, fontSize=20, leading=24, spaceAfter=4),
        subtitle=derive(
            "subtitle", fontName=fonts.bold, fontSize=12.5, leading=16, textColor=PALETTE.accent
        ),
        h2=derive(
            "h2",
            fontName=fonts.bold,
            fontSize=14,
            leading=18,
            spaceBefore=14,
            spaceAfter=6,
            textColor=PALETTE.accent,
        ),
        h3=derive("h3", fontName=fonts.bold, fontSize=11, leading=14, spaceBefore=9),
        h4=derive("h4", fontName=fonts.bold, spaceBefore=6, spaceAfter=3),
        body=body,
        bullet=derive("bullet", spaceAfter=2),
        muted=derive("muted", textColor=PALETTE.muted),
        caption=derive(
            "caption",
            fontSize=SMALL_SIZE_PT,
            leading=10.5,
            textColor=PALETTE.muted,
            spaceBefore=3,
            spaceAfter=10,
        ),
        cell=cell,
        cell_bold=ParagraphStyle("cell_bold", parent=cell, fontName=fonts.bold),
        cell_right=ParagraphStyle("cell_right", parent=cell, alignment=TA_RIGHT),
        label=ParagraphStyle("label", parent=cell, textColor=PALETTE.muted),
        header=ParagraphStyle("header", parent=cell, fontName=fonts.bold, textColor=PALETTE.muted),
        header_right=ParagraphStyle(
            "header_right",
            parent=cell,
            fontName=fonts.bold,
            textColor=PALETTE.muted,
            alignment=TA_RIGHT,
        ),
        badge=ParagraphStyle("badge", parent=cell, fontName=fonts.bold, fontSize=7.5, leading=9.5),
        verdict=derive(
            "verdict", fontName=fonts.bold, fontSize=12, leading=16, spaceAfter=2, borderPadding=0
        ),
        question=derive(
            "question",
            fontName=fonts.bold,
            backColor=PALETTE.faint,
            borderPadding=(5, 6, 5, 6),
            leftIndent=6,  # the padded box lines up with the text frame
            rightIndent=6,
            spaceBefore=10,
            spaceAfter=9,
        ),
        code=derive(
            "code",
            fontName=fonts.mono,
            fontSize=8,
            leading=10.5,
            backColor=PALETTE.faint,
            borderPadding=(4, 6, 4, 6),
            leftIndent=6,  # the padded box lines up with the text frame
            rightIndent=6,
            spaceBefore=4,
            spaceAfter=9,
        ),
        quote=derive("quote", leftIndent=10, textColor=PALETTE.muted),
        footer=footer,
        footer_right=ParagraphStyle("footer_right", parent=footer, alignment=TA_RIGHT),
    )


def table_style(*, header_rows: int = 1, zebra: bool = True) -> TableStyle:
    """Data tables: a tinted header row, hairline rules, rows that may split across pages."""
    commands: list[tuple[object, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, PALETTE.rule),
    ]
    if header_rows:
        commands += [
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), PALETTE.faint),
            ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, PALETTE.muted),
        ]
    if zebra:
        commands.append(("ROWBACKGROUNDS", (0, header_rows), (-1, -1), [None, "#fafbfc"]))
    return TableStyle(commands)


def facts_table_style() -> TableStyle:
    """The label/value pairs under the title: no header, labels muted."""
    return TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ]
    )


def footer_table_style() -> TableStyle:
    """The footer's one row: a hairline above, no side padding."""
    return TableStyle(
        [
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("LINEABOVE", (0, 0), (-1, 0), 0.5, PALETTE.rule),
        ]
    )


def box_style(background: colors.Color) -> TableStyle:
    """A one-cell box (the verdict)."""
    return TableStyle(
        [
            ("BACKGROUND", (0, 0), (-1, -1), background),
            ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ("RIGHTPADDING", (0, 0), (-1, -1), 10),
            ("TOPPADDING", (0, 0), (-1, -1), 8),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 9),
        ]
    )
