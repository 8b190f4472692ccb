"""Re-judging a review through real HTTP on a real recording: a new review of the same track
judged for another feedback type or genre from the stored measurements (no job runs), with its
feedback written; the old review stays; bad requests are refused precisely; a review can be
renamed; another session's review is not found."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from http_helpers import analysed, assert_error, document, new_session
from live import LiveServer
from sqlalchemy import func, select

from mixcoach.storage.models import Analysis as AnalysisRow

TRACK = Path("/usr/share/scummvm/drascula/audio/track3.ogg")
MEASURED = ("file", "loudness", "dynamics", "stereo", "rhythm", "tonality")


def rejudge(
    client: httpx.Client, auth: dict[str, str], review_id: str, **body: str
) -> httpx.Response:
    return client.post(f"/api/reviews/{review_id}/rejudge", headers=auth, json=body)


def jobs_started(server: LiveServer) -> int:
    with server.state.database.session() as db:
        return int(db.scalar(select(func.sum(AnalysisRow.attempts))) or 0)


def codes(client: httpx.Client, auth: dict[str, str], review_id: str) -> list[str]:
    return [finding.code for finding in document(client, auth, review_id).findings]


def test_a_mixdown_rejudged_as_a_master_and_another_genre_keeps_its_measurements(
    server: LiveServer, client: httpx.Client, auth: dict[str, str]
) -> None:
    first = analysed(client, auth, TRACK, feedback_type="mixdown", genre="pop")
    started = jobs_started(server)
    response = rejudge(
        client, auth, first, feedback_type="master_review", genre="rock", detail_level="pro"
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    second = body["review"]["id"]
    assert second != first
    assert (body["review"]["feedback_type"], body["review"]["genre"]) == ("master_review", "rock")
    assert body["review"]["detail_level"] == "pro"
    assert body["review"]["job"]["state"] == "done"
    assert body["review"]["has_feedback"]
    assert body["feedback"]["request"]["detail"] == "pro"
    assert jobs_started(server) == started  # nothing decoded, nothing queued

    old, new = document(client, auth, first), document(client, auth, second)
    for block in MEASURED:
        assert getattr(new, block) == getattr(old, block), block
    assert [b.level_db for b in new.spectrum.bands] == [b.level_db for b in old.spectrum.bands]
    assert (new.request.feedback_type, new.request.genre) == ("master_review", "rock")
    # A master is judged for delivery loudness: this quiet mixdown is too quiet as a master.
    assert "too_quiet" in codes(client, auth, second)
    assert "too_quiet" not in codes(client, auth, first)
    # The genre's own targets: the band targets moved with the profile.
    assert [b.target_low_db for b in new.spectrum.bands] != [
        b.target_low_db for b in old.spectrum.bands
    ]
    # The old review and its judgement stay.
    listed = [r["id"] for r in client.get("/api/reviews", headers=auth).json()]
    assert listed[:2] == [second, first]
    assert document(client, auth, first).request.feedback_type == "mixdown"
    feedback = client.get(f"/api/reviews/{second}/feedback", headers=auth)
    assert feedback.status_code == 200 and feedback.json()["request"]["detail"] == "pro"


def test_rejudging_for_the_same_request_gives_the_same_document(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    first = analysed(client, auth, TRACK, feedback_type="mixdown", genre="pop")
    response = rejudge(client, auth, first, feedback_type="mixdown", genre="pop")
    assert response.status_code == 201, response.text
    again = response.json()["review"]["id"]
    assert document(client, auth, again) == document(client, auth, first)


def test_bad_rejudge_requests_are_refused_precisely(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    first = analysed(client, auth, TRACK, feedback_type="mixdown")
    assert_error(
        rejudge(client, auth, first, feedback_type="remaster"),
        422,
        "invalid_request",
        "feedback_type",
    )
    assert_error(
        rejudge(client, auth, first, feedback_type="mixdown", detail_level="huge"),
        422,
        "invalid_request",
        "detail_level",
    )
    assert_error(
        rejudge(client, auth, first, feedback_type="mixdown", genre="polka-noir"),
        422,
        "input_error",
        "polka-noir",
    )
    other = new_session(client)
    assert_error(rejudge(client, other, first, feedback_type="mixdown"), 404, "not_found")


def test_a_review_is_renamed_and_named_by_its_track_again(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    first = analysed(client, auth, TRACK, feedback_type="mixdown")
    renamed = client.patch(f"/api/reviews/{first}", headers=auth, json={"title": " Loud take "})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["title"] == "Loud take"
    assert client.get(f"/api/reviews/{first}", headers=auth).json()["title"] == "Loud take"
    cleared = client.patch(f"/api/reviews/{first}", headers=auth, json={"title": ""})
    assert cleared.json()["title"] is None
    too_long = client.patch(f"/api/reviews/{first}", headers=auth, json={"title": "x" * 121})
    assert_error(too_long, 422, "invalid_request", "title")
    other = new_session(client)
    assert_error(
        client.patch(f"/api/reviews/{first}", headers=other, json={"title": "mine"}),
        404,
        "not_found",
    )
