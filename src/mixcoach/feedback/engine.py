"""The feedback engine interface, and the factory that picks an engine from the settings.

Every engine (offline, OpenAI-compatible) implements :class:`FeedbackEngine`:

``feedback(analysis, request) -> Streamed[Feedback]``
    Text chunks as they are written, then the structured :class:`Feedback` (sections linked to
    finding codes, per-platform delivery verdicts for ``master_review``, the grounding account).
``chat(analysis, feedback, conversation, question, *, version) -> Streamed[ChatAnswer]``
    The answer's text chunks, then a :class:`ChatAnswer` carrying the running summary to store
    and how many of the oldest stored turns it absorbed; with ``version``, it can say what
    changed since the previous version.
``summarise(summary, turns) -> str``
    Fold ``turns`` into the running ``summary`` (used by ``chat`` when the turns outgrow their
    budget; callers may also call it to compact a stored conversation).
``presets(analysis) -> Presets``
    Processing settings derived from the measurements (EQ, compression, limiting, width).

Create the engine once per process (:func:`create_engine`) and share it: the LLM engine holds
one HTTP client with its connection pool. Engines are safe to call from several threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from mixcoach.analysis import Analysis
from mixcoach.feedback.chat import ChatBudget
from mixcoach.feedback.model import (
    ChatAnswer,
    ChatMessage,
    Conversation,
    Feedback,
    FeedbackRequest,
    Presets,
)
from mixcoach.feedback.stream import Streamed
from mixcoach.feedback.version_notes import VersionFacts
from mixcoach.knowledge.platforms import Platform

if TYPE_CHECKING:
    from mixcoach.config import LLMSettings


class FeedbackEngine(Protocol):
    #: "offline" or "openai:<model>"; recorded in every Feedback and ChatAnswer.
    name: str

    def feedback(
        self, analysis: Analysis, request: FeedbackRequest, *, version: VersionFacts | None = None
    ) -> Streamed[Feedback]:
        """The feedback, streamed; with ``version``, it says what changed since the previous
        version too."""
        ...

    def chat(
        self,
        analysis: Analysis,
        feedback: Feedback | None,
        conversation: Conversation,
        question: str,
        *,
        version: VersionFacts | None = None,
    ) -> Streamed[ChatAnswer]: ...

    def summarise(self, summary: str, turns: Sequence[ChatMessage]) -> str: ...

    def presets(self, analysis: Analysis) -> Presets: ...


def create_engine(
    settings: LLMSettings,
    *,
    platforms: Sequence[Platform] | None = None,
    budget: ChatBudget | None = None,
) -> FeedbackEngine:
    """The engine the settings ask for: offline unless ``settings.engine == "openai"``.

    The OpenAI engine needs the ``openai`` package; it is imported only here, on demand.
    """
    from mixcoach.feedback.offline import OfflineEngine

    offline = OfflineEngine(platforms=platforms, budget=budget)
    if settings.engine == "offline":
        return offline
    from mixcoach.feedback.openai_engine import OpenAIEngine

    return OpenAIEngine(
        api_key=None if settings.api_key is None else settings.api_key.get_secret_value(),
        base_url=settings.base_url,
        model=settings.model,
        timeout_s=settings.timeout_s,
        max_retries=settings.max_retries,
        deadline_s=settings.deadline_s,
        fallback=offline,
    )
