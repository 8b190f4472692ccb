"""The report's waveform: its envelope against the samples, the page's rules for the findings'
places, and real tracks' reports (the chart, the findings' times, and a Presets block that
never leaves its heading alone at a page's foot)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from pdfcheck import layout_faults, page_texts, words
from recordings import DRASCULA, excerpt, hard_clipped, write
from reportlab.graphics.shapes import Polygon
from reviews import review
from test_report_charts import shapes

from mixcoach.analysis import analyze
from mixcoach.audio.model import TimeRange
from mixcoach.audio.peaks import compute_peaks
from mixcoach.export.report import render_report
from mixcoach.export.report_charts import (
    MAX_COVERAGE,
    MAX_PAINTED,
    code_words,
    label_lanes,
    painted_findings,
    wave_envelope,
    waveform_chart,
)
from mixcoach.export.report_styles import FRAME_WIDTH_PT
from mixcoach.findings.model import FeedbackType, Finding
from mixcoach.formatting import format_time

RATE = 48000
WHEN = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def test_the_envelope_is_the_lowest_and_highest_sample_of_each_column(tmp_path: Path) -> None:
    # A tone swelling from 0.1 to 0.9 on the left, a quieter one on the right, and 2 s of
    # silence in the middle: every column's extremes are known from the samples.
    seconds = 10.0
    t = np.arange(round(seconds * RATE)) / RATE
    left = np.linspace(0.1, 0.9, t.size) * np.sin(2 * np.pi * 220 * t)
    right = 0.3 * np.sin(2 * np.pi * 330 * t)
    audio = np.stack([left, right])
    audio[:, 4 * RATE : 6 * RATE] = 0.0
    peaks = compute_peaks(write(tmp_path / "swell.wav", audio, RATE))

    wave = wave_envelope(peaks, columns=200)
    assert wave is not None and len(wave.times_s) == 200
    bounds = [*wave.times_s[1:], seconds]
    for start, end, low, high in zip(wave.times_s, bounds, wave.low, wave.high, strict=True):
        block = audio[:, round(start * RATE) : round(end * RATE)]
        # Columns gather whole hops, so their edges may sit a hop away from the nominal time.
        assert high == pytest.approx(block.max(), abs=0.01), start
        assert low == pytest.approx(block.min(), abs=0.01), start
    quiet = [h for s, h in zip(wave.times_s, wave.high, strict=True) if 4.1 < s < 5.9]
    assert quiet and max(quiet) == 0.0
    assert max(wave.high) == pytest.approx(0.9, abs=0.01)

    # The chart draws exactly that outline: the highs forward, then the lows back.
    chart = waveform_chart(
        analyze(tmp_path / "swell.wav", genre="pop"), peaks, width_pt=FRAME_WIDTH_PT
    )
    assert chart is not None
    (outline,) = [s for s in shapes(chart) if isinstance(s, Polygon)]
    ys = outline.points[1::2]
    drawn = wave_envelope(peaks, columns=len(ys) // 2)
    assert drawn is not None and len(ys) == 2 * len(drawn.high)
    # Drawn y = a * sample + b, with a > 0, for the highs and the lows alike.
    top, bottom = np.array(ys[: len(ys) // 2]), np.array(ys[len(ys) // 2 :][::-1])
    samples = np.concatenate([drawn.high, drawn.low])
    drawn_y = np.concatenate([top, bottom])
    slope, offset = np.polyfit(samples, drawn_y, 1)
    assert slope > 0
    assert np.abs(slope * samples + offset - drawn_y).max() < 0.01


def finding(code: str, ranges: list[tuple[float, float]]) -> Finding:
    return Finding(
        code=code,
        severity="warning",
        title=code,
        detail=code,
        evidence=[],
        time_ranges=[TimeRange(start_s=a, end_s=b) for a, b in ranges],
        feedback_types=["master_review"],
    )


def test_places_are_merged_capped_and_the_whole_track_is_not_a_place() -> None:
    # 40 clicks, pairs 0.3 s apart (one place each), pairs 10 s apart.
    clicks = [(10.0 * i + d, 10.0 * i + d + 0.01) for i in range(20) for d in (0.0, 0.3)]
    long_runs = [(0.0, 30.0), (50.0, 90.0), (100.0, 101.0)]
    whole = [(0.0, 200.0)]
    painted = painted_findings(
        [finding("clipping", clicks), finding("muddy", long_runs), finding("dc_offset", whole)],
        duration_s=200.0,
    )
    assert [p.finding.code for p in painted] == ["clipping", "muddy"]
    clipping, muddy = painted
    assert clipping.total == 20 and len(clipping.places) == MAX_PAINTED
    assert all(p.end_s - p.start_s == pytest.approx(0.31) for p in clipping.places)
    assert [p.start_s for p in clipping.places] == sorted(p.start_s for p in clipping.places)
    # The longest run is kept, cut to the share of the track; the rest no longer fit.
    assert muddy.places == [TimeRange(start_s=50.0, end_s=50.0 + MAX_COVERAGE * 200.0)]
    assert muddy.total == 3


def test_labels_share_lanes_without_overlapping() -> None:
    labels = [(0.0, 50.0), (20.0, 50.0), (40.0, 50.0), (60.0, 50.0), (200.0, 30.0)]
    lanes = label_lanes(labels)
    assert lanes == [0, 1, 2, 0, 0]
    for i, (x, w) in enumerate(labels):
        for j, (y, v) in enumerate(labels[:i]):
            if lanes[i] >= 0 and lanes[i] == lanes[j]:
                assert x >= y + v or y >= x + w
    assert label_lanes([(0.0, 50.0)] * 4) == [0, 1, 2, -1]
    assert code_words("dc_offset") == "DC offset"
    assert code_words("true_peak_over") == "True peak over"


@pytest.fixture(scope="module")
def clipped_drascula(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Path]:
    audio, rate = excerpt(DRASCULA / "track1.ogg", start_s=30.0, seconds=30.0)
    folder = tmp_path_factory.mktemp("waveform")
    path = write(folder / "Drascula 1 (loud).wav", hard_clipped(audio, gain_db=9.0), rate)
    analysis = analyze(path, genre="pop", feedback_type="master_review")
    r = review(analysis)
    pdf = render_report(
        analysis,
        feedback=r.feedback,
        presets=r.presets,
        generated_at=WHEN,
        peaks=compute_peaks(path),
    )
    return pdf, path


def test_a_real_tracks_report_shows_its_waveform_with_the_findings_times(
    clipped_drascula: tuple[bytes, Path],
) -> None:
    pdf, path = clipped_drascula
    analysis = analyze(path, genre="pop", feedback_type="master_review")
    pages = [t for t in page_texts(pdf) if "Waveform with the findings" in t]
    assert len(pages) == 1
    page = pages[0]
    assert "The track's lowest and highest sample through time" in " ".join(page.split())
    painted = painted_findings(analysis.findings, duration_s=analysis.file.duration_s)
    assert any(p.finding.code == "clipping" for p in painted)
    for item in painted:
        assert code_words(item.finding.code) in page
        for place in item.places:
            assert f"{format_time(place.start_s)}-{format_time(place.end_s)}" in page


def test_without_an_outline_there_is_no_waveform(clipped_drascula: tuple[bytes, Path]) -> None:
    _, path = clipped_drascula
    analysis = analyze(path, genre="pop", feedback_type="master_review")
    pdf = render_report(analysis, generated_at=WHEN)
    assert not any("Waveform with the findings" in t for t in page_texts(pdf))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("track", "genre", "kind", "questions"),
    [
        # With one question this review's Presets heading sat alone at the foot of page 7.
        ("track9.ogg", "pop", "master_review", 1),
        ("track2.ogg", "pop", "master_review", 2),
        ("track5.ogg", "rock", "mixdown", 1),
        ("track14.ogg", "edm/house", "mastering", 1),
    ],
)
def test_the_presets_heading_never_ends_a_page_without_its_tables(
    tmp_path: Path, track: str, genre: str, kind: FeedbackType, questions: int
) -> None:
    audio, rate = excerpt(DRASCULA / track, start_s=10.0, seconds=20.0)
    path = write(tmp_path / f"{track}.wav", hard_clipped(audio, gain_db=6.0), rate)
    analysis = analyze(path, genre=genre, feedback_type=kind)
    asked = ["What should I do first?", "Which EQ moves do you suggest?"][:questions]
    r = review(analysis, asked)
    pdf = render_report(
        analysis, feedback=r.feedback, chat=r.chat, presets=r.presets, generated_at=WHEN
    )
    pages = page_texts(pdf)
    holding = [n for n, t in enumerate(pages) if "Presets" in t.splitlines()]
    assert len(holding) == 1, f"{track}: one Presets heading"
    after = pages[holding[0]].split("\nPresets\n", 1)[1]
    # The block's first part is on the heading's own page.
    first = (
        "EQ"
        if r.presets.eq
        else "Compressor"
        if r.presets.compressor
        else "Limiter"
        if r.presets.limiter
        else "No processing suggested"
    )
    assert first in after.splitlines(), f"{track}: {after[:300]!r}"


def test_labels_that_start_together_take_lanes_and_never_collide(
    clipped_drascula: tuple[bytes, Path], tmp_path: Path
) -> None:
    # Four more findings at the real clipping's first place: five labels at one x, three lanes.
    _, path = clipped_drascula
    analysis = analyze(path, genre="pop", feedback_type="master_review")
    painted = painted_findings(analysis.findings, duration_s=analysis.file.duration_s)
    first = next(p for p in painted if p.finding.code == "clipping").places[0]
    extra = [
        finding(code, [(first.start_s, first.end_s + 0.5)])
        for code in ("true_peak_over", "dc_offset", "phase_issue", "harsh")
    ]
    crowded = analysis.model_copy(update={"findings": [*analysis.findings, *extra]})
    pdf = render_report(crowded, generated_at=WHEN, peaks=compute_peaks(path))
    (page,) = [n + 1 for n, t in enumerate(page_texts(pdf)) if "Waveform with the findings" in t]
    assert [f for f in layout_faults(pdf, tmp_path) if f.startswith(f"page {page}:")] == []
    found, _ = words(pdf, tmp_path)
    shown = {w.text for w in found if w.page == page}
    assert {"Clipping", "True", "DC"} <= shown  # the first three take the lanes
    text = " ".join(page_texts(pdf)[page - 1].split())
    assert "Harsh: " in text  # a label with no lane left is read in the caption
