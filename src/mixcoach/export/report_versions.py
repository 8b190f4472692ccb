"""The report's version section: a review that is a new version of an earlier track says, in
words, what it fixed and brought in, then finding by finding (fixed, still there better or worse,
new) and every measurement that moved, with both versions' values and the change.

Built from :class:`mixcoach.feedback.version_notes.VersionFacts`, the comparison the page and the
feedback show, so the PDF says what they say.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Table

from mixcoach.export.report_styles import (
    FRAME_WIDTH_PT,
    HEADING_ROOM_LINES,
    Styles,
    table_style,
)
from mixcoach.feedback.version_notes import VersionFacts, moved, quantity
from mixcoach.findings.versions import UNCHANGED, FindingChange
from mixcoach.formatting import signed

_STATUS = {"fixed": "Fixed", "still_there": "Still there", "new": "New"}
#: Column shares of the two tables: the name, then the two versions and the change.
_WIDTHS = (0.40, 0.20, 0.20, 0.20)


def version_section(version: VersionFacts | None, styles: Styles) -> list[Flowable]:
    """The section's flowables; none when the review is not a new version."""
    if version is None:
        return []
    s, before, after = styles, version.before, version.after
    story: list[Flowable] = [
        CondPageBreak(HEADING_ROOM_LINES * s.h2.leading),
        Paragraph(escape(f"Since {before}"), s.h2),
        Paragraph(escape(version.summary()), s.body),
    ]
    findings = [_header(s, "Finding", before, after, "Status")]
    findings += [
        _row(s, c.title, _value(c, c.value_before), _value(c, c.value_after), _status(c))
        for c in version.comparison.findings
    ]
    if len(findings) > 1:
        story.append(_table(findings))
    metrics = [_header(s, "Measurement", before, after, "Change")]
    metrics += [
        _row(
            s,
            m.label,
            quantity(m.value_before, m.unit),
            quantity(m.value_after, m.unit),
            signed(m.change, m.change_unit),
        )
        for m in version.comparison.metrics
        if m.change is not None
        and m.value_before is not None
        and m.value_after is not None
        and abs(m.change) >= UNCHANGED
    ]
    if len(metrics) > 1:
        story.append(_table(metrics))
    return story


def _status(change: FindingChange) -> str:
    """ "Fixed", "New", or "Still there, worse by 0.5 LU"."""
    text = _STATUS[change.status]
    step = moved(change)
    if change.trend in ("better", "worse"):
        text += f", {change.trend}"
        if step is not None:
            text += f" by {quantity(step, change.change_unit)}"
    return text


def _value(change: FindingChange, value: float | None) -> str:
    return "—" if value is None else quantity(value, change.unit)


def _header(styles: Styles, *names: str) -> list[Flowable]:
    first, *rest = names
    return [Paragraph(escape(first), styles.header)] + [
        Paragraph(escape(name), styles.header_right) for name in rest
    ]


def _row(styles: Styles, label: str, *values: str) -> list[Flowable]:
    return [Paragraph(escape(label), styles.cell_bold)] + [
        Paragraph(escape(value), styles.cell_right) for value in values
    ]


def _table(rows: list[list[Flowable]]) -> Table:
    widths = [share * FRAME_WIDTH_PT for share in _WIDTHS]
    return Table(rows, colWidths=widths, repeatRows=1, style=table_style())
