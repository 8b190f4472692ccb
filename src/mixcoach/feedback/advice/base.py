"""What every advice composer shares: the context of a review, the Advice it returns, and the
helpers that read a finding's evidence and the plan's moves in words."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from mixcoach.analysis import Analysis
from mixcoach.audio.model import TimeRange
from mixcoach.feedback import numbers as n
from mixcoach.feedback.facts import distance_outside
from mixcoach.feedback.model import EqMove, Plan, PlatformVerdict, Presets, Step
from mixcoach.feedback.moves import eq_words
from mixcoach.feedback.plan import build_plan
from mixcoach.feedback.retrieval import KnowledgeBase
from mixcoach.findings.model import FeedbackType, Finding


@dataclass(frozen=True)
class Context:
    """One review: its analysis, its presets and delivery verdicts, and its plan."""

    analysis: Analysis
    presets: Presets
    delivery: Sequence[PlatformVerdict]
    knowledge: KnowledgeBase
    given_plan: Plan | None = None

    @cached_property
    def plan(self) -> Plan:
        """The review's plan (built from the analysis when the caller did not pass it)."""
        return self.given_plan or build_plan(self.analysis)

    @property
    def kind(self) -> FeedbackType:
        return self.analysis.request.feedback_type

    @property
    def is_mix(self) -> bool:
        """The file is a mix (a mixdown, or a mix going to mastering): levels are fixed in it."""
        return self.kind != "master_review"

    @property
    def genre(self) -> str:
        return self.analysis.request.genre_label

    def genre_note(self, code: str) -> str | None:
        note = self.knowledge.for_code(code)
        request = self.analysis.request
        names = [request.genre, request.subgenre or "", request.genre_label]
        return None if note is None else note.genre_note(names)


@dataclass(frozen=True)
class Advice:
    code: str
    title: str  # the section title
    issue: str  # a noun phrase for headlines: "the clipping", "the muddy low mids"
    summary: str  # one or two plain sentences: what is wrong and what to do
    measured: str  # the measured values against the target
    why: str  # why it matters for this feedback type
    steps: list[str]  # what to do, with amounts, where this feedback type does it
    settings: list[str] = field(default_factory=list)  # exact settings, for the pro level


Composer = Callable[[Finding, Context], Advice]


# ---------------------------------------------------------------------------------------------
# Helpers shared by the composers


@dataclass(frozen=True)
class Measured:
    """One piece of evidence that carries a value."""

    metric: str
    value: float
    unit: str
    target_low: float | None
    target_high: float | None


def evidence(finding: Finding, *names: str) -> Measured | None:
    """The first evidence with a value whose metric mentions one of ``names`` (any if none)."""
    for e in finding.evidence:
        if e.value is not None and (not names or any(name in e.metric for name in names)):
            return Measured(e.metric, e.value, e.unit, e.target_low, e.target_high)
    return None


def value(evidence: Measured) -> str:
    return n.with_unit(evidence.value, evidence.unit)


def target(evidence: Measured) -> str:
    low, high, unit = evidence.target_low, evidence.target_high, evidence.unit
    if low is not None and high is not None:
        return f"between {n.with_unit(low, unit)} and {n.with_unit(high, unit)}"
    if high is not None:
        return f"at most {n.with_unit(high, unit)}"
    if low is not None:
        return f"at least {n.with_unit(low, unit)}"
    return "no fixed target"


def distance(evidence: Measured) -> float:
    return distance_outside(evidence.value, evidence.target_low, evidence.target_high)


def amount(evidence: Measured) -> str:
    """The distance outside the range as an amount (always positive; LU for loudness)."""
    unit = {"LUFS": "LU", "dBTP": "dB", "dBFS": "dB"}.get(evidence.unit, evidence.unit)
    return n.with_unit(abs(distance(evidence)), unit)


def degree(size: float, *, small: float, large: float) -> str:
    if size < small:
        return "a touch"
    if size < large:
        return "clearly"
    return "far"


def where(finding: Finding) -> str:
    """``" around 1:12, 1:40 and 2:05"`` for a local finding, ``""`` for a global one."""
    return around(finding.time_ranges)


def around(spans: Sequence[TimeRange], *, most: int = 3) -> str:
    if not spans:
        return ""
    times = [n.clock(span.start_s) for span in spans[:most]]
    listed = times[0] if len(times) == 1 else ", ".join(times[:-1]) + " and " + times[-1]
    extra = len(spans) - most
    more = f" (and {extra} more {'place' if extra == 1 else 'places'})" if extra > 0 else ""
    return f" around {listed}{more}"


def eq_moves(ctx: Context, code: str) -> list[EqMove]:
    """The plan's EQ moves for finding ``code``, as its presets and previews apply them."""
    return [move for move in ctx.presets.eq if code in move.finding_codes]


def eq_step(ctx: Context, code: str, *, where: str, why: str = "") -> list[str]:
    moves = eq_moves(ctx, code)
    if not moves:
        return []
    listed = "; ".join(eq_words(move) for move in moves)
    why = f" {why}" if why else ""
    return [f"On the {where}: {listed}.{why} Sweep around each frequency by ear before you commit."]


def limiter_settings(ctx: Context) -> list[str]:
    limiter = ctx.presets.limiter
    if limiter is None:
        return []
    target = (
        f", aiming at {n.lufs(limiter.target_lufs)} integrated"
        if limiter.target_lufs is not None
        else ""
    )
    return [
        f"Limiter: true-peak mode, ceiling {n.db(limiter.ceiling_dbtp, unit='dBTP')}, input gain "
        f"{n.db(limiter.input_gain_db, signed=True)}, release {n.ms(limiter.release_ms)}{target}."
    ]


def limiter_gain(ctx: Context) -> float | None:
    """The plan's gain into the limiter, dB (None when the plan has no limiter)."""
    limiter = ctx.presets.limiter
    return None if limiter is None else limiter.input_gain_db


def compressor_settings(ctx: Context) -> list[str]:
    c = ctx.presets.compressor
    if c is None:
        return []
    return [
        f"Bus compressor: threshold {n.db(c.threshold_dbfs, unit='dBFS')}, ratio "
        f"{n.ratio(c.ratio)}, attack {n.ms(c.attack_ms)}, release {n.ms(c.release_ms)}, soft knee "
        f"{n.amount_db(c.knee_db)}, make-up {n.amount_db(c.makeup_db)}."
    ]


def width_settings(ctx: Context, code: str) -> list[str]:
    lines = []
    for move in ctx.presets.stereo:
        if code not in move.finding_codes:
            continue
        if move.width_percent == 0:
            lines.append(f"Width: fold everything below {n.hz(move.high_hz)} to mono.")
        else:
            verb = "raise" if move.width_percent > 100 else "lower"
            lines.append(
                f"Width: {verb} the side signal above {n.hz(move.low_hz)} to "
                f"{n.percent(move.width_percent)} of its level."
            )
    return lines


def turned_down(ctx: Context) -> list[PlatformVerdict]:
    return [v for v in ctx.delivery if v.verdict == "turned_down"]


def plan_step(ctx: Context, code: str) -> Step | None:
    """The plan's step for ``code``: the one place its amount is decided."""
    return ctx.plan.step_for(code)


def fader_move(ctx: Context, code: str) -> str | None:
    """The plan's fader move for ``code`` in words (``"6.8 dB"``), None when it has none."""
    step = plan_step(ctx, code)
    if step is None or step.gain_db is None or step.gain_db >= 0:
        return None
    return n.amount_db(step.gain_db)


def fallback(finding: Finding) -> str:
    """The judge's own sentence, when the evidence carries no value to quote."""
    return finding.detail


def label(evidence: Measured) -> str:
    labels = {
        "plr": "The peak-to-loudness ratio",
        "psr": "The peak-to-short-term-loudness ratio",
        "loudness_range": "The loudness range",
        "crest": "The crest factor",
        "dynamic_range": "The dynamic range",
        "width": "The stereo width",
        "correlation": "The correlation",
        "balance": "The left-right balance",
    }
    return next((text for key, text in labels.items() if key in evidence.metric), "The measurement")


def generic(f: Finding, ctx: Context) -> Advice:
    """For a finding whose evidence this module cannot read: the judge's words and the note."""
    note = ctx.knowledge.for_code(f.code)
    section = (
        None
        if note is None
        else note.section("Fix it in the mix" if ctx.kind == "mixdown" else "Fix it in the master")
    )
    steps = [section.replace("\n", " ")] if section else []
    return Advice(f.code, f.title, f.title.lower(), f.title, fallback(f), "", steps)
