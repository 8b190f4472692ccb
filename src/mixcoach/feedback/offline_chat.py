"""Offline chat answers: the question's topic picked by keywords and by retrieval over the notes,
answered from the Analysis (measured values, findings, presets, delivery) and the notes.

What it cannot know it says: Mixcoach measures the whole stereo mix, so a question about one
instrument gets that caveat before what the measurements can tell; a question outside mixing and
mastering gets an honest redirect, never a made-up measurement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from mixcoach.analysis import Analysis
from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import Context, advise
from mixcoach.feedback.chat import first_sentence
from mixcoach.feedback.model import Feedback, PlatformVerdict, Presets
from mixcoach.feedback.presets import BAND_CODES
from mixcoach.feedback.retrieval import KnowledgeBase

OFF_TOPIC = (
    "That is outside what I can help with here. I know this track's measurements and mixing and "
    "mastering technique: ask me about its loudness, peaks, tone, stereo image, dynamics, tempo "
    "or key, how it compares with a reference, or how to fix what the feedback found."
)
WHOLE_MIX_CAVEAT = (
    "Mixcoach measures the finished stereo mix as a whole, not the separate instruments, so I "
    "cannot give you a measurement of the {thing} on its own."
)

_INSTRUMENTS = (
    "vocal",
    "vocals",
    "voice",
    "singer",
    "snare",
    "kick",
    "hi-hat",
    "hihat",
    "hats",
    "guitar",
    "guitars",
    "piano",
    "keys",
    "synth",
    "synths",
    "808",
    "drums",
    "strings",
    "horns",
    "pads",
    "lyrics",
    "cymbals",
)
#: Words that point at a finding code (besides what retrieval finds in the notes).
_CODE_WORDS: dict[str, tuple[str, ...]] = {
    "mud": ("muddy",),
    "muddy": ("muddy",),
    "boxy": ("muddy",),
    "boomy": ("too_boomy",),
    "boom": ("too_boomy",),
    "thin": ("too_thin",),
    "harsh": ("harsh",),
    "harshness": ("harsh",),
    "piercing": ("harsh",),
    "sibilant": ("harsh",),
    "bright": ("too_bright",),
    "brittle": ("too_bright",),
    "dull": ("too_dull",),
    "dark": ("too_dull",),
    "muffled": ("too_dull",),
    "narrow": ("stereo_too_narrow",),
    "phase": ("phase_issue",),
    "squashed": ("over_compressed",),
    "crushed": ("over_compressed",),
    "clip": ("clipping",),
    "clipping": ("clipping",),
    "distortion": ("clipping", "true_peak_over"),
    "dc": ("dc_offset",),
    "silence": ("silence_padding",),
    "mp3": ("low_resolution_source",),
    "lossy": ("low_resolution_source",),
    "imbalance": ("channel_imbalance",),
}
#: General words that point at several codes; used only when nothing more specific was asked.
_BROAD_CODE_WORDS: dict[str, tuple[str, ...]] = {
    "bass": ("too_boomy", "too_thin"),
    "low": ("too_boomy", "too_thin", "wide_low_end"),
    "wide": ("stereo_too_wide", "wide_low_end"),
    "width": ("stereo_too_narrow", "stereo_too_wide"),
    "stereo": ("stereo_too_narrow", "stereo_too_wide"),
    "balance": ("channel_imbalance",),
    "mono": ("phase_issue", "stereo_too_wide", "wide_low_end"),
    "compressed": ("over_compressed",),
    "punch": ("over_compressed",),
    "compression": ("over_compressed", "under_compressed"),
    "dynamics": ("over_compressed", "under_compressed"),
}
#: Word beginnings that mark a question as being about mixing, mastering or the track.
_DOMAIN_STEMS = (
    "mix",
    "master",
    "loud",
    "lufs",
    "peak",
    "clip",
    "limit",
    "compress",
    "eq",
    "equali",
    "bass",
    "low",
    "high",
    "mid",
    "treble",
    "sub",
    "kick",
    "snare",
    "vocal",
    "drum",
    "stereo",
    "mono",
    "wide",
    "width",
    "narrow",
    "phase",
    "pan",
    "balance",
    "reverb",
    "delay",
    "mud",
    "boom",
    "harsh",
    "bright",
    "dull",
    "dark",
    "thin",
    "punch",
    "dynamic",
    "headroom",
    "gain",
    "level",
    "volume",
    "track",
    "song",
    "tune",
    "reference",
    "compare",
    "spotify",
    "apple",
    "youtube",
    "tidal",
    "amazon",
    "deezer",
    "soundcloud",
    "stream",
    "platform",
    "tempo",
    "bpm",
    "key",
    "scale",
    "frequen",
    "hz",
    "db",
    "sound",
    "tone",
    "tonal",
    "fix",
    "export",
    "bounce",
    "dither",
    "sample",
    "bit",
    "mp3",
    "wav",
    "flac",
    "distort",
    "saturat",
    "sidechain",
    "silence",
    "sibilan",
    "de-ess",
    "transient",
    "crest",
    "lra",
    "plr",
    "true",
    "normalis",
    "normaliz",
    "ceiling",
    "release",
    "attack",
    "ratio",
    "threshold",
    "knee",
    "glue",
    "air",
    "presence",
    "finding",
    "feedback",
    "problem",
    "issue",
    "measure",
    "meter",
    "genre",
    "chain",
    "plugin",
    "preset",
    "first",
    "priority",
)
_REFERENCE_WORDS = frozenset({"reference", "compare", "compared", "comparison", "versus"})
_LIMITER_WORDS = frozenset(
    {
        "limiter",
        "ceiling",
        "streaming",
        "normalisation",
        "normalization",
        "normalise",
        "normalize",
        "platform",
        "platforms",
    }
)
_KEY_WORDS = frozenset({"key", "scale", "camelot", "harmonic"})
_TEMPO_WORDS = frozenset({"tempo", "bpm", "speed"})
_LOUDNESS_WORDS = frozenset({"loud", "loudness", "lufs", "quiet", "louder", "quieter"})
_PEAK_WORDS = frozenset({"peak", "peaks", "headroom", "overs"})
_PRIORITY_WORDS = frozenset({"first", "priority", "start", "important", "fix", "next"})


@dataclass
class Reply:
    text: str
    finding_codes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@dataclass
class _Draft:
    paragraphs: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def add(self, text: str, *, codes: Sequence[str] = (), source: str | None = None) -> None:
        self.paragraphs.append(text)
        self.codes += [c for c in codes if c not in self.codes]
        if source is not None and source not in self.sources:
            self.sources.append(source)


def answer_question(
    question: str,
    *,
    analysis: Analysis,
    feedback: Feedback | None,
    presets: Presets,
    delivery: Sequence[PlatformVerdict],
    knowledge: KnowledgeBase,
) -> Reply:
    """Answer one chat question from the measurements and the notes. ``feedback`` is what was
    already said: "what should I fix first?" is answered from it."""
    ctx = Context(analysis, presets, delivery, knowledge)
    text = question.lower()
    words = set(re.findall(r"[a-z0-9][a-z0-9'-]*", text))
    instruments = [w for w in _INSTRUMENTS if w in words]
    if not instruments and not _on_topic(words):
        return Reply(OFF_TOPIC)
    draft = _Draft()
    if instruments:
        draft.add(WHOLE_MIX_CAVEAT.format(thing=instruments[0]))
    answered = len(draft.paragraphs)
    _platforms(ctx, text, words, draft)
    if words & _REFERENCE_WORDS:
        _reference(ctx, draft)
    if words & _KEY_WORDS:
        _key(ctx, draft)
    if words & _TEMPO_WORDS:
        _tempo(ctx, draft)
    if words & _LOUDNESS_WORDS and not instruments:
        _loudness(ctx, draft)
    if words & _PEAK_WORDS:
        _peaks(ctx, draft)
    topical = len(draft.paragraphs) > answered
    for code in _codes_named(words, broad=not topical and not instruments):
        _about_code(ctx, code, draft)
    if len(draft.paragraphs) == answered and feedback is not None and words & _PRIORITY_WORDS:
        _first_priority(feedback, draft)
    if len(draft.paragraphs) == answered and not instruments:
        passages = knowledge.search(question, finding_codes=[f.code for f in analysis.findings])
        if passages and passages[0].codes:
            _about_code(ctx, passages[0].codes[0], draft)
        elif passages:
            best = passages[0]
            heading = f"{best.title}: {best.heading.lower()}" if best.heading else best.title
            draft.add(f"**{heading}.** {best.text}", source=best.note_id)
    if len(draft.paragraphs) == answered:
        draft.add(_balance_hint(knowledge, draft) if instruments else OFF_TOPIC)
    return Reply("\n\n".join(draft.paragraphs), draft.codes, draft.sources)


def _on_topic(words: set[str]) -> bool:
    """Whether the question uses the vocabulary of mixing, mastering or this track."""
    return any(word.startswith(_DOMAIN_STEMS) for word in words)


def _codes_named(words: set[str], *, broad: bool) -> list[str]:
    """Finding codes the question names; ``broad`` also admits general words ("bass", "low")."""
    table = {**_CODE_WORDS, **_BROAD_CODE_WORDS} if broad else _CODE_WORDS
    strong = [c for w in sorted(words) for c in _CODE_WORDS.get(w, ())]
    chosen = strong or [c for w in sorted(words) for c in table.get(w, ())]
    return list(dict.fromkeys(chosen))


def _first_priority(feedback: Feedback, draft: _Draft) -> None:
    """For "what should I fix first?": the most serious finding the feedback named."""
    section = next((s for s in feedback.sections if s.kind == "finding"), None)
    if section is None:
        draft.add(
            "The feedback found nothing that needs fixing: the next step is finishing "
            "touches by ear against a reference."
        )
        return
    draft.add(
        f"Start with **{section.title.lower()}**: {first_sentence(section.body)}",
        codes=section.finding_codes,
    )


def _about_code(ctx: Context, code: str, draft: _Draft) -> None:
    finding = next((f for f in ctx.analysis.findings if f.code == code), None)
    note = ctx.knowledge.for_code(code)
    if finding is not None:
        advice = advise(finding, ctx)
        steps = " ".join(advice.steps[:2])
        draft.add(
            f"**{advice.title}.** {advice.measured} {advice.why} {steps}".strip(),
            codes=[code],
            source=None if note is None else note.id,
        )
        return
    title = code.replace("_", " ") if note is None else note.title.lower()
    measured = _related_measure(ctx, code)
    hear = None if note is None else note.section("How to hear it")
    text = f"Mixcoach did not flag {title} on this track.{measured}"
    if hear:
        text += f" If you hear it anyway: {first_sentence(hear)}"
    draft.add(text, source=None if note is None else note.id)


def _related_measure(ctx: Context, code: str) -> str:
    bands = [
        b
        for b in ctx.analysis.spectrum.bands
        if b.level_db is not None and any(code in BAND_CODES.get((b.name, d), ()) for d in (1, -1))
    ]
    inside = [b for b in bands if not b.delta_db]
    if inside:
        listed = ", ".join(
            f"the {b.name.replace('_', '-')} band ({n.hz(b.low_hz)}-{n.hz(b.high_hz)})"
            for b in inside[:2]
        )
        return f" {listed[0].upper()}{listed[1:]} sits inside the {ctx.genre} range."
    return ""


def _platforms(ctx: Context, text: str, words: set[str], draft: _Draft) -> None:
    named = [
        v
        for v in ctx.delivery
        if v.label.lower() in text or v.platform in words or v.label.split()[0].lower() in words
    ]
    if not named and not words & _LIMITER_WORDS:
        return
    chosen = named or list(ctx.delivery)
    lines = [f"- **{v.label}:** {v.note}" for v in chosen]
    ceilings = [v.true_peak_max_dbtp for v in chosen if v.true_peak_max_dbtp is not None]
    limiter = ctx.presets.limiter
    advice = []
    if ceilings:
        ceiling = min(ceilings)
        advice.append(
            f"Set the limiter to true-peak mode with its ceiling at {n.db(ceiling, unit='dBTP')}."
        )
    integrated = ctx.analysis.loudness.integrated_lufs
    if integrated is not None:
        advice.append(f"The track measures {n.lufs(integrated)} integrated now.")
    if limiter is not None and limiter.target_lufs is not None:
        if abs(limiter.input_gain_db) >= 0.1:
            advice.append(
                f"For {ctx.genre}, aim at {n.lufs(limiter.target_lufs)}: "
                f"{n.db(limiter.input_gain_db, signed=True)} into the limiter."
            )
        else:
            advice.append(
                f"That already sits in the {ctx.genre} range: keep the limiter's input "
                "gain where it is."
            )
    body = "\n\n".join(part for part in (" ".join(advice), "\n".join(lines)) if part)
    if body:
        draft.add(body, source="limiting")


def _reference(ctx: Context, draft: _Draft) -> None:
    reference = ctx.analysis.reference
    if reference is None:
        draft.add(
            "No reference track came with this analysis. Upload one with the track and I "
            "will compare loudness, tone band by band, width and dynamics at matched "
            "loudness.",
            source="reference_tracks",
        )
        return
    comparison = reference.comparison
    parts = []
    if comparison.loudness_difference_lu is not None:
        diff = comparison.loudness_difference_lu
        side = "louder" if diff > 0 else "quieter"
        parts.append(f"Your track is {n.lu(diff)} {side} than the reference.")
    if comparison.gain_to_match_db is not None:
        parts.append(
            f"{n.db(comparison.gain_to_match_db, signed=True)} on your track matches "
            "their loudness: compare tone and punch at that setting."
        )
    found = [f for f in ctx.analysis.findings if f.code.startswith("reference_")]
    for finding in found:
        parts.append(advise(finding, ctx).summary)
    if not found:
        parts.append("Beyond loudness, nothing in the comparison stood out.")
    draft.add(" ".join(parts), codes=[f.code for f in found], source="reference_tracks")


def _key(ctx: Context, draft: _Draft) -> None:
    tonality = ctx.analysis.tonality
    if tonality.key is None or tonality.mode is None:
        draft.add("No clear tonal centre was found, so I cannot name a key.")
        return
    confidence = (
        "high"
        if tonality.confidence >= 0.7
        else "moderate"
        if tonality.confidence >= 0.4
        else "low"
    )
    camelot = f" ({tonality.camelot} in Camelot notation)" if tonality.camelot else ""
    draft.add(
        f"The key reads as {tonality.key} {tonality.mode}{camelot}, with {confidence} confidence."
    )


def _tempo(ctx: Context, draft: _Draft) -> None:
    rhythm = ctx.analysis.rhythm
    if rhythm.tempo_bpm is None:
        draft.add("No steady pulse was found, so I cannot give a tempo.")
        return
    others = [b for b in rhythm.tempo_candidates_bpm if abs(b - rhythm.tempo_bpm) > 1][:2]
    alt = (
        f" The next likeliest reading is {n.bpm(others[0])} (half or double time is a common "
        "ambiguity)."
        if others
        else ""
    )
    draft.add(f"The tempo measures {n.bpm(rhythm.tempo_bpm)}.{alt}")


def _loudness(ctx: Context, draft: _Draft) -> None:
    loud = ctx.analysis.loudness
    if loud.integrated_lufs is None:
        draft.add("No integrated loudness could be measured (the track is silent or too short).")
        return
    metric = next((m for m in ctx.analysis.metrics if m.metric == "loudness.integrated_lufs"), None)
    range_text = ""
    if metric is not None and metric.target_low is not None and metric.target_high is not None:
        range_text = (
            f" The {ctx.genre} range for this feedback type is "
            f"{n.lufs(metric.target_low)} to {n.lufs(metric.target_high)}."
        )
    lra = (
        f" Its loudness range is {n.lu(loud.loudness_range_lu)}."
        if loud.loudness_range_lu is not None
        else ""
    )
    draft.add(
        f"The track measures {n.lufs(loud.integrated_lufs)} integrated.{range_text}{lra}",
        source="reading_meters",
    )


def _peaks(ctx: Context, draft: _Draft) -> None:
    loud = ctx.analysis.loudness
    if loud.true_peak_dbtp is None:
        draft.add("No peak could be measured: the track is digital silence.")
        return
    parts = [f"The true peak reaches {n.db(loud.true_peak_dbtp, unit='dBTP')}"]
    if loud.sample_peak_dbfs is not None:
        parts.append(f"and the sample peak {n.db(loud.sample_peak_dbfs, unit='dBFS')}")
    clips = ctx.analysis.defects.clip_run_count
    tail = f"; {clips} clipped runs were found." if clips else "; no clipping was found."
    draft.add(" ".join(parts) + tail, source="reading_meters")


def _balance_hint(knowledge: KnowledgeBase, draft: _Draft) -> str:
    note = knowledge.notes.get("reference_tracks")
    section = None if note is None else note.section("What to compare")
    if section is None:
        return "Judge the balance by ear against a reference at matched loudness."
    draft.sources.append("reference_tracks")
    return f"What you can do: {section}"
