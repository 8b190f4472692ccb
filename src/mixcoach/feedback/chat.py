"""Chat context within a token budget: facts, feedback, running summary, recent turns, notes.

A conversation is stored by the caller as a running summary of older turns plus the recent turns
(:class:`~mixcoach.feedback.model.Conversation`). Before each answer the engine splits the stored
turns: the newest that fit in :attr:`ChatBudget.turns_tokens` stay verbatim, the older ones are
folded into the summary (the engine's ``summarise``), and :class:`ChatAnswer` returns the new
summary and how many turns it absorbed, so the caller can store the summary and drop those turns.

Token counts are estimated at four characters per token, the usual figure for English text with
GPT-style tokenizers; the budget is a guard against unbounded prompts, not an exact count.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from mixcoach.feedback.model import ChatMessage
from mixcoach.feedback.retrieval import Passage

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass(frozen=True)
class ChatBudget:
    """Token budgets for the parts of a chat prompt."""

    turns_tokens: int = 1500  # recent turns kept verbatim
    summary_tokens: int = 300  # the running summary of older turns
    knowledge_tokens: int = 1200  # retrieved note passages
    feedback_tokens: int = 1200  # the feedback already given

    def __post_init__(self) -> None:
        for name in ("turns_tokens", "summary_tokens", "knowledge_tokens", "feedback_tokens"):
            if getattr(self, name) < 50:
                raise ValueError(f"{name} must be at least 50 tokens, got {getattr(self, name)}")


def split_turns(
    turns: Sequence[ChatMessage], *, budget_tokens: int
) -> tuple[list[ChatMessage], list[ChatMessage]]:
    """``(older, recent)``: ``recent`` is the longest run of newest turns within the budget,
    whole question-and-answer pairs only, and always at least the last pair."""
    recent: list[ChatMessage] = []
    used = 0
    end = len(turns)
    while end > 0:
        start = end - 2 if end >= 2 and turns[end - 2].role == "user" else end - 1
        pair = list(turns[start:end])
        cost = sum(estimate_tokens(t.content) for t in pair)
        if recent and used + cost > budget_tokens:
            break
        recent = pair + recent
        used += cost
        end = start
    return list(turns[:end]), recent


def fit_text(text: str, *, budget_tokens: int) -> str:
    """``text`` cut at a sentence or line boundary so it fits the budget."""
    limit = budget_tokens * CHARS_PER_TOKEN
    if len(text) <= limit:
        return text
    cut = text[:limit]
    boundary = max(cut.rfind("\n"), cut.rfind(". "))
    return (cut[: boundary + 1] if boundary > 0 else cut).rstrip()


def fit_passages(passages: Sequence[Passage], *, budget_tokens: int) -> list[Passage]:
    """The best passages, in order, whose text fits the budget together."""
    kept: list[Passage] = []
    used = 0
    for passage in passages:
        cost = estimate_tokens(passage.text)
        if used + cost > budget_tokens:
            break
        kept.append(passage)
        used += cost
    return kept


def first_sentence(text: str) -> str:
    plain = re.sub(r"[#*_>`|]", "", text).strip()
    match = re.match(r"(.+?[.!?])(\s|$)", plain, re.DOTALL)
    return (match.group(1) if match else plain).replace("\n", " ").strip()


def extractive_summary(summary: str, turns: Sequence[ChatMessage], *, budget_tokens: int) -> str:
    """Fold ``turns`` into ``summary`` without a model: one line per question with the first
    sentence of its answer; the oldest lines go first when the budget is exceeded."""
    lines = [line for line in summary.splitlines() if line.strip()]
    question = ""
    for turn in turns:
        if turn.role == "user":
            question = first_sentence(turn.content)[:200]
        else:
            lines.append(
                f"- Asked: {question or 'a question'} Answered: "
                f"{first_sentence(turn.content)[:240]}"
            )
            question = ""
    if question:
        lines.append(f"- Asked: {question} (no answer yet)")
    while lines and estimate_tokens("\n".join(lines)) > budget_tokens:
        lines.pop(0)
    return "\n".join(lines)
