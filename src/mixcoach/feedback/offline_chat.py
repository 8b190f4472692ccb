"""Offline chat answers: the question's topic picked by keywords and by retrieval over the notes,
answered from the Analysis (measured values, findings, presets, delivery) and the notes.

What it cannot know it says: Mixcoach measures the whole stereo mix, so a question about one
instrument gets that caveat before what the measurements can tell; a question outside mixing and
mastering gets an honest redirect, never a made-up measurement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from mixcoach.analysis import Analysis
from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import Context, advise
from mixcoach.feedback.chat import first_sentence
from mixcoach.feedback.chat_codecs import answer_codecs
from mixcoach.feedback.chat_draft import Draft, finding
from mixcoach.feedback.chat_music import answer_key, answer_tempo
from mixcoach.feedback.chat_plan import answer_first, answer_plan
from mixcoach.feedback.chat_sections import answer_sections
from mixcoach.feedback.chat_settings import answer_compressor, answer_limiter
from mixcoach.feedback.chat_time import answer_moment
from mixcoach.feedback.chat_tone import answer_band, answer_eq, band_of_code
from mixcoach.feedback.chat_values import STEREO, answer_value
from mixcoach.feedback.chat_versions import answer_versions
from mixcoach.feedback.model import Conversation, Feedback, PlatformVerdict, Presets
from mixcoach.feedback.questions import Question, in_context, understand
from mixcoach.feedback.retrieval import KnowledgeBase
from mixcoach.feedback.version_notes import VersionFacts
from mixcoach.findings.model import Finding

OFF_TOPIC = (
    "That is outside what I can help with here. I know this track's measurements and mixing and "
    "mastering technique: ask me about its loudness, peaks, tone, stereo image, dynamics, tempo "
    "or key, how it compares with a reference, or how to fix what the feedback found."
)
WHOLE_MIX_CAVEAT = (
    "Mixcoach measures the finished stereo mix as a whole, not the separate instruments, so I "
    "cannot give you a measurement of the {thing} on its own."
)

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
_STREAMING_WORDS = frozenset(
    {"streaming", "platform", "platforms", "normalisation", "normalization"}
)


@dataclass
class Reply:
    text: str
    finding_codes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def answer_question(
    question: str,
    *,
    analysis: Analysis,
    feedback: Feedback | None,
    presets: Presets,
    delivery: Sequence[PlatformVerdict],
    knowledge: KnowledgeBase,
    conversation: Conversation | None = None,
    version: VersionFacts | None = None,
) -> Reply:
    """Answer one chat question from the measurements and the notes. ``conversation`` holds the
    turns before it: a follow-up ("and at 5 kHz?", "why?") takes its subject from them.
    ``version`` is the comparison with the track's previous version, when it has one.
    ``feedback`` is what was already said (kept for the engine interface; the plan is re-read
    from the findings, so both agree)."""
    ctx = Context(analysis, presets, delivery, knowledge)
    asked = in_context(understand(question), _previous(conversation))
    draft = Draft()
    if asked.instrument is not None:
        _instrument(ctx, asked, draft)
        return _reply(draft)
    if not (asked.has_subject or asked.first or asked.steps is not None) and not (
        _on_topic(asked.words)
    ):
        return Reply(OFF_TOPIC)
    _answer(ctx, asked, question, draft, version)
    if not draft.paragraphs:
        draft.add(OFF_TOPIC)
    return _reply(draft)


def _reply(draft: Draft) -> Reply:
    return Reply("\n\n".join(draft.paragraphs), draft.codes, draft.sources)


def _previous(conversation: Conversation | None) -> Question | None:
    """The subject so far: every earlier question read in the context of the ones before it
    (the recent turns, else the last question the running summary kept)."""
    if conversation is None:
        return None
    questions = [t.content for t in conversation.turns if t.role == "user"]
    if not questions:
        asked = re.findall(
            r"^- Asked: (.+?) (?:Answered:|\(no answer yet\))", conversation.summary, re.M
        )
        questions = asked[-1:]
    previous: Question | None = None
    for text in questions:
        previous = in_context(understand(text), previous)
    return previous


#: What a section answer already quotes per section: the whole track's figures would not answer.
_SECTION_VALUES = frozenset(
    {"integrated", "short_term_max", "momentary_max", "width", "tilt", "psr"}
)
_SECTION_CODES = frozenset({"stereo_too_narrow", "stereo_too_wide", "too_dull", "too_bright"})


def _answer(
    ctx: Context, asked: Question, question: str, draft: Draft, version: VersionFacts | None
) -> None:
    if asked.versions:
        answer_versions(version, asked, draft)
        # A first version still gets the problem named answered as it is now.
        if version is not None or not replace(asked, versions=False).has_subject:
            return
    if asked.steps is not None:
        answer_plan(ctx, asked.steps, draft)
        return
    if asked.first and not asked.has_subject:
        answer_first(ctx, draft, why=asked.why)
        return
    if asked.moment in ("loudest", "quietest") and asked.section is None:
        # On a song with sections, "where does it get loudest" asks for the section; the
        # loudest 3 s follow it (and answer alone on a track without sections).
        asked = replace(asked, section="any")
    covered: set[str] = set()
    if asked.setting == "eq" and asked.band is None and asked.frequency_hz is None:
        answer_eq(ctx, asked, draft)
    # A symptom names its band more exactly than a loose word ("muddy low end": the low mids).
    symptom_bands = [band_of_code(ctx, code) for code in asked.codes]
    if asked.frequency_hz is not None or (asked.band is not None and not any(symptom_bands)):
        answer_band(ctx, asked, draft)
        covered |= set(draft.codes)
    if asked.setting == "compressor":
        answer_compressor(ctx, asked, draft)
    if asked.setting == "limiter" or (asked.aspect == "ceiling" and not asked.platforms):
        answer_limiter(ctx, asked, draft)
    named_codec = bool(asked.codecs or asked.codec_check)
    codecs = named_codec or bool(asked.platforms and _sound(asked))
    if codecs:
        answer_codecs(ctx, asked, draft)
    # A service asked about keeps its loudness verdict beside its codec's decoded copy.
    if (asked.platforms and not named_codec) or (
        not codecs and asked.setting is None and asked.words & _STREAMING_WORDS
    ):
        _platforms(ctx, asked, draft)
    by_section = asked.section is not None and answer_sections(ctx, asked, draft)
    if asked.time_s is not None or (
        asked.moment is not None and not (by_section and asked.moment == "section")
    ):
        answer_moment(ctx, asked, draft)
    if "key" in asked.values or asked.other_key is not None:
        answer_key(ctx, asked, draft)
    if (
        "tempo" in asked.values
        or asked.other_bpm is not None
        or (asked.compatibility and "key" not in asked.values)
    ):
        answer_tempo(ctx, asked, draft)
    if asked.words & _REFERENCE_WORDS:
        _reference(ctx, draft)
    if by_section:
        covered |= _SECTION_CODES
    if codecs:
        covered.add("low_resolution_source")  # "as MP3" is the delivery, not the upload
    for name in _values_to_answer(asked):
        if not (by_section and name in _SECTION_VALUES):
            answer_value(ctx, name, draft, why=asked.why)
    for code in asked.codes:
        if code not in covered and code not in draft.codes:
            _about_code(ctx, asked, code, draft)
    if not draft.paragraphs:
        _from_notes(ctx, question, draft)


def _sound(asked: Question) -> bool:
    """A service named for how its copy sounds or peaks, not for its loudness target."""
    return bool(re.search(r"\bsound|\bafter\b|\bdecod|\bstream(ed|s)? copy|\bpeaks?\b", asked.text))


def _on_topic(words: frozenset[str]) -> bool:
    """Whether the question uses the vocabulary of mixing, mastering or this track."""
    return any(word.startswith(_DOMAIN_STEMS) for word in words)


def _values_to_answer(asked: Question) -> list[str]:
    """The measured values asked for by name that no other answer above has covered."""
    skip = {"key", "tempo"}
    if asked.platforms:
        skip.add("integrated")  # the platform verdicts quote it
    if asked.time_s is not None or asked.moment is not None:
        skip |= {"integrated", "short_term_max"}
    if asked.setting is not None:
        skip |= {"integrated", "true_peak"}
    if "clips" in asked.values:
        skip |= {"sample_peak"}
    names = [name for name in asked.values if name not in skip]
    stereo = [name for name in names if name in STEREO]
    return [name for name in names if name not in STEREO] + stereo[:1]


def _instrument(ctx: Context, asked: Question, draft: Draft) -> None:
    """One instrument: what Mixcoach cannot measure, what would tell, and what the mix shows."""
    draft.add(WHOLE_MIX_CAVEAT.format(thing=asked.instrument))
    draft.add(
        f"What would tell: bounce the {asked.instrument} solo'd as a stem (or the mix without "
        "it) and upload that as its own track, or compare the mix with a reference at matched "
        "loudness and listen to that part alone."
    )
    if asked.band is not None or asked.frequency_hz is not None:
        answer_band(ctx, asked, draft)
    for code in asked.codes:
        # A level word ("too loud") is about the instrument in the mix, which is not measured.
        if code not in draft.codes and band_of_code(ctx, code) is not None:
            _about_code(ctx, asked, code, draft)


def _from_notes(ctx: Context, question: str, draft: Draft) -> None:
    """Technique questions the measurements do not answer: the best passage of the notes."""
    passages = ctx.knowledge.search(question, finding_codes=[f.code for f in ctx.analysis.findings])
    if not passages:
        return
    best = passages[0]
    found = [code for code in best.codes if finding(ctx, code) is not None]
    if found:
        _about_code(ctx, understand(question), found[0], draft)
        return
    heading = f"{best.title}: {best.heading.lower()}" if best.heading else best.title
    draft.add(f"**{heading}.** {best.text}", source=best.note_id)


def _about_code(ctx: Context, asked: Question, code: str, draft: Draft) -> None:
    """A finding named by its symptom ("muddy", "harsh"): the finding when the review has it,
    else what was measured there and that nothing was flagged."""
    note = ctx.knowledge.for_code(code)
    source = None if note is None else note.id
    band = band_of_code(ctx, code)
    found = finding(ctx, code)
    if band is not None:
        if found is None:
            title = code.replace("_", " ") if note is None else note.title.lower()
            draft.add(f"Mixcoach did not flag {title} on this track.", source=source)
        answer_band(ctx, asked, draft, name=band)
        if found is not None and code not in draft.codes:
            # Its evidence points at another band than the usual one: say what it found.
            _finding_paragraph(ctx, found, draft, source=source)
        if found is None and note is not None:
            hear = note.section("How to hear it")
            if hear:
                draft.add(f"If you hear it anyway: {first_sentence(hear)}")
        return
    if found is not None:
        _finding_paragraph(ctx, found, draft, source=source)
        return
    title = code.replace("_", " ") if note is None else note.title.lower()
    text = f"Mixcoach did not flag {title} on this track."
    hear = None if note is None else note.section("How to hear it")
    if hear:
        text += f" If you hear it anyway: {first_sentence(hear)}"
    draft.add(text, source=source)


def _finding_paragraph(ctx: Context, found: Finding, draft: Draft, *, source: str | None) -> None:
    advice = advise(found, ctx)
    steps = " ".join(advice.steps[:2])
    draft.add(
        f"**{advice.title}.** {advice.measured} {advice.why} {steps}".strip(),
        codes=[found.code],
        source=source,
    )


def _platforms(ctx: Context, asked: Question, draft: Draft) -> None:
    named = [v for v in ctx.delivery if v.platform in asked.platforms]
    chosen = named or list(ctx.delivery)
    if not chosen:
        draft.add("No platform targets are known, so I cannot say what the services will do.")
        return
    lines = [f"- **{v.label}:** {v.note}" for v in chosen]
    advice = []
    integrated = ctx.analysis.loudness.integrated_lufs
    if integrated is not None:
        advice.append(f"The track measures {n.lufs(integrated)} integrated now.")
    if ctx.kind == "mixdown":
        advice.append(
            "This is a mixdown: the platforms hear the master, so set their loudness and ceiling "
            "in mastering, not on the mix."
        )
    else:
        # The review's one ceiling (the strictest platform's), whichever platform was named.
        ceiling = ctx.plan.ceiling_dbtp
        if ceiling is not None:
            advice.append(
                f"Keep the limiter in true-peak mode with its ceiling at "
                f"{n.db(ceiling, unit='dBTP')} (the review's ceiling, for every platform)."
            )
        limiter = ctx.presets.limiter
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
    draft.add(
        "\n\n".join(part for part in (" ".join(advice), "\n".join(lines)) if part),
        source="limiting",
    )


def _reference(ctx: Context, draft: Draft) -> None:
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
    parts += [advise(item, ctx).summary for item in found]
    if not found:
        parts.append("Beyond loudness, nothing in the comparison stood out.")
    draft.add(" ".join(parts), codes=[f.code for f in found], source="reference_tracks")
