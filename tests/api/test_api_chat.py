"""The follow-up chat through real HTTP: answers stream and are stored with their questions, the
feedback is written first when missing, questions are checked, a long conversation gets a stored
running summary, a restart keeps everything, and the LLM engine sees the conversation so far."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from feedback.llm_server import LLMServer, Reply
from http_helpers import (
    analysed,
    assert_error,
    document,
    events,
    new_session,
    streamed,
    with_llm,
)
from live import LiveServer

from mixcoach.config import Settings
from mixcoach.feedback.model import ChatMessage, Conversation, Feedback
from mixcoach.feedback.offline import OfflineEngine

Tone = Callable[..., Path]
#: Long enough that three questions with their answers outgrow the engine's budget for recent
#: turns (1500 tokens at 4 characters a token), so the first is folded into the summary by the
#: fourth question at the latest.
LONG_QUESTION_CHARS = 1990
CONTEXT = (
    "The mix has a kick, a sub bass, two pads and a lead vocal, bussed to a glue compressor "
    "with a limiter last in the chain; I monitor on small speakers and headphones. "
)


def long_question(number: int) -> str:
    first = f"Question {number}: why does the low end blur on small speakers? "
    return (first + CONTEXT * 20)[:LONG_QUESTION_CHARS].strip()


def chat(
    client: httpx.Client, auth: dict[str, str], review_id: str, question: str
) -> tuple[list[str], dict[str, Any]]:
    return streamed(list(events(client, auth, review_id, "chat", body={"question": question})))


def conversation(client: httpx.Client, auth: dict[str, str], review_id: str) -> dict[str, Any]:
    response = client.get(f"/api/reviews/{review_id}/chat", headers=auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_answers_stream_and_are_stored_with_their_questions(
    client: httpx.Client, auth: dict[str, str], tone: Tone
) -> None:
    review_id = analysed(client, auth, tone(seconds=3.0))
    assert conversation(client, auth, review_id) == {"messages": [], "summary": None}
    assert client.get(f"/api/reviews/{review_id}/feedback", headers=auth).status_code == 404

    questions = ["Why is my low end muddy?", "What should I set my limiter to for Spotify?"]
    answers = [chat(client, auth, review_id, question) for question in questions]

    # The feedback was written first (silently), and the answers build on it.
    stored = client.get(f"/api/reviews/{review_id}/feedback", headers=auth)
    assert stored.status_code == 200
    feedback = Feedback.model_validate(stored.json())
    analysis = document(client, auth, review_id)
    engine = OfflineEngine()
    assert feedback == engine.compose(analysis, feedback.request)
    for question, (chunks, done) in zip(questions, answers, strict=True):
        expected = engine.chat(analysis, feedback, Conversation(), question).result()
        assert done["content"] == "".join(chunks).strip() == expected.text
        assert done["finding_codes"] == expected.finding_codes
        assert done["role"] == "assistant" and done["engine"] == "offline"
    assert "muddy" in answers[0][1]["finding_codes"]

    messages = conversation(client, auth, review_id)["messages"]
    assert [(m["role"], m["content"]) for m in messages[::2]] == [("user", q) for q in questions]
    assert messages[1::2] == [done for _, done in answers]
    assert [m["engine"] for m in messages[::2]] == [None, None]
    assert all(m["finding_codes"] == [] for m in messages[::2])
    ids = [m["id"] for m in messages]
    assert ids == sorted(ids) and len(set(ids)) == 4
    times = [datetime.fromisoformat(m["created_at"]) for m in messages]
    assert times == sorted(times)  # a question is dated when it was asked, before its answer


@pytest.mark.parametrize(
    ("question", "problem"),
    [
        ("", "at least 1 character"),
        ("   \n ", "at least 1 character"),
        ("x" * 2001, "at most 2000 characters"),
        (None, "field required"),
    ],
)
def test_an_empty_or_overlong_question_is_refused(
    client: httpx.Client, auth: dict[str, str], question: str | None, problem: str
) -> None:
    body = {} if question is None else {"question": question}
    # Checked before the review is even looked up: nothing is stored either way.
    response = client.post(f"/api/reviews/{'0' * 32}/chat", headers=auth, json=body)
    error = assert_error(response, 422, "invalid_request", "question", problem)
    assert [d["field"] for d in error["error"]["details"]] == ["question"]


def test_a_long_chat_gets_a_stored_summary_and_a_restart_keeps_it_all(
    settings: Settings, tone: Tone
) -> None:
    with LiveServer(settings) as first, first.client() as client:
        auth = new_session(client)
        review_id = analysed(client, auth, tone(seconds=2.0))
        for number in (1, 2, 3, 4):
            chat(client, auth, review_id, long_question(number))
        before = conversation(client, auth, review_id)
        feedback = client.get(f"/api/reviews/{review_id}/feedback", headers=auth).json()

    # Every turn is kept for the page, the summarised ones too.
    messages = before["messages"]
    assert [m["content"] for m in messages[::2]] == [long_question(n) for n in (1, 2, 3, 4)]
    # The oldest turns are folded into the summary, a line each; the latest stay verbatim.
    summary = before["summary"]
    assert summary is not None
    folded = summary.splitlines()
    assert 1 <= len(folded) < 4
    for number, line in enumerate(folded, start=1):
        assert line.startswith(f"- Asked: Question {number}: why does the low end blur")
    turns = [ChatMessage(role=m["role"], content=m["content"]) for m in messages]
    assert summary == OfflineEngine().summarise("", turns[: 2 * len(folded)])

    with LiveServer(settings) as second, second.client() as client:
        assert conversation(client, auth, review_id) == before
        assert client.get(f"/api/reviews/{review_id}/feedback", headers=auth).json() == feedback


def test_the_llm_sees_the_conversation_so_far_and_its_summary(
    settings: Settings, llm_server: LLMServer, tone: Tone
) -> None:
    answers = [
        f"Answer {n}: high-pass the pads and give the sub bass its own space." for n in "ABC"
    ]
    summary = "The producer asked three times about a blurred low end; Mixcoach said to high-pass."
    llm_server.then(
        Reply("Clear the low mids first.\n\n## Low mids\nBased on: muddy\nDip the pads.\n"),
        *(Reply(answer) for answer in answers),
        Reply(summary),  # the fourth question outgrows the budget: older turns are summarised
        Reply("Answer D: start with the pads."),
    )
    with LiveServer(with_llm(settings, llm_server.base_url)) as server, server.client() as client:
        auth = new_session(client)
        review_id = analysed(client, auth, tone(seconds=2.0))
        questions = [long_question(n) for n in (1, 2, 3)] + ["Which part should I start with?"]
        for question in questions:
            _, done = chat(client, auth, review_id, question)
            assert done["engine"] == "openai:test-model", done
        stored = conversation(client, auth, review_id)

    prompts = [r.body["messages"] for r in llm_server.requests]
    assert len(prompts) == 6  # feedback, three answers, the summary, the fourth answer
    second_turn = prompts[2]
    assert second_turn[-3:] == [
        {"role": "user", "content": questions[0]},
        {"role": "assistant", "content": answers[0]},
        {"role": "user", "content": questions[1]},
    ]
    # One system message: the facts, then the feedback given (and later the summary).
    assert [m["role"] for m in second_turn].count("system") == 1
    assert "Clear the low mids first." in second_turn[0]["content"]  # the feedback given
    summarising = "\n".join(m["content"] for m in prompts[4])
    assert questions[0] in summarising and answers[0] in summarising
    assert questions[1] not in summarising
    fourth_turn = prompts[5]
    assert f"EARLIER IN THIS CONVERSATION (summary)\n{summary}" in fourth_turn[0]["content"]
    assert [m["content"] for m in fourth_turn[1:]] == [
        questions[1],
        answers[1],
        questions[2],
        answers[2],
        questions[3],
    ]
    assert stored["summary"] == summary
    assert [m["content"] for m in stored["messages"][1::2]] == [
        *answers,
        "Answer D: start with the pads.",
    ]
