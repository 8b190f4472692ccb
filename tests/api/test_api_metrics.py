"""The metric table as shown, through real HTTP: the views metric_view computes from the stored
Analysis, one per metric in its order; another session's review is not found."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from http_helpers import analysed, assert_error, document, new_session

from mixcoach.findings.metric_view import STATUS_TEXT, metric_views

Tone = Callable[..., Path]


def test_the_views_are_the_analysis_metrics_as_shown(
    client: httpx.Client, auth: dict[str, str], tone: Tone
) -> None:
    """A -0.5 dBFS tone: a true peak over the ceiling, and a key and tempo with no defect."""
    review_id = analysed(client, auth, tone(seconds=3.0, dbfs=-0.5))
    response = client.get(f"/api/reviews/{review_id}/metrics", headers=auth)
    assert response.status_code == 200, response.text
    views = response.json()
    analysis = document(client, auth, review_id)
    assert [v["metric"] for v in views] == [m.metric for m in analysis.metrics]
    expected = [v.model_dump() for v in metric_views(analysis.metrics, analysis.rhythm)]
    assert views == expected
    peak = next(v for v in views if v["metric"] == "loudness.true_peak_dbtp")
    assert peak["status"] == "high" and peak["unit"] == "dBTP"
    assert float(peak["value_text"]) > -1.0
    assert {v["status_text"] for v in views} <= {*STATUS_TEXT.values(), "Uncertain"}


def test_another_sessions_review_is_not_found(
    client: httpx.Client, auth: dict[str, str], tone: Tone
) -> None:
    review_id = analysed(client, auth, tone(seconds=1.0))
    intruder = new_session(client)
    assert_error(
        client.get(f"/api/reviews/{review_id}/metrics", headers=intruder), 404, "not_found"
    )
    assert_error(client.get(f"/api/reviews/{review_id}/metrics"), 401, "unauthorized")
