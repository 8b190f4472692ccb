"""The values the feedback engines produce: feedback with sections, chat answers, presets.

Everything here is a frozen pydantic model, so the web service stores it as JSON and the PDF
report reads it back unchanged.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from mixcoach.audio.model import Model
from mixcoach.findings.model import FeedbackType, Severity

DetailLevel = Literal["simple", "detailed", "pro"]
DETAIL_LEVELS: tuple[DetailLevel, ...] = ("simple", "detailed", "pro")

SectionKind = Literal["overview", "finding", "delivery", "chain", "handoff", "strengths"]


class Documented(Model):
    """A value the API sends: the docstring under each field is its description in the OpenAPI
    schema."""

    model_config = ConfigDict(use_attribute_docstrings=True)


class FeedbackRequest(Documented):
    """What the producer asked for. The genre is the Analysis's own (it was judged for it)."""

    feedback_type: FeedbackType
    """What the track is judged as: `mixdown`, `mastering` or `master_review`."""
    detail: DetailLevel = "detailed"
    """How much the feedback says: `simple`, `detailed` or `pro`."""
    platforms: list[str] | None = None
    """Streaming platforms to judge delivery for (names from mixcoach.knowledge.platforms);
    None means every known platform."""


class Section(Documented):
    """One piece of advice, linked to the findings it comes from (empty for general remarks)."""

    kind: SectionKind
    """What the section is: `overview`, `finding`, `delivery`, `chain`, `handoff`, `strengths`."""
    title: str
    """The section's heading."""
    body: str
    """The advice, in Markdown."""
    finding_codes: list[str]
    """The findings the advice comes from (empty for general remarks)."""


Verdict = Literal["ok", "turned_down", "turned_up", "plays_quiet", "peaks_over", "unknown"]


class PlatformVerdict(Documented):
    """What one streaming service will do to the track, from its loudness and true peak."""

    platform: str
    """Machine name, e.g. `spotify`."""
    label: str
    """The name to show, e.g. `Spotify`."""
    target_lufs: float | None
    """The loudness the service normalises to; None when it does not normalise."""
    true_peak_max_dbtp: float | None
    """The service's true-peak guidance for this master, in dBTP."""
    gain_db: float
    """Gain the service applies on playback, in dB (negative: turned down)."""
    resulting_peak_dbtp: float | None
    """The track's true peak after that gain, in dBTP."""
    level_below_target_db: float
    """How far below the service's other tracks it plays, in dB (0 if not)."""
    verdict: Verdict
    """`ok`, `turned_down`, `turned_up`, `plays_quiet`, `peaks_over` or `unknown`."""
    playback_note: str
    """What the service does to the level, in a sentence."""
    note: str
    """The whole verdict: the playback note and what it means (peak warning, cost)."""


class Claim(Documented):
    """A number the text quoted, and what the grounding check did with it."""

    text: str
    """The number as written, with its unit (`-12 LUFS`)."""
    sentence: str
    """The sentence it stood in."""
    action: Literal["repaired", "dropped"]
    """`repaired`: the measured value was written instead; `dropped`: the sentence was left out."""
    replacement: str | None
    """The measured value written instead, for a repair."""
    reason: str
    """Why the number was not kept as written."""


class Grounding(Documented):
    """The grounding check's account of one text: how many numbers it checked, what it changed."""

    checked: int
    """How many quoted numbers were checked against the measurements."""
    repaired: list[Claim]
    """Numbers replaced by the measured value."""
    dropped: list[Claim]
    """Numbers that matched no measurement: their sentences were left out."""


class Feedback(Documented):
    engine: str
    """Who wrote it: `offline` or `openai:<model>`."""
    fallback_reason: str | None
    """Set when the engine asked for could not answer and the offline engine did instead."""
    request: FeedbackRequest
    """What was asked for."""
    headline: str
    """One sentence: the verdict."""
    sections: list[Section]
    """The advice, piece by piece, each linked to its findings."""
    delivery: list[PlatformVerdict]
    """Per streaming platform, for `master_review`; empty otherwise."""
    grounding: Grounding | None
    """What the grounding check changed; None for the offline engine (it quotes only measured
    values)."""
    plan: Plan | None = None
    """The review's one plan, which the text, the presets and the chat all read; None for
    feedback stored before plans existed."""

    def markdown(self) -> str:
        """The whole feedback as one Markdown document (what was streamed)."""
        parts = [self.headline]
        parts += [f"## {section.title}\n\n{section.body}" for section in self.sections]
        return "\n\n".join(parts) + "\n"


class ChatMessage(Model):
    role: Literal["user", "assistant"]
    content: str


class Conversation(Model):
    """What the caller stored of a chat: the running summary of older turns and the recent turns."""

    summary: str = ""
    turns: list[ChatMessage] = Field(default_factory=list)


class ChatAnswer(Model):
    text: str  # Markdown
    engine: str
    fallback_reason: str | None
    finding_codes: list[str]  # the findings the answer draws on
    sources: list[str]  # knowledge-base notes the answer draws on (note ids)
    #: The running summary after this turn: store it; it covers every turn except the ones kept.
    summary: str
    #: How many of the oldest stored turns were folded into ``summary`` (drop them from storage).
    summarised_turns: int
    grounding: Grounding | None


EqKind = Literal["bell", "low_shelf", "high_shelf", "high_pass", "low_pass"]


class EqMove(Documented):
    kind: EqKind
    """`bell`, `low_shelf`, `high_shelf`, `high_pass` or `low_pass`."""
    frequency_hz: float
    """Centre or corner frequency, in Hz."""
    gain_db: float
    """Boost (positive) or cut (negative), in dB; 0 for the pass filters."""
    q: float
    """Width as Q."""
    bandwidth_octaves: float
    """The same width in octaves, for EQs that take octaves (ReaEQ)."""
    reason: str
    """Why, from the measurements."""
    finding_codes: list[str]
    """The findings the move answers."""


class CompressorSettings(Documented):
    threshold_dbfs: float
    """Threshold, in dBFS, from the measured levels."""
    ratio: float
    """n for n:1."""
    attack_ms: float
    """Attack time, in ms."""
    release_ms: float
    """Release time, in ms (from the tempo when it was measured)."""
    knee_db: float
    """Knee width, in dB."""
    makeup_db: float
    """Make-up gain, in dB."""
    reason: str
    """Why, from the measurements."""
    finding_codes: list[str]
    """The findings the setting answers."""


class LimiterSettings(Documented):
    ceiling_dbtp: float
    """Output ceiling, in dBTP, from the target platform's true-peak guidance."""
    input_gain_db: float
    """Gain into the limiter to reach the loudness target, in dB."""
    release_ms: float
    """Release time, in ms."""
    target_lufs: float | None
    """The integrated loudness aimed for, in LUFS; None when there is none."""
    reason: str
    """Why, from the measurements."""
    finding_codes: list[str]
    """The findings the setting answers."""


class WidthMove(Documented):
    low_hz: float
    """Lower edge of the band, in Hz."""
    high_hz: float
    """Upper edge of the band, in Hz."""
    width_percent: float
    """Stereo width to set: 100 leaves the band alone, 0 folds it to mono."""
    reason: str
    """Why, from the measurements."""
    finding_codes: list[str]
    """The findings the move answers."""


class Presets(Documented):
    """Processing derived from the measurements, for the issues found (empty on a clean track)."""

    feedback_type: FeedbackType
    """What the track was judged as."""
    eq: list[EqMove]
    """EQ moves, from the measured band differences."""
    compressor: CompressorSettings | None
    """Compression, when the dynamics call for it."""
    limiter: LimiterSettings | None
    """Limiting, when the loudness or peaks call for it."""
    stereo: list[WidthMove]
    """Stereo width per band."""
    notes: list[str]
    """What the settings cannot fix, or what to do before them."""

    def is_empty(self) -> bool:
        return not (self.eq or self.compressor or self.limiter or self.stereo)


MoveKind = Literal[
    "polarity_flip",
    "stereo_export",
    "dc_removal",
    "clip_repair",
    "remove_bus_limiter",
    "gain",
    "eq",
    "compressor",
    "width",
    "balance",
    "limiter",
    "trim",
    "re_export",
    "compare",
    "check",
]
Confidence = Literal["high", "medium", "low"]


class Step(Documented):
    """One action of the plan: what to do, how much, and which findings it answers."""

    move: MoveKind
    """What kind of move: `polarity_flip`, `stereo_export`, `dc_removal`, `clip_repair`,
    `remove_bus_limiter`, `gain`, `eq`, `compressor`, `width`, `balance`, `limiter`, `trim`,
    `re_export`, `compare` or `check`."""
    finding_codes: list[str]
    """The findings this step answers, its own first, then the symptoms it explains."""
    root_cause: bool
    """True for a cause that explains other findings (polarity, a mono fold, clipping, DC)."""
    explains: list[str]
    """Findings that follow from this root cause and get no step of their own."""
    where: Literal["mix", "master"]
    """Where the move happens: in the mix session or on the master."""
    title: str
    """The action in plain words, with its amount: "Flip the polarity of one channel"."""
    amount: str
    """The amount alone ("-6.8 dB", "ceiling -1.0 dBTP"); empty when the move has none."""
    evidence: str
    """What was measured that calls for it, in one sentence."""
    reason: str
    """Why this move and this amount: the threshold it answers and where that comes from."""
    severity: Severity
    """The most severe finding the step answers."""
    rank: int = 0
    """How important the step is: the place of its worst finding among the review's findings,
    worst first (0 answers the worst finding); steps answering no finding come last."""
    confidence: Confidence
    """How sure the measurement is: `high` far outside the range or a root cause with strong
    evidence, `medium` clearly outside, `low` near the edge."""
    gain_db: float | None = None
    """For `gain` and `balance`: the gain to apply, in dB."""
    eq: EqMove | None = None
    """For `eq` and `dc_removal`: the EQ move."""
    compressor: CompressorSettings | None = None
    """For `compressor`: its settings."""
    limiter: LimiterSettings | None = None
    """For `limiter`: its settings (the plan's one ceiling and one target)."""
    width: WidthMove | None = None
    """For `width`: the width move."""


class Plan(Documented):
    """The review's one ordered plan: root causes first, each step with its move and amount.

    One limiter ceiling and one loudness target for the whole review; a mixdown has neither
    (its level target is headroom: ``peak_target_dbtp``)."""

    feedback_type: FeedbackType
    """What the track is judged as."""
    target_lufs: float | None
    """The one integrated loudness the review aims at; None for a mixdown."""
    ceiling_dbtp: float | None
    """The one limiter ceiling, in dBTP; None for a mixdown (no limiter in a mix)."""
    peak_target_dbtp: float | None
    """For a mixdown: the highest true peak that leaves mastering its headroom."""
    targets_reason: str
    """Where the target and ceiling come from, in words."""
    steps: list[Step]
    """The actions, in the order to do them."""
    lead_code: str | None
    """The finding the review leads with (the most important step's: the worst finding), None
    on a clean track."""
    notes: list[str]
    """What the moves cannot fix, or what they leave to the mix."""

    def first(self, count: int) -> list[Step]:
        """The ``count`` most important steps (those answering the worst findings, ranked by
        ``findings.ranking``), kept in plan order."""
        order = sorted(range(len(self.steps)), key=lambda i: (self.steps[i].rank, i))
        return [self.steps[i] for i in sorted(order[:count])]

    def step_for(self, code: str) -> Step | None:
        """The step that answers finding ``code`` (its own or as a root cause's symptom)."""
        return next((s for s in self.steps if code in s.finding_codes), None)


Feedback.model_rebuild()
