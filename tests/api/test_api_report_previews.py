"""The PDF report lists the review's previews, through real HTTP on a real recording with a
planted polarity flip: a row per preview of the list the API returns (its title, move and
findings), with the measured change and the level-matching gains the API gave for the one
already rendered, and "Not rendered yet" for the others (the PDF renders no audio)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import soundfile as sf
from export.pdfcheck import body_text, page_texts, squash
from http_helpers import analysed

from mixcoach.export.report_previews import NOT_RENDERED
from mixcoach.formatting import number, signed

TRACK = Path("/usr/share/scummvm/drascula/audio/track1.ogg")


@pytest.fixture
def flipped(tmp_path: Path) -> Path:
    if not TRACK.exists():
        pytest.skip(f"{TRACK} is not installed (scripts/test.sh installs it)")
    rate = sf.info(str(TRACK)).samplerate
    audio, rate = sf.read(str(TRACK), start=30 * rate, frames=12 * rate, always_2d=True)
    audio[:, 1] *= -1
    path = tmp_path / "flipped mix.flac"
    sf.write(str(path), audio, rate, subtype="PCM_16")
    return path


def test_the_report_lists_the_previews_with_the_figures_the_api_gave(
    client: httpx.Client, auth: dict[str, str], flipped: Path
) -> None:
    review_id = analysed(client, auth, flipped, feedback_type="mixdown")
    listed = client.get(f"/api/reviews/{review_id}/previews", headers=auth).json()
    assert len(listed) >= 2, listed
    first = client.get(f"/api/reviews/{review_id}/previews/{listed[0]['id']}", headers=auth)
    assert first.status_code == 200, first.text
    rendered = first.json()

    pdf = client.get(f"/api/reviews/{review_id}/report.pdf", headers=auth)
    assert pdf.status_code == 200, pdf.text
    text = squash(body_text(page_texts(pdf.content)))
    section = text[text.index("Previews") :]
    for preview in listed:
        assert squash(preview["title"]) in section, preview["title"]
        for code in preview["finding_codes"]:
            assert code in section
    gains = (
        f"before {signed(rendered['before_gain_db'], decimals=2)}, "
        f"after {signed(rendered['after_gain_db'], decimals=2)}"
    )
    assert squash(gains) in section
    for change in rendered["changes"]:
        figures = f"{number(change['before'], decimals=2)} to {number(change['after'], decimals=2)}"
        assert squash(figures) in section, change
    # Every other preview is listed without figures: none was rendered for the PDF.
    assert section.count(squash(NOT_RENDERED)) == 2 * (len(listed) - 1)
