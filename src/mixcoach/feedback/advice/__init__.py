"""What an engineer would say about each finding: measured facts, why they matter, what to do.

One composer per finding code turns a :class:`Finding` (its evidence, time ranges and severity)
and the review's :class:`Context` (feedback type, its plan, the presets read from it, delivery
verdicts) into an :class:`Advice`. Amounts come from the plan, so the words and the presets name
the same ceiling, target and fader move. The composers live by finding family:

- ``levels``: clipping, true-peak overs, too loud, too quiet
- ``dynamics``: over- and under-compressed
- ``stereo``: width, phase, balance, the low end
- ``tonal``: bright, dull, boomy, thin, muddy, harsh
- ``file``: DC offset, silence padding, a lossy source
- ``sections``: a chorus or drop that does not lift, or that is narrower or darker than the rest
- ``reference``: the reference comparison (its words are data, ``reference.toml``)

``base`` holds the context, the Advice and the helpers they share. Every number is written with
:mod:`mixcoach.feedback.numbers`, so the grounding check reads back exactly the measured values.
"""

from __future__ import annotations

from mixcoach.feedback.advice import dynamics, file, levels, reference, sections, stereo, tonal
from mixcoach.feedback.advice.base import Advice, Composer, Context, generic
from mixcoach.findings.model import Finding

__all__ = ["COMPOSERS", "Advice", "Context", "advise"]

COMPOSERS: dict[str, Composer] = {
    **levels.COMPOSERS,
    **dynamics.COMPOSERS,
    **stereo.COMPOSERS,
    **tonal.COMPOSERS,
    **file.COMPOSERS,
    **sections.COMPOSERS,
    **reference.COMPOSERS,
}


def advise(finding: Finding, ctx: Context) -> Advice:
    """What to say about ``finding`` in the review ``ctx``."""
    return COMPOSERS.get(finding.code, generic)(finding, ctx)
