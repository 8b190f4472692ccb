"""The busy-studio scenario (bench/load_scenario.py), shortened: uploads at once, progress
streams open, bursts of light GETs before and after the streams are dropped, another core busy,
on each database. No 5xx, no timeout, p99 under 3 s, health honest, every analysis done."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import load_scenario
from storage.databases import postgres_unreachable


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_busy_studio_never_stalls_the_server(database: str) -> None:
    if database == "postgresql" and (reason := postgres_unreachable()) is not None:
        pytest.skip(reason)
    report = load_scenario.run(
        database,
        uploads=8,
        streams=25,
        gets=120,
        workers=2,
        track_seconds=8.0,
        finish_timeout_s=300.0,
    )
    assert report.problems() == [], report.problems()
    assert len(report.analyses) == 8
    assert sum(len(burst.statuses) for burst in report.bursts) == 240
