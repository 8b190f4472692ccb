"""Which finding is the worst: the order a review's findings are listed, headlined and planned in.

Worst first by, in turn:

1. severity (each rule grades it by how far the reading lies outside its range);
2. how much the code matters for the feedback type (``thresholds.toml [leads]``: a master's
   delivery loudness, true peak, clipping and polarity before a small DC offset or a tonal
   tilt; a mix's headroom, clipping and balance);
3. a root cause before the findings it could explain, in the order roots are fixed;
4. the distance outside the range, in steps of the metric's escalation (a master 6.7 LU too
   quiet before one whose peaks sit 1.1 dB over, when both are problems);
5. the fixed order of the code vocabulary, so the order never depends on the rules' order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from mixcoach.findings import root_cause
from mixcoach.findings.grading import Context
from mixcoach.findings.model import FINDING_CODES, SEVERITIES, Finding
from mixcoach.knowledge.sources import Target

__all__ = ["ranked", "steps_outside"]


def ranked(findings: Sequence[Finding], ctx: Context) -> list[Finding]:
    """``findings``, worst first (see the module docstring)."""
    leads = ctx.limits.leads[ctx.feedback_type]
    return sorted(
        findings,
        key=lambda f: (
            -SEVERITIES.index(f.severity),
            f.code not in leads,
            root_cause.priority(f, ctx),
            -steps_outside(f, ctx),
            FINDING_CODES.index(f.code),
        ),
    )


def steps_outside(finding: Finding, ctx: Context) -> float:
    """How far the finding's evidence lies outside its range, in units of the distance that
    makes the metric a problem for the feedback type (2.0: twice that far); 0 for evidence
    without a graded metric (counts, offsets, curve stretches)."""
    own = ctx.limits.escalation.get(ctx.feedback_type, {})
    default = ctx.limits.escalation["default"]
    sizes = [0.0]
    for e in finding.evidence:
        name = e.metric.rsplit(".", 1)[-1]
        steps = own.get(name) or default.get(name)
        if steps is None or e.value is None or (e.target_low is None and e.target_high is None):
            continue
        target = Target(low=e.target_low, high=e.target_high, source=steps.source)
        scale = steps.problem if math.isfinite(steps.problem) else steps.warning
        sizes.append(abs(target.distance(e.value)) / scale)
    return max(sizes)
