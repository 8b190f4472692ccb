"""The arithmetic of each processing move, from the measurements and the findings.

The plan (:mod:`mixcoach.feedback.plan`) decides which moves a review gets and in what order;
this module only says what each move's numbers are and where they come from:

- EQ: one move per stretch of the curve that leaves the genre's target curve (``spectrum.
  deviations``) and raised a finding: a bell at the frequency where it departs most, as wide as
  the stretch (a shelf when the stretch runs off the judged range), its gain bringing the curve
  back to the target within the most one move should take (:func:`cap_words` says why, when
  the gap is larger); resonances inside a stretch of excess get a narrow cut of half their
  measured prominence; a DC offset gets a high-pass at the bottom of the range.
- Compression: threshold at the 75th percentile of the short-term loudness (so it works on the
  loud parts only), ratio from how far the measured spread exceeds the genre's, attack and
  release from the tempo (a 64th note and an eighth note, within musical limits).
- Stereo width: the side gain that brings the measured width to the edge of the target range
  (for the bands above the low end), or mono below the low-end split for a wide low end.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from mixcoach.analysis import Analysis
from mixcoach.audio.spectrum import Deviation
from mixcoach.audio.stereo import LOW_END_HZ
from mixcoach.feedback import numbers as n
from mixcoach.feedback.model import CompressorSettings, EqKind, EqMove, WidthMove
from mixcoach.findings.model import Evidence, FeedbackType, Finding
from mixcoach.findings.spectral import MISSING_DB, deviation_code

#: The stereo meter's low-end split (``Stereo.low_end_width`` is the width below it).
LOW_END_SPLIT_HZ = LOW_END_HZ[1]

#: Largest EQ move proposed: in a mix an instrument can take more than a whole master can.
_MAX_EQ_DB = {"mixdown": 6.0, "mastering": 3.0, "master_review": 3.0}
#: Narrow resonance cuts: Q of the cut (a bell this narrow is one), and the largest cut proposed.
NARROW_Q = 6.0
_MAX_RESONANCE_CUT_DB = 4.0

_DYNAMICS_CODES = ("under_compressed", "reference_less_dynamic")
#: The narrowest bell proposed for a stretch, octaves: the curve is smoothed over +-1/3 octave.
_MIN_STRETCH_OCTAVES = 2 / 3


def eq_moves(analysis: Analysis, codes: set[str], notes: list[str]) -> list[EqMove]:
    kind = analysis.request.feedback_type
    limit = _MAX_EQ_DB[kind]
    moves: list[EqMove] = []
    spectrum = analysis.spectrum
    if "dc_offset" in codes:
        lowest = spectrum.bands[0].low_hz if spectrum.bands else 20.0
        moves.append(
            _move("high_pass", lowest, 0.0, 0.707, "Removes the DC offset.", ["dc_offset"])
        )
    judged = [
        f for f, low in zip(spectrum.curve.frequencies_hz, _judged(analysis), strict=True) if low
    ]
    for deviation in spectrum.deviations:
        code = deviation_code(deviation)
        if code not in codes:
            continue
        where = f"around {n.hz(deviation.peak_hz)}"
        if deviation.amount_db < -MISSING_DB:
            notes.append(
                f"The spectrum {where} is {n.amount_db(deviation.amount_db)} below the target: "
                "it is missing, not weak, so no EQ lift is proposed there."
            )
            continue
        gain = round(max(-limit, min(limit, -deviation.amount_db)), 1)
        shape, frequency, q = _shape(deviation, judged)
        verb = "Cuts" if gain < 0 else "Lifts"
        way = "above" if deviation.amount_db > 0 else "below"
        moves.append(
            _move(
                shape,
                frequency,
                gain,
                q,
                f"{verb} {_span(deviation)}, where the curve sits "
                f"{n.amount_db(deviation.amount_db)} {way} the genre's target curve at "
                f"{n.hz(deviation.peak_hz)}.",
                [code],
            )
        )
        moves += _resonance_cuts(analysis, deviation, [code]) if deviation.amount_db > 0 else []
    return moves


def eq_rule(move: EqMove, kind: FeedbackType) -> str:
    """The rule that sets ``move``'s amount in a review of ``kind``, in words."""
    if move.kind == "bell" and move.q >= NARROW_Q:
        return (
            "A narrow cut of half the peak's height tames it without hollowing the band around "
            f"it (never more than {n.amount_db(_MAX_RESONANCE_CUT_DB)})."
        )
    return (
        "An EQ move aims at the genre's target curve, never past it, and no single move goes "
        f"beyond {n.amount_db(_MAX_EQ_DB[kind])} (a mix can take a bigger move than a master)."
    )


def cap_words(kind: FeedbackType) -> str:
    """Why the plan's EQ move is smaller than the measured gap, in plain words."""
    limit = n.amount_db(_MAX_EQ_DB[kind])
    if kind == "mixdown":
        return (
            f"One EQ move on the mix bus stops at {limit}: make it, listen again, and take the "
            "rest out of the instruments that cause it."
        )
    return (
        f"One EQ move on a master stops at {limit}: make it, listen again, and move in further "
        "small steps only if it still needs it; the rest belongs in the mix."
    )


def eq_words(move: EqMove) -> str:
    """The move as every text of a review states it (plan, feedback, chat, prompt facts):
    ``"a wide bell cut of 3.0 dB at 339 Hz (Q 0.51)"``, ``"a high shelf boost of 3.0 dB at
    3.62 kHz"``, ``"a high-pass filter at 20 Hz"``."""
    if move.kind in ("high_pass", "low_pass"):
        return f"a {move.kind.replace('_', '-')} filter at {n.hz(move.frequency_hz)}"
    verb = "cut" if move.gain_db < 0 else "boost"
    amount = f"{verb} of {n.amount_db(move.gain_db)} at {n.hz(move.frequency_hz)}"
    if move.kind != "bell":
        return f"a {move.kind.replace('_', ' ')} {amount}"
    width = "narrow " if move.q >= NARROW_Q else "wide " if move.bandwidth_octaves >= 2 else ""
    return f"a {width}bell {amount} (Q {n.num(move.q, decimals=2)})"


def _span(deviation: Deviation) -> str:
    """``"214 Hz to 1.08 kHz"``, or ``"around 2.71 kHz"`` for a stretch of one curve point."""
    if n.hz(deviation.low_hz) == n.hz(deviation.high_hz):
        return f"around {n.hz(deviation.peak_hz)}"
    return f"{n.hz(deviation.low_hz)} to {n.hz(deviation.high_hz)}"


def _judged(analysis: Analysis) -> list[bool]:
    target = analysis.spectrum.target_curve
    if target is None:
        return [False] * len(analysis.spectrum.curve.frequencies_hz)
    return [low is not None for low in target.low_db]


def _resonance_cuts(analysis: Analysis, deviation: Deviation, linked: list[str]) -> list[EqMove]:
    return [
        _move(
            "bell",
            resonance.frequency_hz,
            -round(min(resonance.prominence_db / 2, _MAX_RESONANCE_CUT_DB), 1),
            NARROW_Q,
            f"Tames the resonance at {n.hz(resonance.frequency_hz)}, which stands "
            f"{n.amount_db(resonance.prominence_db)} above its surroundings.",
            linked,
        )
        for resonance in analysis.spectrum.resonances
        if deviation.low_hz / _SIXTH <= resonance.frequency_hz < deviation.high_hz * _SIXTH
    ]


#: Half a 1/6-octave step: a curve point stands for the frequencies this far either side.
_SIXTH = 2 ** (1 / 12)


def _shape(deviation: Deviation, judged: Sequence[float]) -> tuple[EqKind, float, float]:
    """A shelf when the stretch runs off the bottom or top of the judged range (at its inner
    edge), otherwise a bell at the peak as wide as the stretch."""
    if judged and deviation.low_hz <= judged[0] * _SIXTH and deviation.peak_hz < 250:
        return "low_shelf", deviation.high_hz * _SIXTH, 0.707
    if judged and deviation.high_hz >= judged[-1] / _SIXTH and deviation.peak_hz > 4000:
        return "high_shelf", deviation.low_hz / _SIXTH, 0.707
    octaves = max(math.log2(deviation.high_hz / deviation.low_hz) + 1 / 6, _MIN_STRETCH_OCTAVES)
    ratio = 2**octaves
    return "bell", deviation.peak_hz, math.sqrt(ratio) / (ratio - 1)


def _move(
    kind: EqKind, frequency_hz: float, gain_db: float, q: float, reason: str, codes: list[str]
) -> EqMove:
    return EqMove(
        kind=kind,
        frequency_hz=round(frequency_hz, 1),
        gain_db=gain_db,
        q=round(q, 2),
        bandwidth_octaves=round(q_to_octaves(q), 3),
        reason=reason,
        finding_codes=codes,
    )


def q_to_octaves(q: float) -> float:
    """Bandwidth in octaves of a bell with quality factor ``q`` (RBJ cookbook relation)."""
    if q <= 0:
        raise ValueError(f"q must be positive, got {q}")
    return 2 / math.log(2) * math.asinh(1 / (2 * q))


def quarter_note_ms(analysis: Analysis) -> float | None:
    tempo = analysis.rhythm.tempo_bpm
    return None if tempo is None or tempo <= 0 else 60000.0 / tempo


def compressor(analysis: Analysis, codes: set[str]) -> CompressorSettings | None:
    linked = [code for code in _DYNAMICS_CODES if code in codes]
    levels = sorted(v for v in analysis.loudness.short_term_lufs.values if v is not None)
    if not linked or not levels:
        return None
    threshold = levels[round(0.75 * (len(levels) - 1))]
    loudest = levels[-1]
    spread, target = _spread_and_target(analysis, linked)
    ratio = 2.0 if spread is None or target is None else max(1.5, min(4.0, spread / target))
    quarter = quarter_note_ms(analysis)
    attack = 30.0 if quarter is None else max(5.0, min(30.0, quarter / 16))
    release = 250.0 if quarter is None else max(50.0, min(600.0, quarter / 2))
    # Half the static gain reduction at the loudest point is what the ear hears as lost level.
    makeup = max(0.0, (loudest - threshold) * (1 - 1 / ratio) / 2)
    timing = (
        f"attack and release follow the {n.bpm(analysis.rhythm.tempo_bpm)} tempo"
        if analysis.rhythm.tempo_bpm is not None
        else "no steady tempo was found, so attack and release suit a moderate pace"
    )
    return CompressorSettings(
        threshold_dbfs=round(threshold, 1),
        ratio=round(ratio, 1),
        attack_ms=round(attack),
        release_ms=round(release),
        knee_db=6.0,
        makeup_db=round(makeup, 1),
        reason=(
            "Gentle bus compression on the loud parts only (threshold at the level the loudest "
            f"quarter of the track exceeds); {timing}."
        ),
        finding_codes=linked,
    )


def _spread_and_target(analysis: Analysis, linked: list[str]) -> tuple[float | None, float | None]:
    """The measured dynamic spread and the top of its target range, from the finding's evidence."""
    for finding in analysis.findings:
        if finding.code in linked:
            for evidence in finding.evidence:
                if evidence.value is not None and evidence.target_high:
                    return evidence.value, evidence.target_high
    return None, None


def width_moves(analysis: Analysis, codes: set[str], notes: list[str]) -> list[WidthMove]:
    stereo = analysis.stereo
    moves: list[WidthMove] = []
    if "wide_low_end" in codes:
        moves.append(
            WidthMove(
                low_hz=0.0,
                high_hz=LOW_END_SPLIT_HZ,
                width_percent=0.0,
                reason=f"Folds everything below {n.hz(LOW_END_SPLIT_HZ)} to mono.",
                finding_codes=["wide_low_end"],
            )
        )
    for code, edge in (("stereo_too_narrow", "low"), ("stereo_too_wide", "high")):
        finding = _finding(analysis, code)
        evidence = None if finding is None else _width_evidence(finding)
        if finding is None or evidence is None or stereo.width is None:
            continue
        target = evidence.target_low if edge == "low" else evidence.target_high
        if target is None:
            continue
        if not 0 < stereo.width < 1:
            notes.append(
                "The file has no side signal to widen (it is mono, or nearly): widen the mix "
                "itself by panning and stereo effects."
                if stereo.width <= 0
                else "The channels are almost entirely out of phase: fix the polarity before "
                "touching the width."
            )
            continue
        moves.append(
            WidthMove(
                low_hz=LOW_END_SPLIT_HZ,
                high_hz=20000.0,
                width_percent=round(side_gain_percent(width=stereo.width, target=target)),
                reason=(
                    f"Brings the width from {n.num(stereo.width, decimals=2)} to "
                    f"{n.num(target, decimals=2)} above the low end."
                ),
                finding_codes=[code],
            )
        )
    return moves


def side_gain_percent(*, width: float, target: float) -> float:
    """Side gain (percent, 100 = unchanged) turning width ``S/(M+S)`` into ``target``.

    With side energy scaled by g², width becomes g²S / (M + g²S); solving for g gives
    g² = target (1 - width) / (width (1 - target)).
    """
    if not 0 < width < 1 or not 0 < target < 1:
        raise ValueError(
            f"width and target must lie strictly between 0 and 1, got {width}, {target}"
        )
    return 100 * math.sqrt(target * (1 - width) / (width * (1 - target)))


def _finding(analysis: Analysis, code: str) -> Finding | None:
    return next((f for f in analysis.findings if f.code == code), None)


def _width_evidence(finding: Finding) -> Evidence | None:
    return next((e for e in finding.evidence if "width" in e.metric), None)
