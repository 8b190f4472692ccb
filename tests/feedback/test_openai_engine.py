"""The LLM engine through the real ``openai`` SDK against an OpenAI-compatible server on
127.0.0.1 (tests/feedback/llm_server.py): what it sends, how it streams, grounds, retries and
falls back."""

from __future__ import annotations

import socket
import time

import builders as b
import pytest
from feedback.llm_server import Fail, Hang, LLMServer, Reply, Stall

from mixcoach.errors import InputError
from mixcoach.feedback.model import ChatMessage, Conversation, FeedbackRequest
from mixcoach.feedback.offline import OfflineEngine
from mixcoach.feedback.openai_engine import OpenAIEngine

MODEL = "test-model"
OFFLINE = OfflineEngine()


def engine(base_url: str, *, timeout_s: float = 5.0, max_retries: int = 2) -> OpenAIEngine:
    return OpenAIEngine(
        api_key="sk-test",
        base_url=base_url,
        model=MODEL,
        timeout_s=timeout_s,
        max_retries=max_retries,
        fallback=OFFLINE,
    )


def loud_master():  # type: ignore[no-untyped-def]
    return b.too_loud(b.clean("master_review"))


REQUEST = FeedbackRequest(feedback_type="master_review", detail="detailed")
GOOD_REPLY = (
    "Back the limiter off: the master is louder than pop needs.\n\n"
    "## Too loud\nBased on: too_loud\n"
    "Integrated loudness is -5.8 LUFS, 1.2 LU above the range. Reduce the limiter's input "
    "gain by 1.2 dB.\n\n"
    "## Flattened dynamics\nBased on: over_compressed, clipping\n"
    "The peak-to-loudness ratio is 5.1 dB. Ease the limiter.\n"
)


def test_the_prompt_carries_the_request_and_the_measured_facts(llm_server: LLMServer) -> None:
    llm_server.then(Reply(GOOD_REPLY))
    analysis = loud_master()
    engine(llm_server.base_url).feedback(analysis, REQUEST).result()
    (request,) = llm_server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    body = request.body
    assert body["model"] == MODEL and body["stream"] is True
    prompt = "\n".join(message["content"] for message in body["messages"])
    assert "Integrated loudness (loudness.integrated_lufs): -5.8 LUFS" in prompt
    assert "True peak (loudness.true_peak_dbtp): -0.7 dBTP" in prompt
    assert "- too_loud [problem]" in prompt and "- over_compressed [warning]" in prompt
    assert "target -11.0 LUFS to -7.0 LUFS" in prompt  # the genre target with the finding
    assert "DELIVERY\n- Spotify:" in prompt  # a master review carries the platform verdicts
    assert "Based on:" in prompt and "Detail level: detailed" in prompt
    assert "NOTES\n[too_loud]" in prompt  # the retrieved technique note


def test_the_reply_streams_and_its_sections_keep_their_findings(llm_server: LLMServer) -> None:
    llm_server.then(Reply(GOOD_REPLY, chunk_chars=5))
    stream = engine(llm_server.base_url).feedback(loud_master(), REQUEST)
    chunks = list(stream)
    feedback = stream.result()
    assert len(chunks) > 5  # streamed sentence by sentence, not in one piece
    shown = "".join(chunks)
    assert "Based on" not in shown  # section metadata is not shown to the reader
    assert feedback.engine == f"openai:{MODEL}" and feedback.fallback_reason is None
    assert feedback.headline == "Back the limiter off: the master is louder than pop needs."
    assert [(s.title, s.finding_codes) for s in feedback.sections] == [
        ("Too loud", ["too_loud"]),
        # "clipping" is not among this track's findings: the link is dropped
        ("Flattened dynamics", ["over_compressed"]),
    ]
    assert [v.platform for v in feedback.delivery][:2] == ["spotify", "apple-music"]
    assert feedback.grounding is not None and feedback.grounding.dropped == []


def test_a_reply_quoting_an_invented_number_is_caught(llm_server: LLMServer) -> None:
    invented = (
        "Loud.\n\n## Too loud\nBased on: too_loud\n"
        "Your integrated loudness is -9.0 LUFS. Spotify wants it at -7.5 LUFS. "
        "Cut 4.4 dB at 180 Hz for warmth.\n"
    )
    llm_server.then(Reply(invented))
    stream = engine(llm_server.base_url).feedback(loud_master(), REQUEST)
    shown = "".join(stream)
    feedback = stream.result()
    assert feedback.grounding is not None
    assert [c.text for c in feedback.grounding.repaired] == ["-9.0 LUFS"]
    assert {c.text for c in feedback.grounding.dropped} == {"-7.5 LUFS", "4.4 dB", "180 Hz"}
    for text in (shown, feedback.markdown()):
        assert "-5.8 LUFS" in text
        assert "-7.5" not in text and "180 Hz" not in text and "-9.0" not in text


def test_a_rate_limit_is_retried_after_the_servers_delay(llm_server: LLMServer) -> None:
    llm_server.then(Fail(429, retry_after_s=0.3), Fail(503), Reply(GOOD_REPLY))
    feedback = engine(llm_server.base_url).feedback(loud_master(), REQUEST).result()
    assert feedback.engine == f"openai:{MODEL}"
    first, second, third = (r.at_s for r in llm_server.requests)
    assert second - first >= 0.3  # Retry-After honoured
    assert third - second >= 0.2  # exponential backoff (0.5 s less up to 25% jitter)


def test_a_dead_server_falls_back_to_offline_visibly() -> None:
    with socket.socket() as probe:  # a port with nothing listening on it
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    stream = engine(dead, max_retries=1).feedback(loud_master(), REQUEST)
    shown = "".join(stream)
    feedback = stream.result()
    assert feedback.engine == "offline"
    assert feedback.fallback_reason == f"The language model at {dead} could not be reached."
    assert shown.startswith(f"> {feedback.fallback_reason} This is Mixcoach's offline feedback")
    assert feedback.sections == OFFLINE.compose(loud_master(), REQUEST).sections


def test_a_server_that_keeps_failing_falls_back(llm_server: LLMServer) -> None:
    llm_server.then(Fail(500), Fail(500))
    feedback = engine(llm_server.base_url, max_retries=1).feedback(loud_master(), REQUEST).result()
    assert len(llm_server.requests) == 2
    assert feedback.fallback_reason == (
        f"The language model at {llm_server.base_url} answered with HTTP 500."
    )


def test_a_hung_server_times_out_and_falls_back(llm_server: LLMServer) -> None:
    llm_server.then(Hang(10.0))
    started = time.monotonic()
    feedback = (
        engine(llm_server.base_url, timeout_s=0.5, max_retries=0)
        .feedback(loud_master(), REQUEST)
        .result()
    )
    assert time.monotonic() - started < 3.0
    assert feedback.engine == "offline"
    assert (
        feedback.fallback_reason == f"The language model at {llm_server.base_url} did not "
        "answer in time."
    )


def test_a_stream_that_stalls_midway_falls_back_after_what_was_shown(
    llm_server: LLMServer,
) -> None:
    llm_server.then(Stall("Back the limiter off. The master is loud. ", 10.0))
    stream = engine(llm_server.base_url, timeout_s=0.5, max_retries=0).feedback(
        loud_master(), REQUEST
    )
    shown = "".join(stream)
    feedback = stream.result()
    assert shown.startswith("Back the limiter off.")
    assert "\n\n> The language model" in shown and feedback.engine == "offline"


def test_an_empty_reply_falls_back(llm_server: LLMServer) -> None:
    llm_server.then(Reply(""))
    feedback = engine(llm_server.base_url).feedback(loud_master(), REQUEST).result()
    assert (
        feedback.fallback_reason == f"The language model at {llm_server.base_url} returned no text."
    )


def test_chat_is_grounded_and_carries_the_conversation(llm_server: LLMServer) -> None:
    llm_server.then(
        Reply(
            "Your integrated loudness is -6.3 LUFS; Spotify turns it down by 8.2 dB. Try 3 kHz too."
        )
    )
    analysis = loud_master()
    conversation = Conversation(
        summary="- Asked: is it loud? Answered: yes.",
        turns=[
            ChatMessage(role="user", content="What about the low end?"),
            ChatMessage(role="assistant", content="It is in range."),
        ],
    )
    answer = (
        engine(llm_server.base_url)
        .chat(analysis, None, conversation, "Why is Spotify turning it down?")
        .result()
    )
    assert answer.text == "Your integrated loudness is -5.8 LUFS; Spotify turns it down by 8.2 dB."
    assert answer.engine == f"openai:{MODEL}" and answer.summarised_turns == 0
    messages = llm_server.requests[0].body["messages"]
    assert messages[-1] == {"role": "user", "content": "Why is Spotify turning it down?"}
    assert messages[-3:-1] == [
        {"role": "user", "content": "What about the low end?"},
        {"role": "assistant", "content": "It is in range."},
    ]
    assert "EARLIER IN THIS CONVERSATION (summary)\n- Asked: is it loud?" in messages[1]["content"]


def test_a_long_chat_is_summarised_first_and_the_summary_returned(llm_server: LLMServer) -> None:
    turns = []
    for i in range(12):
        turns += [
            ChatMessage(role="user", content=f"Question {i}: " + "about the mix " * 40),
            ChatMessage(role="assistant", content=f"Answer {i}. " + "some advice " * 60),
        ]
    llm_server.then(Reply("The producer asked about the mix twelve times."), Reply("Noted."))
    answer = (
        engine(llm_server.base_url)
        .chat(loud_master(), None, Conversation(turns=turns), "And now?")
        .result()
    )
    summary_request, chat_request = llm_server.requests
    assert "Summarise a conversation" in summary_request.body["messages"][0]["content"]
    assert "Question 0:" in summary_request.body["messages"][1]["content"]
    assert answer.summary == "The producer asked about the mix twelve times."
    assert 0 < answer.summarised_turns < len(turns)
    kept = turns[answer.summarised_turns :]
    sent = [m for m in chat_request.body["messages"] if m["role"] != "system"][:-1]
    assert sent == [{"role": t.role, "content": t.content} for t in kept]


def test_chat_falls_back_and_the_summary_falls_back_to_extractive() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    turns = [
        ChatMessage(role="user", content="Is it muddy? " + "really " * 1000),
        ChatMessage(role="assistant", content="No. The low mids sit inside the range."),
        ChatMessage(role="user", content="Thanks."),
        ChatMessage(role="assistant", content="You are welcome."),
    ]
    stream = engine(dead, max_retries=0).chat(
        loud_master(),
        None,
        Conversation(turns=turns),
        "What should I set my limiter to for Spotify?",
    )
    shown = "".join(stream)
    answer = stream.result()
    assert answer.engine == "offline" and answer.fallback_reason is not None
    assert shown.startswith("> The language model")
    assert "ceiling at -2.0 dBTP" in answer.text
    assert answer.summarised_turns == 2
    assert answer.summary.startswith("- Asked: Is it muddy?")
    assert "Answered: No." in answer.summary


def test_the_engine_refuses_a_configuration_that_cannot_work() -> None:
    with pytest.raises(InputError, match="OPENAI_API_KEY"):
        OpenAIEngine(
            api_key=None, base_url=None, model=MODEL, timeout_s=5, max_retries=1, fallback=OFFLINE
        )
    with pytest.raises(InputError, match="timeout must be positive, got 0"):
        OpenAIEngine(
            api_key="k", base_url=None, model=MODEL, timeout_s=0, max_retries=1, fallback=OFFLINE
        )


def test_the_settings_choose_the_engine(llm_server: LLMServer) -> None:
    from mixcoach.config import LLMSettings
    from mixcoach.feedback import create_engine

    offline = create_engine(LLMSettings(engine="offline"))
    assert offline.name == "offline"
    llm = create_engine(
        LLMSettings(
            engine="openai",
            base_url=llm_server.base_url,
            model="local-model",
            timeout_s=5.0,
            max_retries=0,
        )
    )
    assert llm.name == "openai:local-model"
    llm_server.then(Reply("Fine as it is.\n\n## Overall\nBased on: general\nNothing to fix.\n"))
    feedback = llm.feedback(b.clean(), REQUEST).result()
    assert feedback.sections[0].title == "Overall" and feedback.sections[0].finding_codes == []
    # No API key is needed for a local server; the SDK still sends a placeholder.
    assert llm_server.requests[0].headers["authorization"] == "Bearer not-needed"
