"""Processing settings for a review, read from its plan (:mod:`mixcoach.feedback.plan`).

The plan decides the moves, their order, the one loudness target and the one ceiling; the
arithmetic of each setting is :mod:`mixcoach.feedback.moves`. Presets never treat a symptom
the plan explains (no width cut for an inverted channel: the plan's polarity flip), and a
mixdown gets no limiter: limiting is mastering's job. Moves with no plugin setting (a polarity
flip, an unlimited bounce, a repair at the source) become the presets' notes, first.
"""

from __future__ import annotations

from collections.abc import Sequence

from mixcoach.analysis import Analysis
from mixcoach.feedback.model import Plan, Presets
from mixcoach.feedback.moves import LOW_END_SPLIT_HZ, q_to_octaves, side_gain_percent
from mixcoach.feedback.plan import build_plan
from mixcoach.knowledge.platforms import Platform

__all__ = [
    "LOW_END_SPLIT_HZ",
    "derive_presets",
    "preset_places",
    "presets_from_plan",
    "q_to_octaves",
    "side_gain_percent",
]

#: Plan moves that are done by hand, before any preset.
_BY_HAND = ("polarity_flip", "stereo_export", "clip_repair", "remove_bus_limiter", "re_export")


def derive_presets(analysis: Analysis, *, platforms: Sequence[Platform] | None = None) -> Presets:
    """The presets of ``analysis``'s plan; ``platforms`` set the limiter's ceiling."""
    return presets_from_plan(build_plan(analysis, platforms=platforms))


def preset_places(plan: Plan) -> list[str | None]:
    """Where each of the plan's steps lands in its presets, step by step: ``eq.N``, ``stereo.N``
    (the Nth entry of that list), ``compressor``, ``limiter``, or None (done by hand, or no
    setting). :func:`presets_from_plan` reads the settings through these places, so a preview of
    a step plays exactly the setting at its place in the preset file."""
    counts = {"eq": 0, "stereo": 0}
    places: list[str | None] = []
    for step in plan.steps:
        place = None
        if step.eq is not None or step.width is not None:
            kind = "eq" if step.eq is not None else "stereo"
            place = f"{kind}.{counts[kind]}"
            counts[kind] += 1
        elif step.compressor is not None and "compressor" not in places:
            place = "compressor"
        elif (
            step.limiter is not None
            and "limiter" not in places
            and plan.feedback_type != "mixdown"  # limiting is mastering's job
        ):
            place = "limiter"
        places.append(place)
    return places


def presets_from_plan(plan: Plan) -> Presets:
    placed = [(s, place) for s, place in zip(plan.steps, preset_places(plan), strict=True) if place]
    by_hand = [
        f"{s.title}: do this before the settings below." for s in plan.steps if s.move in _BY_HAND
    ]
    return Presets(
        feedback_type=plan.feedback_type,
        eq=[s.eq for s, _ in placed if s.eq is not None],
        compressor=next((s.compressor for s, place in placed if place == "compressor"), None),
        limiter=next((s.limiter for s, place in placed if place == "limiter"), None),
        stereo=[s.width for s, _ in placed if s.width is not None],
        notes=[*by_hand, *plan.notes],
    )
