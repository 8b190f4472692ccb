"""The PDF's section tables, read back from the PDF: a real song (a quiet verse, a loud chorus
narrowed to near mono, the verse again) prints one row per section, with the figures the page
shows (mixcoach.findings.section_view), the chorus the loudest and the narrowest."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from pdfcheck import body_text, layout_faults, page_texts, squash
from recordings import SINGULARITY, excerpt, write

from mixcoach.analysis import Analysis, analyze
from mixcoach.export.report import render_report
from mixcoach.findings.section_view import section_tables

WHEN = datetime(2026, 3, 14, 15, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    verse, rate = excerpt(SINGULARITY / "Through Space.ogg", start_s=40.0, seconds=20.0)
    chorus, _ = excerpt(SINGULARITY / "Media Threat.ogg", start_s=90.0, seconds=20.0)
    mid, side = (chorus[0] + chorus[1]) / 2, 0.3 * (chorus[0] - chorus[1]) / 2
    narrow = np.stack([mid + side, mid - side])
    audio = np.hstack([10 ** (-10 / 20) * verse, narrow, 10 ** (-10 / 20) * verse])
    return analyze(write(tmp_path_factory.mktemp("song") / "song.wav", audio, rate))


def test_the_report_tables_every_section_as_the_page_words_it(
    song: Analysis, tmp_path: Path
) -> None:
    pdf = render_report(song, generated_at=WHEN)
    text = squash(body_text(page_texts(pdf)))
    assert squash("Sections") in text
    tables = section_tables(song.sections)
    assert [t.key for t in tables] == ["sound", "bands"]
    for table in tables:
        assert squash(table.title) in text
        for row in table.rows:
            assert squash("".join(row.cells)) in text, row.cells
    assert not layout_faults(pdf, tmp_path)


def test_the_printed_figures_say_the_chorus_is_the_loudest_and_narrowest(song: Analysis) -> None:
    (sound, _) = section_tables(song.sections)
    loudness = [float(row.cells[3]) for row in sound.rows]
    width = [float(row.cells[7]) for row in sound.rows]
    chorus = int(np.argmax(loudness))
    assert sound.rows[chorus].start_s == pytest.approx(20.0, abs=1.0)
    assert width[chorus] == min(width)
    # Verses 10 dB down: the chorus is about 9-10 LU above each of them.
    assert all(loudness[chorus] - other > 8.0 for i, other in enumerate(loudness) if i != chorus)
