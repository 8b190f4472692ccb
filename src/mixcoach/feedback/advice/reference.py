"""Advice on the reference comparison: the words are data (``reference.toml``), the matched-
loudness gain is measured."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice.base import Advice, Composer, Context, fallback
from mixcoach.findings.model import Finding


@cache
def _texts() -> dict[str, dict[str, str]]:
    text = resources.files(__package__).joinpath("reference.toml").read_text("utf-8")
    return tomllib.loads(text)


def _compose(f: Finding, ctx: Context) -> Advice:
    words = _texts()[f.code]
    comparison = ctx.analysis.reference.comparison if ctx.analysis.reference else None
    match_gain = None if comparison is None else comparison.gain_to_match_db
    steps = [words["mix"] if ctx.kind == "mixdown" else words["master"]]
    if match_gain is not None and abs(match_gain) >= 0.1:
        steps.insert(
            0,
            f"Compare at matched loudness: {n.db(match_gain, signed=True)} on your track "
            "matches the reference.",
        )
    why = "Matching a trusted reference calibrates your ears and your room."
    return Advice(
        f.code,
        words["title"],
        "the difference from the reference",
        words["summary"],
        fallback(f),
        why,
        steps,
    )


COMPOSERS: dict[str, Composer] = dict.fromkeys(_texts(), _compose)
