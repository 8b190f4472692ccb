"""The PDF report's section tables: the song's parts, worded by
:mod:`mixcoach.findings.section_view` exactly as the web page shows them.

One heading, then two tables (level, dynamics and image; band balance), each with its header
row repeated on every page it runs over. Nothing for a track without sections.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Table

from mixcoach.audio.sections import SongSection
from mixcoach.export.report_styles import (
    FRAME_WIDTH_PT,
    HEADING_ROOM_LINES,
    Styles,
    table_style,
)
from mixcoach.findings.section_view import SectionTable, section_tables

#: The section letter and its time take these shares of the width; the figures share the rest.
_LABEL_SHARE = 0.08
_TIME_SHARE = 0.13


def section_flowables(sections: Sequence[SongSection], styles: Styles) -> list[Flowable]:
    """The report's "Sections" part for ``sections`` (the Analysis's), or nothing."""
    tables = section_tables(sections)
    if not tables:
        return []
    story: list[Flowable] = [
        CondPageBreak(HEADING_ROOM_LINES * styles.h2.leading),
        Paragraph("Sections", styles.h2),
        Paragraph(
            "The parts of the song as Mixcoach hears them: letters repeat where material "
            "repeats; a peak section's lift is its loudness over the section before it.",
            styles.body,
        ),
    ]
    for table in tables:
        story += _table(table, styles)
    return story


def _table(view: SectionTable, styles: Styles) -> list[Flowable]:
    figures = len(view.columns) - 2
    rest = (1.0 - _LABEL_SHARE - _TIME_SHARE) / figures
    widths = [FRAME_WIDTH_PT * share for share in (_LABEL_SHARE, _TIME_SHARE, *[rest] * figures)]
    header = [Paragraph(escape(view.columns[0]), styles.header)] + [
        Paragraph(escape(name), styles.header_right) for name in view.columns[1:]
    ]
    rows = [
        [Paragraph(escape(row.cells[0]), styles.cell_bold)]
        + [Paragraph(escape(cell), styles.cell_right) for cell in row.cells[1:]]
        for row in view.rows
    ]
    return [
        CondPageBreak(HEADING_ROOM_LINES * styles.h3.leading),
        Paragraph(escape(view.title), styles.h3),
        Table([header, *rows], colWidths=widths, repeatRows=1, style=table_style()),
    ]
