"""The offline engine: deterministic feedback, chat answers and presets, with no network.

Feedback is built from the Analysis alone: its findings (ranked by severity and by whether they
matter for the feedback type), the advice for each (:mod:`mixcoach.feedback.advice`), the presets
derived from the measurements and, for a master review, the per-platform delivery verdicts.

Detail levels:

- ``simple``: a verdict and the three to five findings that matter most, in plain words;
- ``detailed``: every finding that matters for the feedback type, with what was measured, why it
  matters and what to do, plus the processing chain or hand-off notes;
- ``pro``: the same with evidence tables (value against target), exact settings and the full
  metric table.

On a track with no findings worth fixing it says so, and names what is in range, rather than
looking for something to criticise.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence

from mixcoach import formatting
from mixcoach.analysis import Analysis
from mixcoach.errors import InputError
from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import Advice, Context, advise
from mixcoach.feedback.chat import ChatBudget, extractive_summary, split_turns
from mixcoach.feedback.delivery import known_platforms, platform_verdicts
from mixcoach.feedback.model import (
    ChatAnswer,
    ChatMessage,
    Conversation,
    Feedback,
    FeedbackRequest,
    Plan,
    Presets,
    Section,
    Step,
)
from mixcoach.feedback.offline_chat import answer_question
from mixcoach.feedback.plan import build_plan
from mixcoach.feedback.presets import derive_presets, presets_from_plan
from mixcoach.feedback.retrieval import KnowledgeBase, knowledge_base
from mixcoach.feedback.stream import Streamed
from mixcoach.feedback.version_notes import VersionFacts, version_section
from mixcoach.findings.model import Finding
from mixcoach.formatting import count
from mixcoach.knowledge.platforms import Platform

_SEVERITY_RANK = {"problem": 0, "warning": 1, "suggestion": 2, "info": 3}
#: Findings a producer must act on; "info" ones are mentioned, not pushed.
_ACTIONABLE = ("problem", "warning", "suggestion")
#: Simple feedback: the plan's most important actions, no more.
_SIMPLE_MOST = 3
_NOUN = {"mixdown": "mixdown", "mastering": "mix", "master_review": "master"}
_CHAIN_TITLE = {
    "mixdown": "What to fix in the mix",
    "mastering": "Mastering chain",
    "master_review": "Fixes before release",
}
_CONFIDENCE_WORDS = {
    "high": "far outside the range, or a cause the evidence pins down",
    "medium": "clearly outside the range",
    "low": "near the edge of the range: trust your ears over the number",
}
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


class OfflineEngine:
    name = "offline"

    def __init__(
        self,
        *,
        platforms: Sequence[Platform] | None = None,
        knowledge: KnowledgeBase | None = None,
        budget: ChatBudget | None = None,
    ) -> None:
        self._platforms = platforms
        self._knowledge = knowledge
        self.budget = budget or ChatBudget()

    @property
    def knowledge(self) -> KnowledgeBase:
        return self._knowledge or knowledge_base()

    def platforms(self, names: Sequence[str] | None = None) -> list[Platform]:
        """The platforms to judge delivery for: ``names``, or every known one."""
        every = list(self._platforms if self._platforms is not None else known_platforms())
        if names is None:
            return every
        by_name = {p.name: p for p in every}
        unknown = [name for name in names if name not in by_name]
        if unknown:
            raise InputError(
                f"Unknown platform {', '.join(unknown)}; known platforms: "
                f"{', '.join(sorted(by_name))}."
            )
        return [by_name[name] for name in names]

    def presets(self, analysis: Analysis) -> Presets:
        return derive_presets(analysis, platforms=self.platforms())

    def feedback(
        self, analysis: Analysis, request: FeedbackRequest, *, version: VersionFacts | None = None
    ) -> Streamed[Feedback]:
        result = self.compose(analysis, request, version=version)
        return Streamed(_stream_feedback(result))

    def compose(
        self, analysis: Analysis, request: FeedbackRequest, *, version: VersionFacts | None = None
    ) -> Feedback:
        """The whole feedback at once (``feedback`` streams this); with ``version``, what changed
        since the previous version comes right after the overview."""
        if request.feedback_type != analysis.request.feedback_type:
            # Judgements depend on the type: a mixdown's findings are not a master's.
            raise InputError(
                f"This analysis was judged as {analysis.request.feedback_type}, not "
                f"{request.feedback_type}; analyse it again for that feedback type."
            )
        platforms = self.platforms(request.platforms)
        plan = build_plan(analysis, platforms=platforms)
        delivery = (
            platform_verdicts(analysis, platforms)
            if request.feedback_type == "master_review"
            else []
        )
        ctx = Context(analysis, presets_from_plan(plan), delivery, self.knowledge, plan)
        findings = ranked_findings(analysis, plan)
        advice = [advise(f, ctx) for f in findings]
        sections = _sections(ctx, request, findings, advice)
        if version is not None:
            sections.insert(1, version_section(version))
        return Feedback(
            engine=self.name,
            fallback_reason=None,
            request=request,
            headline=_headline(ctx, findings, advice),
            sections=sections,
            delivery=delivery,
            grounding=None,
            plan=plan,
        )

    def chat(
        self,
        analysis: Analysis,
        feedback: Feedback | None,
        conversation: Conversation,
        question: str,
        *,
        version: VersionFacts | None = None,
    ) -> Streamed[ChatAnswer]:
        older, _ = split_turns(conversation.turns, budget_tokens=self.budget.turns_tokens)
        summary = self.summarise(conversation.summary, older) if older else conversation.summary
        platforms = self.platforms()
        reply = answer_question(
            question,
            analysis=analysis,
            feedback=feedback,
            presets=derive_presets(analysis, platforms=platforms),
            delivery=platform_verdicts(analysis, platforms),
            knowledge=self.knowledge,
            conversation=conversation,
            version=version,
        )
        answer = ChatAnswer(
            text=reply.text,
            engine=self.name,
            fallback_reason=None,
            finding_codes=reply.finding_codes,
            sources=reply.sources,
            summary=summary,
            summarised_turns=len(older),
            grounding=None,
        )
        return Streamed(_stream_text(reply.text, answer))

    def summarise(self, summary: str, turns: Sequence[ChatMessage]) -> str:
        return extractive_summary(summary, turns, budget_tokens=self.budget.summary_tokens)


def ranked_findings(analysis: Analysis, plan: Plan | None = None) -> list[Finding]:
    """The findings that matter for the analysis's feedback type, in the plan's order of
    importance: the worst first (findings.ranking); a root cause's symptoms follow it."""
    kind = analysis.request.feedback_type
    relevant = [f for f in analysis.findings if kind in f.feedback_types]
    plan = plan or build_plan(analysis)
    order: dict[str, int] = {}  # each step names its worst finding first
    for step in sorted(plan.steps, key=lambda s: s.rank):
        for code in step.finding_codes:
            order.setdefault(code, len(order))
    return sorted(
        relevant, key=lambda f: (order.get(f.code, len(order)), _SEVERITY_RANK[f.severity])
    )


def _stream_feedback(feedback: Feedback) -> Generator[str, None, Feedback]:
    """The feedback's Markdown in the pieces a reader would see appear: headline, then each
    section's title and paragraphs."""
    yield feedback.headline
    for section in feedback.sections:
        yield f"\n\n## {section.title}\n\n"
        paragraphs = section.body.split("\n\n")
        for i, paragraph in enumerate(paragraphs):
            yield paragraph if i == 0 else "\n\n" + paragraph
    yield "\n"
    return feedback


def _stream_text(text: str, answer: ChatAnswer) -> Generator[str, None, ChatAnswer]:
    paragraphs = text.split("\n\n")
    for i, paragraph in enumerate(paragraphs):
        yield paragraph if i == 0 else "\n\n" + paragraph
    return answer


def _count(count: int) -> str:
    return _NUMBER_WORDS[count] if count < len(_NUMBER_WORDS) else str(count)


NOT_JUDGED_HEADLINE = (
    "The music in this file could not be judged (see the note below): only its peaks, "
    "clipping, DC offset and resolution were measured."
)


def _headline(ctx: Context, findings: list[Finding], advice: list[Advice]) -> str:
    """The worst issue, worded from its own evidence (so different tracks open differently)."""
    if not ctx.analysis.music_judged:
        return NOT_JUDGED_HEADLINE
    actionable = [f for f in findings if f.severity in _ACTIONABLE]
    if not actionable:
        caveats = [v for v in ctx.delivery if v.verdict == "peaks_over"]
        if caveats:
            names = " and ".join(v.label for v in caveats[:2])
            return (
                f"This master measures within the {ctx.genre} ranges, with one delivery "
                f"caveat: {names} {'asks' if len(caveats) == 1 else 'ask'} for a lower true "
                "peak."
            )
        return {
            "mixdown": "This mixdown is ready for mastering: nothing in the measurements needs "
            "fixing.",
            "mastering": "This mix is in good shape for mastering: the work ahead is finishing, "
            "not repairing.",
            "master_review": f"This master is ready to release: it measures within the "
            f"{ctx.genre} ranges.",
        }[ctx.kind]
    lead = actionable[0]  # the worst finding (findings.ranking), a root cause before symptoms
    summary = advice[findings.index(lead)].summary
    step = ctx.plan.step_for(lead.code)
    # The evidence opens the headline, so different tracks never open alike; the verdict follows,
    # set by the worst finding worth acting on.
    opening = summary
    if step is not None and step.root_cause and step.explains:
        opening += f" That one cause explains {_count(len(step.explains))} other findings."
    return f"{opening} {_verdict(ctx, actionable)}"


def _verdict(ctx: Context, actionable: list[Finding]) -> str:
    """How far from ready: not ready with any problem, close with warnings at worst."""
    worst = min(_SEVERITY_RANK[f.severity] for f in actionable)
    if worst == _SEVERITY_RANK["problem"]:
        return "Not ready yet: fix this first."
    if worst == _SEVERITY_RANK["warning"]:
        more = len(actionable) - 1
        return "Close to ready." + (
            f" {_count(more).capitalize()} more after that." if more else ""
        )
    refinements = "refinement" if len(actionable) == 1 else "refinements"
    return f"Otherwise a solid {_NOUN[ctx.kind]}: {_count(len(actionable))} {refinements} in all."


def _sections(
    ctx: Context, request: FeedbackRequest, findings: list[Finding], advice: list[Advice]
) -> list[Section]:
    detail = request.detail
    sections = [_overview(ctx, findings)]
    if ctx.kind == "master_review":
        sections.append(_delivery(ctx, detail=detail))
    if detail == "simple":
        return sections + _simple_actions(ctx, findings, advice)
    shown: set[str] = set()  # settings lines already printed (several findings share a limiter)
    for finding, item in zip(findings, advice, strict=True):
        sections.append(
            Section(
                kind="finding",
                title=item.title,
                body=_finding_body(ctx, finding, item, detail, shown),
                finding_codes=[finding.code],
            )
        )
    strengths = _strengths(ctx)
    if strengths is not None:
        sections.append(strengths)
    chain = _chain(ctx, pro=detail == "pro")
    if chain is not None:
        sections.append(chain)
    if ctx.kind == "mixdown":
        sections.append(_handoff(ctx))
    if detail == "pro":
        sections.append(_metric_table(ctx))
    return sections


def _simple_actions(ctx: Context, findings: list[Finding], advice: list[Advice]) -> list[Section]:
    """The plan's most important actions, in plain words, the worst first."""
    by_code = {f.code: a for f, a in zip(findings, advice, strict=True)}
    sections = []
    acting = ctx.plan.model_copy(update={"steps": [s for s in ctx.plan.steps if s.finding_codes]})
    for step in sorted(acting.first(_SIMPLE_MOST), key=lambda s: s.rank):
        item = by_code.get(step.finding_codes[0])
        sections.append(
            Section(
                kind="finding",
                title=step.title if item is None else item.title,
                body=f"{step.title}." if item is None else item.summary,
                finding_codes=step.finding_codes,
            )
        )
    return sections


def _overview(ctx: Context, findings: list[Finding]) -> Section:
    loud = ctx.analysis.loudness
    facts = []
    if loud.integrated_lufs is not None:
        facts.append(f"{n.lufs(loud.integrated_lufs)} integrated")
    if loud.true_peak_dbtp is not None:
        facts.append(f"true peaks at {n.db(loud.true_peak_dbtp, unit='dBTP')}")
    if loud.loudness_range_lu is not None:
        facts.append(f"a loudness range of {n.lu(loud.loudness_range_lu)}")
    tempo = formatting.tempo(ctx.analysis.rhythm)
    if tempo is not None:
        facts.append(f"a tempo of {tempo}")
    judged = {
        "mixdown": "Judged as a mixdown (headroom and balance)",
        "mastering": "Judged as a mix going to mastering",
        "master_review": "Judged as a finished master (delivery)",
    }[ctx.kind]
    body = f"{judged} for {ctx.genre}."
    if facts:
        listed = facts[0] if len(facts) == 1 else ", ".join(facts[:-1]) + " and " + facts[-1]
        body += f" It measures {listed}."
    actionable = [f for f in findings if f.severity in _ACTIONABLE]
    minor = len(findings) - len(actionable)
    if not ctx.analysis.music_judged:  # never "nothing to fix" about music nobody could hear
        body += " " + " ".join(ctx.analysis.notes)
    elif actionable:
        body += (
            f" {_count(len(actionable)).capitalize()} "
            f"{'finding is' if len(actionable) == 1 else 'findings are'} worth acting on"
            + (
                f", and {_count(minor)} minor {'note' if minor == 1 else 'notes'}."
                if minor
                else "."
            )
        )
    else:
        body += " Nothing was flagged that needs fixing" + (
            f"; {_count(minor)} minor {'note follows' if minor == 1 else 'notes follow'}."
            if minor
            else "."
        )
    return Section(
        kind="overview", title="In short", body=body, finding_codes=[f.code for f in actionable]
    )


def _finding_body(
    ctx: Context, finding: Finding, advice: Advice, detail: str, shown: set[str]
) -> str:
    step = ctx.plan.step_for(finding.code)
    if step is not None and finding.code in step.explains:
        return (
            f"{advice.measured} This follows from the root cause above: "
            f"{step.title[0].lower()}{step.title[1:]}, then judge it again."
        ).strip()
    parts = [f"{advice.measured} {advice.why}".strip()]
    if advice.steps:
        parts.append("\n".join(f"- {line}" for line in advice.steps))
    if detail == "pro":
        parts += _reasoning(ctx, finding, step)
        settings = [line for line in advice.settings if line not in shown]
        shown.update(settings)
        if settings:
            parts.append("\n".join(f"- {line}" for line in settings))
    return "\n\n".join(parts)


def _reasoning(ctx: Context, finding: Finding, step: Step | None) -> list[str]:
    """The engineer's reasoning: the evidence against its threshold and where that comes from,
    how sure the reading is, and what to check by ear."""
    labels = {m.metric: m.label for m in ctx.analysis.metrics}
    rows = [
        f"| {labels.get(e.metric) or _readable(e.metric)} | {_quantity(e.value, e.unit)} | "
        f"{_range(e.target_low, e.target_high, e.unit)} | {e.source} |"
        for e in finding.evidence
        if e.value is not None
    ]
    parts = []
    if rows:
        parts.append("| Measure | Value | Target | Source |\n|---|---|---|---|\n" + "\n".join(rows))
    if step is not None:
        parts.append(
            f"Why: {step.reason} Confidence: {step.confidence} "
            f"({_CONFIDENCE_WORDS[step.confidence]})."
        )
    note = ctx.knowledge.for_code(finding.code)
    listen = None if note is None else note.section("How to hear it")
    if listen:
        parts.append("Check by ear: " + listen.replace("\n", " "))
    return parts


def _quantity(value: float, unit: str) -> str:
    """A measured value in words; a count (clipped runs, samples) as ``1,202 runs``."""
    if float(value).is_integer() and n.unit_class(unit) is None:
        return f"{count(int(value))} {unit}".strip()
    return n.with_unit(value, unit)


def _readable(metric: str) -> str:
    """A measurement's name in words when the metric table has no label for it."""
    return metric.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def _range(low: float | None, high: float | None, unit: str) -> str:
    if low is not None and high is not None:
        return f"{_quantity(low, unit)} to {_quantity(high, unit)}"
    if high is not None:
        return f"at most {_quantity(high, unit)}"
    if low is not None:
        return f"at least {_quantity(low, unit)}"
    return "-"


def _or_dash(value: float | None, unit: str) -> str:
    return "-" if value is None else n.with_unit(value, unit)


def _within(low: float | None, high: float | None, unit: str) -> str:
    if low is not None and high is not None:
        return f"inside the {_range(low, high, unit)} range"
    if high is not None:
        return f"at or below {n.with_unit(high, unit)}"
    return f"at or above {n.with_unit(low or 0.0, unit)}"


def _delivery(ctx: Context, *, detail: str) -> Section:
    delivery = ctx.delivery
    if not delivery:
        return Section(
            kind="delivery",
            title="Delivery",
            finding_codes=[],
            body="No platform targets are known, so no delivery verdict was made.",
        )
    lines = [f"- **{v.label}:** {v.playback_note}" for v in delivery]
    over = [v for v in delivery if v.verdict == "peaks_over"]
    quiet = [v for v in delivery if v.verdict == "plays_quiet"]
    if over:
        ceiling = ctx.plan.ceiling_dbtp
        strictest = (
            ceiling
            if ceiling is not None
            else min(v.true_peak_max_dbtp for v in over if v.true_peak_max_dbtp is not None)
        )
        peak = ctx.analysis.loudness.true_peak_dbtp or 0.0
        services = (
            "every service" if len(over) == len(delivery) else ", ".join(v.label for v in over)
        )
        lead = (
            f"The true peak of {n.db(peak, unit='dBTP')} is above the guidance of {services}: "
            f"set the limiter ceiling to {n.db(strictest, unit='dBTP')} (the strictest) before "
            "release, or their lossy encodes may distort."
        )
    elif any(v.verdict == "turned_down" for v in delivery):
        down = sum(v.verdict == "turned_down" for v in delivery)
        lead = (
            f"{_count(down).capitalize()} of the {_count(len(delivery))} services turn it "
            "down: above their targets the extra loudness buys nothing and costs punch."
        )
    elif quiet:
        lead = (
            f"{_count(len(quiet)).capitalize()} of the {_count(len(delivery))} services will "
            "play it quieter than their other tracks."
        )
    else:
        lead = "Every service will play it cleanly."
    body = lead + "\n\n" + "\n".join(lines)
    if detail == "pro":
        rows = [
            f"| {v.label} | {_or_dash(v.target_lufs, 'LUFS')} | "
            f"{_or_dash(v.true_peak_max_dbtp, 'dBTP')} | {n.db(v.gain_db, signed=True)} | "
            f"{_or_dash(v.resulting_peak_dbtp, 'dBTP')} |"
            for v in delivery
        ]
        body += (
            "\n\n| Service | Target | Peak guidance | Playback gain | True peak after |\n"
            "|---|---|---|---|---|\n" + "\n".join(rows)
        )
    found = {f.code for f in ctx.analysis.findings}
    peaks_over = any(v.verdict == "peaks_over" for v in delivery)
    codes = ["true_peak_over"] if peaks_over and "true_peak_over" in found else []
    return Section(
        kind="delivery", title="Delivery to streaming services", body=body, finding_codes=codes
    )


def _strengths(ctx: Context) -> Section | None:
    good = [
        m
        for m in ctx.analysis.metrics
        if m.status == "ok"
        and isinstance(m.value, (int, float))
        and (m.target_low is not None or m.target_high is not None)
    ][:4]
    if not good:
        return None
    lines = [
        f"- {m.label}: {n.with_unit(float(m.value), m.unit)}, "
        f"{_within(m.target_low, m.target_high, m.unit)}."
        for m in good
        if isinstance(m.value, (int, float))
    ]
    return Section(
        kind="strengths",
        title="What is already right",
        finding_codes=[],
        body="Keep these as they are:\n\n" + "\n".join(lines),
    )


def _chain(ctx: Context, *, pro: bool) -> Section | None:
    """The plan as a numbered list: what to do in the mix, the chain, or the fixes before
    release, in the plan's order (for mastering, signal order)."""
    steps = ctx.plan.steps
    if not steps:
        return None
    title = _CHAIN_TITLE[ctx.kind]
    lines = [
        f"{i}. {step.title}" + (f" - {step.reason}" if pro else "")
        for i, step in enumerate(steps, 1)
    ]
    body = "In this order:\n\n" + "\n".join(lines)
    if ctx.plan.notes:
        body += "\n\n" + "\n".join(f"- {note}" for note in ctx.plan.notes)
    if pro:
        body += f"\n\n{ctx.plan.targets_reason}"
    codes = sorted({code for step in steps for code in step.finding_codes})
    return Section(kind="chain", title=title, body=body, finding_codes=codes)


def _handoff(ctx: Context) -> Section:
    loud = ctx.analysis.loudness
    file = ctx.analysis.file
    codes = {f.code for f in ctx.analysis.findings}
    peaks_bad = bool(codes & {"clipping", "true_peak_over", "too_loud", "over_compressed"})
    lines = []
    if loud.true_peak_dbtp is not None:
        verdict = (
            "fix that first (see above)" if peaks_bad else "that leaves mastering room to work"
        )
        lines.append(
            f"- Peaks reach {n.db(loud.true_peak_dbtp, unit='dBTP')} true peak: {verdict}."
        )
    lines.append(
        f"- Export at the session's rate ({n.hz(file.sample_rate_hz)} here) as 24-bit or 32-bit "
        "float WAV, without normalising."
    )
    lines.append(
        "- Leave the limiter off the mix bus; keep a bus compressor only if it is part "
        "of the sound, and say so."
    )
    lines.append("- Send a reference track you like along with the mix.")
    return Section(
        kind="handoff",
        title="Before you send it to mastering",
        body="\n".join(lines),
        finding_codes=[],
    )


def _metric_table(ctx: Context) -> Section:
    rows = [
        f"| {m.label} | "
        f"{_quantity(float(m.value), m.unit) if isinstance(m.value, (int, float)) else m.value} "
        f"| {_range(m.target_low, m.target_high, m.unit)} | {m.status} |"
        for m in ctx.analysis.metrics
        if m.value is not None
    ]
    body = (
        "| Metric | Value | Target | Status |\n|---|---|---|---|\n" + "\n".join(rows)
        if rows
        else "No metric could be measured."
    )
    return Section(kind="overview", title="All measurements", body=body, finding_codes=[])
