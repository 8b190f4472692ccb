"""The PDF report of one review: what a producer prints or sends.

Call::

    pdf: bytes = render_report(
        analysis,                       # mixcoach.analysis.Analysis
        feedback=feedback,              # mixcoach.feedback.model.Feedback, or None
        chat=messages,                  # Sequence[ChatMessage], oldest first
        chat_summary=summary,           # the running summary of turns no longer stored, or None
        presets=presets,                # mixcoach.feedback.model.Presets, or None
        generated_at=datetime.now(UTC), # timezone-aware; printed on every page
        track_name="My Song (master).wav",  # as the producer named it (default: the analysed
        reference_name="Ref.flac",          # file's base name)
        version=facts,                  # VersionFacts when the track is a new version, or None
        peaks=outline,                  # mixcoach.audio.peaks.Peaks for the waveform, or None
    )

The report holds, in order: the request and track facts, the headline verdict, the metric table
with targets and status (worded and rounded by :mod:`mixcoach.findings.metric_view`, as the web
page shows them), the section tables (:mod:`mixcoach.export.report_sections`), the findings with
severity and time ranges, what each streaming service does to the track and what its codec does
(:mod:`mixcoach.export.report_listening`), the charts (loudness over time, spectrum against the
genre targets, correlation over time with the findings' spans, stereo width per band, and the
comparison with the reference when there is one; first, given the track's outline, the
waveform with the sections and the findings' places), the reference comparison table, what changed
since the previous version when the track is a new one (:mod:`mixcoach.export.report_versions`),
the written feedback, the chat questions and answers, the presets, and the measurement notes.
Every page carries the track name, the date and "Page n of N".

It is built from ReportLab Platypus flowables; the look (fonts, colours, sizes) lives in
:mod:`mixcoach.export.report_styles` and the charts in :mod:`mixcoach.export.report_charts`.
Text from outside (file names, LLM feedback, questions) is escaped before it reaches ReportLab's
paragraph markup, and Markdown is parsed (markdown-it, raw HTML off) into flowables, so no input
can inject markup or break the layout. Pure: the same inputs give the same bytes (the PDF's
dates are ``generated_at``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import PurePath
from typing import Any
from xml.sax.saxutils import escape

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    HRFlowable,
    Indenter,
    KeepTogether,
    ListFlowable,
    ListItem,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from mixcoach.analysis import Analysis
from mixcoach.audio.peaks import Peaks
from mixcoach.export import report_charts as charts
from mixcoach.export.report_listening import listening_section
from mixcoach.export.report_previews import PreviewRow, previews_section
from mixcoach.export.report_sections import section_flowables
from mixcoach.export.report_styles import (
    FOOTER_BOTTOM_PT,
    FOOTER_COLUMNS,
    FOOTER_HEIGHT_PT,
    FRAME_WIDTH_PT,
    HEADING_ROOM_LINES,
    MARGIN_PT,
    PAGE_SIZE,
    PALETTE,
    SEVERITY_COLOURS,
    STATUS_COLOURS,
    VERDICT_BACKGROUND,
    Styles,
    box_style,
    facts_table_style,
    footer_table_style,
    report_styles,
    table_style,
)
from mixcoach.export.report_versions import version_section
from mixcoach.feedback.model import (
    ChatMessage,
    CompressorSettings,
    EqMove,
    Feedback,
    LimiterSettings,
    Presets,
    WidthMove,
)
from mixcoach.feedback.version_notes import VersionFacts
from mixcoach.findings.metric_view import format_figure, metric_views
from mixcoach.findings.model import SEVERITIES, Finding
from mixcoach.formatting import format_ranges, format_target, format_time, format_value, signed
from mixcoach.knowledge.platforms import playback

__all__ = ["render_report"]

_FEEDBACK_TYPE = {
    "mixdown": "Mixdown (mix feedback, judged for headroom)",
    "mastering": "Mix for mastering (judged as a premaster)",
    "master_review": "Master review (judged for delivery)",
}
_EQ_KIND = {
    "bell": "Bell",
    "low_shelf": "Low shelf",
    "high_shelf": "High shelf",
    "high_pass": "High-pass",
    "low_pass": "Low-pass",
}
#: Rows of the reference table: label, dotted path into the measurements, comparison field, unit.
_REFERENCE_ROWS = (
    ("Integrated loudness", "loudness.integrated_lufs", "loudness_difference_lu", "LUFS", "LU"),
    ("True peak", "loudness.true_peak_dbtp", "true_peak_difference_db", "dBTP", "dB"),
    ("Loudest 3 s", "loudness.short_term_max_lufs", "short_term_max_difference_lu", "LUFS", "LU"),
    ("Loudness range", "loudness.loudness_range_lu", "loudness_range_difference_lu", "LU", "LU"),
    ("Peak-to-loudness ratio", "loudness.plr_db", "plr_difference_db", "dB", "dB"),
    ("Peak-to-short-term ratio", "loudness.psr_db", "psr_difference_db", "dB", "dB"),
    ("Crest factor", "dynamics.crest_factor_db", "crest_factor_difference_db", "dB", "dB"),
    ("Stereo width", "stereo.width", "width_difference", "", ""),
    ("Low-end width", "stereo.low_end_width", "low_end_width_difference", "", ""),
    ("L/R correlation", "stereo.correlation", "correlation_difference", "", ""),
)
#: Indentation per level of nested lists and quotes. Markdown nests at most _MARKDOWN_NESTING
#: levels deep (deeper text is shown as written), so indentation never eats the page's width.
_NEST_INDENT_PT = 14.0
#: Markdown nested deeper than this (lists, quotes) is shown as plain text (markdown-it's limit).
_MARKDOWN_NESTING = 20
#: Markdown tables wider than this are written as lines of text.
_MAX_TABLE_COLUMNS = 8
# C0 controls except tab and newline, DEL, and lone surrogates: no font has them and they can
# break the PDF's text; they are dropped.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def render_report(
    analysis: Analysis,
    *,
    feedback: Feedback | None = None,
    chat: Sequence[ChatMessage] = (),
    chat_summary: str | None = None,
    presets: Presets | None = None,
    generated_at: datetime,
    track_name: str | None = None,
    reference_name: str | None = None,
    version: VersionFacts | None = None,
    peaks: Peaks | None = None,
    previews: Sequence[PreviewRow] = (),
) -> bytes:
    """The PDF report of ``analysis`` (see the module docstring), as bytes.

    ``generated_at`` must be timezone-aware. ``track_name``/``reference_name`` default to the
    base names of the analysed files' paths.
    """
    if generated_at.tzinfo is None or generated_at.utcoffset() is None:
        raise ValueError(f"generated_at must be timezone-aware, got {generated_at.isoformat()}")
    if track_name is None:
        track_name = PurePath(analysis.file.path).name
    if reference_name is None and analysis.reference is not None:
        reference_name = PurePath(analysis.reference.measurements.file.path).name
    report = _Report(
        analysis=analysis,
        feedback=feedback,
        chat=tuple(chat),
        chat_summary=chat_summary,
        presets=presets,
        generated_at=generated_at,
        track_name=track_name,
        reference_name=reference_name,
        version=version,
        peaks=peaks,
        previews=tuple(previews),
        styles=report_styles(),
    )
    # "Page n of N" needs N: a first pass counts the pages (the footer sits outside the text
    # frame, so the second pass breaks pages in the same places).
    _, pages = report.build(total_pages=None)
    pdf, _ = report.build(total_pages=pages)
    return pdf


def clean_text(text: str) -> str:
    """``text`` with unprintable characters removed."""
    return _UNPRINTABLE.sub("", text)


def plain(text: str) -> str:
    """Outside text as paragraph markup that shows exactly ``text`` (line breaks kept)."""
    return escape(clean_text(text)).replace("\n", "<br/>")


@dataclass(frozen=True)
class _Report:
    analysis: Analysis
    feedback: Feedback | None
    chat: tuple[ChatMessage, ...]
    chat_summary: str | None
    presets: Presets | None
    generated_at: datetime
    track_name: str
    reference_name: str | None
    version: VersionFacts | None  # the comparison with the previous version, when it is one
    peaks: Peaks | None  # the track's outline, for the waveform
    previews: tuple[PreviewRow, ...]  # the plan's previews, with the figures known
    styles: Styles

    def build(self, *, total_pages: int | None) -> tuple[bytes, int]:
        """Lay the report out; returns the PDF and its page count."""
        buffer = io.BytesIO()
        document = BaseDocTemplate(
            buffer,
            pagesize=PAGE_SIZE,
            leftMargin=MARGIN_PT,
            rightMargin=MARGIN_PT,
            topMargin=MARGIN_PT,
            bottomMargin=MARGIN_PT + FOOTER_HEIGHT_PT,
            title=f"Mixcoach report: {clean_text(self.track_name)}",
            author="Mixcoach",
            subject="Mix and master analysis",
            creator="Mixcoach",
            # No random document id, and the dates are the given generated_at (the footer sets
            # them), not the clock: the same inputs give the same bytes.
            invariant=True,
            lang="en",
        )

        def footer(canvas: Any, doc: Any) -> None:
            canvas.setDateFormatter(self._pdf_date)
            self._footer(canvas, doc, total_pages=total_pages)

        frame = Frame(
            document.leftMargin,
            document.bottomMargin,
            document.width,
            document.height,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        document.addPageTemplates([PageTemplate("page", frames=[frame], onPage=footer)])
        document.build(self.story())
        return buffer.getvalue(), int(document.page)

    def _pdf_date(self, *_invariant_date: int) -> str:
        """The PDF's creation and modification date: when the report was generated."""
        when, offset = self.generated_at, self.generated_at.utcoffset()
        minutes = 0 if offset is None else int(offset.total_seconds()) // 60
        sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
        return f"D:{when:%Y%m%d%H%M%S}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"

    def _footer(self, canvas: Any, doc: Any, *, total_pages: int | None) -> None:
        s = self.styles
        page = f"Page {doc.page}" + ("" if total_pages is None else f" of {total_pages}")
        widths = _widths(*FOOTER_COLUMNS)
        # The full name is on the first page; the footer's one line holds what fits.
        name = _ellipsize(
            f"Mixcoach · {clean_text(self.track_name)}",
            s.footer.fontName,
            s.footer.fontSize,
            widths[0] - 6,
        )
        cells = [
            Paragraph(escape(name), s.footer),
            Paragraph(escape(_date(self.generated_at)), s.footer),
            Paragraph(page, s.footer_right),
        ]
        row = Table([cells], colWidths=widths, style=footer_table_style())
        canvas.saveState()
        row.wrapOn(canvas, FRAME_WIDTH_PT, MARGIN_PT)
        row.drawOn(canvas, doc.leftMargin, FOOTER_BOTTOM_PT)
        canvas.restoreState()

    def story(self) -> list[Flowable]:
        s = self.styles
        story: list[Flowable] = [
            Paragraph("Mixcoach report", s.title),
            Paragraph(plain(self.track_name), s.subtitle),
            Spacer(1, 6),
            self._facts(),
            Spacer(1, 10),
            self._verdict(),
        ]
        story += self._metrics()
        story += section_flowables(self.analysis.sections, self.styles)
        story += self._findings()
        story += self._platforms()
        story += listening_section(self.analysis, self.styles)
        story += self._charts()
        story += self._reference()
        story += version_section(self.version, s)
        story += self._feedback()
        story += self._chat()
        story += self._presets()
        story += previews_section(self.previews, s)
        story += self._notes()
        return story

    # --- facts and verdict ---------------------------------------------------------------

    def _facts(self) -> Table:
        a, s = self.analysis, self.styles
        rows: list[tuple[str, str]] = []  # the track's name is the title above
        if self.reference_name is not None:
            rows.append(("Reference", self.reference_name))
        rows += [
            ("Format", _format(a)),
            ("Duration", format_time(a.file.duration_s)),
            ("Genre", a.request.genre_label),
            ("Feedback type", _FEEDBACK_TYPE[a.request.feedback_type]),
        ]
        if self.feedback is not None:
            rows.append(("Detail level", self.feedback.request.detail.capitalize()))
        rows.append(("Generated", _date(self.generated_at)))
        data = [[Paragraph(escape(k), s.label), Paragraph(plain(v), s.cell)] for k, v in rows]
        return Table(data, colWidths=[32 * mm, FRAME_WIDTH_PT - 32 * mm], style=facts_table_style())

    def _verdict(self) -> Table:
        s, findings = self.styles, self.analysis.findings
        if self.feedback is not None:
            headline = self.feedback.headline
        elif findings:
            headline = f"Most serious: {findings[0].title}"
        else:
            headline = "No findings: nothing here needs attention."
        worst = findings[0].severity if findings else None  # the judge puts the worst first
        counts = [
            f"{n} {severity}{'' if n == 1 else 's'}"
            for severity in reversed(SEVERITIES)
            if (n := sum(f.severity == severity for f in findings))
        ]
        in_range = sum(m.status == "ok" for m in self.analysis.metrics)
        summary = (
            f"{len(findings)} finding{'' if len(findings) == 1 else 's'}"
            + (f" ({', '.join(counts)})" if counts else "")
            + f"; {in_range} of {len(self.analysis.metrics)} measurements in range."
        )
        cell = [Paragraph(plain(headline), s.verdict), Paragraph(escape(summary), s.cell)]
        return Table(
            [[cell]], colWidths=[FRAME_WIDTH_PT], style=box_style(VERDICT_BACKGROUND[worst])
        )

    # --- metrics and findings ------------------------------------------------------------

    def _metrics(self) -> list[Flowable]:
        s = self.styles
        header = _header_row(
            s, "Measurement", "Value", "Target", "Status", "What it means", right=(1,)
        )
        rows: list[list[Flowable]] = [header]
        style = table_style()
        metrics = self.analysis.metrics
        views = metric_views(metrics, self.analysis.rhythm)
        for index, (metric, view) in enumerate(zip(metrics, views, strict=True), start=1):
            note = escape(view.note)
            if metric.source and view.status != "info":
                note += f'<br/><font color="{PALETTE.muted.hexval()}">Target: '
                note += f"{escape(metric.source)}</font>"
            ink, background = STATUS_COLOURS[view.status]
            rows.append(
                [
                    Paragraph(escape(view.label), s.cell_bold),
                    Paragraph(escape(f"{view.value_text} {view.unit}".strip()), s.cell_right),
                    Paragraph(escape(view.target_text), s.cell),
                    Paragraph(_coloured(view.status_text, ink), s.badge),
                    Paragraph(note, s.cell),
                ]
            )
            style.add("BACKGROUND", (3, index), (3, index), background)
        widths = _widths(0.22, 0.14, 0.17, 0.11, 0.36)
        return _titled_table("Measurements", s.h2, rows, widths, style)

    def _findings(self) -> list[Flowable]:
        s, findings = self.styles, self.analysis.findings
        if not findings:
            return [
                *_heading("Findings", s.h2),
                Paragraph("No findings: nothing here needs attention.", s.body),
            ]
        header = _header_row(s, "Severity", "Finding", "Where")
        rows: list[list[Flowable | list[Flowable]]] = [header]
        style = table_style(zebra=False)
        for index, finding in enumerate(findings, start=1):
            ink, background = SEVERITY_COLOURS[finding.severity]
            rows.append(
                [
                    Paragraph(_coloured(finding.severity.capitalize(), ink), s.badge),
                    [
                        Paragraph(escape(finding.title), s.cell_bold),
                        Paragraph(escape(finding.detail), s.cell),
                    ],
                    Paragraph(escape(_where(finding)), s.cell),
                ]
            )
            style.add("BACKGROUND", (0, index), (0, index), background)
        return _titled_table("Findings", s.h2, rows, _widths(0.13, 0.65, 0.22), style)

    # --- charts --------------------------------------------------------------------------

    def _platforms(self) -> list[Flowable]:
        """What each streaming service does to the track (as GET /api/reviews/{id}/platforms
        sends it): its target, the gain it applies, the loudness and peak listeners get."""
        s, loudness = self.styles, self.analysis.loudness
        results = playback(
            integrated_lufs=loudness.integrated_lufs, true_peak_dbtp=loudness.true_peak_dbtp
        )
        if not results:
            return []
        header = _header_row(
            s,
            "Service",
            "Target",
            "Gain",
            "Plays at",
            "Peak after",
            "Ceiling",
            "Your file",
            right=(1, 2, 3, 4, 5),
        )
        rows: list[list[Flowable]] = [header]
        for result in results:
            over = result.peak_over_ceiling_db
            verdict = (
                f"Peaks over by {format_figure(over, 'dB')} dB"
                if over is not None and over > 0
                else "Within the ceiling"
            )
            figures = (
                _figure(result.target_lufs, "LUFS"),
                signed(result.gain_db),
                _figure(result.playback_lufs, "LUFS"),
                _figure(result.playback_peak_dbtp, "dBTP"),
                _figure(result.ceiling_dbtp, "dBTP"),
            )
            rows.append(
                [*_label_row(s, result.label, *figures), Paragraph(escape(verdict), s.cell)]
            )
        widths = _widths(0.17, 0.12, 0.11, 0.13, 0.13, 0.12, 0.22)
        return _titled_table("Streaming services", s.h2, rows, widths, table_style())

    def _charts(self) -> list[Flowable]:
        a, s, width = self.analysis, self.styles, FRAME_WIDTH_PT
        integrated = next((m for m in a.metrics if m.metric == "loudness.integrated_lufs"), None)
        loudness_target = ""
        if integrated is not None and (integrated.target_low, integrated.target_high) != (
            None,
            None,
        ):
            loudness_target = (
                f" The shaded band is the integrated-loudness target for {a.request.genre_label}: "
                f"{format_target(integrated.target_low, integrated.target_high, 'LUFS')}."
            )
        width_target = next((m for m in a.metrics if m.metric == "stereo.width"), None)
        charted = [
            *self._waveform(),
            self._chart(
                "Loudness over time",
                charts.loudness_chart(a, width_pt=width),
                "Short-term loudness (3 s windows, EBU R128) through the track; the dashed "
                "line is the integrated loudness of the whole track." + loudness_target,
                "No short-term loudness to plot: the track is silent or shorter than 3 s.",
            ),
            self._chart(
                "Spectrum against the genre target",
                charts.spectrum_chart(a, width_pt=width),
                "Long-term average spectrum in 1/6-octave bands, relative to the track's total "
                "energy. Shaded boxes are the genre's range for each band, shown as the "
                "average level per 1/6 octave and placed at the track's own level (the shape "
                "matters, not the absolute level)."
                + (
                    " The orange curve is the reference, shifted so the two tracks' balance "
                    "lines up."
                    if a.reference is not None
                    else ""
                ),
                "No spectrum to plot: the track is digital silence.",
            ),
            self._chart(
                "Stereo correlation over time, with the findings",
                charts.correlation_chart(a, width_pt=width),
                "Correlation of left and right in 1-second windows: 1 is mono, 0 unrelated "
                "channels, below 0 out of phase (it cancels when folded to mono). Shaded spans "
                "are where a finding applies, as listed under Findings.",
                "No correlation to plot: the track is mono or silent.",
            ),
            self._chart(
                "Stereo width per band",
                charts.width_chart(a.stereo, width_target, width_pt=width),
                "Side energy over total energy in each band: 0 is mono, 0.5 unrelated "
                "channels, above 0.5 out of phase. Low bands are usually kept narrow.",
                "No stereo image to plot: the track is mono or silent.",
            ),
        ]
        if a.reference is not None:
            offset = a.reference.comparison.band_offset_db
            charted.append(
                self._chart(
                    "Spectrum against the reference",
                    charts.reference_chart(a.reference.comparison, width_pt=width),
                    "Track minus reference, level-matched: above zero the track has more "
                    "energy there than the reference, below zero less."
                    + (
                        ""
                        if offset is None
                        else f" A common shift of {offset:+.1f} dB was removed."
                    ),
                    "No spectral comparison: the track or the reference is silent.",
                )
            )
        # The section's heading travels with its first chart.
        charted[0].insert(0, Paragraph("Charts", s.h2))
        return [KeepTogether(chart) for chart in charted]

    def _waveform(self) -> list[list[Flowable]]:
        """The waveform chart with its caption, or nothing without the track's outline."""
        if self.peaks is None:
            return []
        a = self.analysis
        drawing = charts.waveform_chart(a, self.peaks, width_pt=FRAME_WIDTH_PT)
        caption = charts.waveform_caption(
            a, duration_s=max(self.peaks.duration_s, a.file.duration_s)
        )
        return [self._chart("Waveform with the findings", drawing, caption, "The track is empty.")]

    def _chart(
        self, title: str, drawing: Flowable | None, caption: str, missing: str
    ) -> list[Flowable]:
        """A chart's title, the chart and its caption; or, with nothing to draw, why."""
        s = self.styles
        if drawing is None:
            return [Paragraph(title, s.h3), Paragraph(missing, s.muted)]
        return [Paragraph(title, s.h3), drawing, Paragraph(caption, s.caption)]

    # --- reference -----------------------------------------------------------------------

    def _reference(self) -> list[Flowable]:
        a, s = self.analysis, self.styles
        if a.reference is None:
            return []
        track, ref, comparison = a, a.reference.measurements, a.reference.comparison
        header = _header_row(s, "Measurement", "Track", "Reference", "Difference", right=(1, 2, 3))
        rows: list[list[Flowable]] = [header]
        for label, path, field, unit, difference_unit in _REFERENCE_ROWS:
            difference = getattr(comparison, field)
            rows.append(
                _label_row(
                    s,
                    label,
                    _figure(_dotted(track, path), unit),
                    _figure(_dotted(ref, path), unit),
                    "n/a" if difference is None else f"{difference:+.2f} {difference_unit}",
                )
            )
        rows.append(
            _label_row(
                s,
                "Tempo",
                format_value(comparison.track_tempo_bpm, "BPM"),
                format_value(comparison.reference_tempo_bpm, "BPM"),
                comparison.tempo_relation,
            )
        )
        rows.append(
            _label_row(
                s,
                "Key",
                comparison.track_key or "n/a",
                comparison.reference_key or "n/a",
                comparison.key_relation,
            )
        )
        story: list[Flowable] = [
            *_heading("Against the reference", s.h2),
            Paragraph(
                f"Reference: {plain(self.reference_name or '')}. Differences are track minus "
                "reference.",
                s.body,
            ),
        ]
        if comparison.gain_to_match_db is not None:
            story.append(
                Paragraph(
                    f"Gain on the track that matches the reference's loudness: "
                    f"<b>{comparison.gain_to_match_db:+.1f} dB</b>.",
                    s.body,
                )
            )
        story.append(
            Table(
                rows, colWidths=_widths(0.34, 0.22, 0.22, 0.22), repeatRows=1, style=table_style()
            )
        )
        return story

    # --- feedback and chat ---------------------------------------------------------------

    def _feedback(self) -> list[Flowable]:
        s, feedback = self.styles, self.feedback
        if feedback is None:
            return []
        story: list[Flowable] = [
            *_heading("Feedback", s.h2),
            Paragraph(f"Written by the {escape(_engine(feedback.engine))}.", s.muted),
        ]
        if feedback.fallback_reason:
            story.append(
                Paragraph(
                    "The language model could not answer, so the offline engine wrote this "
                    f"feedback ({plain(feedback.fallback_reason)}).",
                    s.muted,
                )
            )
        for section in feedback.sections:
            story += _heading(plain(section.title), s.h3)
            story += markdown_flowables(section.body, s)
        return story

    def _chat(self) -> list[Flowable]:
        s = self.styles
        if not self.chat and not self.chat_summary:
            return []
        story = _heading("Questions and answers", s.h2)
        if self.chat_summary:
            story += _heading("Earlier in the conversation (summary)", s.h4)
            story += markdown_flowables(self.chat_summary, s)
        for message in self.chat:
            if message.role == "user":
                story.append(Paragraph(plain(message.content), s.question))
            else:
                story += markdown_flowables(message.content, s)
        return story

    # --- presets and notes ---------------------------------------------------------------

    def _presets(self) -> list[Flowable]:
        s, presets = self.styles, self.presets
        if presets is None:
            return []
        story: list[Flowable] = [Paragraph("Presets", s.h2)]
        if presets.is_empty():
            story.append(
                Paragraph("No processing suggested: nothing measured calls for it.", s.body)
            )
        if presets.eq:
            story += self._eq(presets.eq)
        if presets.compressor is not None:
            story += self._settings(
                "Compressor", _compressor_rows(presets.compressor), presets.compressor.reason
            )
        if presets.limiter is not None:
            story += self._settings(
                "Limiter", _limiter_rows(presets.limiter), presets.limiter.reason
            )
        if presets.stereo:
            story += self._width_moves(presets.stereo)
        if presets.notes:
            story += _heading("Notes", s.h3)
            story.append(_bullets([plain(note) for note in presets.notes], s))
        return _kept_together(story)

    def _eq(self, moves: Sequence[EqMove]) -> list[Flowable]:
        s = self.styles
        rows: list[list[Flowable]] = [
            _header_row(s, "Filter", "Frequency", "Gain", "Q", "Why", right=(1, 2, 3))
        ]
        for move in moves:
            gain = "" if move.kind in ("high_pass", "low_pass") else f"{move.gain_db:+.1f} dB"
            rows.append(
                [
                    Paragraph(_EQ_KIND[move.kind], s.cell_bold),
                    Paragraph(_frequency(move.frequency_hz), s.cell_right),
                    Paragraph(gain, s.cell_right),
                    Paragraph(f"{move.q:.2f} ({move.bandwidth_octaves:.2f} oct)", s.cell_right),
                    Paragraph(escape(move.reason), s.cell),
                ]
            )
        widths = _widths(0.13, 0.13, 0.11, 0.16, 0.47)
        return _titled_table("EQ", s.h3, rows, widths, table_style())

    def _width_moves(self, moves: Sequence[WidthMove]) -> list[Flowable]:
        s = self.styles
        rows: list[list[Flowable]] = [_header_row(s, "Band", "Width", "Why", right=(1,))]
        for move in moves:
            rows.append(
                [
                    Paragraph(_band(move.low_hz, move.high_hz), s.cell_bold),
                    Paragraph(f"{move.width_percent:.0f} %", s.cell_right),
                    Paragraph(escape(move.reason), s.cell),
                ]
            )
        widths = _widths(0.25, 0.12, 0.63)
        return _titled_table("Stereo width", s.h3, rows, widths, table_style())

    def _settings(self, title: str, rows: list[tuple[str, str]], reason: str) -> list[Flowable]:
        s = self.styles
        cells = [_label_row(s, label, value) for label, value in rows]
        table = Table(
            cells, colWidths=_widths(0.25, 0.15), hAlign="LEFT", style=table_style(header_rows=0)
        )
        return [
            KeepTogether(
                [Paragraph(title, s.h3), table, Spacer(1, 4), Paragraph(plain(reason), s.body)]
            )
        ]

    def _notes(self) -> list[Flowable]:
        notes = self.analysis.all_notes()
        if not notes:
            return []
        s = self.styles
        return [*_heading("Measurement notes", s.h2), _bullets([plain(n) for n in notes], s)]


def _kept_together(story: list[Flowable]) -> list[Flowable]:
    """``story`` on one page: it starts the next page when it does not fit on this one (and
    runs on over pages only when it is longer than a page), so a heading never sits alone."""
    return [KeepTogether(story)]


def _heading(markup: str, style: ParagraphStyle) -> list[Flowable]:
    """A heading that goes to the next page rather than sit alone at the bottom of one.

    (ReportLab's ``keepWithNext`` would move a long table after it whole to the next page.)
    """
    return [CondPageBreak(HEADING_ROOM_LINES * style.leading), Paragraph(markup, style)]


def _header_row(styles: Styles, *names: str, right: Sequence[int] = ()) -> list[Flowable]:
    """A table's header cells; the columns numbered in ``right`` hold numbers (right-aligned)."""
    return [
        Paragraph(name, styles.header_right if index in right else styles.header)
        for index, name in enumerate(names)
    ]


def _label_row(styles: Styles, label: str, *values: str) -> list[Flowable]:
    """A table row: a label, then values (numbers, right-aligned)."""
    cells = [Paragraph(escape(label), styles.cell_bold)]
    return cells + [Paragraph(escape(value), styles.cell_right) for value in values]


def _titled_table(
    markup: str,
    heading: ParagraphStyle,
    rows: Sequence[Sequence[Flowable | list[Flowable]]],
    widths: list[float],
    style: TableStyle,
) -> list[Flowable]:
    """A heading and its table (header row repeated on every page it runs over); the heading
    moves to the next page unless the table's header and first row fit under it."""
    start = Table(rows[:2], colWidths=widths, style=table_style())
    _, start_height = start.wrap(sum(widths), PAGE_SIZE[1])
    room = heading.spaceBefore + heading.leading + heading.spaceAfter + start_height
    table = Table(rows, colWidths=widths, repeatRows=1, style=style)
    return [CondPageBreak(room), Paragraph(markup, heading), table]


# --- Markdown ------------------------------------------------------------------------------


@cache
def _markdown() -> MarkdownIt:
    # CommonMark with raw HTML off (it stays text) plus the GitHub tables and strikethrough
    # that language models write.
    options = {"html": False, "maxNesting": _MARKDOWN_NESTING}
    return MarkdownIt("commonmark", options).enable(["table", "strikethrough"])


def markdown_flowables(text: str, styles: Styles) -> list[Flowable]:
    """Markdown as flowables; every piece of text is escaped, so markup in it stays text."""
    text = clean_text(text)
    tokens = _markdown().parse(text)
    if any(token.level >= _MARKDOWN_NESTING - 1 for token in tokens):
        # markdown-it drops whatever lies deeper than its nesting limit: such a text is shown
        # as written instead, paragraph by paragraph.
        parts = re.split(r"\n\s*\n", text)
        return [Paragraph(plain(part.strip()), styles.body) for part in parts if part.strip()]
    return _blocks(SyntaxTreeNode(tokens).children, styles)


def _blocks(
    nodes: Sequence[SyntaxTreeNode],
    styles: Styles,
    *,
    body: ParagraphStyle | None = None,
) -> list[Flowable]:
    """Flowables of Markdown block nodes; paragraphs in ``body`` (default: the body text;
    quotes pass theirs down)."""
    body = body or styles.body
    out: list[Flowable] = []
    for node in nodes:
        kind = node.type
        if kind == "paragraph":
            out.append(Paragraph(_inline_of(node, styles), body))
        elif kind == "heading":
            out += _heading(_inline_of(node, styles), styles.h4)
        elif kind in ("bullet_list", "ordered_list"):
            out += _list(node, styles, body=body)
        elif kind == "blockquote":
            inner = _blocks(node.children, styles, body=styles.quote)
            out += _indented(inner)
        elif kind in ("code_block", "fence"):
            out.append(Paragraph(_code(node.content), styles.code))
        elif kind == "hr":
            out.append(HRFlowable(width="100%", thickness=0.5, color=PALETTE.rule, spaceAfter=6))
        elif kind == "table":
            out.append(_markdown_table(node, styles))
        elif node.content:
            out.append(Paragraph(plain(node.content), body))
    return out


def _indented(flowables: list[Flowable]) -> list[Flowable]:
    return [Indenter(left=_NEST_INDENT_PT), *flowables, Indenter(left=-_NEST_INDENT_PT)]


def _list(node: SyntaxTreeNode, styles: Styles, *, body: ParagraphStyle) -> list[Flowable]:
    items = [_blocks(item.children, styles, body=body) for item in node.children]
    ordered = node.type == "ordered_list"
    start = node.attrs.get("start", 1) if ordered else None
    return [
        ListFlowable(
            [ListItem(item) for item in items],
            bulletType="1" if ordered else "bullet",
            start=int(start) if isinstance(start, (int, float)) else (1 if ordered else None),
            leftIndent=_NEST_INDENT_PT,
            bulletFontName=styles.fonts.regular,
            bulletFontSize=styles.body.fontSize,
            bulletColor=PALETTE.muted,
            bulletFormat="%s." if ordered else None,
            spaceAfter=3,
        )
    ]


def _inline_of(node: SyntaxTreeNode, styles: Styles) -> str:
    """Paragraph markup of a paragraph or heading node (its one ``inline`` child)."""
    return "".join(_inline(child, styles) for child in node.children)


def _inline(node: SyntaxTreeNode, styles: Styles) -> str:
    kind = node.type
    inner = "".join(_inline(child, styles) for child in node.children)
    if kind == "inline":
        return inner
    if kind == "text":
        return escape(node.content)
    if kind == "softbreak":
        return " "
    if kind == "hardbreak":
        return "<br/>"
    if kind == "strong":
        return f"<b>{inner}</b>"
    if kind == "em":
        return f"<i>{inner}</i>"
    if kind == "s":
        return f"<strike>{inner}</strike>"
    if kind == "code_inline":
        return f'<font face="{styles.fonts.mono}">{escape(node.content)}</font>'
    if kind == "link":
        href = str(node.attrs.get("href", ""))
        shown = "".join(child.content for child in node.children)
        return inner if href in ("", shown) else f"{inner} ({escape(href)})"
    if kind == "image":
        return f"[{escape(node.content)}]"
    return escape(node.content)


def _code(text: str) -> str:
    """A code block: escaped, line breaks and leading indentation kept, long lines wrapped."""
    lines = text.rstrip("\n").split("\n")
    kept = []
    for line in lines:
        stripped = line.lstrip(" ")
        kept.append("&nbsp;" * (len(line) - len(stripped)) + escape(stripped))
    return "<br/>".join(kept)


def _markdown_table(node: SyntaxTreeNode, styles: Styles) -> Flowable:
    rows = [
        [cell for cell in row.children] for section in node.children for row in section.children
    ]
    columns = max((len(row) for row in rows), default=0)
    if columns == 0:
        return Spacer(1, 0)
    if columns > _MAX_TABLE_COLUMNS:
        lines = [" | ".join(_inline_of(cell, styles) for cell in row) for row in rows]
        return Paragraph("<br/>".join(lines), styles.body)
    has_header = bool(node.children) and node.children[0].type == "thead"
    data = [
        [
            Paragraph(
                _inline_of(cell, styles), styles.header if has_header and r == 0 else styles.cell
            )
            for cell in row
        ]
        + [Paragraph("", styles.cell)] * (columns - len(row))
        for r, row in enumerate(rows)
    ]
    return Table(
        data,
        colWidths=[FRAME_WIDTH_PT / columns] * columns,
        repeatRows=1 if has_header else 0,
        style=table_style(header_rows=1 if has_header else 0),
        spaceAfter=6,
    )


def _bullets(items: list[str], styles: Styles) -> Flowable:
    return ListFlowable(
        [ListItem(Paragraph(item, styles.bullet)) for item in items],
        bulletType="bullet",
        leftIndent=_NEST_INDENT_PT,
        bulletFontName=styles.fonts.regular,
        bulletFontSize=styles.body.fontSize,
        bulletColor=PALETTE.muted,
    )


# --- small formatters ----------------------------------------------------------------------


def _widths(*fractions: float) -> list[float]:
    return [FRAME_WIDTH_PT * f for f in fractions]


def _figure(value: float | None, unit: str) -> str:
    """A measured value as the metric table writes it, with its unit."""
    return "n/a" if value is None else f"{format_figure(value, unit)} {unit}".strip()


def _coloured(text: str, colour: Any) -> str:
    return f'<font color="{colour.hexval()}">{escape(text)}</font>'


def _date(when: datetime) -> str:
    return f"{when.day} {when:%B %Y, %H:%M} {when.tzname()}"


def _format(analysis: Analysis) -> str:
    info = analysis.file
    if info.sample_format == "lossy":
        depth = info.codec.upper() + (
            "" if info.bitrate_kbps is None else f" {info.bitrate_kbps:.0f} kbps"
        )
    elif info.bit_depth is not None:
        depth = f"{info.bit_depth}-bit {'float' if info.sample_format == 'float' else 'PCM'}"
    else:
        depth = info.codec
    channels = {1: "mono", 2: "stereo"}.get(info.channels, f"{info.channels} channels")
    return f"{info.format.upper()} · {depth} · {info.sample_rate_hz / 1000:g} kHz · {channels}"


def _where(finding: Finding) -> str:
    return format_ranges(finding.time_ranges) if finding.time_ranges else "Whole track"


def _engine(name: str) -> str:
    if name == "offline":
        return "offline engine (rules and measured values)"
    model = name.split(":", 1)[1] if ":" in name else name
    return f"language model {model}"


def _band(low_hz: float, high_hz: float) -> str:
    if low_hz <= 0:
        return f"Below {_frequency(high_hz)}"
    return f"{_frequency(low_hz)} - {_frequency(high_hz)}"


def _frequency(hz: float) -> str:
    return f"{hz / 1000:.2f} kHz".replace(".00 ", " ") if hz >= 1000 else f"{hz:.0f} Hz"


def _dotted(measurements: Any, path: str) -> float | None:
    value = measurements
    for part in path.split("."):
        value = getattr(value, part)
    return None if value is None else float(value)


def _ellipsize(text: str, font: str, size: float, width_pt: float) -> str:
    """``text`` cut with an ellipsis to fit ``width_pt`` on one line."""
    if stringWidth(text, font, size) <= width_pt:
        return text
    while text and stringWidth(text + "…", font, size) > width_pt:
        text = text[:-1]
    return text + "…"


def _compressor_rows(c: CompressorSettings) -> list[tuple[str, str]]:
    return [
        ("Threshold", f"{c.threshold_dbfs:.1f} dBFS"),
        ("Ratio", f"{c.ratio:g}:1"),
        ("Attack", f"{c.attack_ms:g} ms"),
        ("Release", f"{c.release_ms:g} ms"),
        ("Knee", f"{c.knee_db:g} dB"),
        ("Make-up gain", f"{c.makeup_db:+.1f} dB"),
    ]


def _limiter_rows(limiter: LimiterSettings) -> list[tuple[str, str]]:
    rows = [
        ("Ceiling", f"{limiter.ceiling_dbtp:.1f} dBTP"),
        ("Input gain", f"{limiter.input_gain_db:+.1f} dB"),
        ("Release", f"{limiter.release_ms:g} ms"),
    ]
    if limiter.target_lufs is not None:
        rows.append(("Loudness target", f"{limiter.target_lufs:.1f} LUFS"))
    return rows
