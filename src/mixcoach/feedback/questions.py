"""Understanding a chat question: what it is about (a band or frequency, a measured value, a
setting, a platform, a moment in the track, an instrument) and what it wants (an amount, the
reason, the first step, a plan in N steps, key or tempo compatibility).

:func:`understand` reads one question; :func:`in_context` fills what a follow-up leaves out
("and at 5 kHz?", "why?", "how much?") from the question before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from mixcoach.audio.spectrum import BANDS

#: Phrases naming a spectral band (longest first wins: "low mids" before "low").
BAND_WORDS: tuple[tuple[str, str], ...] = (
    ("sub bass", "sub"),
    ("sub-bass", "sub"),
    ("low mids", "low_mid"),
    ("low-mids", "low_mid"),
    ("low mid", "low_mid"),
    ("lower mids", "low_mid"),
    ("high mids", "high_mid"),
    ("high-mids", "high_mid"),
    ("upper mids", "high_mid"),
    ("top end", "air"),
    ("low end", "low"),
    ("sub", "sub"),
    ("bass", "low"),
    ("lows", "low"),
    ("mids", "mid"),
    ("midrange", "mid"),
    ("presence", "presence"),
    ("air", "air"),
    ("highs", "air"),
    ("treble", "air"),
    ("top", "air"),
)
#: Phrases naming one measured value (keys of :data:`mixcoach.feedback.chat_values.MEASURES`).
VALUE_WORDS: tuple[tuple[str, str], ...] = (
    ("dc offset", "dc_offset"),
    ("dc", "dc_offset"),
    ("loudness range", "lra"),
    ("lra", "lra"),
    ("crest factor", "crest"),
    ("crest", "crest"),
    ("psr", "psr"),
    ("plr", "plr"),
    ("peak-to-loudness", "plr"),
    ("correlation", "correlation"),
    ("true peak", "true_peak"),
    ("true-peak", "true_peak"),
    ("sample peak", "sample_peak"),
    ("integrated", "integrated"),
    ("lufs", "integrated"),
    ("how loud", "integrated"),
    # How hot it runs is its level and its peaks; headroom is what the peaks leave.
    ("how hot", "integrated"),
    ("how hot", "true_peak"),
    ("hot", "integrated"),
    ("hot", "true_peak"),
    ("headroom", "true_peak"),
    # Squashed or crushed dynamics read as the peak-to-loudness ratios.
    ("squashed", "plr"),
    ("squashed", "psr"),
    ("crushed", "plr"),
    ("crushed", "psr"),
    ("dynamics", "plr"),
    ("dynamics", "psr"),
    ("loudness", "integrated"),
    ("short-term", "short_term_max"),
    ("momentary", "momentary_max"),
    ("dynamic range", "dynamic_range"),
    ("transient", "transients"),
    ("punch", "transients"),
    ("tilt", "tilt"),
    ("centroid", "centroid"),
    ("cut-off", "cutoff"),
    ("cutoff", "cutoff"),
    ("mono loss", "mono_loss"),
    ("in mono", "mono_loss"),
    ("hollow", "mono_loss"),
    ("how wide", "width"),
    ("width", "width"),
    ("stereo image", "width"),
    ("balance between left and right", "balance"),
    ("left and right", "balance"),
    ("left-right", "balance"),
    ("l/r", "balance"),
    ("sample rate", "sample_rate"),
    ("duration", "duration"),
    ("how long", "duration"),
    ("how many clips", "clips"),
    ("clips", "clips"),
    ("clip", "clips"),
    ("clipping", "clips"),
    ("silence", "silence"),
    ("tempo", "tempo"),
    ("bpm", "tempo"),
    ("camelot", "key"),
    ("key", "key"),
    ("limiting", "limiting"),
)
#: Settings a question can ask for, and the part of it.
SETTING_WORDS: tuple[tuple[str, str], ...] = (
    ("reaeq", "eq"),
    ("eq", "eq"),
    ("equaliser", "eq"),
    ("equalizer", "eq"),
    ("compressor", "compressor"),
    ("compression", "compressor"),
    ("limiter", "limiter"),
    ("ceiling", "limiter"),
    ("high-pass", "eq"),
    ("high pass", "eq"),
    # Plugins by name, as the setting they stand for.
    ("pro-q", "eq"),
    ("fabfilter pro-q", "eq"),
    ("pro-c", "compressor"),
    ("reacomp", "compressor"),
    ("glue compressor", "compressor"),
    ("pro-l", "limiter"),
    ("fabfilter pro-l", "limiter"),
    ("maximizer", "limiter"),
    ("maximiser", "limiter"),
    ("l2", "limiter"),
    ("reaxcomp", "compressor"),
)
ASPECT_WORDS = ("ratio", "attack", "release", "threshold", "knee", "make-up", "makeup", "ceiling")
MOMENT_WORDS: tuple[tuple[str, str], ...] = (
    ("loudest", "loudest"),
    ("hits hardest", "loudest"),
    ("hardest", "loudest"),
    ("quietest", "quietest"),
    ("softest", "quietest"),
    ("intro", "intro"),
    ("beginning", "intro"),
    ("start of the", "intro"),
    ("outro", "outro"),
    ("ending", "outro"),
    ("chorus", "section"),
    ("verse", "section"),
    ("drop", "section"),
    ("bridge", "section"),
    ("breakdown", "section"),
)
PLATFORM_WORDS: tuple[tuple[str, str], ...] = (
    ("spotify", "spotify"),
    ("apple", "apple-music"),
    ("itunes", "apple-music"),
    ("youtube", "youtube"),
    ("tidal", "tidal"),
    ("amazon", "amazon-music"),
    ("deezer", "deezer"),
    ("soundcloud", "soundcloud"),
)
INSTRUMENTS = (
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
#: Words that name a finding (its symptom as producers say it).
CODE_WORDS: tuple[tuple[str, str], ...] = (
    ("muddy", "muddy"),
    ("mud", "muddy"),
    ("muddiness", "muddy"),
    ("boxy", "muddy"),
    ("boomy", "too_boomy"),
    ("boom", "too_boomy"),
    ("thin", "too_thin"),
    ("harsh", "harsh"),
    ("harshness", "harsh"),
    ("piercing", "harsh"),
    ("sibilant", "harsh"),
    ("bright", "too_bright"),
    ("brittle", "too_bright"),
    ("dull", "too_dull"),
    ("dark", "too_dull"),
    ("muffled", "too_dull"),
    ("narrow", "stereo_too_narrow"),
    ("too wide", "stereo_too_wide"),
    ("phase", "phase_issue"),
    ("polarity", "phase_issue"),
    ("out of phase", "phase_issue"),
    ("squashed", "over_compressed"),
    ("crushed", "over_compressed"),
    ("over-compressed", "over_compressed"),
    ("distortion", "clipping"),
    ("distorted", "clipping"),
    ("mp3", "low_resolution_source"),
    ("lossy", "low_resolution_source"),
    ("imbalance", "channel_imbalance"),
    ("too loud", "too_loud"),
    ("too quiet", "too_quiet"),
)
#: Parts of a song as producers name them, and which of the measured sections they mean: a
#: chorus, drop or hook is a peak section (the loudest material and its repeats), a verse or
#: breakdown one of the others; "section" or "part" with an ordinal means that one in order.
SECTION_WORDS: tuple[tuple[str, str], ...] = (
    ("chorus", "peak"),
    ("choruses", "peak"),
    ("drop", "peak"),
    ("drops", "peak"),
    ("hook", "peak"),
    ("verse", "other"),
    ("verses", "other"),
    ("breakdown", "other"),
    ("bridge", "other"),
    ("sections", "any"),
    ("section", "any"),
    ("part", "any"),
    ("parts", "any"),
    # "Bit" as a part of the song, never the bit depth.
    ("which bit", "any"),
    ("what bit", "any"),
    ("bit of", "any"),
    ("bits of", "any"),
    ("this bit", "any"),
    ("that bit", "any"),
    ("structure", "any"),
    ("arrangement", "any"),
)
#: Delivery codecs by the names producers use (``audio/codecs.py`` names each by its first word).
CODEC_WORDS: tuple[tuple[str, str], ...] = (
    ("aac", "AAC"),
    ("m4a", "AAC"),
    ("opus", "Opus"),
    ("mp3", "MP3"),
)
_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_FOLLOW_UP = re.compile(r"^(and|what about|how about|and what about|so|ok|then)\b")
_KEY = re.compile(r"\b([a-g])\s?(#|b|sharp|flat)?\s?(major|minor|maj|min|m)\b")


@dataclass(frozen=True)
class Question:
    text: str  # lower-cased
    words: frozenset[str]
    # What it is about
    frequency_hz: float | None = None
    band: str | None = None
    values: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    setting: str | None = None
    aspect: str | None = None
    platforms: tuple[str, ...] = ()
    time_s: float | None = None
    moment: str | None = None
    instrument: str | None = None
    other_bpm: float | None = None
    other_key: tuple[str, str] | None = None  # (tonic as written, mode)
    section: str | None = None  # a song part: "peak" (chorus, drop), "other" (verse), "any"
    ordinal: int | None = None  # "the second section": 2; "the last": -1
    codecs: tuple[str, ...] = ()  # delivery codecs named ("AAC")
    codec_check: bool = False  # about the listener's encoded copy ("after encoding")
    versions: bool = False  # about what changed since the previous version
    # What it wants
    amount: bool = False
    why: bool = False
    first: bool = False
    steps: int | None = None  # a plan: the number of steps asked for (0: as many as needed)
    compatibility: bool = False
    follow_up: bool = False

    @property
    def has_subject(self) -> bool:
        return bool(
            self.frequency_hz is not None
            or self.band
            or self.values
            or self.codes
            or self.setting
            or self.platforms
            or self.time_s is not None
            or self.moment
            or self.instrument
            or self.compatibility
            or self.section
            or self.codecs
            or self.codec_check
            or self.versions
        )


def understand(question: str) -> Question:
    text = " ".join(question.lower().split())
    words = frozenset(re.findall(r"[a-z0-9][a-z0-9'/-]*", text))
    frequency = _frequency(text)
    return Question(
        text=text,
        words=words,
        frequency_hz=frequency,
        band=None if frequency is not None else _first(text, BAND_WORDS),
        values=_all(text, VALUE_WORDS),
        codes=_all(text, CODE_WORDS),
        setting=_first(text, SETTING_WORDS),
        aspect=next((w.replace("-", "") for w in ASPECT_WORDS if w in words), None),
        platforms=_all(text, PLATFORM_WORDS),
        time_s=_time(text),
        moment=_first(text, MOMENT_WORDS),
        instrument=next((w for w in INSTRUMENTS if w in words), None),
        other_bpm=_bpm(text),
        other_key=_other_key(text),
        section=_first(text, SECTION_WORDS),
        ordinal=_ordinal(text),
        codecs=_all(text, CODEC_WORDS),
        codec_check=bool(re.search(r"\bcodec|\bencod|\btranscod|\bconver", text)),
        versions=bool(
            re.search(
                r"\bchanged?\b|\bsince\b|\b(last|previous|earlier|old|first) "
                r"(version|mix|bounce|render|master)|\bv\d\b|\bdid\b.*\bfix|"
                r"\bnew (version|mix|bounce|render)|"
                r"\b(fixed|improved|got (better|worse))\b",
                text,
            )
        ),
        amount=bool(re.search(r"\bhow (much|many|far|hard)\b|\bby how\b", text)),
        why=bool(re.search(r"\bwhy\b|\bhow come\b|\breason\b", text)),
        first=bool(re.search(r"\bfirst\b|\bpriorit|\bmost important\b|\bstart with\b", text)),
        steps=_steps(text),
        compatibility=bool(
            re.search(r"harmonic|compatib|mix (it|this) with|mix with|camelot|double|half", text)
        ),
        follow_up=bool(_FOLLOW_UP.match(text)) or len(words) <= 3,
    )


def in_context(question: Question, previous: Question | None) -> Question:
    """A follow-up takes the previous question's subject where it names none, and its intent
    (an amount, a reason) where it changes only the subject ("and at 5 kHz?")."""
    if previous is None or not (question.follow_up or not question.has_subject):
        return question
    if (question.first or question.steps is not None) and not question.has_subject:
        return question  # "what first?", "in three steps": the whole plan, whatever came before
    merged = question
    if not question.has_subject:
        merged = replace(
            merged,
            frequency_hz=previous.frequency_hz,
            band=previous.band,
            values=previous.values,
            codes=previous.codes,
            setting=previous.setting,
            aspect=question.aspect or previous.aspect,
            platforms=previous.platforms,
            time_s=previous.time_s,
            moment=previous.moment,
            instrument=previous.instrument,
            compatibility=previous.compatibility,
            section=previous.section,
            ordinal=previous.ordinal,
            codecs=previous.codecs,
            codec_check=previous.codec_check,
            versions=previous.versions,
        )
    elif question.frequency_hz is not None or question.band is not None:
        # A new band or frequency replaces the old one and keeps the setting asked about.
        merged = replace(merged, setting=question.setting or previous.setting)
    if not (question.why or question.amount or question.first or question.steps is not None):
        merged = replace(merged, amount=previous.amount, why=previous.why)
    return merged


def band_at(frequency_hz: float) -> str:
    """The name of the spectral band holding ``frequency_hz``."""
    for name, low, high in BANDS:
        if low <= frequency_hz < high:
            return name
    return BANDS[0][0] if frequency_hz < BANDS[0][1] else BANDS[-1][0]


def _first(text: str, table: tuple[tuple[str, str], ...]) -> str | None:
    found = _all(text, table)
    return found[0] if found else None


def _all(text: str, table: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """Every value of ``table`` whose phrase stands as whole words in ``text``, in table order,
    a phrase inside a longer one already matched not counted again."""
    meanings: dict[str, list[str]] = {}
    for phrase, value in table:  # a phrase may name several values ("how hot": level and peak)
        meanings.setdefault(phrase, []).append(value)
    taken: list[tuple[int, int]] = []
    found: list[str] = []
    for phrase in sorted(meanings, key=lambda item: -len(item)):
        for match in re.finditer(rf"(?<![a-z0-9-]){re.escape(phrase)}(?![a-z0-9-])", text):
            span = match.span()
            if any(a <= span[0] and span[1] <= b for a, b in taken):
                continue
            taken.append(span)
            found += [value for value in meanings[phrase] if value not in found]
    order = [value for _, value in table]
    return tuple(sorted(found, key=order.index))


def _frequency(text: str) -> float | None:
    match = re.search(r"(\d+(?:\.\d+)?)\s?(khz|hz|k)\b", text)
    if match is None:
        return None
    value = float(match.group(1))
    return value * 1000 if match.group(2) in ("khz", "k") else value


def _time(text: str) -> float | None:
    match = re.search(r"\b(\d{1,2}):(\d{2}(?:\.\d+)?)\b", text)
    if match is not None:
        return int(match.group(1)) * 60 + float(match.group(2))
    match = re.search(r"\bat (\d+(?:\.\d+)?)\s?(s|sec|secs|seconds)\b", text)
    return None if match is None else float(match.group(1))


def _bpm(text: str) -> float | None:
    match = re.search(r"(\d+(?:\.\d+)?)\s?bpm\b", text)
    return None if match is None else float(match.group(1))


def _other_key(text: str) -> tuple[str, str] | None:
    match = _KEY.search(text)
    if match is None or ("key" not in text and "track in" not in text):
        return None
    accidental = {"#": "#", "sharp": "#", "b": "b", "flat": "b"}.get(match.group(2) or "", "")
    mode = "major" if match.group(3) in ("major", "maj") else "minor"
    return match.group(1).upper() + accidental, mode


def _ordinal(text: str) -> int | None:
    """Which section in order: "the second section", "section 3", "the last part"."""
    match = re.search(r"\b(section|part) (\d)\b", text)
    if match is not None:
        return int(match.group(2))
    match = re.search(
        r"\b(first|second|third|fourth|fifth|sixth|last|final) (section|part|chorus|verse|drop)",
        text,
    )
    if match is None:
        return None
    return _ORDINAL_WORDS.get(match.group(1), -1)


def _steps(text: str) -> int | None:
    match = re.search(r"\b(\d|one|two|three|four|five|six|seven)\s+(steps|things|actions)\b", text)
    if match is not None:
        word = match.group(1)
        return int(word) if word.isdigit() else _NUMBERS[word]
    if re.search(r"\bplan\b|\bsummar|\bin order\b|\bwhat order\b", text):
        return 0
    return None
