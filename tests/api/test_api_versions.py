"""Versions through real HTTP, on a real recording: a clean v1, a hard-clipped v2 and a clean
v3 uploaded as versions of each other; the clipping reported new, then fixed, with its amount;
the lineage in order; look-alike tracks suggested; another session sees nothing. The feedback on
a new version (from the LLM through the real SDK, and offline) and its PDF report say what it
fixed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from export.pdfcheck import page_texts, squash
from feedback.llm_server import LLMServer, Reply
from http_helpers import analysed, assert_error, events, new_session, streamed, upload, with_llm
from live import LiveServer
from recordings import DRASCULA, at_loudness, excerpt, hard_clipped
from recordings import write as write_float

from mixcoach.config import Settings
from mixcoach.feedback.model import Feedback

SECONDS = 10.0  # 16-bit stereo: 1.8 MB, under the tests' 2 MB upload limit


@pytest.fixture
def renders(tmp_path: Path) -> dict[str, Path]:
    audio, rate = excerpt(DRASCULA / "track1.ogg", seconds=SECONDS)
    other, other_rate = excerpt(DRASCULA / "track2.ogg", seconds=SECONDS)
    v1 = at_loudness(audio, rate, lufs=-20.0)
    return {
        "v1": write(tmp_path / "Song.wav", v1, rate),
        "v2": write(tmp_path / "Song v2.wav", hard_clipped(v1, gain_db=9.0), rate),
        "v3": write(tmp_path / "Song v3.wav", at_loudness(audio, rate, lufs=-20.5), rate),
        "bounce": write(tmp_path / "bounce.wav", at_loudness(audio, rate, lufs=-21.0), rate),
        "final": write(tmp_path / "song_final.wav", at_loudness(audio, rate, lufs=-19.0), rate),
        "other": write(tmp_path / "Other.wav", at_loudness(other, other_rate, lufs=-20.0), rate),
    }


def write(path: Path, audio: Any, rate: int) -> Path:
    return write_float(path, audio, rate, subtype="PCM_16")


def _track_id(client: httpx.Client, auth: dict[str, str], review_id: str) -> str:
    track_id: str = client.get(f"/api/reviews/{review_id}", headers=auth).json()["track"]["id"]
    return track_id


def _compare(client: httpx.Client, auth: dict[str, str], before: str, after: str) -> Any:
    response = client.get(f"/api/reviews/{before}/compare/{after}", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def test_clipping_is_new_in_v2_and_fixed_in_v3(
    client: httpx.Client, auth: dict[str, str], renders: dict[str, Path]
) -> None:
    v1 = analysed(client, auth, renders["v1"])
    v2 = analysed(client, auth, renders["v2"], version_of=_track_id(client, auth, v1))
    v3 = analysed(client, auth, renders["v3"], version_of=_track_id(client, auth, v2))

    lineage = client.get(f"/api/reviews/{v3}/versions", headers=auth).json()
    assert [(v["number"], v["review_id"]) for v in lineage["versions"]] == [
        (1, v1),
        (2, v2),
        (3, v3),
    ]

    pushed = _compare(client, auth, v1, v2)
    clipping = next(f for f in pushed["findings"] if f["code"] == "clipping")
    runs = client.get(f"/api/reviews/{v2}/analysis", headers=auth).json()["defects"][
        "clip_run_count"
    ]
    assert (clipping["status"], clipping["value_before"], clipping["value_after"]) == (
        "new",
        None,
        runs,
    )
    assert runs > 50
    assert pushed["summary"].startswith("Compared with v1, v2 ")
    assert f"brought in the clipping ({runs:,d} runs)" in pushed["summary"]
    loudness = next(m for m in pushed["metrics"] if m["metric"] == "loudness.integrated_lufs")
    assert 5.0 < loudness["change"] < 9.0  # louder by most of the 9 dB pushed in
    assert (loudness["unit"], loudness["change_unit"]) == ("LUFS", "LU")

    repaired = _compare(client, auth, v2, v3)
    clipping = next(f for f in repaired["findings"] if f["code"] == "clipping")
    assert (clipping["status"], clipping["value_before"]) == ("fixed", runs)
    assert repaired["summary"].startswith("Compared with v2, v3 fixed ")


def test_look_alike_tracks_are_suggested_and_other_songs_not(
    client: httpx.Client, auth: dict[str, str], renders: dict[str, Path]
) -> None:
    v1 = analysed(client, auth, renders["v1"])
    final = analysed(client, auth, renders["final"])
    bounce = analysed(client, auth, renders["bounce"])
    other = analysed(client, auth, renders["other"])
    body = client.get(f"/api/reviews/{v1}/versions", headers=auth).json()
    assert [v["review_id"] for v in body["versions"]] == [v1]
    reasons = {s["review_id"]: s["reason"] for s in body["suggestions"]}
    assert reasons == {final: "file_name", bounce: "fingerprint"}
    assert other not in reasons
    # Another session's render of the same song is never suggested to this one, nor this
    # session's to it.
    stranger = new_session(client)
    theirs = analysed(client, stranger, renders["v3"])
    mine = client.get(f"/api/reviews/{v1}/versions", headers=auth).json()["suggestions"]
    assert theirs not in {s["review_id"] for s in mine}
    assert (
        client.get(f"/api/reviews/{theirs}/versions", headers=stranger).json()["suggestions"] == []
    )


def test_version_of_an_unknown_track_is_a_422_naming_the_field(
    client: httpx.Client, auth: dict[str, str], renders: dict[str, Path]
) -> None:
    response = upload(client, auth, renders["v2"], version_of="0" * 32)
    body = assert_error(response, 422, "invalid_request", "version_of", "was not found")
    assert [d["field"] for d in body["error"]["details"]] == ["version_of"]


def test_another_session_sees_no_versions_and_no_comparison(
    client: httpx.Client, auth: dict[str, str], renders: dict[str, Path]
) -> None:
    v1 = analysed(client, auth, renders["v1"])
    v2 = analysed(client, auth, renders["v2"], version_of=_track_id(client, auth, v1))
    stranger = new_session(client)
    assert_error(client.get(f"/api/reviews/{v2}/versions", headers=stranger), 404, "not_found")
    assert_error(client.get(f"/api/reviews/{v1}/compare/{v2}", headers=stranger), 404, "not_found")
    # nor can a stranger's upload claim to be a version of this session's track
    response = upload(client, stranger, renders["v3"], version_of=_track_id(client, auth, v1))
    assert_error(response, 422, "invalid_request", "version_of")


def test_deleting_a_first_version_leaves_the_later_ones_linked(
    client: httpx.Client, auth: dict[str, str], renders: dict[str, Path]
) -> None:
    v1 = upload(client, auth, renders["v1"]).json()["id"]
    v2 = upload(client, auth, renders["v2"], version_of=_track_id(client, auth, v1)).json()["id"]
    v3 = upload(client, auth, renders["v3"], version_of=_track_id(client, auth, v2)).json()["id"]
    gone = client.delete(f"/api/tracks/{_track_id(client, auth, v1)}", headers=auth)
    assert gone.status_code == 204, gone.text
    lineage = client.get(f"/api/reviews/{v3}/versions", headers=auth).json()["versions"]
    assert [(v["number"], v["review_id"]) for v in lineage] == [(1, v2), (2, v3)]


def _loudness(client: httpx.Client, auth: dict[str, str], review_id: str) -> float:
    value: float = client.get(f"/api/reviews/{review_id}/analysis", headers=auth).json()[
        "loudness"
    ]["integrated_lufs"]
    return value


def test_the_llm_is_told_what_the_new_version_fixed(
    settings: Settings, llm_server: LLMServer, renders: dict[str, Path]
) -> None:
    with LiveServer(with_llm(settings, llm_server.base_url)) as server, server.client() as client:
        auth = new_session(client)
        clipped = analysed(client, auth, renders["v2"])
        clean = analysed(client, auth, renders["v3"], version_of=_track_id(client, auth, clipped))
        runs = client.get(f"/api/reviews/{clipped}/analysis", headers=auth).json()["defects"][
            "clip_run_count"
        ]
        drop = _loudness(client, auth, clipped) - _loudness(client, auth, clean)
        assert drop > 5.0  # the clean render is several LU quieter than the clipped one
        llm_server.then(
            Reply(
                "v2 fixed the clipping.\n\n## Since v1\nBased on: general\n"
                f"The {runs:,d} clipped runs of v1 are gone, and v2 plays {drop:.1f} LU quieter "
                "than v1.\n"
            )
        )
        _, done = streamed(list(events(client, auth, clean, "feedback")))
        feedback = Feedback.model_validate(done)

    (request,) = llm_server.requests
    prompt = "\n".join(m["content"] for m in request.body["messages"])
    assert "VERSIONS (this track is v2, a new version of v1;" in prompt
    fixed = re.search(r"^- Fixed in v2: (.+) \(was ([\d,]+) runs\)$", prompt, re.MULTILINE)
    assert fixed is not None, prompt
    assert int(fixed[2].replace(",", "")) == runs
    loudness = re.search(
        r"^- Integrated loudness: (\S+) LUFS in v1, (\S+) LUFS in v2 \((\S+) LU\)$",
        prompt,
        re.MULTILINE,
    )
    assert loudness is not None, prompt
    before, after, change = (float(loudness[i]) for i in (1, 2, 3))
    assert change == pytest.approx(after - before, abs=0.11)
    assert change == pytest.approx(-drop, abs=0.06)  # quieter: a negative change
    assert "In words: Compared with v1, v2 fixed the clipping" in prompt
    # What the model quotes from the comparison is grounded: nothing dropped.
    assert feedback.fallback_reason is None
    assert feedback.grounding is not None and feedback.grounding.dropped == []
    assert f"{drop:.1f} LU quieter" in feedback.sections[0].body


def test_the_offline_feedback_says_what_the_new_version_fixed(
    client: httpx.Client, auth: dict[str, str], renders: dict[str, Path]
) -> None:
    clipped = analysed(client, auth, renders["v2"])
    clean = analysed(client, auth, renders["v3"], version_of=_track_id(client, auth, clipped))
    _, first = streamed(list(events(client, auth, clipped, "feedback")))
    assert not [s for s in Feedback.model_validate(first).sections if s.title.startswith("Since")]
    _, done = streamed(list(events(client, auth, clean, "feedback")))
    since = [s for s in Feedback.model_validate(done).sections if s.title == "Since v1"]
    assert len(since) == 1
    assert since[0].body.startswith("Compared with v1, v2 fixed the clipping")
    # The report prints the same comparison.
    pdf = client.get(f"/api/reviews/{clean}/report.pdf", headers=auth)
    assert pdf.status_code == 200, pdf.text
    text = squash("\n".join(page_texts(pdf.content)))
    assert squash(since[0].body) in text
    first_pdf = client.get(f"/api/reviews/{clipped}/report.pdf", headers=auth).content
    assert "Sincev1" not in squash("\n".join(page_texts(first_pdf)))


def test_a_suggested_render_linked_after_upload_becomes_v2_and_its_feedback_says_what_it_fixed(
    client: httpx.Client, auth: dict[str, str], renders: dict[str, Path]
) -> None:
    clipped = analysed(client, auth, renders["v2"])
    clean = analysed(client, auth, renders["final"])  # uploaded without naming its earlier one
    _, before = streamed(list(events(client, auth, clean, "feedback")))
    assert not [s for s in Feedback.model_validate(before).sections if s.title.startswith("Since")]
    suggested = client.get(f"/api/reviews/{clean}/versions", headers=auth).json()["suggestions"]
    assert [s["review_id"] for s in suggested] == [clipped]

    link = {"track_id": suggested[0]["track"]["id"]}
    linked = client.put(f"/api/reviews/{clean}/previous-version", json=link, headers=auth)
    assert linked.status_code == 200, linked.text
    assert [(v["number"], v["review_id"]) for v in linked.json()["versions"]] == [
        (1, clipped),
        (2, clean),
    ]
    assert linked.json()["suggestions"] == []
    # The feedback written before the link is written again, with the comparison.
    _, after = streamed(list(events(client, auth, clean, "feedback")))
    since = [s for s in Feedback.model_validate(after).sections if s.title == "Since v1"]
    assert len(since) == 1
    assert since[0].body.startswith("Compared with v1, v2 fixed the clipping")

    # The other way round would make a loop; a second earlier version, another session's track
    # or an unknown one are refused, naming the field, and change nothing.
    mine = _track_id(client, auth, clean)
    looped = client.put(
        f"/api/reviews/{clipped}/previous-version", json={"track_id": mine}, headers=auth
    )
    assert_error(looped, 422, "invalid_request", "track_id", "already a later version")
    other = analysed(client, auth, renders["other"])
    again = {"track_id": _track_id(client, auth, other)}
    twice = client.put(f"/api/reviews/{clean}/previous-version", json=again, headers=auth)
    assert_error(twice, 422, "invalid_request", "track_id", "already a new version")
    stranger = new_session(client)
    theirs = analysed(client, stranger, renders["v1"])
    claim = {"track_id": _track_id(client, stranger, theirs)}
    assert_error(
        client.put(f"/api/reviews/{other}/previous-version", json=claim, headers=auth),
        422,
        "invalid_request",
        "track_id",
        "was not found",
    )
    assert_error(
        client.put(f"/api/reviews/{theirs}/previous-version", json=link, headers=auth),
        404,
        "not_found",
    )
    lineage = client.get(f"/api/reviews/{theirs}/versions", headers=stranger).json()["versions"]
    assert [v["review_id"] for v in lineage] == [theirs]
    lineage = client.get(f"/api/reviews/{clean}/versions", headers=auth).json()["versions"]
    assert [v["review_id"] for v in lineage] == [clipped, clean]


def test_the_chat_on_a_new_version_says_what_it_fixed(
    client: httpx.Client, auth: dict[str, str], renders: dict[str, Path]
) -> None:
    clipped = analysed(client, auth, renders["v2"])
    clean = analysed(client, auth, renders["v3"], version_of=_track_id(client, auth, clipped))
    ask = {"question": "Did I fix the clipping?"}
    _, first = streamed(list(events(client, auth, clipped, "chat", body=ask)))
    assert "first version" in first["content"]
    _, done = streamed(list(events(client, auth, clean, "chat", body=ask)))
    found = _compare(client, auth, clipped, clean)["findings"]
    (clipping,) = [f for f in found if f["code"] == "clipping"]
    assert clipping["status"] == "fixed"
    assert done["content"].startswith("Yes: v2 fixed the clipping")
    assert f"{int(clipping['value_before']):,}" in done["content"]
