"""The one way a metric reads on the page and in the PDF: its shown status and its figures."""

from __future__ import annotations

from typing import Any

import pytest

from mixcoach.audio.rhythm import Rhythm
from mixcoach.findings.metric_view import format_figure, metric_views
from mixcoach.findings.metrics import MetricStatus

RHYTHM = Rhythm(tempo_bpm=146.0, confidence=0.81, tempo_candidates_bpm=[146.0], notes=[])


def metric(**fields: Any) -> MetricStatus:
    values: dict[str, Any] = {
        "metric": "loudness.true_peak_dbtp",
        "label": "True peak",
        "value": -0.004,
        "unit": "dBTP",
        "target_low": None,
        "target_high": -1.0,
        "status": "high",
        "note": "1.0 dB above the target.",
    }
    return MetricStatus(**(values | fields))


def view(rhythm: Rhythm = RHYTHM, **fields: Any) -> Any:
    (shown,) = metric_views([metric(**fields)], rhythm)
    return shown


@pytest.mark.parametrize(
    ("value", "unit", "counted", "text"),
    [
        (-0.004, "dBTP", False, "0.0"),  # never -0.004, never -0.0
        (-0.05, "dBTP", False, "-0.1"),
        (-0.049, "dBTP", False, "0.0"),
        (-14.26, "LUFS", False, "-14.3"),
        (99.94, "BPM", False, "99.9"),
        (99.96, "BPM", False, "100.0"),
        (100.4, "BPM", False, "100"),
        (0.004, "", False, "0.00"),
        (-0.876, "", False, "-0.88"),
        (1317.0, "runs", True, "1,317"),
        (None, "dB", False, "—"),
        ("A minor", "", False, "A minor"),
    ],
)
def test_figures_round_by_kind(value: Any, unit: str, counted: bool, text: str) -> None:
    assert format_figure(value, unit, counted=counted) == text


def test_a_true_peak_a_hair_under_zero_reads_zero_with_its_unit() -> None:
    shown = view()
    assert (shown.value_text, shown.unit) == ("0.0", "dBTP")
    assert shown.target_text == "Target at most -1.0 dBTP"


@pytest.mark.parametrize(
    ("status", "low", "high", "shown", "words"),
    [
        ("ok", -14.0, -8.0, "ok", "In range"),
        ("ok", None, None, "info", "For reference"),
        ("low", -14.0, None, "low", "Low"),
        ("high", None, -1.0, "high", "High"),
        ("warning", None, 0.0, "problem", "Problem"),
        ("unknown", -14.0, -8.0, "unknown", "Not measured"),
    ],
)
def test_status_vocabulary(
    status: str, low: float | None, high: float | None, shown: str, words: str
) -> None:
    v = view(status=status, target_low=low, target_high=high)
    assert (v.status, v.status_text) == (shown, words)


def test_clipped_runs_over_their_limit_are_a_problem_counted_whole() -> None:
    v = view(
        metric="defects.clipped_run_count",
        label="Clipped runs",
        value=12.0,
        unit="runs",
        target_high=0.0,
        status="warning",
    )
    assert (v.status_text, v.value_text, v.target_text) == (
        "Problem",
        "12",
        "Target at most 0 runs",
    )


def test_a_key_has_no_figure_unit_and_is_for_reference() -> None:
    v = view(
        metric="tonality.key", label="Key", value="A minor", unit="", target_high=None, status="ok"
    )
    assert (v.status_text, v.value_text, v.unit) == ("For reference", "A minor", "")
    assert v.target_text == "No target for this genre"


def test_a_tempo_out_of_the_usual_range_is_information_not_a_defect() -> None:
    v = view(
        metric="rhythm.tempo_bpm",
        label="Tempo",
        value=146.0,
        unit="BPM",
        target_low=128.0,
        target_high=142.0,
        status="high",
    )
    assert (v.status, v.status_text, v.value_text) == ("info", "For reference", "146")
    assert "128 to 142" in v.target_text
    assert "0.81" in v.note


def test_a_weak_pulse_reads_uncertain_with_its_alternative() -> None:
    weak = RHYTHM.model_copy(
        update={
            "confidence": 0.2,
            "uncertain": True,
            "alternative_bpm": 73.0,
            "alternative_relation": "half",
        }
    )
    v = view(
        weak,
        metric="rhythm.tempo_bpm",
        label="Tempo",
        value=146.0,
        unit="BPM",
        target_low=None,
        target_high=None,
        status="ok",
    )
    assert v.status_text == "Uncertain"
    assert "73.0 BPM (half time)" in v.note


def test_an_unmeasured_tempo_is_not_measured() -> None:
    v = view(
        metric="rhythm.tempo_bpm",
        label="Tempo",
        value=None,
        unit="BPM",
        target_high=None,
        status="unknown",
    )
    assert (v.status_text, v.value_text, v.unit) == ("Not measured", "—", "")
