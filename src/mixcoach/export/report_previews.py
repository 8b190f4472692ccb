"""The report's previews section: one row per before/after preview of the review's plan (what
it plays, the move, the findings it answers) with the figures known when the report is made:
the measured change and the level-matching gains of a preview already rendered (the PDF renders
no audio; a preview not rendered yet says so).

Built from the same preview list the API returns (``preview.previews.preview_specs``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Table

from mixcoach.export.report_styles import (
    FRAME_WIDTH_PT,
    HEADING_ROOM_LINES,
    Styles,
    table_style,
)
from mixcoach.formatting import number, signed

NOT_RENDERED = "Not rendered yet"
INTRO = (
    "Each preview plays a move of the plan on the track's own excerpt, before and after, "
    "matched in loudness. The measured change and the gains are those of the previews already "
    "played; play one on the page to measure it."
)
_WIDTHS = (0.30, 0.13, 0.19, 0.22, 0.16)


@dataclass(frozen=True)
class PreviewChange:
    metric: str
    unit: str
    before: float
    after: float


@dataclass(frozen=True)
class PreviewRow:
    """One preview as the API lists it, with its figures once rendered (None before)."""

    title: str
    move: str
    finding_codes: tuple[str, ...]
    changes: tuple[PreviewChange, ...] | None = None
    before_gain_db: float | None = None
    after_gain_db: float | None = None


def previews_section(previews: Sequence[PreviewRow], styles: Styles) -> list[Flowable]:
    """The section's flowables; none when the plan has no preview."""
    if not previews:
        return []
    s = styles
    header = [
        Paragraph(escape(name), s.header)
        for name in ("Preview", "Move", "Findings", "Measured change", "Level match")
    ]
    rows: list[list[Flowable]] = [header]
    for p in previews:
        rows.append(
            [
                Paragraph(escape(p.title), s.cell_bold),
                Paragraph(escape(p.move.replace("_", " ")), s.cell),
                Paragraph(escape(", ".join(p.finding_codes) or "—"), s.cell),
                Paragraph(escape(_changes(p)), s.cell),
                Paragraph(escape(_gains(p)), s.cell),
            ]
        )
    widths = [share * FRAME_WIDTH_PT for share in _WIDTHS]
    return [
        CondPageBreak(HEADING_ROOM_LINES * s.h2.leading),
        Paragraph("Previews", s.h2),
        Paragraph(escape(INTRO), s.body),
        Table(rows, colWidths=widths, repeatRows=1, style=table_style()),
    ]


def _changes(preview: PreviewRow) -> str:
    if preview.changes is None:
        return NOT_RENDERED
    return "; ".join(
        f"{c.metric.replace('_', ' ')}: {number(c.before, decimals=2)} to "
        f"{number(c.after, decimals=2)} {c.unit}".strip()
        for c in preview.changes
    )


def _gains(preview: PreviewRow) -> str:
    if preview.before_gain_db is None or preview.after_gain_db is None:
        return NOT_RENDERED
    before = signed(preview.before_gain_db, decimals=2)
    return f"before {before}, after {signed(preview.after_gain_db, decimals=2)}"
