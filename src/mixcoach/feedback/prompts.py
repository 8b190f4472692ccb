"""Prompts for the LLM engine, and the parser for the structure they ask for.

Both prompts carry the review's fact sheet (:mod:`mixcoach.feedback.fact_sheet`: the findings
with their evidence, the metric table with targets, key and tempo with their confidence, places
summarised, presets, delivery) once, and the retrieved technique notes. The feedback prompt asks
for Markdown: a one-line verdict, then sections that each open with ``## Title`` and a ``Based on:
code, code`` line naming the findings the section comes from; :func:`parse_feedback` reads that
structure back.

A chat request is stateless (Chat Completions keeps nothing between calls), so "the facts once
per conversation" means: each request carries them once, in its single system message, byte for
byte the same on every turn of a review and placed first, so prefix caches keep them; after them
come the feedback already given, the running summary of older turns and the notes for this
question, within fixed budgets; then the recent turns verbatim and the question. No turn repeats
the facts, and the request stays bounded however long the conversation grows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mixcoach.analysis import Analysis
from mixcoach.feedback.chat import ChatBudget, fit_passages, fit_text
from mixcoach.feedback.model import (
    ChatMessage,
    Feedback,
    FeedbackRequest,
    Section,
    SectionKind,
)
from mixcoach.feedback.retrieval import Passage
from mixcoach.findings.model import FINDING_CODES

BASED_ON = re.compile(r"^\s*based on\s*:\s*(.*)$", re.IGNORECASE)

_RULES = """You are Mixcoach, an experienced mixing and mastering engineer giving feedback on one \
track to its producer.

Rules:
- Quote only numbers that appear in MEASURED FACTS, written as they are written there (with \
their units). Never invent, estimate or round a measurement into a new value. If something was \
not measured (for example the level of one instrument: Mixcoach measures the whole mix), say so.
- Give direction and amount: which way to move, by how much (from the facts and the presets), \
with which tool, and where in the chain.
- Speak plainly, like an engineer in the room; no filler, no praise you cannot back with a \
measurement, and no problems the findings do not support.
- Write Markdown only; no HTML."""

_STRUCTURE = """Structure your answer exactly like this:
- First line: a one-sentence verdict.
- Then sections. Each section starts with a line "## <title>", followed by a line \
"Based on: <codes>" listing the finding codes (from FINDINGS) the section comes from, or \
"Based on: general" for a section that comes from no finding."""

_DETAIL = {
    "simple": "Detail level: simple. Only the three to five findings that matter most, in plain "
    "words, one short section each; skip minor notes.",
    "detailed": "Detail level: detailed. One section per finding that matters for this feedback "
    "type: what was measured, why it matters, what to do.",
    "pro": "Detail level: pro. One section per finding with the measured values against their "
    "targets, why the target is what it is, how sure the measurement is, and what to check by "
    "ear; then a section with the processing chain and exact settings from PRESETS.",
}

_KIND = {
    "mixdown": "Feedback type: mixdown tips. The file is a mix; judge headroom and balance, and "
    "say what to change in the mix before it goes to mastering.",
    "mastering": "Feedback type: mastering guidance. The file is a mix going to mastering; "
    "say how to master it (EQ, compression, limiting to the genre's loudness) and what the mix "
    "should fix first.",
    "master_review": "Feedback type: master review. The file is a finished master; give a "
    "section on delivery to each streaming service from DELIVERY, then what to change before "
    "release.",
}

_CHAT = """Answer the producer's question about this track in a few short paragraphs. Use the \
facts, the findings, the feedback already given and the notes. If the question has nothing to do \
with the track or with mixing and mastering, say briefly that you can only help with those. If \
the answer needs a measurement that is not among the facts, say it was not measured."""


def knowledge_block(passages: Sequence[Passage], *, budget_tokens: int) -> str:
    kept = fit_passages(passages, budget_tokens=budget_tokens)
    parts = [
        f"[{p.note_id}] {p.title}{': ' + p.heading if p.heading else ''}\n{p.text}" for p in kept
    ]
    return "NOTES\n" + ("\n\n".join(parts) if parts else "- none")


def feedback_messages(
    analysis: Analysis,
    request: FeedbackRequest,
    *,
    sheet: str,
    passages: Sequence[Passage],
    budget: ChatBudget,
) -> list[dict[str, str]]:
    """The Chat Completions messages for one feedback request; ``sheet`` is the fact sheet."""
    system = "\n\n".join(
        [_RULES, _STRUCTURE, _DETAIL[request.detail], _KIND[request.feedback_type]]
    )
    blocks = [
        f"REQUEST\n- feedback type: {request.feedback_type}\n- genre: "
        f"{analysis.request.genre_label}\n- detail: {request.detail}",
        sheet,
        knowledge_block(passages, budget_tokens=budget.knowledge_tokens),
    ]
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n\n".join(blocks)}]


def feedback_digest(feedback: Feedback, *, budget_tokens: int) -> str:
    """What was already said, for a chat prompt, within its budget."""
    text = (
        feedback.headline + "\n" + "\n".join(f"## {s.title}\n{s.body}" for s in feedback.sections)
    )
    return "FEEDBACK ALREADY GIVEN\n" + fit_text(text, budget_tokens=budget_tokens)


def chat_messages(
    feedback: Feedback | None,
    *,
    sheet: str,
    summary: str,
    turns: Sequence[ChatMessage],
    question: str,
    passages: Sequence[Passage],
    budget: ChatBudget,
) -> list[dict[str, str]]:
    """The Chat Completions messages for one chat turn: one system message (the rules, the fact
    sheet, the feedback given, the summary, the notes; the unchanging part first), the recent
    turns, the question."""
    context = [_RULES + "\n\n" + _CHAT, sheet]
    if feedback is not None:
        context.append(feedback_digest(feedback, budget_tokens=budget.feedback_tokens))
    if summary:
        context.append(
            "EARLIER IN THIS CONVERSATION (summary)\n"
            + fit_text(summary, budget_tokens=budget.summary_tokens)
        )
    context.append(knowledge_block(passages, budget_tokens=budget.knowledge_tokens))
    messages = [{"role": "system", "content": "\n\n".join(context)}]
    messages += [{"role": t.role, "content": t.content} for t in turns]
    messages.append({"role": "user", "content": question})
    return messages


def summary_messages(
    summary: str, turns: Sequence[ChatMessage], *, budget_tokens: int
) -> list[dict[str, str]]:
    words = budget_tokens * 3 // 4
    transcript = "\n".join(f"{t.role}: {t.content}" for t in turns)
    return [
        {
            "role": "system",
            "content": (
                "Summarise a conversation between a music producer and Mixcoach, a mixing and "
                f"mastering assistant, in at most {words} words. Keep what was asked, the advice "
                "given and every number quoted, exactly as written. Plain sentences, no headings."
            ),
        },
        {
            "role": "user",
            "content": (
                (f"Summary so far:\n{summary}\n\n" if summary else "") + f"New turns:\n{transcript}"
            ),
        },
    ]


def parse_feedback(text: str, *, known_codes: Sequence[str]) -> tuple[str, list[Section]]:
    """Headline and sections of a model's answer in the requested structure.

    Codes in ``Based on:`` lines are kept only if they are among ``known_codes`` (the
    analysis's findings); an answer without sections becomes one general section.
    """
    allowed = set(known_codes) & set(FINDING_CODES)
    parts = re.split(r"^##\s+", text.strip(), flags=re.MULTILINE)
    headline = parts[0].strip().splitlines()[0].strip() if parts[0].strip() else ""
    preface = "\n".join(parts[0].strip().splitlines()[1:]).strip()
    sections: list[Section] = []
    for part in parts[1:]:
        title, _, rest = part.partition("\n")
        codes: list[str] = []
        body_lines = []
        for line in rest.splitlines():
            match = BASED_ON.match(line)
            if match:
                codes += [c.strip() for c in match.group(1).split(",") if c.strip() in allowed]
            else:
                body_lines.append(line)
        body = "\n".join(body_lines).strip()
        if body:
            sections.append(
                Section(
                    kind=_kind(title, codes),
                    title=title.strip().strip("#"),
                    body=body,
                    finding_codes=list(dict.fromkeys(codes)),
                )
            )
    if preface:
        sections.insert(
            0, Section(kind="overview", title="In short", body=preface, finding_codes=[])
        )
    return headline, sections


def _kind(title: str, codes: Sequence[str]) -> SectionKind:
    lowered = title.lower()
    if any(word in lowered for word in ("deliver", "platform", "streaming")):
        return "delivery"
    if "chain" in lowered or "settings" in lowered:
        return "chain"
    return "finding" if codes else "overview"
