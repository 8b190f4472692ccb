"""Answers that order the work: "what first?" and "a plan in N steps", read from the review's
one plan (:mod:`mixcoach.feedback.plan`: root causes first, each step with its move and amount),
so the chat names the same steps, amounts and order as the feedback and the presets."""

from __future__ import annotations

from mixcoach.feedback.advice import Context
from mixcoach.feedback.chat_draft import Draft
from mixcoach.feedback.model import Step

_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def answer_first(ctx: Context, draft: Draft, *, why: bool) -> None:
    chosen = ctx.plan.first(1)
    if not chosen:
        draft.add(_NOTHING)
        return
    step = chosen[0]
    reason = f" Why: {step.reason}" if why else ""
    later = [s.title for s in ctx.plan.steps if s is not step][:2]
    rest = f" Then: {'; '.join(_lower(t) for t in later)}." if later else ""
    draft.add(
        f"Start with **{_lower(step.title)}**: {step.evidence}{reason}{rest}",
        codes=step.finding_codes,
    )


def answer_plan(ctx: Context, steps: int, draft: Draft) -> None:
    """``steps`` numbered steps (0: the whole plan), in the plan's order."""
    every = ctx.plan.steps
    if not every:
        draft.add(_NOTHING)
        return
    chosen = ctx.plan.first(steps) if steps else every
    lines = [f"{i}. {_line(step)}" for i, step in enumerate(chosen, 1)]
    if steps and len(every) < steps:
        lead = (
            f"Only {_count(len(every))} {'step is' if len(every) == 1 else 'steps are'} "
            "needed, in this order:"
        )
    elif steps and len(every) > steps:
        lead = (
            f"The {_count(steps)} most important of the {_count(len(every))} steps, in the order "
            "to do them:"
        )
    else:
        lead = "In this order:"
    draft.add(
        lead + "\n\n" + "\n".join(lines),
        codes=[code for step in chosen for code in step.finding_codes],
    )


_NOTHING = (
    "Nothing in the measurements needs fixing: the next step is finishing touches by ear "
    "against a reference at matched loudness."
)


def _line(step: Step) -> str:
    return f"**{step.title}** ({step.evidence.rstrip('.')})"


def _lower(text: str) -> str:
    """``text`` with its first letter lowered, unless it starts an acronym (``"EQ: ..."``)."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def _count(value: int) -> str:
    return _NUMBER_WORDS[value] if value < len(_NUMBER_WORDS) else str(value)
