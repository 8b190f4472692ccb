"""What an engineer would say about each finding: measured facts, why they matter, what to do.

One composer per finding code turns a :class:`Finding` (its evidence, time ranges and severity)
and the context (feedback type, derived presets, delivery verdicts) into an :class:`Advice`. The
wording follows the evidence: how far outside the range a value lies picks the words ("a touch",
"clearly", "far"), the feedback type picks where the fix happens (the mix or the master), and the
amounts come from the measurements and the presets. Every number is written with
:mod:`mixcoach.feedback.numbers`, so the grounding check reads back exactly the measured values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mixcoach.analysis import Analysis
from mixcoach.audio.model import TimeRange
from mixcoach.feedback import numbers as n
from mixcoach.feedback.facts import distance_outside
from mixcoach.feedback.model import EqMove, PlatformVerdict, Presets
from mixcoach.feedback.presets import BAND_CODES
from mixcoach.feedback.retrieval import KnowledgeBase
from mixcoach.findings.model import FeedbackType, Finding


@dataclass(frozen=True)
class Context:
    analysis: Analysis
    presets: Presets
    delivery: Sequence[PlatformVerdict]
    knowledge: KnowledgeBase

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


def _evidence(finding: Finding, *names: str) -> Measured | None:
    """The first evidence with a value whose metric mentions one of ``names`` (any if none)."""
    for e in finding.evidence:
        if e.value is not None and (not names or any(name in e.metric for name in names)):
            return Measured(e.metric, e.value, e.unit, e.target_low, e.target_high)
    return None


def _value(evidence: Measured) -> str:
    return n.with_unit(evidence.value, evidence.unit)


def _target(evidence: Measured) -> str:
    low, high, unit = evidence.target_low, evidence.target_high, evidence.unit
    if low is not None and high is not None:
        return f"between {n.with_unit(low, unit)} and {n.with_unit(high, unit)}"
    if high is not None:
        return f"at most {n.with_unit(high, unit)}"
    if low is not None:
        return f"at least {n.with_unit(low, unit)}"
    return "no fixed target"


def _distance(evidence: Measured) -> float:
    return distance_outside(evidence.value, evidence.target_low, evidence.target_high)


def _amount(evidence: Measured) -> str:
    """The distance outside the range as an amount (always positive; LU for loudness)."""
    unit = {"LUFS": "LU", "dBTP": "dB", "dBFS": "dB"}.get(evidence.unit, evidence.unit)
    return n.with_unit(abs(_distance(evidence)), unit)


def _degree(size: float, *, small: float, large: float) -> str:
    if size < small:
        return "a touch"
    if size < large:
        return "clearly"
    return "far"


def _where(finding: Finding) -> str:
    """``" around 1:12, 1:40 and 2:05"`` for a local finding, ``""`` for a global one."""
    return _around(finding.time_ranges)


def _around(spans: Sequence[TimeRange], *, most: int = 3) -> str:
    if not spans:
        return ""
    times = [n.clock(span.start_s) for span in spans[:most]]
    listed = times[0] if len(times) == 1 else ", ".join(times[:-1]) + " and " + times[-1]
    extra = len(spans) - most
    more = f" (and {extra} more {'place' if extra == 1 else 'places'})" if extra > 0 else ""
    return f" around {listed}{more}"


def _eq_text(move: EqMove) -> str:
    if move.kind in ("high_pass", "low_pass"):
        return f"a {move.kind.replace('_', '-')} filter at {n.hz(move.frequency_hz)}"
    shape = {"bell": "bell", "low_shelf": "low shelf", "high_shelf": "high shelf"}[move.kind]
    verb = "cut" if move.gain_db < 0 else "boost"
    q = f" (Q {n.num(move.q, decimals=2)})" if move.kind == "bell" else ""
    return f"a {shape} {verb} of {n.amount_db(move.gain_db)} at {n.hz(move.frequency_hz)}{q}"


def _eq_moves(ctx: Context, code: str) -> list[EqMove]:
    return [move for move in ctx.presets.eq if code in move.finding_codes]


def _eq_step(ctx: Context, code: str, *, where: str) -> list[str]:
    moves = _eq_moves(ctx, code)
    if not moves:
        return []
    listed = "; ".join(_eq_text(move) for move in moves)
    return [f"On the {where}: {listed}. Sweep around each frequency by ear before you commit."]


def _limiter_settings(ctx: Context) -> list[str]:
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


def _compressor_settings(ctx: Context) -> list[str]:
    c = ctx.presets.compressor
    if c is None:
        return []
    return [
        f"Bus compressor: threshold {n.db(c.threshold_dbfs, unit='dBFS')}, ratio "
        f"{n.ratio(c.ratio)}, attack {n.ms(c.attack_ms)}, release {n.ms(c.release_ms)}, soft knee "
        f"{n.amount_db(c.knee_db)}, make-up {n.amount_db(c.makeup_db)}."
    ]


def _width_settings(ctx: Context, code: str) -> list[str]:
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


def _turned_down(ctx: Context) -> list[PlatformVerdict]:
    return [v for v in ctx.delivery if v.verdict == "turned_down"]


def _fallback(finding: Finding) -> str:
    """The judge's own sentence, when the evidence carries no value to quote."""
    return finding.detail


# ---------------------------------------------------------------------------------------------
# Level, peaks and loudness


def _clipping(f: Finding, ctx: Context) -> Advice:
    defects = ctx.analysis.defects
    runs = defects.clip_run_count
    where = _where(f)
    level = defects.clip_level_dbfs
    below_full_scale = level is not None and level < -0.1
    measured = (
        f"{defects.clipped_samples} samples sit flat at the clip level, in {runs} runs{where}."
        if runs
        else _fallback(f)
    )
    if below_full_scale and level is not None:
        measured += (
            f" The flat tops sit at {n.db(level, unit='dBFS')}, below full scale: the clipping "
            "happened earlier in the chain and the file was turned down afterwards."
        )
    heavy = runs >= 10
    summary = (
        f"The track clips{where}: that distortion is printed into the file and cannot be "
        "removed later."
    )
    if ctx.is_mix:
        steps = [
            "Pull the master fader (or the buses feeding it) down until the mix peaks clearly "
            "below full scale, and take any limiter or clipper off the mix bus.",
            "If one channel clips on its own, reduce the gain into the plugin that clips.",
        ]
        why = "A mix that clips hands the mastering stage distortion it cannot undo."
    else:
        steps = [
            "Go back to an unclipped mix or premaster if you have one: a limiter cannot repair "
            "flat-topped peaks.",
            "Put a true-peak limiter last in the chain and make sure nothing after it adds gain.",
        ]
        why = (
            "Clipped peaks are audible as crackle on the transients, and streaming encoders make "
            "them worse."
        )
    if below_full_scale:
        steps.insert(
            0,
            "Lowering the output level now will not help: find the stage that "
            "clipped before the file was turned down.",
        )
    if heavy:
        why += f" With {runs} runs this is not an isolated over but a gain-staging problem."
    return Advice(f.code, "Clipping", "the clipping", summary, measured, why, steps)


def _true_peak_over(f: Finding, ctx: Context) -> Advice:
    e = _evidence(f, "true_peak")
    if e is None:
        return _generic(f, ctx)
    where = _where(f)
    over = _amount(e)
    ceiling = (
        "its ceiling" if e.target_high is None else n.db(e.target_high, unit=e.unit) + " ceiling"
    )
    measured = f"True peak reaches {_value(e)}{where}, {over} above the {ceiling}."
    if ctx.is_mix:
        summary = (
            f"The true peak reaches {_value(e)}: leave more headroom in the mix by pulling "
            f"the master fader down by at least {over}."
        )
        why = "A mix needs room above its peaks so mastering can work without overs."
        steps = [
            f"Lower the master fader by at least {over} and check that nothing on the mix bus "
            "is limiting."
        ]
    else:
        summary = (
            f"Inter-sample peaks reach {_value(e)}: switch the limiter to true-peak mode and "
            f"lower its ceiling by {over}."
        )
        why = (
            "Lossy encoders (AAC, Ogg, MP3) add overshoot, so peaks above the ceiling turn into "
            "audible distortion after upload."
        )
        steps = [
            "Switch the limiter to true-peak (oversampled) detection and set the ceiling "
            f"{over} lower, then measure again after dither and any sample-rate conversion."
        ]
    return Advice(
        f.code,
        "True-peak overs",
        "the true-peak overs",
        summary,
        measured,
        why,
        steps,
        _limiter_settings(ctx),
    )


def _too_loud(f: Finding, ctx: Context) -> Advice:
    e = _evidence(f, "integrated", "lufs")
    if e is None:
        return _generic(f, ctx)
    size = abs(_distance(e))
    degree = _degree(size, small=1.5, large=4.0)
    measured = (
        f"Integrated loudness is {_value(e)}, {_amount(e)} above the {ctx.genre} range "
        f"({_target(e)})."
    )
    down = _turned_down(ctx)
    if ctx.is_mix:
        summary = (
            f"At {_value(e)} this mix is {degree} too loud: take the limiter off the mix bus "
            f"and bring it down by {_amount(e)} or more."
        )
        why = (
            "A loud mix almost always has a limiter or clipper on the bus; mastering needs "
            "the peaks and the headroom you have spent."
        )
        steps = [
            "Bypass any limiter, clipper or maximiser on the mix bus and export again.",
            f"Pull the master fader down by {n.amount_db(_distance(e))} or more so the peaks have "
            "room.",
        ]
    else:
        summary = (
            f"At {_value(e)} the master is {degree} louder than {ctx.genre} needs: back the "
            f"limiter off by {_amount(e)}."
        )
        why = "Past the genre's range, extra loudness costs punch and clarity."
        if down:
            loudest = min(down, key=lambda v: v.gain_db)
            why += (
                f" Streaming will not reward it: {loudest.label} alone turns it down by "
                f"{n.amount_db(loudest.gain_db)}."
            )
        steps = [
            f"Reduce the limiter's input gain by {_amount(e)} and compare at matched loudness: "
            "the drums should hit harder.",
            "If you want density without more limiting, add gentle bus compression or parallel "
            "saturation before the limiter.",
        ]
    return Advice(
        f.code,
        "Too loud",
        "the excess loudness",
        summary,
        measured,
        why,
        steps,
        _limiter_settings(ctx),
    )


def _too_quiet(f: Finding, ctx: Context) -> Advice:
    e = _evidence(f, "integrated", "lufs")
    if e is None:
        return _generic(f, ctx)
    measured = (
        f"Integrated loudness is {_value(e)}, {_amount(e)} below the {ctx.genre} range "
        f"({_target(e)})."
    )
    quiet = [v for v in ctx.delivery if v.verdict == "plays_quiet"]
    if ctx.is_mix:
        summary = (
            f"The mix sits at {_value(e)}, quieter than usual; that is fine for mastering "
            "as long as the balance is right."
        )
        why = "A mix's loudness matters less than its headroom; mastering adds the level."
        steps = [
            "Leave it: do not add a limiter to reach loudness. If a few transients set the peak "
            "level, tame them on their own channels."
        ]
    else:
        summary = (
            f"At {_value(e)} the master is {_amount(e)} quieter than {ctx.genre} usually sits: "
            f"raise the limiter's input gain by {_amount(e)}."
        )
        why = "A quiet master sounds smaller than its neighbours in a playlist or a DJ set."
        if quiet:
            why += f" {quiet[0].note}"
        steps = [
            f"Raise the gain into the limiter by {_amount(e)} with a true-peak ceiling, and "
            "watch the gain reduction.",
            "If that takes more than a few dB of limiting, split the work: a gentle compressor "
            "or a clipper first, then the limiter.",
        ]
    return Advice(
        f.code,
        "Too quiet",
        "the low loudness",
        summary,
        measured,
        why,
        steps,
        _limiter_settings(ctx),
    )


# ---------------------------------------------------------------------------------------------
# Dynamics


def _over_compressed(f: Finding, ctx: Context) -> Advice:
    e = _evidence(f)
    if e is None:
        return _generic(f, ctx)
    limiting = ctx.analysis.dynamics.limiting_db
    measured = f"{_label(e)} is {_value(e)}, below the {ctx.genre} range ({_target(e)})."
    if limiting is not None and limiting > 0:
        measured += f" The loud parts show about {n.amount_db(limiting)} of limiting."
    degree = _degree(abs(_distance(e)), small=1.5, large=4.0)
    if ctx.is_mix:
        summary = (
            "The mix is squashed: take the limiter off the mix bus and loosen the bus "
            "compression so the drums can hit."
        )
        steps = [
            "Remove the limiter from the mix bus; mastering will do that job.",
            "On the bus compressor, slow the attack and lower the ratio until its gain "
            "reduction only moves on the loudest hits.",
            "Try parallel compression on the drums instead of compressing the whole bus.",
        ]
    else:
        summary = (
            f"The dynamics are {degree} flattened: ease the limiter by {_amount(e)} and "
            "let the transients breathe."
        )
        steps = [
            f"Reduce the limiter's input gain until the {_label(e).lower()} is back in the "
            f"range (about {_amount(e)} less limiting).",
            "If the mix arrived over-compressed, ask for a version without bus limiting: "
            "mastering cannot restore the dynamics.",
        ]
    why = (
        "Flattened transients cost punch and make the sections sound the same; after streaming "
        "normalisation a crushed master sounds quieter, not louder."
    )
    return Advice(
        f.code,
        "Over-compressed",
        "the flattened dynamics",
        summary,
        measured,
        why,
        steps,
        _limiter_settings(ctx),
    )


def _under_compressed(f: Finding, ctx: Context) -> Advice:
    e = _evidence(f)
    if e is None:
        return _generic(f, ctx)
    measured = f"{_label(e)} is {_value(e)}, above the {ctx.genre} range ({_target(e)})."
    summary = (
        f"The level moves more than {ctx.genre} usually does: ride the quiet sections up and "
        "add gentle bus compression."
    )
    steps = [
        "Automate the quiet sections up and the loud ones down before compressing anything.",
        "Then glue the mix with gentle bus compression on the loud parts only.",
    ]
    if ctx.kind != "mixdown":
        steps[0] = (
            "If one section stands out, automate the gain into the chain for that section rather "
            "than compressing everything harder."
        )
    why = (
        "Quiet passages disappear on phones and in cars while loud ones jump out; listeners "
        "reach for the volume."
    )
    return Advice(
        f.code,
        "Level moves too much",
        "the level swings",
        summary,
        measured,
        why,
        steps,
        _compressor_settings(ctx),
    )


def _label(evidence: Measured) -> str:
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


# ---------------------------------------------------------------------------------------------
# Stereo


def _stereo_too_narrow(f: Finding, ctx: Context) -> Advice:
    width = ctx.analysis.stereo.width
    measured = (
        f"The side signal carries {n.percent(100 * width)} of the energy, below the "
        f"{ctx.genre} range."
        if width is not None
        else _fallback(f)
    )
    summary = (
        "The image is narrow: spread doubled parts and effects to the sides, keep kick, bass "
        "and lead vocal in the middle."
    )
    if ctx.kind == "mixdown":
        steps = [
            "Pan double-tracked guitars, backing vocals, keys and percussion to opposite sides; "
            "record real doubles instead of copies.",
            "Use stereo reverbs and delays on sends; keep the low end centred.",
        ]
    else:
        steps = [
            "Lift the side signal above the low end with a mid/side EQ or a width control, "
            "gently: side boosts also raise noise and phase problems.",
        ]
    why = "A narrow mix crowds everything into the centre, so elements mask each other."
    return Advice(
        f.code,
        "Narrow stereo image",
        "the narrow image",
        summary,
        measured,
        why,
        steps,
        _width_settings(ctx, f.code),
    )


def _stereo_too_wide(f: Finding, ctx: Context) -> Advice:
    stereo = ctx.analysis.stereo
    parts = []
    if stereo.width is not None:
        parts.append(f"The side signal carries {n.percent(100 * stereo.width)} of the energy")
    if stereo.mono_loss_db is not None:
        parts.append(f"folding to mono loses {n.amount_db(stereo.mono_loss_db)}")
    measured = (", and ".join(parts) + ".") if parts else _fallback(f)
    summary = (
        "The image is wider than it can afford: whatever lives in the sides drops out in mono. "
        "Reduce the wideners."
    )
    steps = (
        [
            "Remove or reduce stereo wideners and short-delay doubling, starting with the widest "
            "elements; keep one or two wide features.",
            "Check multi-microphone sources for polarity and alignment.",
        ]
        if ctx.kind == "mixdown"
        else ["Reduce the side level above the low end with a mid/side EQ or width control."]
    )
    why = "Phones, smart speakers and club systems play in mono or close to it."
    return Advice(
        f.code,
        "Stereo image too wide",
        "the over-wide image",
        summary,
        measured,
        why,
        steps,
        _width_settings(ctx, f.code),
    )


def _phase_issue(f: Finding, ctx: Context) -> Advice:
    stereo = ctx.analysis.stereo
    where = _where(f) or _around(stereo.correlation_low_points)
    parts = []
    if stereo.mono_loss_db is not None:
        parts.append(f"folding to mono loses {n.amount_db(stereo.mono_loss_db)}")
    if stereo.correlation_low_points:
        parts.append(f"the correlation drops below zero{where}")
    measured = (
        ("Left and right cancel each other: " + " and ".join(parts) + ".")
        if parts
        else (_fallback(f))
    )
    flipped = stereo.correlation is not None and stereo.correlation < -0.5
    if flipped:
        summary = (
            "One channel looks polarity-inverted: the track nearly cancels in mono. Flip the "
            "polarity of one channel."
        )
        steps = ["Flip the polarity of one channel of the whole track and check it in mono."]
    else:
        summary = (
            f"Parts of the mix are out of phase{where}: find the element that cancels in mono "
            "and flip or align it."
        )
        steps = [
            "Solo groups in mono and listen for the one that thins out; flip its polarity or "
            "align it in time.",
            "Take phase-based wideners off bass instruments.",
        ]
        if ctx.kind != "mixdown":
            steps.append(
                "A master can only narrow the low end in the meantime: the real fix is in the mix."
            )
    why = "Out-of-phase material loses its low end and its centre in mono."
    return Advice(f.code, "Phase problems", "the phase cancellation", summary, measured, why, steps)


def _channel_imbalance(f: Finding, ctx: Context) -> Advice:
    balance = ctx.analysis.stereo.balance_db
    if balance is None:
        return _generic(f, ctx)
    louder, quieter = ("left", "right") if balance > 0 else ("right", "left")
    measured = f"The {louder} channel is {n.amount_db(balance)} louder than the {quieter}."
    summary = f"The mix leans {louder}: recentre the lead elements and rebalance the arrangement."
    steps = (
        [
            "Check that kick, snare, bass and lead vocal are panned dead centre.",
            "Counterweight loud parts on one side with parts on the other; check the mix bus for "
            "a stray pan or balance setting.",
        ]
        if ctx.kind == "mixdown"
        else [
            f"A balance correction of {n.amount_db(balance)} towards the {quieter} side "
            "recentres the image; if one element causes it, fix it in the mix instead."
        ]
    )
    why = "A lopsided image moves the vocal and the kick off centre on speakers."
    return Advice(
        f.code, "Left-right imbalance", "the left-right imbalance", summary, measured, why, steps
    )


def _wide_low_end(f: Finding, ctx: Context) -> Advice:
    width = ctx.analysis.stereo.low_end_width
    measured = (
        f"Below the low-end split, {n.percent(100 * width)} of the energy is in the side signal."
        if width is not None
        else _fallback(f)
    )
    summary = "The low end is wide: make the bass and the kick mono so they keep their weight."
    steps = (
        [
            "Make the bass and the kick mono, or high-pass the side channel of wide bass sources.",
            "Filter the low end out of reverb and delay returns.",
        ]
        if ctx.kind == "mixdown"
        else ["Fold the low end to mono with a mid/side high-pass or a low-end width control."]
    )
    why = "Low-frequency side energy cancels in mono and makes the low end vague on big systems."
    return Advice(
        f.code,
        "Wide low end",
        "the wide low end",
        summary,
        measured,
        why,
        steps,
        _width_settings(ctx, f.code),
    )


# ---------------------------------------------------------------------------------------------
# Spectral balance


def _spectral(
    *, title: str, issue: str, excess: bool, mix_steps: list[str], master_hint: str, why: str
) -> Composer:
    """A composer for a band-balance finding: quotes the flagged bands and their EQ moves."""

    def compose(f: Finding, ctx: Context) -> Advice:
        moves = _eq_moves(ctx, f.code)
        direction = 1 if excess else -1
        flagged = [
            band
            for band in ctx.analysis.spectrum.bands
            if band.delta_db
            and (band.delta_db > 0) == excess
            and f.code in BAND_CODES.get((band.name, direction), ())
        ]
        if flagged:
            worst = max(flagged, key=lambda b: abs(b.delta_db or 0.0))
            edge = "above the top" if excess else "below the bottom"
            listed = "; ".join(
                f"the {b.name.replace('_', '-')} band ({n.hz(b.low_hz)}-{n.hz(b.high_hz)}) sits "
                f"{n.amount_db(b.delta_db or 0.0)} {edge} of its range"
                for b in flagged
            )
            measured = f"Against the {ctx.genre} profile, {listed}."
            degree = _degree(abs(worst.delta_db or 0.0), small=1.5, large=4.0)
            amount = n.amount_db(worst.delta_db or 0.0)
            region = f"the {worst.name.replace('_', '-')} band"
        else:
            measured, degree, amount, region = _fallback(f), "clearly", "", "that range"
        verb = "cut" if excess else "lift"
        summary = f"The mix is {degree} {title.lower()}: {verb} {region}" + (
            f" by about {amount}." if amount else "."
        )
        if ctx.kind == "mixdown":
            steps = [
                *mix_steps,
                *_eq_step(ctx, f.code, where="mix bus, if sources alone do not get you there"),
            ]
        else:
            steps = [master_hint, *_eq_step(ctx, f.code, where="master")]
        genre = ctx.genre_note(f.code)
        if genre:
            steps.append(f"In {ctx.genre}: {genre}")
        settings = [f"EQ: {_eq_text(move)}." for move in moves]
        return Advice(f.code, title, issue, summary, measured, why, steps, settings)

    return compose


_too_bright = _spectral(
    title="Too bright",
    issue="the excess top end",
    excess=True,
    mix_steps=[
        "Turn the hi-hats, shakers and cymbals down before reaching for EQ; de-ess the vocal.",
        "Remove stacked high shelves and exciters on individual tracks.",
    ],
    master_hint="A wide high-shelf cut brings the balance back; a dynamic EQ helps when the "
    "brightness comes with the cymbals.",
    why="Too much top end is exciting for a moment and tiring after a minute, and lossy "
    "encoding makes it swirl.",
)
_too_dull = _spectral(
    title="Too dull",
    issue="the dull top end",
    excess=False,
    mix_steps=[
        "Clean the low mids first: cutting mud often restores clarity without any boost.",
        "Brighten the elements that carry the top (vocal, hi-hats, overheads) rather than the "
        "whole mix.",
    ],
    master_hint="A wide high shelf opens the top; keep it gentle and listen for hiss and "
    "sibilance coming up with it.",
    why="A dull mix sounds distant and smaller than it measures, and the vocal loses its words.",
)
_too_boomy = _spectral(
    title="Too boomy",
    issue="the excess low end",
    excess=True,
    mix_steps=[
        "Decide whether the kick or the bass owns the lowest octave, and carve room for the "
        "other (an EQ dip or sidechain compression).",
        "High-pass everything that does not need low end: guitars, keys, vocals, pads, reverbs.",
    ],
    master_hint="A low-shelf cut tightens the low end; a dynamic EQ controls bass notes that "
    "boom only now and then.",
    why="Excess low end swallows the kick, masks the vocal and makes the limiter pump.",
)
_too_thin = _spectral(
    title="Too thin",
    issue="the missing low end",
    excess=False,
    mix_steps=[
        "Lower the high-pass filters on the bass and the kick; give the bass a sub layer if "
        "the part sits high.",
        "Check kick and bass for phase cancellation: flip one and listen for more weight.",
    ],
    master_hint="A low-shelf lift adds body; if the low end is missing rather than weak, only "
    "the mix can add it.",
    why="Without low end the mix sounds small on big systems and harsh on small ones.",
)
_muddy = _spectral(
    title="Muddy",
    issue="the muddy low mids",
    excess=True,
    mix_steps=[
        "Dip the low mids on guitars, keys and pads, a little on each, rather than one big cut "
        "on the bus.",
        "High-pass reverb returns and every part that does not need the low end.",
    ],
    master_hint="A broad bell cut in the low mids cleans it up; a dynamic EQ there works when "
    "the mud builds only in the dense sections.",
    why="Low-mid build-up blurs the instruments and boxes in the vocal.",
)
_harsh = _spectral(
    title="Harsh",
    issue="the harsh upper mids",
    excess=True,
    mix_steps=[
        "Find the resonances on the loudest elements with a narrow sweep and cut them where "
        "they ring; de-ess the vocal.",
        "Pull back presence boosts instead of adding cuts on top of them.",
    ],
    master_hint="A bell cut in the upper mids plus narrow cuts at the worst resonances; easing "
    "a hard-working limiter often removes part of the harshness too.",
    why="The ear is most sensitive in the upper mids: a small excess there turns aggressive and "
    "painful at volume.",
)


# ---------------------------------------------------------------------------------------------
# File-level defects


def _dc_offset(f: Finding, ctx: Context) -> Advice:
    offsets = [o for o in ctx.analysis.defects.dc_offset_dbfs if o is not None]
    measured = (
        f"The waveform is shifted off zero by up to {n.db(max(offsets), unit='dBFS')}."
        if offsets
        else _fallback(f)
    )
    summary = "There is a DC offset: filter it out; it wastes headroom and makes edits click."
    steps = (
        ["Find the track or plugin that adds it and put a DC filter on it."]
        if ctx.kind == "mixdown"
        else [
            "Put a DC filter, or a high-pass at the bottom of the audible range, first in the "
            "chain."
        ]
    )
    steps += _eq_step(ctx, f.code, where="chain")
    why = "An offset wastes headroom on one side of the waveform and upsets compressors."
    return Advice(f.code, "DC offset", "the DC offset", summary, measured, why, steps)


def _silence_padding(f: Finding, ctx: Context) -> Advice:
    defects = ctx.analysis.defects
    parts = []
    if defects.silence_start_s > 0:
        parts.append(f"{n.seconds(defects.silence_start_s)} of silence before the music")
    if defects.silence_end_s > 0:
        parts.append(f"{n.seconds(defects.silence_end_s)} after it")
    measured = ("There is " + " and ".join(parts) + ".") if parts else _fallback(f)
    summary = "Trim the silence: start just before the first sound and end after the natural decay."
    steps = [
        "Set the export range (or trim the master) to start just before the first "
        "transient, with a very short fade-in, and end with the natural decay."
    ]
    why = "Leading silence delays playback in playlists, and distributors add their own gaps."
    return Advice(
        f.code, "Silence at the edges", "the silence at the edges", summary, measured, why, steps
    )


def _low_resolution_source(f: Finding, ctx: Context) -> Advice:
    cutoff = ctx.analysis.spectrum.high_cutoff_hz
    measured = (
        f"The spectrum falls off a cliff at {n.hz(cutoff)}: a lossy encode or a low sample rate "
        "was part of this file's history."
        if cutoff is not None
        else _fallback(f)
    )
    summary = (
        "This file went through a lossy or low-resolution stage: export again from the source."
    )
    steps = [
        "Export again from the original session at its native sample rate, at 24-bit or 32-bit "
        "float, and replace lossy samples.",
        "Deliver lossless files (WAV or FLAC); let the distributor make its own encodes.",
    ]
    why = "What an encoder removed cannot be restored; a second encode on upload makes it worse."
    return Advice(
        f.code, "Low-resolution source", "the lossy source", summary, measured, why, steps
    )


# ---------------------------------------------------------------------------------------------
# Reference comparison


def _reference(title: str, summary: str, mix: str, master: str) -> Composer:
    def compose(f: Finding, ctx: Context) -> Advice:
        comparison = ctx.analysis.reference.comparison if ctx.analysis.reference else None
        measured = _fallback(f)
        match_gain = None if comparison is None else comparison.gain_to_match_db
        steps = [mix if ctx.kind == "mixdown" else master]
        if match_gain is not None and abs(match_gain) >= 0.1:
            steps.insert(
                0,
                f"Compare at matched loudness: {n.db(match_gain, signed=True)} on "
                "your track matches the reference.",
            )
        why = "Matching a trusted reference calibrates your ears and your room."
        return Advice(
            f.code, title, "the difference from the reference", summary, measured, why, steps
        )

    return compose


_REFERENCE: dict[str, Composer] = {
    "reference_louder": _reference(
        "Quieter than the reference",
        "The reference is louder; judge tone and punch at matched loudness before chasing it.",
        "Leave loudness to mastering: compare the mix with the reference at matched loudness.",
        "Raise the limiter's input by the measured difference only if the dynamics allow it; "
        "gentle bus compression before the limiter gets you closer with fewer side effects.",
    ),
    "reference_quieter": _reference(
        "Louder than the reference",
        "Your track is louder than the reference; make sure it does not win only on level.",
        "Turn your mix down to the reference's level while comparing.",
        "Check at matched loudness whether the extra limiting costs punch next to the reference.",
    ),
    "reference_brighter": _reference(
        "Darker than the reference",
        "The reference has more top end; yours sounds darker next to it.",
        "Brighten the elements that carry the top (vocal, cymbals) towards the reference.",
        "A gentle high shelf of the measured size closes most of the gap.",
    ),
    "reference_darker": _reference(
        "Brighter than the reference",
        "Yours has more top end than the reference; check it is not harsh or sibilant.",
        "Turn down the bright elements or de-ess before cutting the bus.",
        "A gentle high-shelf cut of the measured size brings it closer.",
    ),
    "reference_more_bass": _reference(
        "Less bass than the reference",
        "The reference carries more low end; yours sounds lighter next to it.",
        "Give the kick and bass more weight in the low band, at the source.",
        "A low-shelf lift of the measured size adds weight; check it on a big system.",
    ),
    "reference_less_bass": _reference(
        "More bass than the reference",
        "Yours is heavier in the low end than the reference.",
        "Tighten the kick and bass relationship and high-pass the parts that do not need lows.",
        "A low-shelf cut of the measured size brings it closer.",
    ),
    "reference_wider": _reference(
        "Narrower than the reference",
        "The reference is wider; yours sounds smaller and more crowded next to it.",
        "Pan doubles and supporting parts wider; use stereo reverbs; keep the low end centred.",
        "A mid/side lift above the low end takes the last small step.",
    ),
    "reference_narrower": _reference(
        "Wider than the reference",
        "Yours is wider than the reference; check it in mono.",
        "Reduce the wideners and pull supporting parts towards the centre.",
        "A mid/side cut above the low end narrows it gently.",
    ),
    "reference_more_dynamic": _reference(
        "Less dynamic than the reference",
        "The reference keeps more dynamics; yours is flatter at matched loudness.",
        "Take bus limiting off and loosen the bus compressor.",
        "Use less limiter gain and let the transients through.",
    ),
    "reference_less_dynamic": _reference(
        "More dynamic than the reference",
        "Yours moves more in level than the reference and will need more work to match it.",
        "Ride the sections and compress the jumpy elements, then add gentle bus compression.",
        "Add a gentle compression stage before the limiter rather than driving the limiter.",
    ),
    "reference_tempo_mismatch": _reference(
        "Different tempo from the reference",
        "The reference runs at a different tempo; compare groove and low end with care.",
        "Choose a reference closer in tempo when judging the low end and compression.",
        "Choose a reference closer in tempo when judging the limiter's release and the low end.",
    ),
    "reference_key_mismatch": _reference(
        "Different key from the reference",
        "The reference is in another key, so its strongest bass notes fall elsewhere.",
        "Judge the low-band difference with that in mind; pick a reference in a nearby key.",
        "Judge the low-band difference with that in mind; note the key for DJ-friendly releases.",
    ),
}


def _generic(f: Finding, ctx: Context) -> Advice:
    """For a finding whose evidence this module cannot read: the judge's words and the note."""
    note = ctx.knowledge.for_code(f.code)
    section = (
        None
        if note is None
        else note.section("Fix it in the mix" if ctx.kind == "mixdown" else "Fix it in the master")
    )
    steps = [section.replace("\n", " ")] if section else []
    return Advice(f.code, f.title, f.title.lower(), f.title, _fallback(f), "", steps)


COMPOSERS: dict[str, Composer] = {
    "clipping": _clipping,
    "true_peak_over": _true_peak_over,
    "too_loud": _too_loud,
    "too_quiet": _too_quiet,
    "over_compressed": _over_compressed,
    "under_compressed": _under_compressed,
    "stereo_too_narrow": _stereo_too_narrow,
    "stereo_too_wide": _stereo_too_wide,
    "phase_issue": _phase_issue,
    "channel_imbalance": _channel_imbalance,
    "wide_low_end": _wide_low_end,
    "dc_offset": _dc_offset,
    "too_bright": _too_bright,
    "too_dull": _too_dull,
    "too_boomy": _too_boomy,
    "too_thin": _too_thin,
    "muddy": _muddy,
    "harsh": _harsh,
    "silence_padding": _silence_padding,
    "low_resolution_source": _low_resolution_source,
    **_REFERENCE,
}


def advise(finding: Finding, ctx: Context) -> Advice:
    return COMPOSERS.get(finding.code, _generic)(finding, ctx)
