"""The section tables in a real browser: a real song (a quiet verse, a loud chorus narrowed to
near mono, the verse again) shows one row per section with the figures the API words, the
chorus's row the loudest and the narrowest."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from recordings import SINGULARITY, excerpt, write
from web_page import Page
from web_steps import analysed_review, wait_for_results

PART_S = 9.5  # three parts: under the test server's 30 s


@pytest.fixture(scope="module")
def reviewed(server: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    verse, rate = excerpt(SINGULARITY / "Through Space.ogg", start_s=40.0, seconds=PART_S)
    chorus, _ = excerpt(SINGULARITY / "Media Threat.ogg", start_s=90.0, seconds=PART_S)
    mid, side = (chorus[0] + chorus[1]) / 2, 0.3 * (chorus[0] - chorus[1]) / 2
    quiet = 10 ** (-10 / 20) * verse
    audio = np.hstack([quiet, np.stack([mid + side, mid - side]), quiet])
    track = write(tmp_path_factory.mktemp("song") / "song.wav", audio, rate, subtype="PCM_16")
    return analysed_review(server, track, None)


def test_the_sections_table_shows_each_section_with_its_figures(
    new_page: Any, reviewed: dict[str, Any]
) -> None:
    page: Page = new_page(session=reviewed["session"])
    review_id = reviewed["review"]["id"]
    page.open(f"#/review/{review_id}")
    wait_for_results(page)
    page.page.wait_for_selector(
        "#sections-section:not([hidden]) table[data-table='sound'] tbody tr"
    )
    sections = page.api(f"/api/reviews/{review_id}/analysis").json()["sections"]
    assert len(sections) >= 2
    rows = page.page.locator("table[data-table='sound'] tbody tr")
    assert rows.count() == len(sections)
    headings = page.page.locator("table[data-table='sound'] thead th").all_inner_texts()
    shown = [
        dict(zip(headings, rows.nth(i).locator("th, td").all_inner_texts(), strict=True))
        for i in range(rows.count())
    ]
    for row, section in zip(shown, sections, strict=True):
        assert row["Section"] == section["label"]
        assert float(row["Loudness (LUFS)"]) == pytest.approx(section["integrated_lufs"], abs=0.05)
        assert float(row["Width"]) == pytest.approx(section["width"], abs=0.005)
        assert float(row["Tilt (dB/oct)"]) == pytest.approx(section["tilt_db_per_octave"], abs=0.05)
    # The planted chorus: the middle part, the loudest row and the narrowest.
    loudest = max(range(len(shown)), key=lambda i: float(shown[i]["Loudness (LUFS)"]))
    assert sections[loudest]["start_s"] == pytest.approx(PART_S, abs=1.5)
    assert float(shown[loudest]["Width"]) == min(float(row["Width"]) for row in shown)
    bands = page.page.locator("table[data-table='bands'] tbody tr")
    assert bands.count() == len(sections)
    assert not page.errors
