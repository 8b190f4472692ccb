"""The song's sections as a table, worded once for the web page and the PDF report.

Two tables read the same sections: one of level, dynamics and image (loudness, short-term
maximum, a peak section's lift, PSR, width, tilt) and one of band balance (each band's energy
against the section's own). Figures are written by :func:`metric_view.format_figure`, as the
metric cards are, with the unit in the column heading; positions read ``m:ss``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ConfigDict

from mixcoach.audio.model import Model
from mixcoach.audio.sections import SongSection
from mixcoach.audio.spectrum import BANDS
from mixcoach.findings.metric_view import format_figure
from mixcoach.formatting import BAND_NAMES, clock, signed

ENERGY_TEXT = {"quiet": "Quiet", "mid": "Mid", "build": "Build", "peak": "Peak"}
_SOUND_COLUMNS = (
    "Section",
    "Time",
    "Energy",
    "Loudness (LUFS)",
    "Short-term max (LUFS)",
    "Lift (LU)",
    "PSR (dB)",
    "Width",
    "Tilt (dB/oct)",
)


class SectionRow(Model):
    """One section, as a row of both tables shows it."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    start_s: float
    """Where the section starts, for linking the row to the track."""
    end_s: float
    """Where it ends."""
    cells: list[str]
    """The row's cells, in the order of the table's columns."""


class SectionTable(Model):
    """A table of the sections: its title, its column headings and one row per section."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    key: str
    """`sound` (level, dynamics, image) or `bands` (band balance)."""
    title: str
    """The table's heading."""
    columns: list[str]
    """The column headings, units in brackets."""
    rows: list[SectionRow]
    """The sections in time order."""


def section_tables(sections: Sequence[SongSection]) -> list[SectionTable]:
    """Both tables for ``sections``; none when the track has no sections."""
    if not sections:
        return []
    return [
        SectionTable(
            key="sound",
            title="Level, dynamics and image by section",
            columns=list(_SOUND_COLUMNS),
            rows=[_row(s, _sound_cells(s)) for s in sections],
        ),
        SectionTable(
            key="bands",
            title="Band balance by section (dB against the section's total)",
            columns=["Section", "Time", *(BAND_NAMES[name] for name, _, _ in BANDS)],
            rows=[
                _row(s, [format_figure(s.band_db.get(name), "dB") for name, _, _ in BANDS])
                for s in sections
            ],
        ),
    ]


def _row(section: SongSection, cells: list[str]) -> SectionRow:
    place = f"{clock(section.start_s)}-{clock(section.end_s)}"
    return SectionRow(
        start_s=section.start_s, end_s=section.end_s, cells=[section.label, place, *cells]
    )


def _sound_cells(section: SongSection) -> list[str]:
    lift = section.lift_lu
    return [
        ENERGY_TEXT[section.energy],
        format_figure(section.integrated_lufs, "LUFS"),
        format_figure(section.short_term_max_lufs, "LUFS"),
        "—" if lift is None else signed(lift, ""),
        format_figure(section.psr_db, "dB"),
        format_figure(section.width, ""),
        format_figure(section.tilt_db_per_octave, "dB/oct"),
    ]
