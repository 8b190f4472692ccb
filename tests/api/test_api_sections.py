"""The section tables as shown, through real HTTP: the tables section_view words from the stored
Analysis's sections, whose sound fields the analysis returns; another session's review is not
found."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from http_helpers import analysed, assert_error, document, new_session

from mixcoach.findings.section_view import section_tables

Tone = Callable[..., Path]


def test_a_tone_is_one_section_with_its_sound_and_its_table_rows(
    client: httpx.Client, auth: dict[str, str], tone: Tone
) -> None:
    """A 1 kHz sine with its peak at -20 dBFS on both channels: one section, mono (width 0),
    at -20 LUFS (each channel's -23 LUFS, summed), so a PSR of 0 dB, with nearly all its
    energy in the mid band."""
    review_id = analysed(client, auth, tone(seconds=6.0, dbfs=-20.0))
    raw = client.get(f"/api/reviews/{review_id}/analysis", headers=auth).json()
    (section,) = raw["sections"]
    assert section["width"] == 0.0
    assert section["psr_db"] == pytest.approx(0.0, abs=0.1)
    assert section["integrated_lufs"] == pytest.approx(-20.0, abs=0.1)
    assert section["band_db"]["mid"] == pytest.approx(0.0, abs=0.1)
    assert section["band_db"]["air"] < -40.0
    response = client.get(f"/api/reviews/{review_id}/sections", headers=auth)
    assert response.status_code == 200, response.text
    tables = response.json()
    expected = section_tables(document(client, auth, review_id).sections)
    assert tables == [t.model_dump() for t in expected]
    sound = next(t for t in tables if t["key"] == "sound")
    (row,) = sound["rows"]
    cells = dict(zip(sound["columns"], row["cells"], strict=True))
    assert cells["Loudness (LUFS)"] == "-20.0"
    assert cells["Width"] == "0.00"
    assert cells["PSR (dB)"] == "0.0"


def test_another_sessions_sections_are_not_found(
    client: httpx.Client, auth: dict[str, str], tone: Tone
) -> None:
    review_id = analysed(client, auth, tone(seconds=1.0))
    intruder = new_session(client)
    assert_error(
        client.get(f"/api/reviews/{review_id}/sections", headers=intruder), 404, "not_found"
    )
    assert_error(client.get(f"/api/reviews/{review_id}/sections"), 401, "unauthorized")
