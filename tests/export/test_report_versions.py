"""The report's version section, read back from the PDF: a clean excerpt of a real recording, a
louder hard-clipped render of it, then a clean render again; the report on the clean v3 says it
fixed v2's clipping, with v2's count, and prints the loudness change in LU with its sign."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pdfcheck import body_text, page_texts, squash
from recordings import DRASCULA, at_loudness, excerpt, hard_clipped, write
from reviews import review

from mixcoach.analysis import Analysis, analyze
from mixcoach.export.report import render_report
from mixcoach.feedback.version_notes import VersionFacts
from mixcoach.findings.versions import compare_versions

WHEN = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Analysis]:
    folder = tmp_path_factory.mktemp("report-versions")
    audio, rate = excerpt(DRASCULA / "track1.ogg", seconds=15.0)
    clean = at_loudness(audio, rate, lufs=-20.0)
    takes = {"v2": hard_clipped(clean, gain_db=9.0), "v3": at_loudness(audio, rate, lufs=-20.5)}
    return {
        name: analyze(write(Path(folder, f"{name}.wav"), take, rate), feedback_type="mixdown")
        for name, take in takes.items()
    }


def _report(analysis: Analysis, version: VersionFacts | None) -> str:
    r = review(analysis)
    pdf = render_report(
        analysis, feedback=r.feedback, presets=r.presets, generated_at=WHEN, version=version
    )
    return body_text(page_texts(pdf))


def test_the_report_says_what_the_new_version_fixed(renders: dict[str, Analysis]) -> None:
    before, after = renders["v2"], renders["v3"]
    facts = VersionFacts(compare_versions(before, after), before="v2", after="v3")
    text = _report(after, facts)
    assert "Since v2" in text
    assert squash(facts.summary()) in squash(text)
    assert squash("Compared with v2, v3 fixed the clipping") in squash(text)

    runs = before.defects.clip_run_count
    assert runs > 50
    clipping = next(c for c in facts.comparison.findings if c.code == "clipping")
    row = re.search(rf"{re.escape(clipping.title)}\s+([\d,]+) runs\s+—\s+Fixed", text)
    assert row is not None, text
    assert int(row[1].replace(",", "")) == runs

    # The loudness row: both levels in LUFS, the change in LU, negative (v3 is quieter).
    loudness = re.search(
        r"Integrated loudness\s+(-?[\d.]+) LUFS\s+(-?[\d.]+) LUFS\s+([+-][\d.]+) LU\b", text
    )
    assert loudness is not None, text
    was, now, change = (float(loudness[i]) for i in (1, 2, 3))
    assert was == pytest.approx(before.loudness.integrated_lufs, abs=0.05)
    assert now == pytest.approx(after.loudness.integrated_lufs, abs=0.05)
    assert change == pytest.approx(now - was, abs=0.11) and change < -5.0


def test_a_first_version_has_no_version_section(renders: dict[str, Analysis]) -> None:
    assert "Since v" not in _report(renders["v3"], None)
