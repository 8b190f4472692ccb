"""The review's one plan: what to do, in what order, how much; everything else reads it.

Public API (stable; the chat, the presets, the offline feedback, the PDF and the terminal use it)::

    plan = build_plan(analysis)                 # every known platform sets the ceiling
    plan = build_plan(analysis, platforms=[...])
    plan.steps          # list[Step], in the order to do them (root causes first)
    plan.first(3)       # the three most important steps (the worst findings'), in plan order
    plan.step_for(code) # the step answering a finding code (or explaining it as a symptom)
    plan.target_lufs    # the ONE loudness target (None for a mixdown)
    plan.ceiling_dbtp   # the ONE limiter ceiling (None for a mixdown)
    plan.peak_target_dbtp  # a mixdown's headroom target
    plan.lead_code      # the finding the review leads with

Each :class:`~mixcoach.feedback.model.Step` has its ``move`` (polarity flip, DC removal, gain,
EQ, compressor, limiter, width...), its amount in words (``amount``) and as settings (``eq``,
``compressor``, ``limiter``, ``width``, ``gain_db``), its finding codes, the measured
``evidence``, the ``reason`` (the threshold and its source) and a ``confidence``.

How the plan respects the feedback type:

- ``mixdown``: headroom and balance, fixed in the mix. Never a limiter: a mix that is too loud
  gets "take the limiter off the bus" and one fader move that brings both its loudness and its
  peaks inside the mix targets.
- ``mastering``: what the master needs, in signal order (EQ, compression, width, then the
  limiter), aimed at the genre's master loudness (``plan.toml``), never at the level the mix
  happens to arrive at; a mix that arrives limited is first sent back for an unlimited bounce.
- ``master_review``: delivery. The master moves only as far as it must to land inside the
  genre's range; the ceiling is the strictest true-peak guidance of the platforms at that level.

Root causes come first and absorb their symptoms: an inverted channel (strongly negative
correlation or a big loss in mono) explains the phase, width and tonal findings (the spectrum is
read from the mid signal, which the inversion cancels), so it is one polarity flip, never a width
cut; a mono fold explains the narrow image; clipping and a DC offset precede the level moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from mixcoach import formatting
from mixcoach.analysis import Analysis
from mixcoach.feedback import moves
from mixcoach.feedback import numbers as n
from mixcoach.feedback.delivery import known_platforms
from mixcoach.feedback.model import Confidence, LimiterSettings, MoveKind, Plan, Step
from mixcoach.findings.grading import Context
from mixcoach.findings.model import Severity
from mixcoach.findings.ranking import ranked
from mixcoach.findings.root_cause import polarity_inverted
from mixcoach.formatting import clock, counted, decoded_peak
from mixcoach.knowledge.genres import resolve_profile
from mixcoach.knowledge.platforms import DeliveryCeiling, Platform, delivery_ceiling
from mixcoach.knowledge.sources import Target, load_toml, parse_value, source
from mixcoach.knowledge.thresholds import thresholds

__all__ = ["Plan", "Step", "build_plan"]

_SEVERITY_RANK: dict[Severity, int] = {"problem": 0, "warning": 1, "suggestion": 2, "info": 3}
_CONFIDENCE: dict[Severity, Confidence] = {
    "problem": "high",
    "warning": "medium",
    "suggestion": "low",
    "info": "low",
}
_SPECTRAL = ("too_bright", "too_dull", "too_boomy", "too_thin", "muddy", "harsh")
#: What an inverted channel explains: the stereo symptoms, and the tone of the cancelled mid.
_INVERSION_SYMPTOMS = ("phase_issue", "stereo_too_wide", "stereo_too_narrow", "wide_low_end")
_LOUDNESS = ("too_loud", "too_quiet", "true_peak_over", "over_compressed", "reference_louder")
_BUS_LIMITED = ("too_loud", "over_compressed")
#: Signal order of the moves on a master (a step's place in a mastering chain).
_CHAIN: tuple[MoveKind, ...] = (
    "polarity_flip",
    "stereo_export",
    "dc_removal",
    "clip_repair",
    "remove_bus_limiter",
    "gain",
    "balance",
    "eq",
    "compressor",
    "width",
    "limiter",
    "trim",
    "re_export",
    "compare",
    "check",
)


@cache
def _rules() -> dict[str, float]:
    raw = load_toml("plan")
    return {
        f"{section}.{name}": parse_value(entry, where=f"plan.toml [{section}] {name}").value
        for section, table in raw.items()
        for name, entry in table.items()
    }


def build_plan(analysis: Analysis, *, platforms: Sequence[Platform] | None = None) -> Plan:
    """The one plan for ``analysis`` (judged for its feedback type); ``platforms`` set the
    ceiling of a master (every known platform when None)."""
    on = list(known_platforms() if platforms is None else platforms)
    return _Planner(analysis, on).plan()


class _Planner:
    def __init__(self, analysis: Analysis, platforms: list[Platform]) -> None:
        self.analysis = analysis
        self.kind = analysis.request.feedback_type
        self.platforms = platforms
        self.profile = resolve_profile(analysis.request.genre, analysis.request.subgenre)
        # Worst first, by the judgement's own ranking (a stored analysis keeps its old order).
        judging = Context(
            track=analysis, profile=self.profile, feedback_type=self.kind, limits=thresholds()
        )
        self.findings = ranked(
            [f for f in analysis.findings if self.kind in f.feedback_types], judging
        )
        self.by_code = {f.code: f for f in reversed(self.findings)}
        self.explained: set[str] = set()
        self.notes: list[str] = []

    # -- the whole plan ------------------------------------------------------------------------

    def plan(self) -> Plan:
        roots = [s for s in (self._inversion(), self._mono_fold()) if s is not None]
        for step in roots:
            self.explained.update(step.finding_codes)
        roots += [s for s in (self._dc(), self._clipping()) if s is not None]
        target, ceiling, peak_target, why = self._targets()
        rest = [
            *self._levels(target, ceiling),
            *self._eq(),
            *self._compressor(),
            *self._width(),
            *self._balance(),
            *self._file_steps(),
            *self._reference_steps(),
        ]
        if self.kind == "mastering":
            # The order to do them: fixes in the mix first, then the chain in signal order.
            rest.sort(key=lambda s: (s.where != "mix", _CHAIN.index(s.move)))
        else:
            rest.sort(key=lambda s: (_SEVERITY_RANK[s.severity], _CHAIN.index(s.move)))
        steps = roots + rest
        plan = Plan(
            feedback_type=self.kind,
            target_lufs=target,
            ceiling_dbtp=ceiling,
            peak_target_dbtp=peak_target,
            targets_reason=why,
            steps=steps,
            lead_code=None,
            notes=self.notes,
        )
        lead = plan.first(1)
        return plan.model_copy(
            update={
                "lead_code": lead[0].finding_codes[0] if lead and lead[0].finding_codes else None
            }
        )

    def _step(
        self,
        move: MoveKind,
        codes: Sequence[str],
        *,
        title: str,
        evidence: str,
        reason: str,
        amount: str = "",
        where: str | None = None,
        root: bool = False,
        explains: Sequence[str] = (),
        confidence: Confidence | None = None,
        **settings: object,
    ) -> Step:
        # A step is as important as the worst finding it answers, and names it first.
        codes = sorted(codes, key=self._place)
        own = [self.by_code[c] for c in codes if c in self.by_code]
        rank = min((self._place(c) for c in codes), default=len(self.findings))
        default: Severity = "info"
        severity: Severity = min(
            (f.severity for f in own), key=_SEVERITY_RANK.__getitem__, default=default
        )
        return Step.model_validate(
            {
                "move": move,
                "finding_codes": [*codes, *(c for c in explains if c not in codes)],
                "root_cause": root,
                "explains": list(explains),
                "where": where or ("master" if self.kind != "mixdown" else "mix"),
                "title": title,
                "amount": amount,
                "evidence": evidence,
                "reason": reason,
                "severity": severity,
                "rank": rank,
                "confidence": confidence or _CONFIDENCE[severity],
                **settings,
            }
        )

    def _place(self, code: str) -> int:
        """Where the code's finding stands among the findings, worst first (absent: last)."""
        found = self.by_code.get(code)
        return len(self.findings) if found is None else self.findings.index(found)

    def _present(self, *codes: str) -> list[str]:
        return [c for c in codes if c in self.by_code and c not in self.explained]

    # -- root causes ---------------------------------------------------------------------------

    def _inversion(self) -> Step | None:
        stereo = self.analysis.stereo
        corr, loss = stereo.correlation, stereo.mono_loss_db
        # A phase finding with polarity evidence; whether it is a whole-channel inversion is the
        # judgement's one test (findings.root_cause), never re-derived here.
        own = [
            f.code
            for f in self.findings
            if f.code == "phase_issue"
            or "polarity" in f.code
            or "invert" in f.code
            or any("polarity" in e.metric for e in f.evidence)
        ]
        if not own or not polarity_inverted(stereo, thresholds()):
            return None
        facts = []
        if corr is not None:
            facts.append(f"the channels correlate at {n.num(corr, decimals=2)}")
        if loss is not None:
            facts.append(f"folding to mono loses {n.amount_db(loss)}")
        symptoms = [
            f.code
            for f in self.findings
            if f.code not in own and f.code in (*_INVERSION_SYMPTOMS, *_SPECTRAL)
        ]
        return self._step(
            "polarity_flip",
            own,
            title="Flip the polarity of one channel of the whole track",
            evidence=" and ".join(facts).capitalize() + ".",
            reason=(
                "A correlation this negative, with this much lost in mono through most of the "
                "track, is one channel inverted, not a stereo effect; the width and tone "
                "readings follow from it, so they are judged again after the flip."
            ),
            where="mix",
            root=True,
            explains=symptoms,
            confidence="high",
        )

    def _mono_fold(self) -> Step | None:
        width = self.analysis.stereo.width
        if "stereo_too_narrow" not in self.by_code or "stereo_too_narrow" in self.explained:
            return None
        if width is None or not self.analysis.stereo.is_mono_source:  # the judgement's test
            return None
        return self._step(
            "stereo_export",
            ["stereo_too_narrow"],
            title="Export the mix again in stereo: this file is folded to mono",
            evidence=f"The side signal carries {n.percent(100 * width)} of the energy.",
            reason=(
                "With no side signal left, no width control can widen it: the fold happened "
                "upstream (a mono bus, a summed export or a mono plugin)."
            ),
            where="mix",
            root=True,
            confidence="high",
        )

    def _dc(self) -> Step | None:
        if not self._present("dc_offset"):
            return None
        offsets = [o for o in self.analysis.defects.dc_offset_dbfs if o is not None]
        (move,) = [
            m for m in moves.eq_moves(self.analysis, {"dc_offset"}, []) if m.kind == "high_pass"
        ]
        return self._step(
            "dc_removal",
            ["dc_offset"],
            title=f"Remove the DC offset with a high-pass at {n.hz(move.frequency_hz)}",
            amount=n.hz(move.frequency_hz),
            evidence=(
                f"The waveform sits off zero by up to {n.db(max(offsets), unit='dBFS')}."
                if offsets
                else "The waveform sits off zero."
            ),
            reason="An offset wastes headroom on one side and shifts every threshold after it.",
            root=True,
            eq=move,
        )

    def _clipping(self) -> Step | None:
        if not self._present("clipping"):
            return None
        defects = self.analysis.defects
        runs = defects.clip_run_count
        if defects.clip_runs:
            longest = defects.clip_runs[0]  # the meter lists the longest first
            evidence = (
                f"{counted(runs, 'clipped run')}, the longest "
                f"({counted(longest.samples, 'sample')}) at {clock(longest.start_s)}."
            )
        else:
            evidence = f"{counted(runs, 'clipped run')}."
        mix = self.kind != "master_review"
        return self._step(
            "clip_repair",
            ["clipping"],
            title=(
                "Stop the clipping at its source: lower the gain into the stage that clips and "
                "bounce again"
                if mix
                else "Go back to an unclipped premaster: a limiter cannot repair flat tops"
            ),
            evidence=evidence,
            reason="Flat-topped peaks are printed distortion; nothing after them removes it.",
            where="mix",
            root=True,
        )

    # -- targets and levels --------------------------------------------------------------------

    def _targets(self) -> tuple[float | None, float | None, float | None, str]:
        loud = self.analysis.loudness
        if self.kind == "mixdown":
            peak = self.profile.mix.true_peak_dbtp.high
            return (
                None,
                None,
                peak,
                "A mixdown gets no loudness target and no limiter: it needs headroom, its peaks "
                f"at or below {n.db(peak, unit='dBTP')} "
                f"({self._source(self.profile.mix.true_peak_dbtp)})."
                if peak is not None
                else "A mixdown gets no loudness target and no limiter.",
            )
        master = self.profile.master.integrated_lufs
        integrated = loud.integrated_lufs
        if self.kind == "mastering":
            target = _position(master, _rules()["targets.master_range_position"])
            why = (
                f"The chain aims at {n.lufs(target)}, the middle of the {self.profile.label} "
                "master range, whatever level the mix arrives at"
                if target is not None
                else "No master loudness range is known for the genre"
            )
        else:
            target = None if integrated is None else _clamp(integrated, master)
            if target is not None and "over_compressed" in self.by_code and integrated is not None:
                eased = integrated - self._distance("over_compressed")
                target = _clamp(min(target, eased), master)
            why = (
                f"The master moves only as far as it must: to {n.lufs(target)}, inside the "
                f"{self.profile.label} range"
                if target is not None
                else "No integrated loudness could be measured"
            )
        chosen = self._ceiling(target)
        ceiling = chosen.ceiling_dbtp
        if chosen.set_by_codec and chosen.worst is not None:
            said = decoded_peak(chosen.worst.codec, chosen.worst.decoded_peak_dbtp)
            why += (
                f"; the ceiling, {n.db(ceiling, unit='dBTP')}, keeps every service's decoded copy "
                f"at or below {n.db(chosen.decoded_peak_max_dbtp, unit='dBTP')}: {said}, so it "
                f"sits below the platforms' {n.db(chosen.guidance_dbtp, unit='dBTP')}."
            )
        else:
            why += (
                f"; the ceiling, {n.db(ceiling, unit='dBTP')}, is the strictest true-peak guidance "
                "of the chosen platforms for a master that loud."
            )
        return None if target is None else round(target, 1), ceiling, None, why

    def _ceiling(self, target: float | None) -> DeliveryCeiling:
        return delivery_ceiling(
            on=self.platforms,
            integrated_lufs=target,
            sample_peak_dbfs=self.analysis.loudness.sample_peak_dbfs,
            codecs=self.analysis.codecs,
        )

    def _distance(self, code: str) -> float:
        """How far the finding's first valued evidence lies outside its range (positive)."""
        finding = self.by_code.get(code)
        for e in [] if finding is None else finding.evidence:
            if e.value is not None:
                t = Target(low=e.target_low, high=e.target_high, source="team_loudness")
                return abs(t.distance(e.value))
        return 0.0

    def _levels(self, target: float | None, ceiling: float | None) -> list[Step]:
        if self.kind == "mixdown":
            return self._mix_levels()
        steps = []
        limited = self._present(*_BUS_LIMITED)
        if self.kind == "mastering":
            if limited:
                steps.append(
                    self._step(
                        "remove_bus_limiter",
                        limited,
                        title="Ask for a bounce without the mix-bus limiter before mastering",
                        evidence=self._loudness_evidence(),
                        reason="Mastering needs the peaks the bus limiter took; the chain below "
                        "is set for the genre's level, not for this bounce's.",
                        where="mix",
                    )
                )
            headroom = self._present("true_peak_over")
            if headroom and not limited:
                steps.append(self._headroom_step(headroom, where="mix"))
        # The limiter works on what arrives after the fader move above it, if there is one.
        arriving = sum(s.gain_db or 0.0 for s in steps if s.move == "gain")
        limiter = self._limiter(target, ceiling, arriving_db=arriving)
        if limiter is not None:
            steps.append(limiter)
        return steps

    def _mix_levels(self) -> list[Step]:
        loud = self.analysis.loudness
        mix = self.profile.mix
        codes = self._present("too_loud", "over_compressed", "true_peak_over")
        if not codes:
            return []
        excesses = [0.0]
        if loud.integrated_lufs is not None and mix.integrated_lufs.high is not None:
            excesses.append(loud.integrated_lufs - mix.integrated_lufs.high)
        if loud.true_peak_dbtp is not None and mix.true_peak_dbtp.high is not None:
            excesses.append(loud.true_peak_dbtp - mix.true_peak_dbtp.high)
        gain = -round(max(excesses), 1)
        limited = [c for c in codes if c in _BUS_LIMITED]
        fader = f"pull the master fader down by {n.amount_db(gain)}" if gain < 0 else ""
        if limited:
            title = "Take the limiter off the mix bus" + (f", then {fader}" if fader else "")
            move: MoveKind = "remove_bus_limiter"
        else:
            title = fader.capitalize() or "Leave the fader where it is"
            move = "gain"
        return [
            self._step(
                move,
                codes,
                title=title,
                amount="" if gain >= 0 else n.db(gain, signed=True),
                evidence=self._loudness_evidence(),
                reason=(
                    "One fader move brings both the loudness and the peaks inside the mixdown "
                    f"targets ({_range(mix.integrated_lufs)}, peaks at or below "
                    f"{n.db(mix.true_peak_dbtp.high or 0.0, unit='dBTP')}): mastering needs that "
                    "headroom. Measure again after the limiter is off."
                ),
                where="mix",
                gain_db=gain,
            )
        ]

    def _headroom_step(self, codes: list[str], *, where: str) -> Step:
        loud = self.analysis.loudness
        high = self.profile.mix.true_peak_dbtp.high
        gain = 0.0
        if loud.true_peak_dbtp is not None and high is not None:
            gain = -round(max(0.0, loud.true_peak_dbtp - high), 1)
        return self._step(
            "gain",
            codes,
            title=f"Pull the mix's master fader down by {n.amount_db(gain)} for headroom",
            amount=n.db(gain, signed=True),
            evidence=self._loudness_evidence(),
            reason="A mix for mastering peaks below "
            f"{n.db(high or 0.0, unit='dBTP')} so the mastering chain has room to work.",
            where=where,
            gain_db=gain,
        )

    def _loudness_evidence(self) -> str:
        loud = self.analysis.loudness
        parts = []
        if loud.integrated_lufs is not None:
            parts.append(f"{n.lufs(loud.integrated_lufs)} integrated")
        if loud.true_peak_dbtp is not None:
            parts.append(f"true peaks at {n.db(loud.true_peak_dbtp, unit='dBTP')}")
        limiting = self.analysis.dynamics.limiting_db
        if limiting is not None and limiting >= 1.0:
            parts.append(f"{formatting.limiting(limiting)} of limiting on the loud parts")
        return ("It measures " + ", ".join(parts) + ".") if parts else ""

    def _limiter(
        self, target: float | None, ceiling: float | None, *, arriving_db: float = 0.0
    ) -> Step | None:
        loud = self.analysis.loudness
        integrated, peak = loud.integrated_lufs, loud.true_peak_dbtp
        codes = self._present(*_LOUDNESS)
        codes = [c for c in codes if self.kind == "master_review" or c == "too_quiet"]
        peaks_over = peak is not None and ceiling is not None and peak > ceiling
        if integrated is None or target is None or ceiling is None:
            return None
        if self.kind == "master_review" and not codes and not peaks_over:
            return None
        level = integrated + arriving_db
        gain = round(target - level, 1)
        quarter = moves.quarter_note_ms(self.analysis)
        release = 50.0 if quarter is None else max(10.0, min(200.0, quarter / 8))
        settings = LimiterSettings(
            ceiling_dbtp=ceiling,
            input_gain_db=gain,
            release_ms=round(release),
            target_lufs=target,
            reason=(
                f"The input gain brings {n.lufs(integrated)}"
                + (", less the fader move above," if arriving_db else "")
                + f" to the {n.lufs(target)} target; true-peak mode holds the "
                f"{n.db(ceiling, unit='dBTP')} ceiling on the peaks between samples too, which "
                "the platforms' encoders would turn into overs."
            ),
            finding_codes=codes,
        )
        if abs(gain) >= 0.1:
            verb = "Raise" if gain > 0 else "Lower"
            title = (
                f"{verb} the limiter's input gain by {n.amount_db(gain)} to reach "
                f"{n.lufs(target)}, ceiling {n.db(ceiling, unit='dBTP')} (true-peak mode)"
            )
        else:
            title = (
                f"Set the limiter's ceiling to {n.db(ceiling, unit='dBTP')} in true-peak mode, "
                f"keeping {n.lufs(target)}"
            )
        evidence = self._loudness_evidence()
        chosen = self._ceiling(target)
        over = chosen.decoded_over
        if over is not None:
            said = decoded_peak(over.codec, over.decoded_peak_dbtp)
            evidence += (
                f" {said[0].upper()}{said[1:]}: lower the ceiling to {n.db(ceiling, unit='dBTP')}."
            )
        if peaks_over and peak is not None:
            evidence += (
                f" The true peak is {n.amount_db(peak - ceiling)} above the "
                f"{n.db(ceiling, unit='dBTP')} ceiling."
            )
        return self._step(
            "limiter",
            codes,
            title=title,
            amount=f"{n.db(gain, signed=True)}, ceiling {n.db(ceiling, unit='dBTP')}",
            evidence=evidence,
            reason=settings.reason,
            where="master",
            limiter=settings,
        )

    # -- tone, dynamics, stereo ----------------------------------------------------------------

    def _eq(self) -> list[Step]:
        codes = set(self._present(*_SPECTRAL))
        steps = []
        for move in moves.eq_moves(self.analysis, codes, self.notes):
            if move.kind == "high_pass":
                continue
            steps.append(
                self._step(
                    "eq",
                    move.finding_codes,
                    title=f"EQ: {moves.eq_words(move)}",
                    amount=n.db(move.gain_db, signed=True),
                    evidence=move.reason,
                    reason=moves.eq_rule(move, self.kind),
                    eq=move,
                )
            )
        return steps

    def _compressor(self) -> list[Step]:
        codes = set(self._present("under_compressed", "reference_less_dynamic"))
        settings = moves.compressor(self.analysis, codes)
        if settings is None:
            return []
        return [
            self._step(
                "compressor",
                settings.finding_codes,
                title=(
                    f"Bus compression: ratio {n.ratio(settings.ratio)}, threshold "
                    f"{n.db(settings.threshold_dbfs, unit='dBFS')}, attack "
                    f"{n.ms(settings.attack_ms)}, release {n.ms(settings.release_ms)}"
                ),
                amount=n.ratio(settings.ratio),
                evidence=self._loudness_evidence(),
                reason=settings.reason,
                compressor=settings,
            )
        ]

    def _width(self) -> list[Step]:
        codes = set(self._present("wide_low_end", "stereo_too_narrow", "stereo_too_wide"))
        steps = []
        for move in moves.width_moves(self.analysis, codes, self.notes):
            if move.width_percent == 0:
                title = f"Fold everything below {n.hz(move.high_hz)} to mono"
            else:
                verb = "Raise" if move.width_percent > 100 else "Lower"
                title = (
                    f"{verb} the side signal above {n.hz(move.low_hz)} to "
                    f"{n.percent(move.width_percent)} of its level"
                )
            steps.append(
                self._step(
                    "width",
                    move.finding_codes,
                    title=title,
                    amount=n.percent(move.width_percent),
                    evidence=move.reason,
                    reason="Width is brought to the edge of the genre's range, never beyond.",
                    width=move,
                )
            )
        return steps

    def _balance(self) -> list[Step]:
        balance = self.analysis.stereo.balance_db
        if not self._present("channel_imbalance") or balance is None:
            return []
        louder, quieter = ("left", "right") if balance > 0 else ("right", "left")
        return [
            self._step(
                "balance",
                ["channel_imbalance"],
                title=(
                    f"Recentre the image: the {louder} side is {n.amount_db(balance)} louder"
                    if self.kind == "mixdown"
                    else f"Shift the balance {n.amount_db(balance)} towards the {quieter}"
                ),
                amount=n.amount_db(balance),
                evidence=f"The {louder} channel is {n.amount_db(balance)} louder than the "
                f"{quieter}.",
                reason="About 1 dB between the ears is audible; more moves the centre.",
                gain_db=round(-balance, 1),
            )
        ]

    def _file_steps(self) -> list[Step]:
        steps = []
        if self._present("silence_padding"):
            d = self.analysis.defects
            steps.append(
                self._step(
                    "trim",
                    ["silence_padding"],
                    title="Trim the silence at the edges",
                    evidence=f"{n.seconds(d.silence_start_s)} of silence before the music, "
                    f"{n.seconds(d.silence_end_s)} after it.",
                    reason="Distributors and playlists add their own gaps.",
                )
            )
        if self._present("low_resolution_source"):
            steps.append(
                self._step(
                    "re_export",
                    ["low_resolution_source"],
                    title="Export again from the lossless source",
                    evidence=self.by_code["low_resolution_source"].detail,
                    reason="What a lossy stage removed cannot be restored.",
                    where="mix",
                )
            )
        return steps

    def _reference_steps(self) -> list[Step]:
        return [
            self._step(
                "compare",
                [f.code],
                title=f"Against the reference: {f.title[0].lower() + f.title[1:]}",
                evidence=f.detail,
                reason="Compare at matched loudness before changing anything.",
            )
            for f in self.findings
            if f.code.startswith("reference_") and f.code not in self.explained
        ]

    def _source(self, target: Target) -> str:
        return source(target.source).short


def _position(target: Target, fraction: float) -> float | None:
    if target.low is None or target.high is None:
        return target.high if target.low is None else target.low
    return round(target.low + fraction * (target.high - target.low), 1)


def _clamp(value: float, target: Target) -> float:
    if target.high is not None and value > target.high:
        return target.high
    if target.low is not None and value < target.low:
        return target.low
    return value


def _range(target: Target) -> str:
    if target.low is not None and target.high is not None:
        return f"{n.num(target.low)} to {n.lufs(target.high)}"
    edge = target.high if target.high is not None else target.low
    return f"{'at most' if target.high is not None else 'at least'} {n.lufs(edge or 0.0)}"
