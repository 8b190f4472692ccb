"""Uploads through real HTTP: what a good one stores, and every bad one refused with the right
status and a clear message, leaving no row and no file behind."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from http_helpers import (
    TEST_MAX_FILE_MB,
    analysed,
    assert_error,
    document,
    new_session,
    upload,
    wait_for_job,
)
from live import LiveServer
from signals import sine
from test_bad_input import (
    cut_ogg,
    flac_of_unknown_length,
    vorbis_with_trailing_zeros,
    wav_with_channels,
)

from mixcoach.audio.decode import MAX_CHANNELS
from mixcoach.config import AudioSettings, Settings
from mixcoach.storage.models import Analysis

Tone = Callable[..., Path]


def test_an_upload_is_accepted_at_once_and_its_track_described(
    client: httpx.Client, auth: dict[str, str], tone: Tone
) -> None:
    path = tone(seconds=2.0)
    response = upload(client, auth, path, genre="pop", detail_level="pro")
    assert response.status_code == 202, response.text
    review = response.json()
    assert (review["feedback_type"], review["genre"], review["detail_level"]) == (
        "mixdown",
        "pop",
        "pro",
    )
    assert review["track"]["filename"] == path.name and review["reference"] is None
    assert review["job"]["state"] in ("queued", "running", "done", "failed")
    assert [r["id"] for r in client.get("/api/reviews", headers=auth).json()] == [review["id"]]
    (track,) = client.get("/api/tracks", headers=auth).json()
    assert track["id"] == review["track"]["id"]
    assert track["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (track["format"], track["codec"], track["sample_rate_hz"]) == ("wav", "pcm_16", 48000)
    assert (track["channels"], track["bit_depth"]) == (2, 16)
    assert track["duration_s"] == pytest.approx(2.0, abs=1e-6)
    assert track["size_bytes"] == path.stat().st_size


def test_a_reference_and_a_windows_path_name(
    client: httpx.Client, auth: dict[str, str], tone: Tone, server: LiveServer
) -> None:
    mix, ref = tone(frequency_hz=500.0), tone(frequency_hz=2000.0)
    response = client.post(
        "/api/reviews",
        headers=auth,
        files={
            "track": ("C:\\Users\\me\\Music\\mix.wav", mix.read_bytes()),
            "reference": ("pro master.wav", ref.read_bytes()),
        },
        data={"feedback_type": "mastering"},
    )
    assert response.status_code == 202, response.text
    review = response.json()
    assert review["track"]["filename"] == "mix.wav"
    assert review["reference"]["filename"] == "pro master.wav"
    with server.state.database.session() as db:
        (analysis,) = db.query(Analysis).all()
    assert analysis.reference_sha256 == hashlib.sha256(ref.read_bytes()).hexdigest()
    assert analysis.feedback_type == "mastering"


def test_the_same_file_is_stored_once_and_analysed_once(
    client: httpx.Client, server: LiveServer, tone: Tone
) -> None:
    path = tone(seconds=1.0, frequency_hz=440.0)
    alice, bob = new_session(client), new_session(client)
    first = upload(client, alice, path).json()
    wait_for_job(client, alice, first["id"])
    with server.state.database.session() as db:
        (before,) = db.query(Analysis).all()
    again = upload(client, alice, path).json()
    theirs = upload(client, bob, path).json()
    assert len({first["track"]["id"], again["track"]["id"], theirs["track"]["id"]}) == 2
    rows, files = server.footprint()
    assert rows == {"files": 1, "tracks": 2, "analyses": 1, "reviews": 3}
    assert len([f for f in files if f.parts[0] == "audio"]) == 1
    with server.state.database.session() as db:
        (after,) = db.query(Analysis).all()
    assert before.state == "done", before.error  # a failed analysis is tried again instead
    assert after.started_at == before.started_at and after.attempts == 1
    assert again["job"]["state"] == theirs["job"]["state"] == "done"


BAD_REQUESTS: list[tuple[str, dict[str, Any], int, str, tuple[str, ...]]] = [
    (
        "no track",
        {"files": {"feedback_type": (None, "mixdown")}, "data": {}, "no_track": True},
        422,
        "invalid_request",
        ("track", "required"),
    ),
    (
        "no feedback type",
        {"data": {"genre": "pop"}},
        422,
        "invalid_request",
        ("feedback_type", "required"),
    ),
    (
        "feedback type not one of the three",
        {"data": {"feedback_type": "loud"}},
        422,
        "invalid_request",
        ("feedback_type", "mixdown"),
    ),
    (
        "detail level not one of the three",
        {"data": {"feedback_type": "mixdown", "detail_level": "7"}},
        422,
        "invalid_request",
        ("detail_level",),
    ),
    (
        "unknown genre",
        {"data": {"feedback_type": "mixdown", "genre": "polka-metal"}},
        422,
        "input_error",
        ("polka-metal",),
    ),
    (
        "a text field sent as binary",
        {"files": {"feedback_type": ("x.bin", b"\xff\xfe\x00mixdown")}, "data": {}},
        422,
        "invalid_request",
        ("feedback_type", "UTF-8"),
    ),
    (
        "a field nobody asked for",
        {"data": {"feedback_type": "mixdown", "gnere": "pop"}},
        422,
        "invalid_request",
        ("gnere", "not a field"),
    ),
    (
        "a field too long",
        {"data": {"feedback_type": "mixdown", "genre": "x" * 5000}},
        422,
        "invalid_request",
        ("genre", "longer than"),
    ),
    ("an empty file", {"files": {"track": ("empty.wav", b"")}}, 422, "invalid_request", ("empty",)),
    (
        "a file that is not audio",
        {"files": {"track": ("notes.wav", b"Verse 1: la la la\n" * 50)}},
        415,
        "audio_error",
        ("notes.wav", "not an audio file"),
    ),
    (
        "a file past the size limit",
        {"files": {"track": ("huge.wav", b"\0" * int(TEST_MAX_FILE_MB * 1e6 + 1))}},
        413,
        "too_large",
        ("huge.wav", f"{TEST_MAX_FILE_MB:g} MB"),
    ),
]


@pytest.mark.parametrize(
    ("request_kwargs", "status", "code", "words"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
def test_a_bad_upload_is_refused_and_leaves_nothing(
    client: httpx.Client,
    auth: dict[str, str],
    server: LiveServer,
    tone: Tone,
    request_kwargs: dict[str, Any],
    status: int,
    code: str,
    words: tuple[str, ...],
) -> None:
    good = tone(seconds=0.5)
    files = {"track": (good.name, good.read_bytes())}
    if request_kwargs.get("no_track"):
        files = {}
    files.update(request_kwargs.get("files", {}))
    data = request_kwargs.get("data", {"feedback_type": "mixdown"})
    before = server.footprint()
    response = client.post("/api/reviews", headers=auth, files=files, data=data)
    assert_error(response, status, code, *words)
    assert server.footprint() == before
    assert client.get("/api/reviews", headers=auth).json() == []


def test_two_files_for_one_field_are_refused(
    client: httpx.Client, auth: dict[str, str], server: LiveServer, tone: Tone
) -> None:
    a, b = tone(frequency_hz=300.0), tone(frequency_hz=600.0)
    before = server.footprint()
    response = client.post(
        "/api/reviews",
        headers=auth,
        files=[("track", (a.name, a.read_bytes())), ("track", (b.name, b.read_bytes()))],
        data={"feedback_type": "mixdown"},
    )
    assert_error(response, 422, "invalid_request", "track", "twice")
    assert server.footprint() == before


def test_a_body_declared_past_the_limit_is_refused_before_it_is_read(
    client: httpx.Client, auth: dict[str, str], server: LiveServer
) -> None:
    before = server.footprint()
    body = b"--x\r\n" + b"\0" * int(3 * TEST_MAX_FILE_MB * 1e6)
    response = client.post(
        "/api/reviews",
        headers={**auth, "Content-Type": "multipart/form-data; boundary=x"},
        content=body,
    )
    assert_error(response, 413, "too_large", "limit")
    assert server.footprint() == before


def test_a_body_that_is_not_a_form_is_refused(
    client: httpx.Client, auth: dict[str, str], server: LiveServer
) -> None:
    before = server.footprint()
    response = client.post("/api/reviews", headers=auth, json={"feedback_type": "mixdown"})
    assert_error(response, 415, "unsupported_media_type", "multipart/form-data")
    broken = client.post(
        "/api/reviews",
        headers={**auth, "Content-Type": "multipart/form-data; boundary=x"},
        content=b'--x\r\nContent-Disposition: form-data; name="feedback_type"\r\n\r\nmix',
    )
    assert_error(broken, 422, "invalid_request", "ended before")
    assert server.footprint() == before


def test_a_track_longer_than_allowed_is_refused(
    settings: Settings, tone: Tone, tmp_path: Path
) -> None:
    limited = settings.model_copy(update={"audio": AudioSettings(max_duration_minutes=0.01)})
    with LiveServer(limited) as live, live.client() as client:
        auth = new_session(client)
        before = live.footprint()
        response = upload(client, auth, tone(seconds=1.0))
        assert_error(response, 422, "input_error", "minutes", "0.01")
        assert live.footprint() == before


def test_uploads_at_the_same_time_all_land_once(
    client: httpx.Client, server: LiveServer, tone: Tone
) -> None:
    alice, bob = new_session(client), new_session(client)
    same, other = tone(frequency_hz=700.0), tone(frequency_hz=900.0)
    jobs = [(alice, same), (alice, same), (bob, same), (bob, other), (alice, None)]
    barrier = threading.Barrier(len(jobs))
    responses: list[httpx.Response] = []

    def send(auth: dict[str, str], path: Path | None) -> None:
        with server.client() as own:
            barrier.wait(timeout=10)
            track = path if path is not None else ("bad.wav", b"not audio " * 100)
            responses.append(upload(own, auth, track))

    threads = [threading.Thread(target=send, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in responses) == [202, 202, 202, 202, 415]
    rows, files = server.footprint()
    assert rows == {"files": 2, "tracks": 3, "analyses": 2, "reviews": 4}
    assert len([f for f in files if f.parts[0] == "audio"]) == 2
    assert not [f for f in files if f.parts[0] == "incoming"]


def test_an_upload_cut_short_by_the_client_leaves_nothing(
    server: LiveServer, auth: dict[str, str], tone: Tone
) -> None:
    path = tone(seconds=5.0)  # about 1 MB
    request = httpx.Request(
        "POST",
        f"{server.url}/api/reviews",
        headers=auth,
        files={"track": (path.name, path.read_bytes())},
        data={"feedback_type": "mixdown"},
    )
    body = request.read()
    head = "".join(f"{name}: {value}\r\n" for name, value in request.headers.items())
    before = server.footprint()
    with socket.create_connection(("127.0.0.1", server.port)) as raw:
        raw.sendall(f"POST /api/reviews HTTP/1.1\r\n{head}\r\n".encode() + body[: len(body) // 2])
        deadline = time.monotonic() + 10
        while not list((server.settings.data_dir / "incoming").iterdir()):
            assert time.monotonic() < deadline, "the upload never started"
            time.sleep(0.01)
    deadline = time.monotonic() + 10
    while server.footprint() != before:
        assert time.monotonic() < deadline, f"left behind: {server.footprint()} vs {before}"
        time.sleep(0.02)


BOUNDARY = "----MixcoachFormBoundary"
FORM_HEADERS = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
FORM_END = f"--{BOUNDARY}--\r\n".encode()


def _part_head(name: str, filename: str | None) -> bytes:
    """A part's boundary and headers as a browser writes them: unlike httpx, a browser sends
    ``filename=""`` for a file input left empty (``filename`` None: a text field)."""
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"\r\nContent-Type: application/octet-stream'
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()


def _browser_form(*parts: tuple[str, str | None, bytes]) -> bytes:
    """A multipart body from (field, file name or None for text, bytes)."""
    return (
        b"".join(
            _part_head(name, filename) + content + b"\r\n" for name, filename, content in parts
        )
        + FORM_END
    )


def test_a_file_input_left_empty_counts_as_not_sent(
    client: httpx.Client, auth: dict[str, str], server: LiveServer, tone: Tone
) -> None:
    path = tone(seconds=0.5)
    body = _browser_form(
        ("track", path.name, path.read_bytes()),
        ("reference", "", b""),
        ("feedback_type", None, b"mixdown"),
    )
    response = client.post("/api/reviews", headers={**auth, **FORM_HEADERS}, content=body)
    assert response.status_code == 202, response.text
    review = response.json()
    assert review["track"]["filename"] == path.name and review["reference"] is None
    with server.state.database.session() as db:
        (analysis,) = db.query(Analysis).all()
    assert analysis.reference_sha256 is None
    _, files = server.footprint()
    assert not [f for f in files if f.parts[0] == "incoming"]


def test_a_track_input_left_empty_is_asked_for(
    client: httpx.Client, auth: dict[str, str], server: LiveServer
) -> None:
    before = server.footprint()
    body = _browser_form(
        ("track", "", b""), ("reference", "", b""), ("feedback_type", None, b"mixdown")
    )
    response = client.post("/api/reviews", headers={**auth, **FORM_HEADERS}, content=body)
    error = assert_error(response, 422, "invalid_request", "track", "required")
    assert "empty" not in error["error"]["message"]  # the reference is absent, not empty
    assert server.footprint() == before


def _upload_as(client: httpx.Client, auth: dict[str, str], path: Path, name: str) -> dict[str, Any]:
    response = upload(client, auth, (name, path.read_bytes()))
    assert response.status_code == 202, response.text
    review: dict[str, Any] = response.json()
    return review


def test_a_flac_of_unknown_length_is_uploaded_and_analysed(
    client: httpx.Client, auth: dict[str, str], tmp_path: Path
) -> None:
    audio = sine(seconds=3.0, sample_rate_hz=44100)
    path = flac_of_unknown_length(tmp_path / "streamed.flac", audio, sample_rate_hz=44100)
    review_id = analysed(client, auth, path)
    (track,) = client.get("/api/tracks", headers=auth).json()
    assert track["format"] == "flac"
    assert track["duration_s"] == pytest.approx(3.0, abs=1e-6)  # counted, not 2**63 samples
    assert document(client, auth, review_id).file.duration_s == pytest.approx(3.0, abs=1e-4)


def test_an_ogg_with_trailing_zero_bytes_is_uploaded_and_analysed(
    client: httpx.Client, auth: dict[str, str], tmp_path: Path
) -> None:
    audio = sine(seconds=10.0, sample_rate_hz=44100)
    path = vorbis_with_trailing_zeros(tmp_path / "padded.ogg", audio, sample_rate_hz=44100)
    analysis = document(client, auth, analysed(client, auth, path))
    assert (analysis.file.format, analysis.file.codec) == ("ogg", "vorbis")
    assert analysis.file.duration_s == pytest.approx(10.0, abs=0.05)


def test_a_track_of_unknown_length_is_counted_against_the_limit(
    settings: Settings, tmp_path: Path
) -> None:
    limited = settings.model_copy(update={"audio": AudioSettings(max_duration_minutes=0.01)})
    audio = sine(seconds=3.0, sample_rate_hz=44100)
    path = flac_of_unknown_length(tmp_path / "long.flac", audio, sample_rate_hz=44100)
    with LiveServer(limited) as live, live.client() as client:
        auth = new_session(client)
        before = live.footprint()
        response = upload(client, auth, path)
        assert_error(response, 422, "input_error", "long.flac", "longer than 0.01 minutes")
        assert live.footprint() == before


def test_a_file_with_too_many_channels_says_how_many(
    client: httpx.Client, auth: dict[str, str], server: LiveServer, tmp_path: Path
) -> None:
    before = server.footprint()
    response = upload(client, auth, wav_with_channels(tmp_path / "stems.wav", 2000))
    error = assert_error(
        response, 415, "audio_error", "stems.wav", "2000 channels", f"up to {MAX_CHANNELS}"
    )
    assert "no audio channels" not in error["error"]["message"]
    assert server.footprint() == before


def test_a_cut_off_ogg_is_analysed_with_a_truncation_note(
    client: httpx.Client, auth: dict[str, str], tmp_path: Path
) -> None:
    analysis = document(client, auth, analysed(client, auth, cut_ogg(tmp_path / "cut.ogg")))
    assert any("truncated" in note for note in analysis.notes)


def test_the_same_file_under_a_new_name_shows_the_new_name(
    client: httpx.Client, auth: dict[str, str], server: LiveServer, tone: Tone
) -> None:
    path = tone(seconds=1.0, frequency_hz=640.0)
    first = _upload_as(client, auth, path, "mix v1.wav")
    wait_for_job(client, auth, first["id"])
    again = _upload_as(client, auth, path, "mix final.wav")
    wait_for_job(client, auth, again["id"])
    assert again["track"]["filename"] == "mix final.wav"
    assert client.get(f"/api/reviews/{again['id']}", headers=auth).json()["track"]["filename"] == (
        "mix final.wav"
    )
    assert document(client, auth, again["id"]).file.path == "mix final.wav"
    # The earlier review keeps its own name; the content is still one file, one analysis.
    assert document(client, auth, first["id"]).file.path == "mix v1.wav"
    listed = {
        r["id"]: r["track"]["filename"] for r in client.get("/api/reviews", headers=auth).json()
    }
    assert listed == {first["id"]: "mix v1.wav", again["id"]: "mix final.wav"}
    rows, _ = server.footprint()
    assert (rows["files"], rows["analyses"], rows["reviews"]) == (1, 1, 2)


def test_a_reference_under_a_new_name_shows_the_new_name(
    client: httpx.Client, auth: dict[str, str], tone: Tone
) -> None:
    mix, ref = tone(frequency_hz=500.0), tone(frequency_hz=2000.0)
    upload(client, auth, mix, reference=ref)
    response = client.post(
        "/api/reviews",
        headers=auth,
        files={
            "track": ("mix.wav", mix.read_bytes()),
            "reference": ("their master.wav", ref.read_bytes()),
        },
        data={"feedback_type": "mastering"},
    )
    assert response.status_code == 202, response.text
    review = response.json()
    assert review["reference"]["filename"] == "their master.wav"
    wait_for_job(client, auth, review["id"])
    analysis = document(client, auth, review["id"])
    assert analysis.reference is not None
    assert analysis.reference.measurements.file.path == "their master.wav"
