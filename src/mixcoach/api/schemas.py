"""What the API sends and receives (its OpenAPI schema is generated from these models)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from mixcoach.feedback.model import DetailLevel, Feedback
from mixcoach.findings.album import AlbumPlayback, AlbumTrack, Outlier
from mixcoach.findings.model import FeedbackType
from mixcoach.findings.versions import FindingChange, MetricChange
from mixcoach.knowledge.platforms import Playback, PlaybackAction, platform
from mixcoach.knowledge.sources import source
from mixcoach.storage.jobs import JobStatus
from mixcoach.storage.models import Analysis, ChatMessage, StoredFile, Track
from mixcoach.storage.reviews import ReviewRow

JobStateName = Literal["queued", "running", "done", "failed"]

#: Control characters but tab, newline and carriage return, and lone surrogates: nothing a
#: producer types, and a NUL is more than PostgreSQL will store.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_CHARACTER = "must not contain control characters (found U+{code})"


def _plain_text(value: str) -> str:
    found = _CONTROL.search(value)
    if found is not None:
        code = f"{ord(found.group()):04X}"
        raise PydanticCustomError("control_character", CONTROL_CHARACTER, {"code": code})
    return value


#: Text a producer typed, refused (422, naming the field) with a control character in it. The
#: check comes after the length constraints, so that their messages stay about characters.
NoControlCharacters = AfterValidator(_plain_text)


class Out(BaseModel):
    # A string under a field is its description in the OpenAPI schema.
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class Health(Out):
    status: Literal["ok", "degraded"]
    """`ok` when the database answers and the job runner is alive (HTTP 200), else 503."""
    database: Literal["ok", "unreachable"]
    """Whether a query on the database succeeded just now."""
    storage: Literal["ok", "full", "unwritable", "unreachable"]
    """Whether the audio store can take new files: the data folder (uploads, and the SQLite
    database by default) is `full` with less than 1 MB free, `unwritable` when it is read-only
    or not ours; an S3-compatible object store is `unreachable` when its bucket does not answer
    (or refuses the credentials)."""
    storage_problem: str | None = None
    """What the storage's state means, in a sentence, when it is not `ok`; None when it is."""
    jobs: Literal["running", "stuck", "stopped"]
    """Whether the job runner (which hands analyses to the workers) is taking and finishing
    jobs: `stuck` when its loop, a running analysis or the recording of results has made no
    progress for a while, `stopped` when it is gone."""
    jobs_problem: str | None = None
    """Why the runner is stuck or stopped, in a sentence; None while it runs."""


class Version(Out):
    version: str
    """Mixcoach's version."""
    analysis_schema_version: str
    """The `schema_version` of the Analysis documents this server writes."""


class Subgenre(Out):
    subgenre: str
    """The value to send as `subgenre`."""
    label: str
    """The name to show, e.g. `EDM / House`."""
    description: str
    """One sentence saying what the profile is for."""


class Genre(Out):
    genre: str
    """The value to send as `genre`."""
    label: str
    """The name to show."""
    description: str
    """One sentence saying what the profile is for."""
    subgenres: list[Subgenre]
    """The subgenres that can be sent with this genre."""


class Options(Out):
    """Everything the upload form offers, and its limits."""

    feedback_types: list[FeedbackType]
    """What a track can be judged as: a mixdown, a mix going to mastering, a finished master."""
    detail_levels: list[DetailLevel]
    """How much the feedback says: the few things that matter most, everything, or numbers."""
    genres: list[Genre]
    """The genre profiles, each with its subgenres."""
    max_file_mb: float
    """Largest accepted file, per file, in MB (10^6 bytes)."""
    max_duration_minutes: float
    """Longest accepted track, in minutes."""


class SessionCreated(Out):
    id: str
    """The session's id (safe to show)."""
    token: str
    """Send as `Authorization: Bearer <token>`. Shown only now; the server keeps its hash."""
    created_at: datetime
    """When the session was created (UTC)."""


class SessionInfo(Out):
    id: str
    """The session's id."""
    created_at: datetime
    """When the session was created (UTC)."""


class TrackOut(Out):
    id: str
    """The track's id in this session."""
    filename: str
    """The name the file was uploaded with (without any folder)."""
    sha256: str
    """Hash of the content: the same content is stored once and analysed once."""
    size_bytes: int
    """Size of the file as uploaded."""
    format: str
    """Container, recognised from the content (not the name): `wav`, `flac`, `mp3`, `m4a`..."""
    codec: str
    """How the audio is encoded: `pcm_16`, `float`, `vorbis`, `mp3`, `aac`..."""
    sample_rate_hz: int
    """Samples per second per channel."""
    channels: int
    """1 for mono, 2 for stereo, 6 for 5.1..."""
    bit_depth: int | None
    """Bits per sample of lossless audio; None for lossy codecs."""
    duration_s: float
    """Length as the container announces it, in seconds."""
    created_at: datetime
    """When the track was first uploaded in this session (UTC)."""

    @classmethod
    def of(cls, track: Track, stored: StoredFile) -> TrackOut:
        return cls(
            id=track.id,
            filename=track.filename,
            sha256=stored.sha256,
            size_bytes=stored.size_bytes,
            format=stored.format,
            codec=stored.codec,
            sample_rate_hz=stored.sample_rate_hz,
            channels=stored.channels,
            bit_depth=stored.bit_depth,
            duration_s=stored.duration_s,
            created_at=track.created_at,
        )


class TrackRef(Out):
    id: str
    """The track's id (GET /api/tracks/{id})."""
    filename: str
    """The name the file was uploaded with."""


class JobOut(Out):
    state: JobStateName
    """`queued` → `running` → `done`, or `failed` (see `error`)."""
    stage: str
    """What the analysis is doing: `queued`, `starting`, `decoding`, `measuring`..."""
    progress_percent: float = Field(ge=0, le=100)
    """How far the analysis is, 0 to 100 (100 once done)."""
    error: str | None
    """Why the analysis failed, in a sentence for the producer; None unless failed."""
    updated_at: datetime
    """When the state, stage or progress last changed (UTC)."""

    @classmethod
    def of(cls, status: JobStatus | Analysis) -> JobOut:
        return cls.model_validate(status, from_attributes=True)


class ReviewOut(Out):
    id: str
    """The review's id."""
    created_at: datetime
    """When it was asked for (UTC)."""
    feedback_type: FeedbackType
    """What the track is judged as."""
    genre: str | None
    """The genre profile judged against (`general` when none was chosen)."""
    subgenre: str | None
    """The subgenre profile, if one was chosen."""
    detail_level: DetailLevel
    """How much the feedback says."""
    track: TrackRef
    """The track judged."""
    reference: TrackRef | None
    """The track it is compared with, if any."""
    job: JobOut
    """The analysis's state and progress."""
    has_feedback: bool
    """Whether feedback is written for it (GET .../feedback reads it; else POST writes it)."""
    title: str | None
    """The producer's name for it (PATCH /api/reviews/{id}); null: named by its track."""

    @classmethod
    def of(cls, row: ReviewRow) -> ReviewOut:
        return cls.model_validate(
            {
                **{name: getattr(row.review, name) for name in _REVIEW_COLUMNS},
                "track": TrackRef(id=row.track.id, filename=row.track.filename),
                "reference": None
                if row.reference is None
                else TrackRef(id=row.reference.id, filename=row.reference.filename),
                "job": JobOut.of(row.analysis),
                "has_feedback": row.has_feedback,
            }
        )


_REVIEW_COLUMNS = (
    "id",
    "created_at",
    "feedback_type",
    "genre",
    "subgenre",
    "detail_level",
    "title",
)


class PlatformPlaybackOut(Out):
    platform: str
    """The service's machine name, e.g. `spotify`."""
    label: str
    """The service's name to show, e.g. `Spotify`."""
    target_lufs: float | None
    """The loudness the service normalises playback to, in LUFS; None when it does not
    normalise (it plays the file as delivered)."""
    action: PlaybackAction
    """What the service does to the track: `turned down`, `turned up`, `unchanged`, or
    `unknown` when the track's integrated loudness could not be measured."""
    gain_db: float
    """The gain the service applies on playback, in dB (negative: turned down; 0 when it leaves
    the track alone or the gain is unknown)."""
    playback_lufs: float | None
    """The integrated loudness listeners hear after that gain, in LUFS; None when unknown."""
    playback_peak_dbtp: float | None
    """The track's true peak after that gain, in dBTP; None when no true peak was measured."""
    raise_limited_by_peak: bool
    """A quiet track was raised less than the target asks for, because its peaks would pass
    the service's limit."""
    ceiling_dbtp: float
    """The true-peak ceiling the service recommends for a master this loud, in dBTP."""
    peak_over_ceiling_db: float | None
    """How far the delivered true peak lies above that ceiling, in dB (> 0: over it);
    None when no true peak was measured."""
    exceeds_ceiling: bool
    """Whether the delivered true peak is above the service's ceiling (its lossy encode can
    distort)."""
    note: str
    """What the service does to the track, in a sentence."""
    source: str
    """Where the service's loudness figures come from: a short name of the source."""
    source_citation: str
    """The full reference of that source."""

    @classmethod
    def of(cls, result: Playback) -> PlatformPlaybackOut:
        cited = source(platform(result.platform).source)
        over = result.peak_over_ceiling_db
        return cls(
            **result.model_dump(),
            exceeds_ceiling=over is not None and over > 0,
            source=cited.short,
            source_citation=cited.citation,
        )


class PlatformsOut(Out):
    platforms: list[PlatformPlaybackOut]
    """What each streaming service does to the track on playback, in the knowledge base's
    order, from the analysis's integrated loudness and true peak."""


class ReviewForm(BaseModel):
    """The text fields of an upload."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    feedback_type: FeedbackType
    """What the track is judged as: a mixdown, a mix going to mastering, a finished master."""
    genre: Annotated[str, StringConstraints(max_length=64), NoControlCharacters] | None = None
    """A genre from GET /api/options (or `genre/subgenre`); empty or absent: general."""
    subgenre: Annotated[str, StringConstraints(max_length=64), NoControlCharacters] | None = None
    """A subgenre of `genre` from GET /api/options."""
    detail_level: DetailLevel = "detailed"
    """How much the feedback says: `simple`, `detailed` or `pro`."""
    version_of: Annotated[str, StringConstraints(max_length=64), NoControlCharacters] | None = None
    """The id of the session's earlier track this upload is a new version of (GET
    /api/reviews/{id}/versions lists the lineage); empty or absent: a track of its own."""

    @field_validator("genre", "subgenre", "version_of")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class RejudgeForm(ReviewForm):
    """A new judgement of a review's stored measurements: the same fields as an upload's."""


class RenameForm(BaseModel):
    """A review's new title."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    title: Annotated[str, StringConstraints(max_length=120), NoControlCharacters] | None
    """The review's name in the history; empty or null: named by its track again."""

    @field_validator("title")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class RejudgedOut(Out):
    review: ReviewOut
    """The new review, judged from the measurements of the one it came from."""
    feedback: Feedback
    """Its feedback, written by the built-in coach."""


def upload_body() -> dict[str, Any]:
    """The multipart body, documented by hand: it is parsed as a stream, not by FastAPI."""
    form = ReviewForm.model_json_schema()
    schema = {
        "type": "object",
        "description": "A track (and optionally a reference) with the request.",
        "properties": {
            "track": {"type": "string", "format": "binary", "description": "The audio to judge."},
            "reference": {
                "type": "string",
                "format": "binary",
                "description": "Optional: a track to compare with.",
            },
            **{name: _text_part(field) for name, field in form["properties"].items()},
        },
        "required": ["track", *form.get("required", [])],
        "additionalProperties": False,
    }
    return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}


def _text_part(field: dict[str, Any]) -> dict[str, Any]:
    """A form field's schema as multipart carries it: text, or absent (never JSON null)."""
    alternatives = [a for a in field.pop("anyOf", []) if a.get("type") != "null"]
    if field.get("default", "") is None:
        del field["default"]
    return {**field, **(alternatives[0] if alternatives else {})}


#: The longest question the chat accepts, in characters.
MAX_QUESTION_CHARS = 2000


class ChatQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    question: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUESTION_CHARS),
        NoControlCharacters,
    ]
    """A question about the track, 1 to 2000 characters (blank space around it is dropped);
    no control characters but newlines and tabs."""


class ChatMessageOut(Out):
    id: int
    """The message's number; later messages have larger numbers."""
    role: Literal["user", "assistant"]
    """`user` for the producer's question, `assistant` for Mixcoach's answer."""
    content: str
    """The text, in Markdown (an answer as it was shown, with any note about the engine)."""
    created_at: datetime
    """When the question was asked or the answer finished (UTC)."""
    engine: str | None
    """Who answered: `offline` or `openai:<model>`; None for questions."""
    finding_codes: list[str]
    """The findings an answer draws on (empty for questions)."""

    @classmethod
    def of(cls, message: ChatMessage) -> ChatMessageOut:
        data = message.data or {}
        return cls(
            id=message.id,
            role="user" if message.role == "user" else "assistant",
            content=message.content,
            created_at=message.created_at,
            engine=message.engine,
            finding_codes=list(data.get("finding_codes", [])),
        )


class ChatOut(Out):
    messages: list[ChatMessageOut]
    """The whole conversation, oldest first."""
    summary: str | None
    """The running summary of the older turns (what the engine reads instead of them), once the
    conversation has grown long enough to need one; else None."""


def schema_ref(model: type[BaseModel]) -> dict[str, str]:
    """A reference to ``model``'s schema in the OpenAPI document (FastAPI puts it there when a
    route returns it)."""
    return {"$ref": f"#/components/schemas/{model.__name__}"}


#: The data of a `chunk` event: a piece of text, in the order written.
CHUNK_DATA: dict[str, Any] = {
    "type": "object",
    "required": ["text"],
    "properties": {"text": {"type": "string", "description": "The next piece of the text."}},
}


def event_stream(description: str, events: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A response of Server-Sent Events, as OpenAPI 3.2 describes them (and FastAPI does for
    its own): ``itemSchema`` gives each event, its name in `event` and its data, JSON, in
    `data`; ``events`` maps each event name to the schema of its data."""
    items = [
        {
            "type": "object",
            "title": f"{name} event",
            "required": ["event", "data"],
            "properties": {
                "event": {"const": name},
                "data": {
                    "type": "string",
                    "contentMediaType": "application/json",
                    "contentSchema": data,
                },
                "id": {"type": "string"},
                "retry": {"type": "integer", "minimum": 0},
            },
        }
        for name, data in events.items()
    ]
    return {
        "description": description,
        "content": {"text/event-stream": {"itemSchema": {"oneOf": items}}},
    }


class VersionOut(Out):
    number: int
    """1 for the first version, in the order the versions were made."""
    track: TrackRef
    """The version's track."""
    review_id: str | None
    """The track's newest review in this session (compare two with .../compare/{other_id})."""


class VersionSuggestionOut(Out):
    review_id: str
    """A review of a track that is not linked yet but looks like a version of this one."""
    track: TrackRef
    """Its track (upload with `version_of` set to link a new one)."""
    reason: Literal["file_name", "fingerprint"]
    """Why: the same file name once version marks are removed, or the same duration, tempo,
    key and loudness curve."""


class VersionsOut(Out):
    versions: list[VersionOut]
    """The lineage of the review's track, first version first."""
    suggestions: list[VersionSuggestionOut]
    """The session's other tracks that look like versions of it."""


class VersionLinkIn(BaseModel):
    """The review's track as a new version of an earlier track of the session (a suggestion
    taken after upload)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    track_id: Annotated[str, StringConstraints(min_length=1, max_length=64), NoControlCharacters]
    """The earlier track: a suggestion's or a version's `track.id`."""


class ComparisonOut(Out):
    before_review_id: str
    """The earlier version's review."""
    after_review_id: str
    """The later version's review."""
    findings: list[FindingChange]
    """Per finding: `fixed`, `still_there` (with the trend and the amounts, in the finding's
    unit) or `new`."""
    metrics: list[MetricChange]
    """Per metric and band level: both values and the change (later minus earlier)."""
    summary: str
    """The comparison in words."""


class AlbumIn(BaseModel):
    """A new album: the session's reviews as one release, in order."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    title: Annotated[str, StringConstraints(min_length=1, max_length=255), NoControlCharacters]
    """The album's title."""
    review_ids: Annotated[list[str], Field(min_length=2, max_length=100)]
    """The reviews of its tracks, in the album's order (each once)."""

    @field_validator("review_ids")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        repeated = sorted({review_id for review_id in value if value.count(review_id) > 1})
        if repeated:
            raise ValueError(f"each review appears once; repeated: {', '.join(repeated)}")
        return value


class AlbumCreatedOut(Out):
    id: str
    """The album's id (GET /api/albums/{id})."""
    title: str
    """Its title."""
    review_ids: list[str]
    """Its tracks' reviews, in order."""


class AlbumOut(AlbumCreatedOut):
    tracks: list[AlbumTrack]
    """Per track: loudness, true peak, tilt, width and band levels."""
    album_lufs: float | None
    """The album's loudness: the tracks' loudness averaged as energy, weighted by duration."""
    album_true_peak_dbtp: float | None
    """The loudest track's true peak."""
    loudness_spread_lu: float | None
    """The loudest track's loudness minus the quietest's."""
    outliers: list[Outlier]
    """What sets a track apart from the rest (further from the others' median than 3 scaled
    MADs and than the measure's floor), with the amount."""
    summary: list[str]
    """The outliers in words, one sentence per track that stands out."""
    playback: list[AlbumPlayback]
    """Album mode per streaming service: one gain for the whole album, and each track's
    resulting loudness and true peak."""


class CodecResultOut(Out):
    codec: str
    """The delivery codec and bit rate, e.g. `AAC 256 kbps`."""
    true_peak_dbtp: float | None
    """The decoded track's true peak, in dBTP; None when silent."""
    true_peak_change_db: float | None
    """Decoded true peak minus the original's, in dB: how far the codec overshoots."""
    loudness_change_lu: float | None
    """Decoded integrated loudness minus the original's, in LU."""
    clipped_samples: int
    """Decoded samples beyond full scale: the ones a fixed-point decoder output clips."""


class CodecPlatformOut(Out):
    platform: str
    """The service's machine name, e.g. `spotify`."""
    label: str
    """The service's name to show."""
    codec: str
    """The codec of `codecs` the service delivers with."""
    gain_db: float
    """The service's playback gain for the decoded track, in dB."""
    playback_lufs: float | None
    """The loudness the decoded track plays at after that gain, in LUFS."""
    turned_up: bool
    """Whether the service raises the track."""
    raise_limited_by_peak: bool
    """A quiet track was raised less than the target asks for (Spotify's limit at -1 dBTP:
    its loud mode would limit it instead)."""
    decoded_peak_after_gain_dbtp: float | None
    """The decoded true peak plus the playback gain, in dBTP."""
    ceiling_dbtp: float
    """The service's true-peak ceiling for a master this loud, in dBTP."""
    verdict: Literal["over", "ok"]
    """`over` when the decoded peak after the gain is above the ceiling."""


class CodecsOut(Out):
    state: Literal["running", "done", "failed"]
    """`running` (HTTP 202: ask again), `done`, or `failed` (with `error`)."""
    progress_percent: int
    """How far the encodes are, 0-100."""
    true_peak_dbtp: float | None = None
    """The original's true peak, in dBTP."""
    codecs: list[CodecResultOut] = []
    """Each codec's result, once done."""
    platforms: list[CodecPlatformOut] = []
    """What each service plays, once done."""
    error: str | None = None
    """Why the run failed."""


class PeakLevelOut(Out):
    columns: int
    """Columns across the whole file (fewer than asked for when the file is very short)."""
    min: list[float]
    """Per column, the lowest sample over all channels (full scale is -1..1)."""
    max: list[float]
    """Per column, the highest sample over all channels."""


class PeaksOut(Out):
    which: Literal["track", "reference"]
    """Whose audio this outlines: the review's track or its reference."""
    duration_s: float
    """The decoded length, in seconds; column i starts at i * duration_s / columns."""
    sample_rate_hz: int
    """The file's sample rate."""
    levels: list[PeakLevelOut]
    """The outline at a few column counts, coarse to fine, to draw at any zoom."""
