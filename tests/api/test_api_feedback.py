"""Feedback through real HTTP: streamed as Server-Sent Events, stored before `done`, read back
the same; every route waits for the analysis and keeps to its session; the LLM engine against
an OpenAI-compatible server on 127.0.0.1 (grounded, and falling back to offline visibly when
the server is dead or hangs, without holding up the rest of the API)."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
from export.pdfcheck import body_text, page_texts, printed, squash
from feedback.llm_server import Hang, LLMServer, Reply, Step
from http_helpers import (
    MODEL,
    Event,
    analysed,
    assert_error,
    damaged_flac,
    document,
    events,
    new_session,
    stop_the_worker,
    streamed,
    upload,
    wait_for_job,
    with_llm,
)
from live import LiveServer
from sqlalchemy import func, select

from mixcoach.config import Settings
from mixcoach.feedback.model import Feedback, FeedbackRequest, Presets
from mixcoach.feedback.offline import OfflineEngine
from mixcoach.feedback.openai_engine import NOT_IN_TIME, UNREACHABLE
from mixcoach.storage.models import Feedback as FeedbackRow

Tone = Callable[..., Path]
#: Every route of a review's feedback, chat and presets: (method, route after the id, JSON body).
ROUTES: list[tuple[str, str, dict[str, str] | None]] = [
    ("POST", "feedback", None),
    ("GET", "feedback", None),
    ("GET", "chat", None),
    ("POST", "chat", {"question": "Why is my low end muddy?"}),
    ("GET", "presets", None),
    ("GET", "presets/reaeq.RPL", None),
    ("GET", "report.pdf", None),
]


def ask(
    client: httpx.Client, auth: dict[str, str], review_id: str, **params: str
) -> tuple[list[str], dict[str, Any]]:
    return streamed(list(events(client, auth, review_id, "feedback", params=params)))


def feedback_rows(server: LiveServer, review_id: str) -> int:
    with server.state.database.session() as db:
        query = select(func.count()).where(FeedbackRow.review_id == review_id)
        return int(db.scalar(query) or 0)


def test_feedback_streams_is_stored_before_done_and_reads_back_the_same(
    client: httpx.Client, server: LiveServer, auth: dict[str, str], tone: Tone
) -> None:
    review_id = analysed(client, auth, tone(seconds=3.0), detail_level="pro")
    url = f"/api/reviews/{review_id}/feedback"
    assert_error(client.get(url, headers=auth), 404, "no_feedback", "no feedback yet", "POST")

    received: list[Event] = []
    for name, data in events(client, auth, review_id, "feedback"):
        received.append((name, data))
        if name == "done":  # the stream is still open: it was stored before `done` was sent
            assert client.get(url, headers=auth).json() == data
    chunks, done = streamed(received)
    feedback = Feedback.model_validate(done)
    assert len(chunks) > 3, "written piece by piece, not in one block"
    assert "".join(chunks) == feedback.markdown()
    assert feedback.engine == "offline" and feedback.fallback_reason is None
    # The review's own feedback type and detail level, judged on its own analysis.
    assert feedback.request == FeedbackRequest(feedback_type="mixdown", detail="pro")
    assert feedback == OfflineEngine().compose(document(client, auth, review_id), feedback.request)

    again_chunks, again = ask(client, auth, review_id)
    assert again_chunks == ["".join(chunks)] and again == done  # from storage, in one chunk
    new_chunks, regenerated = ask(client, auth, review_id, regenerate="true")
    assert len(new_chunks) == len(chunks) and regenerated == done  # written again (same engine)
    assert feedback_rows(server, review_id) == 1  # the new one replaced the old
    assert client.get(url, headers=auth).json() == done


def test_every_route_waits_for_the_analysis_then_answers(
    client: httpx.Client, server: LiveServer, tone: Tone, tmp_path: Path
) -> None:
    pid = stop_the_worker(server, client, tone)
    auth = new_session(client)
    try:
        review_id = upload(client, auth, tone(seconds=1.0, frequency_hz=440.0)).json()["id"]
        for method, route, body in ROUTES:
            response = client.request(
                method, f"/api/reviews/{review_id}/{route}", headers=auth, json=body
            )
            assert_error(response, 409, "not_ready", "not finished")
    finally:
        os.kill(pid, signal.SIGCONT)
    assert wait_for_job(client, auth, review_id)["state"] == "done"
    for method, route, body in ROUTES:
        response = client.request(
            method, f"/api/reviews/{review_id}/{route}", headers=auth, json=body
        )
        assert response.status_code == 200, (route, response.text)

    failed = upload(client, auth, damaged_flac(tmp_path)).json()["id"]
    assert wait_for_job(client, auth, failed)["state"] == "failed"
    for method, route, body in ROUTES:
        response = client.request(method, f"/api/reviews/{failed}/{route}", headers=auth, json=body)
        assert_error(response, 409, "not_ready", "failed", "damaged")


def test_another_sessions_review_is_not_found_like_a_missing_one(
    client: httpx.Client, auth: dict[str, str], tone: Tone
) -> None:
    review_id = analysed(client, auth, tone(seconds=1.0))
    intruder = new_session(client)
    missing = "0" * 32
    for method, route, body in ROUTES:
        theirs = client.request(
            method, f"/api/reviews/{review_id}/{route}", headers=intruder, json=body
        )
        nobodys = client.request(
            method, f"/api/reviews/{missing}/{route}", headers=intruder, json=body
        )
        assert_error(theirs, 404, "not_found", review_id)
        assert theirs.json() == json.loads(nobodys.text.replace(missing, review_id))
    # The intruder's attempts left nothing behind.
    assert client.get(f"/api/reviews/{review_id}/chat", headers=auth).json() == {
        "messages": [],
        "summary": None,
    }
    assert_error(client.get(f"/api/reviews/{review_id}/feedback", headers=auth), 404, "no_feedback")


def test_the_report_prints_the_feedback_the_conversation_and_the_presets(
    client: httpx.Client, server: LiveServer, auth: dict[str, str], tone: Tone, tmp_path: Path
) -> None:
    track = tone(seconds=3.0).rename(tmp_path / "Late Night (mix 3).wav")
    review_id = analysed(client, auth, track)
    url = f"/api/reviews/{review_id}/report.pdf"

    first = client.get(url, headers=auth)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "application/pdf"
    assert first.headers["content-disposition"] == (
        "attachment; filename*=utf-8''Late%20Night%20%28mix%203%29%20Mixcoach%20report.pdf"
    )
    assert first.content.startswith(b"%PDF-")
    # The report needs the feedback: it was written (and stored) for it.
    feedback = Feedback.model_validate(
        client.get(f"/api/reviews/{review_id}/feedback", headers=auth).json()
    )

    question = "Why is my low end muddy?"
    _, answer = streamed(list(events(client, auth, review_id, "chat", body={"question": question})))
    # Without the footers, so an answer running over a page break reads on.
    text = squash(body_text(page_texts(client.get(url, headers=auth).content)))
    presets = Presets.model_validate(
        client.get(f"/api/reviews/{review_id}/presets", headers=auth).json()
    )
    assert squash("Late Night (mix 3).wav") in text
    assert squash(feedback.headline) in text
    assert squash(question) in text
    assert squash(printed(answer["content"])) in text
    assert squash(presets.eq[0].reason) in text
    # The waveform is drawn from the outline the peaks endpoint keeps, made once for both.
    assert squash("Waveform with the findings") in text
    kept = list((server.state.settings.data_dir / "peaks").glob("*.json"))
    assert len(kept) == 1
    assert client.get(f"/api/reviews/{review_id}/peaks", headers=auth).status_code == 200
    assert list((server.state.settings.data_dir / "peaks").glob("*.json")) == kept


# --- the LLM engine -------------------------------------------------------------------------


def dead_url() -> str:
    with socket.socket() as probe:  # a port with nothing listening on it
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/v1"


def test_llm_feedback_is_grounded_streamed_and_stored(
    settings: Settings, llm_server: LLMServer, tone: Tone
) -> None:
    with LiveServer(with_llm(settings, llm_server.base_url)) as server, server.client() as client:
        auth = new_session(client)
        review_id = analysed(client, auth, tone(seconds=2.0))
        analysis = document(client, auth, review_id)
        measured = analysis.loudness.integrated_lufs
        assert measured is not None and analysis.findings
        code = analysis.findings[0].code  # whichever the judge raised on this tone
        llm_server.then(
            Reply(
                f"Clear the low mids before anything else.\n\n## Low mids\nBased on: {code}\n"
                f"The mix measures {measured:.1f} LUFS integrated. Spotify wants -7.5 LUFS. "
                "Dip the low mids on the pads.\n",
                chunk_chars=7,
            )
        )
        chunks, done = ask(client, auth, review_id)
        feedback = Feedback.model_validate(done)
        assert feedback.engine == f"openai:{MODEL}" and feedback.fallback_reason is None
        assert feedback.headline == "Clear the low mids before anything else."
        assert [(s.title, s.finding_codes) for s in feedback.sections] == [("Low mids", [code])]
        shown = "".join(chunks)
        assert f"{measured:.1f} LUFS" in shown and "Based on" not in shown
        assert "-7.5" not in shown  # not measured: caught before it was streamed
        assert feedback.grounding is not None
        assert [c.text for c in feedback.grounding.dropped] == ["-7.5 LUFS"]
        assert client.get(f"/api/reviews/{review_id}/feedback", headers=auth).json() == done

        (request,) = llm_server.requests
        prompt = "\n".join(m["content"] for m in request.body["messages"])
        assert f"- Integrated loudness: {measured:.1f} LUFS; target" in prompt
        assert "Detail level: detailed" in prompt and f"- {code} [" in prompt


def test_a_dead_llm_falls_back_to_offline_visibly_and_is_stored_so(
    settings: Settings, tone: Tone
) -> None:
    dead = dead_url()
    with LiveServer(with_llm(settings, dead)) as server, server.client() as client:
        auth = new_session(client)
        review_id = analysed(client, auth, tone(seconds=2.0))
        chunks, done = ask(client, auth, review_id)
        reason = UNREACHABLE  # in plain words: no address, host or port of the model server
        assert chunks[0].startswith(f"> {reason} This is Mixcoach's offline feedback instead.")
        port = dead.rsplit(":", 1)[1].split("/")[0]
        for shown in ("".join(chunks), json.dumps(done)):
            assert "127.0.0.1" not in shown and port not in shown and "http" not in shown
        feedback = Feedback.model_validate(done)
        assert feedback.engine == "offline" and feedback.fallback_reason == reason
        offline = OfflineEngine().compose(document(client, auth, review_id), feedback.request)
        assert feedback.sections == offline.sections
        assert client.get(f"/api/reviews/{review_id}/feedback", headers=auth).json() == done

        answer = streamed(
            list(events(client, auth, review_id, "chat", body={"question": "Is it muddy?"}))
        )[1]
        assert answer["engine"] == "offline" and answer["content"].startswith(f"> {reason}")


@dataclass
class HeldLLMServer(LLMServer):
    """The test LLM server, holding each request (before its scripted step) until
    :attr:`release` is set; :attr:`holding` is set once one is held."""

    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def perform(self, handler: BaseHTTPRequestHandler, step: Step, *, model: str) -> None:
        if not self.release.is_set():
            self.holding.set()
            self.release.wait()
        super().perform(handler, step, model=model)


def test_a_hung_llm_holds_up_nothing_else_and_falls_back(settings: Settings, tone: Tone) -> None:
    # The model answers only once the other requests have been answered. Were the engine's wait
    # on the event loop, they could not be answered before the engine gave up on the model (at
    # its timeout): the feedback would then be the offline fallback, not the model's answer.
    llm = HeldLLMServer().start()
    llm.then(Reply("Keep the master as it is.\n\n## Balance\nThe tone sits where it should.\n"))
    llm.then(Hang(10.0))
    try:
        with LiveServer(with_llm(settings, llm.base_url)) as server, server.client() as client:
            auth = new_session(client)
            review_id = analysed(client, auth, tone(seconds=1.0))
            received: list[Event] = []
            reader = threading.Thread(
                target=lambda: received.extend(events(client, auth, review_id, "feedback"))
            )
            reader.start()
            assert llm.holding.wait(timeout=30.0), "the engine never called the model"
            with server.client() as other:  # while the engine waits on the model
                for _ in range(5):
                    assert other.get("/api/health").status_code == 200
            assert reader.is_alive() and not received, "answered while the model was still silent"
            llm.release.set()
            reader.join()
            feedback = Feedback.model_validate(streamed(received)[1])
            assert feedback.engine == f"openai:{MODEL}" and feedback.fallback_reason is None
            assert feedback.headline == "Keep the master as it is."

            # A model that never answers: the engine gives up at its timeout and falls back.
            _, done = ask(client, auth, review_id, regenerate="true")
            assert Feedback.model_validate(done).fallback_reason == NOT_IN_TIME
    finally:
        llm.release.set()
        llm.stop()
