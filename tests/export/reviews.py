"""A review as the web service holds one: the Analysis, the offline engine's feedback, the chat
(questions and answers) and the presets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mixcoach.analysis import Analysis
from mixcoach.feedback.model import (
    ChatMessage,
    Conversation,
    Feedback,
    FeedbackRequest,
    Presets,
)
from mixcoach.feedback.offline import OfflineEngine

ENGINE = OfflineEngine()


@dataclass(frozen=True)
class Review:
    analysis: Analysis
    feedback: Feedback
    chat: list[ChatMessage]
    presets: Presets


def review(analysis: Analysis, questions: Sequence[str] = ()) -> Review:
    """The offline engine's feedback, answers to ``questions`` and presets for ``analysis``."""
    feedback = ENGINE.feedback(
        analysis, FeedbackRequest(feedback_type=analysis.request.feedback_type)
    ).result()
    return Review(analysis, feedback, ask(analysis, feedback, questions), ENGINE.presets(analysis))


def ask(analysis: Analysis, feedback: Feedback, questions: Sequence[str]) -> list[ChatMessage]:
    """Every question and answer, oldest first, as the web service keeps them."""
    conversation = Conversation()
    messages: list[ChatMessage] = []
    for question in questions:
        answer = ENGINE.chat(analysis, feedback, conversation, question).result()
        turn = [
            ChatMessage(role="user", content=question),
            ChatMessage(role="assistant", content=answer.text),
        ]
        messages += turn
        kept = conversation.turns[answer.summarised_turns :]
        conversation = Conversation(summary=answer.summary, turns=[*kept, *turn])
    return messages
