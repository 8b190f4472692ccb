"""The LLM engine: an OpenAI-compatible server through the official ``openai`` SDK.

This is the only module that imports ``openai``. It talks Chat Completions with streaming to
``base_url`` (OpenAI itself, or Ollama, LM Studio, vLLM, a llama.cpp server...).

Every request has one total deadline (``deadline_s``), retries and the chat's summary call
included, so a slow or silent server costs the reader at most that long before the offline
answer. The request runs in a worker thread that hands text to the reader through a queue; the
reader waits on the queue only until the deadline, whatever the socket is doing. The worker waits
at most ``timeout_s`` for each piece of the answer and retries with exponential backoff (honouring
``Retry-After``) on 408/409/429/5xx, connection errors and timeouts, as long as the wait ends
before the deadline; a stream that stalls after it started is not retried, it falls back.

Everything the model writes passes the grounding check sentence by sentence before it is
streamed (:class:`~mixcoach.feedback.grounding.GroundedStream`), so no unmeasured number
reaches the reader; the final :class:`Feedback` carries the account of what was repaired or
dropped. When the server cannot be reached, keeps failing, times out or returns nothing, the
offline engine answers instead: the stream says so in a quoted line, and the result carries
``fallback_reason`` and ``engine="offline"``. The reason is written for the reader: it names no
address, host, port or key (those go to the log, for whoever runs the server).
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from queue import Empty, Queue

import openai
from openai.types.chat import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionMessageParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
)

from mixcoach.analysis import Analysis
from mixcoach.errors import InputError
from mixcoach.feedback.chat import ChatBudget, fit_text, split_turns
from mixcoach.feedback.delivery import platform_verdicts
from mixcoach.feedback.fact_sheet import fact_sheet
from mixcoach.feedback.facts import collect_facts
from mixcoach.feedback.grounding import GroundedStream, Grounder
from mixcoach.feedback.model import (
    ChatAnswer,
    ChatMessage,
    Conversation,
    Feedback,
    FeedbackRequest,
    PlatformVerdict,
    Presets,
)
from mixcoach.feedback.offline import OfflineEngine, ranked_findings
from mixcoach.feedback.plan import build_plan
from mixcoach.feedback.presets import presets_from_plan
from mixcoach.feedback.prompts import (
    BASED_ON,
    chat_messages,
    feedback_messages,
    parse_feedback,
    summary_messages,
)
from mixcoach.feedback.stream import Streamed
from mixcoach.feedback.version_notes import VersionFacts, version_block
from mixcoach.knowledge.platforms import Platform

log = logging.getLogger(__name__)

#: Key sent to servers that need none (Ollama, LM Studio, llama.cpp ignore it).
_NO_KEY = "not-needed"

#: Why the offline engine answered, in the reader's words (no address, port or key).
NOT_IN_TIME = "The model server did not answer in time."
UNREACHABLE = "The model server could not be reached."
REFUSED = "The model server refused the request (check the API key and the model name)."
SERVER_ERROR = "The model server answered with an error."
NO_TEXT = "The model server returned no text."

#: Backoff before retry n (0, 1, ...): 0.5 s doubling, at most 8 s, less up to 25% jitter, as
#: the openai SDK does; a server's Retry-After up to a minute is honoured instead.
_BACKOFF_FIRST_S = 0.5
_BACKOFF_MAX_S = 8.0
_RETRY_AFTER_MAX_S = 60.0


class LLMUnavailable(Exception):
    """The model gave no usable answer; ``reason`` says why in a sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OpenAIEngine:
    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        model: str,
        timeout_s: float,
        max_retries: int,
        fallback: OfflineEngine,
        deadline_s: float = 60.0,
        temperature: float = 0.3,
    ) -> None:
        if timeout_s <= 0:
            raise InputError(f"The LLM timeout must be positive, got {timeout_s} s.")
        if deadline_s <= 0:
            raise InputError(f"The LLM deadline must be positive, got {deadline_s} s.")
        if max_retries < 0:
            raise InputError(f"The LLM retry count must be 0 or more, got {max_retries}.")
        if not model.strip():
            raise InputError("No LLM model is set: set MIXCOACH_LLM_MODEL.")
        if api_key is None and base_url is None:
            raise InputError(
                "The OpenAI engine needs OPENAI_API_KEY, or OPENAI_BASE_URL pointing at a local "
                "OpenAI-compatible server."
            )
        self.name = f"openai:{model}"
        self.model = model
        self.temperature = temperature
        self._fallback = fallback
        self._where = base_url or "the OpenAI API"  # for the log only, never for the reader
        self._timeout_s = timeout_s
        self._max_retries = max_retries
        self.deadline_s = deadline_s
        # Retries are ours (within the deadline), so the SDK makes one attempt per call.
        self._client = openai.OpenAI(api_key=api_key or _NO_KEY, base_url=base_url, max_retries=0)

    def close(self) -> None:
        """Close the HTTP client's pooled connections (a server keeps one engine for its life)."""
        self._client.close()

    @property
    def budget(self) -> ChatBudget:
        return self._fallback.budget

    def presets(self, analysis: Analysis) -> Presets:
        return self._fallback.presets(analysis)

    # --- feedback ---------------------------------------------------------------------------

    def feedback(
        self, analysis: Analysis, request: FeedbackRequest, *, version: VersionFacts | None = None
    ) -> Streamed[Feedback]:
        # Validate the request (feedback type, platform names) before any network traffic.
        platforms = self._fallback.platforms(request.platforms)
        offline = self._fallback.compose(analysis, request, version=version)
        delivery = (
            platform_verdicts(analysis, platforms)
            if request.feedback_type == "master_review"
            else []
        )
        grounder, sheet = self._facts(analysis, platforms, delivery, version=version)
        codes = [f.code for f in ranked_findings(analysis)]
        passages = [
            p
            for code in codes
            for p in self._fallback.knowledge.search(
                code.replace("_", " "), finding_codes=[code], limit=1
            )
        ]
        messages = feedback_messages(
            analysis, request, sheet=sheet, passages=passages, budget=self.budget
        )
        return Streamed(self._feedback(messages, grounder, offline, codes))

    def _facts(
        self,
        analysis: Analysis,
        platforms: Sequence[Platform],
        delivery: Sequence[PlatformVerdict],
        *,
        version: VersionFacts | None = None,
    ) -> tuple[Grounder, str]:
        """The grounding check over every measured fact, and the compact sheet the prompt
        carries (every number on it is among those facts), with the review's one plan; with
        ``version``, the comparison with the previous version closes the sheet (its numbers,
        measured on both versions, may be quoted too)."""
        plan = build_plan(analysis, platforms=platforms)
        presets = presets_from_plan(plan)
        facts = collect_facts(analysis, presets=presets, delivery=delivery, plan=plan)
        sheet = fact_sheet(
            analysis,
            findings=ranked_findings(analysis),
            presets=presets,
            delivery=delivery,
            plan=plan,
        )
        stated = [
            *(f"{f.title} {f.detail}" for f in analysis.findings),
            plan.targets_reason,
            *plan.notes,
            *(f"{s.title} {s.amount} {s.evidence} {s.reason}" for s in plan.steps),
            *(v.note for v in delivery),
        ]
        if version is not None:
            block = version_block(version)
            sheet += "\n\n" + block
            stated.append(block)
        return Grounder(facts, metrics=analysis.metrics, stated=stated), sheet

    def _feedback(
        self,
        messages: list[dict[str, str]],
        grounder: Grounder,
        offline: Feedback,
        codes: list[str],
    ) -> Generator[str, None, Feedback]:
        grounded = GroundedStream(grounder)
        hidden = _HideBasedOn()
        text: list[str] = []
        try:
            for delta in self._complete(messages, deadline=self._deadline()):
                checked = grounded.feed(delta)
                text.append(checked)
                shown = hidden.feed(checked)
                if shown:
                    yield shown
            checked = grounded.flush()
            text.append(checked)
            yield hidden.feed(checked) + hidden.flush()
        except LLMUnavailable as failure:
            yield from _label(failure.reason, started=bool(text))
            yield offline.markdown()
            return offline.model_copy(update={"fallback_reason": failure.reason})
        headline, sections = parse_feedback("".join(text), known_codes=codes)
        return Feedback(
            engine=self.name,
            fallback_reason=None,
            request=offline.request,
            headline=headline or offline.headline,
            sections=sections,
            delivery=offline.delivery,
            grounding=grounded.report(),
        )

    # --- chat -------------------------------------------------------------------------------

    def chat(
        self,
        analysis: Analysis,
        feedback: Feedback | None,
        conversation: Conversation,
        question: str,
        *,
        version: VersionFacts | None = None,
    ) -> Streamed[ChatAnswer]:
        deadline = self._deadline()  # one for the summary and the answer together
        older, recent = split_turns(conversation.turns, budget_tokens=self.budget.turns_tokens)
        summary = (
            self.summarise(conversation.summary, older, deadline=deadline)
            if older
            else conversation.summary
        )
        platforms = self._fallback.platforms()
        # The same sheet as the feedback's, VERSIONS block included, so both quote one comparison.
        grounder, sheet = self._facts(
            analysis, platforms, platform_verdicts(analysis, platforms), version=version
        )
        codes = [f.code for f in analysis.findings]
        passages = self._fallback.knowledge.search(question, finding_codes=codes)
        messages = chat_messages(
            feedback,
            sheet=sheet,
            summary=summary,
            turns=recent,
            question=question,
            passages=passages,
            budget=self.budget,
        )
        fallback = self._fallback.chat(
            analysis,
            feedback,
            Conversation(summary=summary, turns=recent),
            question,
            version=version,
        )
        return Streamed(
            self._chat(
                messages,
                deadline,
                grounder,
                fallback,
                summary,
                len(older),
                [p.note_id for p in passages],
                codes,
            )
        )

    def _chat(
        self,
        messages: list[dict[str, str]],
        deadline: float,
        grounder: Grounder,
        fallback: Streamed[ChatAnswer],
        summary: str,
        summarised: int,
        sources: list[str],
        codes: list[str],
    ) -> Generator[str, None, ChatAnswer]:
        grounded = GroundedStream(grounder)
        text: list[str] = []
        try:
            for delta in self._complete(messages, deadline=deadline):
                checked = grounded.feed(delta)
                if checked:
                    text.append(checked)
                    yield checked
            checked = grounded.flush()
            text.append(checked)
            yield checked
        except LLMUnavailable as failure:
            yield from _label(failure.reason, started=bool(text))
            yield from fallback
            offline = fallback.result()
            return offline.model_copy(
                update={"fallback_reason": failure.reason, "summarised_turns": summarised}
            )
        answer = "".join(text).strip()
        mentioned = [c for c in codes if c.replace("_", " ") in answer.lower() or c in answer]
        return ChatAnswer(
            text=answer,
            engine=self.name,
            fallback_reason=None,
            finding_codes=mentioned,
            sources=list(dict.fromkeys(sources)),
            summary=summary,
            summarised_turns=summarised,
            grounding=grounded.report(),
        )

    def summarise(
        self, summary: str, turns: Sequence[ChatMessage], *, deadline: float | None = None
    ) -> str:
        """``turns`` folded into ``summary`` by the model (by the offline summariser when the
        model fails or ``deadline`` passes)."""
        budget = self.budget.summary_tokens
        messages = summary_messages(summary, turns, budget_tokens=budget)
        try:
            text = "".join(self._complete(messages, deadline=deadline or self._deadline()))
        except LLMUnavailable:
            return self._fallback.summarise(summary, turns)
        return fit_text(text.strip(), budget_tokens=budget)

    # --- transport --------------------------------------------------------------------------

    def _deadline(self) -> float:
        """The ``time.monotonic()`` by which a request that starts now must be answered."""
        return time.monotonic() + self.deadline_s

    def _complete(self, messages: list[dict[str, str]], *, deadline: float) -> Iterator[str]:
        """The model's answer as text deltas; raises :class:`LLMUnavailable` on any failure and
        when ``deadline`` (``time.monotonic()``) passes, wherever the request then is."""
        pieces: Queue[str | _Ended] = Queue()
        cancelled = threading.Event()
        worker = threading.Thread(
            target=self._request,
            args=(messages, deadline, pieces, cancelled),
            name="mixcoach-llm",
            daemon=True,  # a request abandoned at the deadline never holds up an exit
        )
        worker.start()
        received = False
        try:
            while True:
                try:
                    piece = pieces.get(timeout=max(0.0, deadline - time.monotonic()))
                except Empty:
                    log.warning(
                        "LLM request to %s passed its %g s deadline", self._where, self.deadline_s
                    )
                    raise LLMUnavailable(NOT_IN_TIME) from None
                if isinstance(piece, _Ended):
                    if piece.reason is not None:
                        raise LLMUnavailable(piece.reason)
                    break
                received = True
                yield piece
        finally:
            cancelled.set()  # the worker stops at its next piece or backoff
        if not received:
            raise LLMUnavailable(NO_TEXT)

    def _request(
        self,
        messages: list[dict[str, str]],
        deadline: float,
        pieces: Queue[str | _Ended],
        cancelled: threading.Event,
    ) -> None:
        """Worker thread: stream one answer into ``pieces``, retrying within the deadline, and
        end with an :class:`_Ended`."""
        attempt = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or cancelled.is_set():
                pieces.put(_Ended(NOT_IN_TIME))
                return
            wait_s = min(self._timeout_s, remaining)
            started = False
            try:
                stream = self._client.chat.completions.create(
                    model=self.model,
                    messages=[_typed(message) for message in messages],
                    temperature=self.temperature,
                    stream=True,
                    timeout=openai.Timeout(wait_s, connect=min(wait_s, 10.0)),
                )
                with stream:
                    for chunk in stream:
                        if cancelled.is_set():
                            return
                        for choice in chunk.choices:
                            if choice.delta.content:
                                started = True
                                pieces.put(choice.delta.content)
                pieces.put(_Ended(None))
                return
            except openai.APIError as exc:
                # The SDK wraps transport errors, timeouts included, also those raised mid-stream.
                log.warning(
                    "LLM request to %s failed (attempt %d): %r", self._where, attempt + 1, exc
                )
                pause_s = _retry_pause_s(exc, attempt)
                if (
                    started
                    or pause_s is None
                    or attempt >= self._max_retries
                    or time.monotonic() + pause_s >= deadline
                ):
                    pieces.put(_Ended(_reason(exc)))
                    return
                if cancelled.wait(pause_s):
                    return
                attempt += 1


@dataclass(frozen=True)
class _Ended:
    """The end of a request: ``reason`` None when the answer is complete, else why it failed."""

    reason: str | None


def _reason(exc: openai.APIError) -> str:
    if isinstance(exc, openai.APITimeoutError):
        return NOT_IN_TIME
    if isinstance(exc, openai.APIConnectionError):
        return UNREACHABLE
    if isinstance(exc, openai.APIStatusError) and exc.status_code in (401, 403, 404):
        return REFUSED
    return SERVER_ERROR


def _retry_pause_s(exc: openai.APIError, attempt: int) -> float | None:
    """How long to wait before retrying after ``exc``; None when retrying cannot help."""
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code not in (408, 409, 429) and exc.status_code < 500:
            return None
        told = _retry_after_s(exc.response.headers)
        if told is not None:
            return told
    elif not isinstance(exc, openai.APIConnectionError):  # a malformed answer, say
        return None
    backoff = min(_BACKOFF_FIRST_S * 2.0**attempt, _BACKOFF_MAX_S)
    return backoff * (1.0 - 0.25 * random.random())


def _retry_after_s(headers: Mapping[str, str]) -> float | None:
    """The server's ``Retry-After`` (or ``retry-after-ms``) in seconds, when it is usable."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            seconds = float(headers.get(name, "")) * scale
        except ValueError:
            continue  # absent, or an HTTP date: fall back to the backoff
        if 0 < seconds <= _RETRY_AFTER_MAX_S:
            return seconds
    return None


def _typed(message: dict[str, str]) -> ChatCompletionMessageParam:
    """A prompt message in the SDK's types (the prompts module does not import the SDK)."""
    role, content = message["role"], message["content"]
    if role == "system":
        return ChatCompletionSystemMessageParam(role="system", content=content)
    if role == "assistant":
        return ChatCompletionAssistantMessageParam(role="assistant", content=content)
    return ChatCompletionUserMessageParam(role="user", content=content)


class _HideBasedOn:
    """Holds back the ``Based on:`` lines (section metadata) from the streamed text."""

    def __init__(self) -> None:
        self._line = ""  # the start of a line that may still turn out to be metadata

    def feed(self, text: str) -> str:
        out: list[str] = []
        for piece in re.split(r"(?<=\n)", text):
            if not piece:
                continue
            candidate = self._line + piece
            if self._line or _could_be_meta(candidate):
                if candidate.endswith("\n"):
                    self._line = ""
                    if not BASED_ON.match(candidate.rstrip("\n")):
                        out.append(candidate)
                elif _could_be_meta(candidate):
                    self._line = candidate
                else:
                    self._line = ""
                    out.append(candidate)
            else:
                out.append(piece)
        return "".join(out)

    def flush(self) -> str:
        line, self._line = self._line, ""
        return "" if BASED_ON.match(line) else line


def _could_be_meta(line: str) -> bool:
    """Whether ``line`` (without its newline) is or may grow into a ``Based on:`` line."""
    head = line.lstrip().lower()
    return "based on:".startswith(head[:9]) and (
        len(head) < 9 or bool(BASED_ON.match(line.rstrip("\n")))
    )


def _label(reason: str, *, started: bool) -> Iterator[str]:
    gap = "\n\n" if started else ""
    yield f"{gap}> {reason} This is Mixcoach's offline feedback instead.\n\n"
