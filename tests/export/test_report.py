"""The PDF report, parsed back: its text (pypdf), its words' positions and its pages as images
(poppler-utils). Tracks are synthesized and measured by the real analysis; feedback, chat and
presets come from the offline engine."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pypdf
import pytest
import signals
from pdfcheck import body_text, layout_faults, page_texts, printed, render_pages, squash
from PIL import Image
from reviews import Review, review

from mixcoach.analysis import analyze
from mixcoach.export.report import markdown_flowables, render_report
from mixcoach.export.report_styles import PALETTE, report_styles
from mixcoach.feedback.model import ChatMessage, Section
from mixcoach.formatting import number as figure
from mixcoach.formatting import signed
from mixcoach.knowledge.platforms import playback

WHEN = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
DATE = "14 March 2025, 09:30 UTC"


def render(r: Review, **changes: Any) -> bytes:
    """The review's report; ``changes`` replace or add render_report's keyword arguments."""
    arguments = {
        "feedback": r.feedback,
        "chat": r.chat,
        "presets": r.presets,
        "generated_at": WHEN,
    }
    return render_report(r.analysis, **(arguments | changes))


def assert_numbered(texts: list[str]) -> None:
    """Every page says "Page n of N" and carries the date."""
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text, text[:300]
        assert DATE in text


def test_report_holds_the_request_verdict_metrics_findings_chat_and_presets(
    clipped: Review,
) -> None:
    pdf = render(clipped)
    assert pdf.startswith(b"%PDF-")
    texts = page_texts(pdf)
    assert_numbered(texts)
    text = squash(body_text(texts))
    a = clipped.analysis
    facts = [
        "clipped.wav",
        "unclipped.wav",
        "WAV · 32-bit float · 44.1 kHz · stereo",
        "0:12.0",
        "Pop",
        "Master review (judged for delivery)",
        clipped.feedback.headline,
    ]
    for expected in facts:
        assert squash(expected) in text, expected
    assert a.findings and a.metrics
    for metric in a.metrics:
        assert squash(metric.label) in text, metric.label
    for finding in a.findings:
        assert squash(finding.title) in text, finding.title
    clipping = next(f for f in a.findings if f.code == "clipping")
    first = clipping.time_ranges[0]
    assert squash(f"0:{first.start_s:04.1f}-0:{first.end_s:04.1f}") in text
    for section in clipped.feedback.sections:
        assert squash(section.title) in text, section.title
    for message in clipped.chat:
        assert squash(printed(message.content)) in text, message.content[:80]
    limiter = clipped.presets.limiter
    assert limiter is not None
    assert squash(f"Ceiling {limiter.ceiling_dbtp:.1f} dBTP") in text
    assert squash(f"Input gain {limiter.input_gain_db:+.1f} dB") in text
    for heading in ("Loudness over time", "Spectrum against the genre target", "Stereo width"):
        assert squash(heading) in text


def test_metric_table_shows_value_target_and_status(clipped: Review) -> None:
    text = squash(body_text(page_texts(render(clipped))))
    integrated = next(m for m in clipped.analysis.metrics if m.metric == "loudness.integrated_lufs")
    assert integrated.status == "high" and isinstance(integrated.value, float)
    assert integrated.target_low is not None and integrated.target_high is not None
    row = f"Integrated loudness {integrated.value:.1f} LUFS "
    row += f"Target {integrated.target_low:.1f} to {integrated.target_high:.1f} LUFS High"
    assert squash(row) in text


def test_each_streaming_service_has_a_row_with_its_gain_and_peak(clipped: Review) -> None:
    text = squash(body_text(page_texts(render(clipped))))
    loudness = clipped.analysis.loudness
    results = playback(
        integrated_lufs=loudness.integrated_lufs, true_peak_dbtp=loudness.true_peak_dbtp
    )
    assert len(results) >= 5 and "Streamingservices" in text

    def lufs(value: float | None) -> str:
        return "n/a" if value is None else f"{figure(value)} LUFS"

    for result in results:
        assert result.playback_peak_dbtp is not None
        over = result.peak_over_ceiling_db
        row = f"{result.label} {lufs(result.target_lufs)} {signed(result.gain_db)} "
        row += f"{lufs(result.playback_lufs)} {figure(result.playback_peak_dbtp)} dBTP "
        row += f"{figure(result.ceiling_dbtp)} dBTP "
        row += f"Peaks over by {figure(over)} dB" if over and over > 0 else "Within the ceiling"
        assert squash(row) in text, row


def test_pdf_dates_are_the_generation_time(plain_master: Review) -> None:
    when = datetime(2031, 7, 2, 18, 5, 9, tzinfo=timezone(timedelta(hours=-4)))
    info = pypdf.PdfReader(io.BytesIO(render(plain_master, generated_at=when))).metadata
    assert info is not None
    assert info.creation_date == when
    assert info.modification_date == when


def test_reference_comparison_is_tabled_and_charted(clipped: Review) -> None:
    reference = clipped.analysis.reference
    assert reference is not None
    comparison = reference.comparison
    text = squash(body_text(page_texts(render(clipped))))
    assert squash("Spectrum against the reference") in text
    assert squash("dB, track minus reference") in text  # the chart's axis title
    for band in comparison.band_differences:
        assert band.difference_db is not None
        assert squash(f"{band.difference_db:+.1f} dB") in text  # each band's bar label
    assert comparison.loudness_difference_lu is not None
    assert squash("Integrated loudness") in text
    assert squash(f"{comparison.loudness_difference_lu:+.2f} LU") in text
    assert comparison.gain_to_match_db is not None
    assert squash(f"{comparison.gain_to_match_db:+.1f} dB") in text


def _near(image: Image.Image, colour: tuple[int, int, int], *, tolerance: int = 24) -> int:
    pixels = np.asarray(image.convert("RGB"), dtype=int)
    return int(np.count_nonzero(np.abs(pixels - colour).max(axis=-1) <= tolerance))


def _rgb(colour: object) -> tuple[int, int, int]:
    red, green, blue = (round(255 * getattr(colour, c)) for c in ("red", "green", "blue"))
    return red, green, blue


def test_charts_are_drawn_and_the_reference_curves_only_with_a_reference(
    clipped: Review, plain_master: Review, tmp_path: Path
) -> None:
    """Rendered pages: the track's curves are drawn in both reports; the reference's colour
    appears only in the one with a reference (its curve, legend and bars)."""
    counts = {}
    for name, r in (("with", clipped), ("without", plain_master)):
        folder = tmp_path / name
        folder.mkdir()
        images = [Image.open(p) for p in render_pages(render(r), folder, dpi=100)]
        counts[name] = (
            sum(_near(i, _rgb(PALETTE.track)) for i in images),
            sum(_near(i, _rgb(PALETTE.reference)) for i in images),
        )
    # A chart's curve at 100 dpi paints a few hundred pixels at least.
    assert counts["with"][0] > 1000 and counts["without"][0] > 1000
    assert counts["with"][1] > 300
    assert counts["without"][1] == 0


def test_hostile_names_and_markdown_render_as_text(clipped: Review, tmp_path: Path) -> None:
    name = '<script>alert("x")</script> & <b>not bold</b> <font size="60">big</font> &amp;.wav'
    body = (
        "Intro <script>alert(1)</script> & an <img src=x onerror=alert(1)> tag.\n\n"
        "**Bold <i>not italic</i>** then `code <b>`, [a link](javascript:alert(1)) and "
        "[docs](https://example.com/?a=1&b=<2>).\n\n"
        "<div>raw html block</div>\n\n"
        "| Setting <x> | Value & unit |\n|---|---|\n| <b>gain</b> | -3 dB & more |\n\n"
        "```\n<para>code & stuff</para>\n    indented\n```\n"
    )
    feedback = clipped.feedback.model_copy(
        update={
            "headline": "Verdict </para><para fontSize=90>&",
            "sections": [
                Section(kind="overview", title="<h1>Title</h1> &", body=body, finding_codes=[])
            ],
        }
    )
    chat = [
        ChatMessage(role="user", content="What about <br/> & <u>this</u>?\nSecond line"),
        ChatMessage(role="assistant", content="Answer with <a href='x'>a tag</a> &lt;"),
    ]
    pdf = render(clipped, feedback=feedback, chat=chat, track_name=name)
    text = squash(body_text(page_texts(pdf)))
    shown = [
        name,
        "Verdict </para><para fontSize=90>&",
        "<h1>Title</h1> &",
        "Intro <script>alert(1)</script> & an <img src=x onerror=alert(1)> tag.",
        # markdown-it refuses javascript: links: the link stays as written
        "Bold <i>not italic</i> then code <b>, [a link](javascript:alert(1)) and "
        "docs (https://example.com/?a=1&b=%3C2%3E).",
        "<div>raw html block</div>",
        "Setting <x> Value & unit <b>gain</b> -3 dB & more",
        "<para>code & stuff</para>",
        "What about <br/> & <u>this</u>? Second line",
        "Answer with <a href='x'>a tag</a> <",  # "&lt;" is a Markdown entity for "<"
    ]
    for expected in shown:
        assert squash(expected) in text, expected
    assert layout_faults(pdf, tmp_path) == []


def test_markdown_becomes_markup_with_every_text_escaped() -> None:
    styles = report_styles()
    (paragraph,) = markdown_flowables("**a** <b>x</b> & *y* `<z>`", styles)
    assert paragraph.text == (
        f'<b>a</b> &lt;b&gt;x&lt;/b&gt; &amp; <i>y</i> <font face="{styles.fonts.mono}">'
        "&lt;z&gt;</font>"
    )


def test_deeply_nested_and_oversized_markdown_stays_on_the_page(
    plain_master: Review, tmp_path: Path
) -> None:
    def nested(levels: int) -> str:
        return "\n".join("  " * depth + f"- level {depth}" for depth in range(levels))

    quotes = ">" * 8 + " deep quote"
    wide_table = "|" + "|".join(f"c{i}" for i in range(20)) + "|\n|" + "---|" * 20
    word = "x" * 3000
    body = "\n\n".join([nested(8), quotes, wide_table, f"# Heading\n\n{word}", "3. three\n4. four"])
    # Past markdown-it's nesting limit the text is printed as written rather than lost.
    deep = f"{nested(40)}\n\n{'>' * 40} deepest quote"
    feedback = plain_master.feedback.model_copy(
        update={
            "sections": [
                Section(kind="overview", title="Odd", body=body, finding_codes=[]),
                Section(kind="overview", title="Deep", body=deep, finding_codes=[]),
            ]
        }
    )
    pdf = render(plain_master, feedback=feedback)
    texts = page_texts(pdf)
    assert_numbered(texts)
    text = squash(body_text(texts))
    shown = ["level 0", "level 7", "deep quote", "c0 | c1", "c18 | c19", word, "3. three 4. four"]
    shown += ["- level 39", ">" * 40 + " deepest quote"]
    for expected in shown:
        assert squash(expected) in text, expected[:40]
    assert layout_faults(pdf, tmp_path) == []


def test_long_report_paginates_without_cut_off_text(crowded: Review, tmp_path: Path) -> None:
    assert len(crowded.analysis.findings) >= 12
    assert len(crowded.chat) >= 30
    name = "Final_Final_v23_" * 12 + "MASTER (no spaces for a long way).wav"
    pdf = render(crowded, track_name=name)
    texts = page_texts(pdf)
    assert len(texts) >= 8
    assert_numbered(texts)
    text = squash(body_text(texts))
    assert squash(name) in squash(texts[0])
    for finding in crowded.analysis.findings:
        assert squash(finding.title) in text, finding.title
    for message in crowded.chat:
        assert squash(printed(message.content)) in text, message.content[:80]
    faults = layout_faults(pdf, tmp_path)
    assert faults == [], faults[:10]
    # The findings table runs over a page break with its header repeated.
    header = squash("Severity Finding Where")
    assert sum(header in squash(t) for t in texts) >= 2


def test_without_feedback_the_verdict_comes_from_the_findings(clipped: Review) -> None:
    pdf = render_report(clipped.analysis, generated_at=WHEN)
    texts = page_texts(pdf)
    assert_numbered(texts)
    text = squash(body_text(texts))
    assert squash(f"Most serious: {clipped.analysis.findings[0].title}") in text
    for absent in ("Feedback", "Questions and answers", "Presets"):
        assert not re.search(rf"(?m)^{absent}$", "\n".join(texts)), absent


def test_chat_summary_is_printed_before_the_kept_turns(plain_master: Review) -> None:
    summary = "Earlier you asked about **loudness** & peaks."
    texts = page_texts(render(plain_master, chat_summary=summary))
    text = squash(body_text(texts))
    question = squash(plain_master.chat[0].content)
    assert squash("Earlier you asked about loudness & peaks.") in text
    assert text.index(squash("loudness & peaks")) < text.index(question)


def test_same_inputs_give_the_same_bytes(plain_master: Review) -> None:
    assert render(plain_master) == render(plain_master)


def test_date_is_printed_in_the_given_time_zone(plain_master: Review) -> None:
    when = datetime(2025, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    (text, *_) = page_texts(render(plain_master, generated_at=when))
    assert "14 March 2025, 09:30 UTC+02:00" in text


def test_naive_generation_time_is_refused(plain_master: Review) -> None:
    with pytest.raises(
        ValueError, match="generated_at must be timezone-aware, got 2025-03-14T09:30"
    ):
        render(plain_master, generated_at=datetime(2025, 3, 14, 9, 30))


@pytest.mark.parametrize(
    ("name", "seconds", "channels", "rate", "missing"),
    [
        ("silence", 2.0, 2, 48000, ("No short-term loudness", "No spectrum", "No stereo image")),
        ("short-mono", 0.2, 1, 44100, ("No short-term loudness", "No stereo image")),
        ("narrowband-mono", 5.0, 1, 8000, ("No stereo image",)),
        ("surround", 4.0, 6, 48000, ()),
    ],
)
def test_odd_files_still_give_a_whole_report(
    tmp_path: Path, name: str, seconds: float, channels: int, rate: int, missing: tuple[str, ...]
) -> None:
    # A different tone in every channel, so a surround file has a stereo image when folded down.
    audio = np.concatenate(
        [
            signals.sine(
                frequency_hz=220.0 * (1 + channel),
                dbfs=-18.0,
                seconds=seconds,
                sample_rate_hz=rate,
                channels=1,
            )
            for channel in range(channels)
        ]
    )
    if name == "silence":
        audio = np.zeros_like(audio)
    path = signals.write(tmp_path / f"{name}.wav", audio, sample_rate_hz=rate, subtype="PCM_24")
    r = review(analyze(path, genre="pop"), ["How loud is it?"])
    pdf = render(r)
    texts = page_texts(pdf)
    assert_numbered(texts)
    text = squash(body_text(texts))
    for sentence in missing:
        assert squash(sentence) in text, sentence
    drawn = {"No short-term loudness", "No spectrum", "No stereo image"} - set(missing)
    for sentence in drawn:
        assert squash(sentence) not in text, sentence
    assert layout_faults(pdf, tmp_path) == []
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == len(texts)
