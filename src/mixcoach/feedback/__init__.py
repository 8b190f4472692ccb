"""Feedback: engines that turn an Analysis into advice, chat answers and presets.

How the web service uses it::

    engine = create_engine(get_settings().llm)          # once per process
    stream = engine.feedback(analysis, FeedbackRequest(feedback_type=..., detail="simple"))
    for chunk in stream:                                 # Markdown text as it is written
        send(chunk)
    feedback = stream.result()                           # sections, finding codes, delivery

    reply = engine.chat(analysis, feedback, Conversation(summary=..., turns=[...]), question)
    for chunk in reply: send(chunk)
    answer = reply.result()  # store answer.summary; drop the summarised_turns oldest turns

    presets = engine.presets(analysis)                   # export with mixcoach.export.presets

Modules: ``engine`` (the interface and the factory), ``offline`` and ``offline_chat`` (the
default engine), ``openai_engine`` (the only module that imports ``openai``), ``advice``
(what to say per finding code), ``prompts``, ``grounding`` and ``facts`` (every number quoted
must be measured), ``chat`` (token budget and summaries), ``retrieval`` (the technique notes),
``presets`` (settings derived from the measurements), ``delivery`` (streaming platforms).
"""

from mixcoach.feedback.engine import FeedbackEngine, create_engine
from mixcoach.feedback.model import (
    ChatAnswer,
    ChatMessage,
    Conversation,
    Feedback,
    FeedbackRequest,
    Presets,
)
from mixcoach.feedback.stream import Streamed

__all__ = [
    "ChatAnswer",
    "ChatMessage",
    "Conversation",
    "Feedback",
    "FeedbackEngine",
    "FeedbackRequest",
    "Presets",
    "Streamed",
    "create_engine",
]
