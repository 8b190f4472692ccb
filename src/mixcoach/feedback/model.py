"""The values the feedback engines produce: feedback with sections, chat answers, presets.

Everything here is a frozen pydantic model, so the web service stores it as JSON and the PDF
report reads it back unchanged.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mixcoach.audio.model import Model
from mixcoach.findings.model import FeedbackType

DetailLevel = Literal["simple", "detailed", "pro"]
DETAIL_LEVELS: tuple[DetailLevel, ...] = ("simple", "detailed", "pro")

SectionKind = Literal["overview", "finding", "delivery", "chain", "handoff", "strengths"]


class FeedbackRequest(Model):
    """What the producer asked for. The genre is the Analysis's own (it was judged for it)."""

    feedback_type: FeedbackType
    detail: DetailLevel = "detailed"
    #: Streaming platforms to judge delivery for (names from mixcoach.knowledge.platforms);
    #: None means every known platform.
    platforms: list[str] | None = None


class Section(Model):
    """One piece of advice, linked to the findings it comes from (empty for general remarks)."""

    kind: SectionKind
    title: str
    body: str  # Markdown
    finding_codes: list[str]


Verdict = Literal["ok", "turned_down", "turned_up", "plays_quiet", "peaks_over", "unknown"]


class PlatformVerdict(Model):
    """What one streaming service will do to the track, from its loudness and true peak."""

    platform: str  # machine name, e.g. "spotify"
    label: str  # "Spotify"
    target_lufs: float | None  # None: the service does not normalise
    true_peak_max_dbtp: float | None  # the service's peak guidance for this master
    gain_db: float  # gain the service applies on playback (negative: turned down)
    resulting_peak_dbtp: float | None  # the track's true peak after that gain
    level_below_target_db: float  # how far below the service's other tracks it plays (0 if not)
    verdict: Verdict
    playback_note: str  # what the service does to the level, in a sentence
    note: str  # the whole verdict: the playback note and what it means (peak warning, cost)


class Claim(Model):
    """A number the text quoted, and what the grounding check did with it."""

    text: str  # the number as written, with its unit ("-12 LUFS")
    sentence: str  # the sentence it stood in
    action: Literal["repaired", "dropped"]
    replacement: str | None  # the measured value written instead, for a repair
    reason: str


class Grounding(Model):
    """The grounding check's account of one text: how many numbers it checked, what it changed."""

    checked: int
    repaired: list[Claim]
    dropped: list[Claim]


class Feedback(Model):
    engine: str  # "offline" or "openai:<model>"
    #: Set when the engine asked for could not answer and the offline engine did instead.
    fallback_reason: str | None
    request: FeedbackRequest
    headline: str  # one sentence: the verdict
    sections: list[Section]
    delivery: list[PlatformVerdict]  # per platform, for master_review; empty otherwise
    grounding: Grounding | None  # None for the offline engine (it quotes only measured values)

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


class EqMove(Model):
    kind: EqKind
    frequency_hz: float
    gain_db: float  # 0 for the pass filters
    q: float
    bandwidth_octaves: float  # the same width as ``q``, for EQs that take octaves (ReaEQ)
    reason: str
    finding_codes: list[str]


class CompressorSettings(Model):
    threshold_dbfs: float
    ratio: float  # n for n:1
    attack_ms: float
    release_ms: float
    knee_db: float
    makeup_db: float
    reason: str
    finding_codes: list[str]


class LimiterSettings(Model):
    ceiling_dbtp: float
    input_gain_db: float  # gain into the limiter to reach the loudness target
    release_ms: float
    target_lufs: float | None
    reason: str
    finding_codes: list[str]


class WidthMove(Model):
    low_hz: float
    high_hz: float
    width_percent: float  # 100 leaves the band alone, 0 folds it to mono
    reason: str
    finding_codes: list[str]


class Presets(Model):
    """Processing derived from the measurements, for the issues found (empty on a clean track)."""

    feedback_type: FeedbackType
    eq: list[EqMove]
    compressor: CompressorSettings | None
    limiter: LimiterSettings | None
    stereo: list[WidthMove]
    notes: list[str]

    def is_empty(self) -> bool:
        return not (self.eq or self.compressor or self.limiter or self.stereo)
