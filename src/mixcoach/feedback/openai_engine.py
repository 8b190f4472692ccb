"""The LLM engine: an OpenAI-compatible server through the official ``openai`` SDK.

This is the only module that imports ``openai``. It talks Chat Completions with streaming to
``base_url`` (OpenAI itself, or Ollama, LM Studio, vLLM, a llama.cpp server...), with an explicit
timeout (connect, and the longest wait between two streamed chunks) and the SDK's retries with
exponential backoff on 408/409/429/5xx and on connection errors and timeouts (honouring
``Retry-After``); a stream that stalls after it started is not retried, it falls back.

Everything the model writes passes the grounding check sentence by sentence before it is
streamed (:class:`~mixcoach.feedback.grounding.GroundedStream`), so no unmeasured number
reaches the reader; the final :class:`Feedback` carries the account of what was repaired or
dropped. When the server cannot be reached, keeps failing, times out or returns nothing, the
offline engine answers instead: the stream says so in a quoted line, and the result carries
``fallback_reason`` and ``engine="offline"``.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Sequence

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
from mixcoach.feedback.facts import collect_facts
from mixcoach.feedback.grounding import GroundedStream, Grounder
from mixcoach.feedback.model import (
    ChatAnswer,
    ChatMessage,
    Conversation,
    Feedback,
    FeedbackRequest,
    Presets,
)
from mixcoach.feedback.offline import OfflineEngine, ranked_findings
from mixcoach.feedback.prompts import (
    BASED_ON,
    chat_messages,
    feedback_messages,
    parse_feedback,
    summary_messages,
)
from mixcoach.feedback.stream import Streamed

#: Key sent to servers that need none (Ollama, LM Studio, llama.cpp ignore it).
_NO_KEY = "not-needed"


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
        temperature: float = 0.3,
    ) -> None:
        if timeout_s <= 0:
            raise InputError(f"The LLM timeout must be positive, got {timeout_s} s.")
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
        self._where = base_url or "the OpenAI API"
        self._client = openai.OpenAI(
            api_key=api_key or _NO_KEY,
            base_url=base_url,
            timeout=openai.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            max_retries=max_retries,
        )

    @property
    def budget(self) -> ChatBudget:
        return self._fallback.budget

    def presets(self, analysis: Analysis) -> Presets:
        return self._fallback.presets(analysis)

    # --- feedback ---------------------------------------------------------------------------

    def feedback(self, analysis: Analysis, request: FeedbackRequest) -> Streamed[Feedback]:
        # Validate the request (feedback type, platform names) before any network traffic.
        platforms = self._fallback.platforms(request.platforms)
        offline = self._fallback.compose(analysis, request)
        presets = self._fallback.presets(analysis)
        delivery = (
            platform_verdicts(analysis, platforms)
            if request.feedback_type == "master_review"
            else []
        )
        facts = collect_facts(analysis, presets=presets, delivery=delivery)
        codes = [f.code for f in ranked_findings(analysis)]
        passages = [
            p
            for code in codes
            for p in self._fallback.knowledge.search(
                code.replace("_", " "), finding_codes=[code], limit=1
            )
        ]
        messages = feedback_messages(
            analysis,
            request,
            facts=facts,
            presets=presets,
            delivery=delivery,
            passages=passages,
            budget=self.budget,
        )
        return Streamed(self._feedback(messages, Grounder(facts), offline, codes))

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
            for delta in self._complete(messages):
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
    ) -> Streamed[ChatAnswer]:
        older, recent = split_turns(conversation.turns, budget_tokens=self.budget.turns_tokens)
        summary = self.summarise(conversation.summary, older) if older else conversation.summary
        presets = self._fallback.presets(analysis)
        delivery = platform_verdicts(analysis, self._fallback.platforms())
        facts = collect_facts(analysis, presets=presets, delivery=delivery)
        codes = [f.code for f in analysis.findings]
        passages = self._fallback.knowledge.search(question, finding_codes=codes)
        messages = chat_messages(
            analysis,
            feedback,
            summary=summary,
            turns=recent,
            question=question,
            facts=facts,
            passages=passages,
            budget=self.budget,
        )
        fallback = self._fallback.chat(
            analysis, feedback, Conversation(summary=summary, turns=recent), question
        )
        return Streamed(
            self._chat(
                messages,
                Grounder(facts),
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
            for delta in self._complete(messages):
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

    def summarise(self, summary: str, turns: Sequence[ChatMessage]) -> str:
        budget = self.budget.summary_tokens
        try:
            text = "".join(self._complete(summary_messages(summary, turns, budget_tokens=budget)))
        except LLMUnavailable:
            return self._fallback.summarise(summary, turns)
        return fit_text(text.strip(), budget_tokens=budget)

    # --- transport --------------------------------------------------------------------------

    def _complete(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """The model's answer as text deltas; raises :class:`LLMUnavailable` on any failure."""
        received = False
        try:
            stream = self._client.chat.completions.create(
                model=self.model,
                messages=[_typed(message) for message in messages],
                temperature=self.temperature,
                stream=True,
            )
            with stream:
                for chunk in stream:
                    for choice in chunk.choices:
                        if choice.delta.content:
                            received = True
                            yield choice.delta.content
        except openai.APIError as exc:
            # The SDK wraps transport errors, timeouts included, also those raised mid-stream.
            raise LLMUnavailable(self._reason(exc)) from exc
        if not received:
            raise LLMUnavailable(f"The language model at {self._where} returned no text.")

    def _reason(self, exc: Exception) -> str:
        where = self._where
        if isinstance(exc, openai.APITimeoutError):
            return f"The language model at {where} did not answer in time."
        if isinstance(exc, openai.APIConnectionError):
            return f"The language model at {where} could not be reached."
        if isinstance(exc, openai.APIStatusError):
            return f"The language model at {where} answered with HTTP {exc.status_code}."
        return f"The language model at {where} failed ({type(exc).__name__})."


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
