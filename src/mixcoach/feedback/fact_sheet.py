"""The facts an LLM prompt carries, compact: what was measured, against which target, how sure.

The grounding check accepts any number among all the measured facts
(:func:`mixcoach.feedback.facts.collect_facts`, hundreds of them on a track that clips); the model
does not need to read them all. The sheet gives it what an engineer would look at: the key and the
tempo with their confidence, the metric table with targets and the distance from them, the band
balance, the findings (worst first) with their evidence, every list of places summarised (how
many, the longest, the first few; never hundreds of lines), the presets and, for a master review,
the delivery verdicts. Every number on it is written by :mod:`mixcoach.feedback.numbers` from a
fact, so whatever the model copies from the sheet passes the grounding check. No internal keys:
labels only, since the model repeats what it reads.

The sheet is the same for every request about one review (it depends on the Analysis, the presets
and the delivery verdicts only), so the chat can send it as the unchanging start of its first
message: servers that cache prompt prefixes (OpenAI, vLLM, llama.cpp) process it once.
"""

from __future__ import annotations

from collections.abc import Sequence

from mixcoach.analysis import Analysis, Reference
from mixcoach.audio.model import TimeRange
from mixcoach.feedback import numbers as n
from mixcoach.feedback.facts import distance_outside
from mixcoach.feedback.model import Plan, PlatformVerdict, Presets
from mixcoach.findings.model import Evidence, Finding

#: How many positions a summary of places lists after the longest one.
PLACES_LISTED = 3

_FEEDBACK_TYPE = {
    "mixdown": "a mixdown",
    "mastering": "a mix going to mastering",
    "master_review": "a finished master",
}


def fact_sheet(
    analysis: Analysis,
    *,
    findings: Sequence[Finding],
    presets: Presets,
    delivery: Sequence[PlatformVerdict],
    plan: Plan | None = None,
) -> str:
    """The sheet as prompt text; ``findings`` in the order they matter (worst first). With the
    review's ``plan``, its steps are the actions (the model relays them, it does not re-derive
    targets); the presets follow as the settings."""
    blocks = [
        _track(analysis),
        _metrics(analysis),
        _spectrum(analysis),
        _places(analysis),
        _findings(analysis, findings),
        "" if plan is None else plan_block(plan),
        presets_block(presets),
    ]
    if analysis.reference is not None:
        blocks.append(_reference(analysis.reference))
    if delivery:
        blocks.append(delivery_block(delivery))
    return "MEASURED FACTS (quote numbers only from here, as written)\n\n" + "\n\n".join(
        b for b in blocks if b
    )


def _track(analysis: Analysis) -> str:
    f, key, rhythm = analysis.file, analysis.tonality, analysis.rhythm
    lines = [
        f"- Genre {analysis.request.genre_label}, judged as "
        f"{_FEEDBACK_TYPE[analysis.request.feedback_type]}",
        f"- Length {n.clock(f.duration_s)} ({n.seconds(f.duration_s)}), "
        f"{n.hz(f.sample_rate_hz)}, {f.channels} channel(s)",
    ]
    if key.key is not None and key.mode is not None:
        lines.append(f"- Key {key.key} {key.mode} (confidence {n.percent(100 * key.confidence)})")
    else:
        lines.append("- Key: no clear tonal centre")
    if rhythm.tempo_bpm is not None:
        others = [n.bpm(t) for t in rhythm.tempo_candidates_bpm if abs(t - rhythm.tempo_bpm) > 0.5]
        lines.append(
            f"- Tempo {n.bpm(rhythm.tempo_bpm)} (confidence {n.percent(100 * rhythm.confidence)}"
            + ("; UNCERTAIN: say so whenever you name it" if rhythm.uncertain else "")
            + (f"; other readings {', '.join(others)}" if others else "")
            + ")"
        )
    else:
        lines.append("- Tempo: no steady pulse")
    return "TRACK\n" + "\n".join(lines)


def _metrics(analysis: Analysis) -> str:
    lines = []
    for m in analysis.metrics:
        if not isinstance(m.value, (int, float)):
            continue  # the key: on the TRACK lines
        if m.metric == "rhythm.tempo_bpm":
            continue  # on the TRACK lines, with its confidence
        value = float(m.value)
        lines.append(
            f"- {m.label}: {n.with_unit(value, m.unit)}; "
            + _against(value, m.target_low, m.target_high, m.unit)
        )
    return "MEASUREMENTS AGAINST TARGETS\n" + "\n".join(lines) if lines else ""


def _against(value: float, low: float | None, high: float | None, unit: str) -> str:
    """``target ...; 2.7 LU below`` (or ``in range``, or ``no target``)."""
    if low is None and high is None:
        return "no target"
    distance = distance_outside(value, low, high)
    amount = n.with_unit(abs(distance), n.DISTANCE_UNIT.get(unit, unit))
    verdict = "in range" if distance == 0 else f"{amount} {'above' if distance > 0 else 'below'}"
    return f"target {n.target_range(low, high, unit)}; {verdict}"


def _spectrum(analysis: Analysis) -> str:
    spec, stereo = analysis.spectrum, analysis.stereo
    lines = [
        f"- {b.name} ({n.hz(b.low_hz)} to {n.hz(b.high_hz)}): {n.db(b.level_db)}; "
        + _against(b.level_db, b.target_low_db, b.target_high_db, "dB")
        for b in spec.bands
        if b.level_db is not None
    ]
    if spec.resonances:
        lines.append(
            "- Resonances: "
            + ", ".join(
                f"{n.hz(r.frequency_hz)} ({n.db(r.prominence_db)} above its surroundings)"
                for r in spec.resonances
            )
        )
    widths = [f"{b.name} {n.percent(100 * b.width)}" for b in stereo.bands if b.width is not None]
    if widths:
        lines.append("- Stereo width by band: " + ", ".join(widths))
    return "BAND BALANCE (level relative to the whole mix)\n" + "\n".join(lines)


def _places(analysis: Analysis) -> str:
    lists = (
        ("Clipped runs", analysis.defects.clip_runs),
        ("True-peak overs", analysis.loudness.true_peak_overs),
        ("Moments of low left/right correlation", analysis.stereo.correlation_low_points),
    )
    lines = [f"- {label}: {places(ranges)}" for label, ranges in lists if ranges]
    return "PLACES\n" + "\n".join(lines) if lines else ""


def places(ranges: Sequence[TimeRange]) -> str:
    """``57 places; the longest 1 ms at 0:22; first at 0:03, 0:05, 0:07; the last at 0:29``."""
    count = len(ranges)
    longest = max(ranges, key=lambda r: r.end_s - r.start_s)
    parts = [f"{count} place{'s' if count != 1 else ''}"]
    if longest.end_s - longest.start_s >= 0.0005:  # a run, not a point in time
        parts.append(f"the longest {_duration(longest)} at {n.clock(longest.start_s)}")
    first = ranges[:PLACES_LISTED]
    parts.append("first at " + ", ".join(n.clock(r.start_s) for r in first))
    if count > PLACES_LISTED:
        parts.append(f"the last at {n.clock(ranges[-1].start_s)}")
    return "; ".join(parts)


def _duration(span: TimeRange) -> str:
    length = span.end_s - span.start_s
    return n.ms(1000 * length) if length < 1 else n.seconds(length)


def _findings(analysis: Analysis, findings: Sequence[Finding]) -> str:
    """One line per finding; the targets' sources (the same few, again and again) are listed
    once, numbered, after the findings."""
    kind = analysis.request.feedback_type
    sources: list[str] = []
    lines = []
    for f in findings:
        if kind not in f.feedback_types:
            continue
        evidence = "; ".join(_evidence(e, sources) for e in f.evidence)
        lines.append(
            f"- {f.code} [{f.severity}]: {f.title} {f.detail}"
            + (f" Evidence: {evidence}." if evidence else "")
            + (f" Where: {places(f.time_ranges)}." if f.time_ranges else "")
        )
    if not lines:
        return "FINDINGS\n- none: nothing flagged"
    cited = "\n".join(f"[{i}] {source}" for i, source in enumerate(sources, start=1))
    return (
        "FINDINGS (worst first)\n" + "\n".join(lines) + "\nWhere the targets come from:\n" + cited
    )


def _evidence(e: Evidence, sources: list[str]) -> str:
    label = _metric_label(e.metric)
    if e.value is None:
        return f"{label} not measured"
    if e.source not in sources:
        sources.append(e.source)
    judged = _against(e.value, e.target_low, e.target_high, e.unit)
    return f"{label} {n.with_unit(e.value, e.unit)} ({judged} [{sources.index(e.source) + 1}])"


def _metric_label(metric: str) -> str:
    """A readable name for an evidence metric: ``spectrum.bands.sub.level_db`` -> ``sub band``."""
    parts = metric.split(".")
    if parts[:2] == ["spectrum", "bands"] and len(parts) > 2:
        return f"{parts[2]} band"
    words = parts[-1].removesuffix("_db").removesuffix("_lufs").removesuffix("_dbtp")
    for suffix in ("_lu", "_dbfs", "_percent", "_hz", "_s"):
        words = words.removesuffix(suffix)
    return words.replace("_", " ")


def _reference(reference: Reference) -> str:
    ref, comparison = reference.measurements, reference.comparison
    lines = []
    if ref.loudness.integrated_lufs is not None:
        lines.append(f"- Its integrated loudness {n.lufs(ref.loudness.integrated_lufs)}")
    if ref.loudness.true_peak_dbtp is not None:
        lines.append(f"- Its true peak {n.db(ref.loudness.true_peak_dbtp, unit='dBTP')}")
    if ref.tonality.key is not None and ref.tonality.mode is not None:
        lines.append(f"- Its key {ref.tonality.key} {ref.tonality.mode}")
    if ref.rhythm.tempo_bpm is not None:
        lines.append(f"- Its tempo {n.bpm(ref.rhythm.tempo_bpm)}")
    if comparison.loudness_difference_lu is not None:
        lines.append(
            f"- The track is {n.lu(comparison.loudness_difference_lu)} "
            f"{'louder' if comparison.loudness_difference_lu > 0 else 'quieter'} than it"
        )
    if comparison.gain_to_match_db is not None:
        lines.append(f"- Gain to match it: {n.db(comparison.gain_to_match_db, signed=True)}")
    return "REFERENCE TRACK\n" + "\n".join(lines)


def plan_block(plan: Plan) -> str:
    """The review's one plan: its targets, then its steps in the order to do them."""
    lines = [f"- Targets: {plan.targets_reason}"] if plan.targets_reason else []
    for i, step in enumerate(plan.steps, start=1):
        cause = "root cause; " if step.root_cause else ""
        explains = f"; explains {', '.join(step.explains)}" if step.explains else ""
        lines.append(
            f"{i}. {step.title} (in the {step.where}; {cause}for {', '.join(step.finding_codes)}"
            f"{explains}; confidence {step.confidence})."
            + (f" Amount: {step.amount}." if step.amount else "")
            + f" Why: {step.reason}"  # its evidence is the findings'
        )
    lines += [f"- Note: {note}" for note in plan.notes]
    return "PLAN (the actions, in order; follow it, do not invent other targets)\n" + (
        "\n".join(lines) if lines else "- nothing to do"
    )


def presets_block(presets: Presets) -> str:
    lines = [
        f"- EQ {m.kind} at {n.hz(m.frequency_hz)}, {n.db(m.gain_db, signed=True)}, Q "
        f"{n.num(m.q, decimals=2)} (for {', '.join(m.finding_codes)})"
        for m in presets.eq
    ]
    c = presets.compressor
    if c is not None:
        lines.append(
            f"- Compressor: threshold {n.db(c.threshold_dbfs, unit='dBFS')}, ratio "
            f"{n.ratio(c.ratio)}, attack {n.ms(c.attack_ms)}, release "
            f"{n.ms(c.release_ms)}, knee {n.amount_db(c.knee_db)}, make-up "
            f"{n.amount_db(c.makeup_db)}"
        )
    lim = presets.limiter
    if lim is not None:
        lines.append(
            f"- Limiter: ceiling {n.db(lim.ceiling_dbtp, unit='dBTP')}, input gain "
            f"{n.db(lim.input_gain_db, signed=True)}, release {n.ms(lim.release_ms)}"
            + ("" if lim.target_lufs is None else f", aiming at {n.lufs(lim.target_lufs)}")
        )
    lines += [
        f"- Width {n.hz(w.low_hz)} to {n.hz(w.high_hz)}: {n.percent(w.width_percent)}"
        for w in presets.stereo
    ]
    lines += [f"- Note: {note}" for note in presets.notes]
    return "PRESETS (settings derived from the measurements)\n" + (
        "\n".join(lines) if lines else "- none: no processing is needed"
    )


def delivery_block(delivery: Sequence[PlatformVerdict]) -> str:
    """What each service does to the track, in numbers (its notes say the same in sentences)."""
    return "DELIVERY (what each streaming service does to this track)\n" + "\n".join(
        _platform(v) for v in delivery
    )


def _platform(v: PlatformVerdict) -> str:
    if v.target_lufs is None:
        parts = ["does not normalise: plays the file as it is"]
    else:
        parts = [f"normalises to {n.lufs(v.target_lufs)}, gain {n.db(v.gain_db, signed=True)}"]
    if v.level_below_target_db > 0:
        parts.append(f"plays {n.amount_db(v.level_below_target_db)} below its other tracks")
    if v.resulting_peak_dbtp is not None and v.true_peak_max_dbtp is not None:
        parts.append(
            f"true peak after its gain {n.db(v.resulting_peak_dbtp, unit='dBTP')} against its "
            f"{n.db(v.true_peak_max_dbtp, unit='dBTP')} guidance"
        )
    return f"- {v.label}: {'; '.join(parts)}; verdict: {v.verdict.replace('_', ' ')}"
