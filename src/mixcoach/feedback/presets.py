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
    "presets_from_plan",
    "q_to_octaves",
    "side_gain_percent",
]

#: Plan moves that are done by hand, before any preset.
_BY_HAND = ("polarity_flip", "stereo_export", "clip_repair", "remove_bus_limiter", "re_export")


def derive_presets(analysis: Analysis, *, platforms: Sequence[Platform] | None = None) -> Presets:
    """The presets of ``analysis``'s plan; ``platforms`` set the limiter's ceiling."""
    return presets_from_plan(build_plan(analysis, platforms=platforms))


def presets_from_plan(plan: Plan) -> Presets:
    steps = plan.steps
    by_hand = [
        f"{s.title}: do this before the settings below." for s in steps if s.move in _BY_HAND
    ]
    compressor = next((s.compressor for s in steps if s.compressor is not None), None)
    limiter = next((s.limiter for s in steps if s.limiter is not None), None)
    return Presets(
        feedback_type=plan.feedback_type,
        eq=[s.eq for s in steps if s.eq is not None],
        compressor=compressor,
        limiter=None if plan.feedback_type == "mixdown" else limiter,
        stereo=[s.width for s in steps if s.width is not None],
        notes=[*by_hand, *plan.notes],
    )
