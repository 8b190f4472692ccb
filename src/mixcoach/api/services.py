"""What the routes do, beyond parsing: submitting a review (upload, checks, rows, queue), and
reading a review whose analysis is done."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from mixcoach import __version__
from mixcoach.api.errors import INVALID_REQUEST, FieldError, NotReady
from mixcoach.api.schemas import ReviewForm
from mixcoach.api.state import AppState
from mixcoach.api.upload import ReceivedFile, ReceivedForm, receive_form
from mixcoach.audio.decode import count_frames, open_audio
from mixcoach.audio.rhythm import Rhythm
from mixcoach.audio.sections import SongSection
from mixcoach.errors import AudioError, InputError, NotFound
from mixcoach.findings.metric_view import MetricView, metric_views
from mixcoach.findings.metrics import MetricStatus
from mixcoach.findings.section_view import SectionTable, section_tables
from mixcoach.knowledge.genres import resolve_profile
from mixcoach.knowledge.platforms import Playback, playback
from mixcoach.storage.jobs import queue_follow_up
from mixcoach.storage.models import BrowserSession, Track
from mixcoach.storage.reviews import (
    AnalysisRequest,
    ReviewRow,
    add_review,
    get_review,
    queue_analysis,
)
from mixcoach.storage.tracks import AudioFacts, add_file, add_track, forget_if_unreferenced
from mixcoach.storage.versions import link_version

FILE_FIELDS = frozenset({"track", "reference"})
TRACK_REQUIRED = "a track file is required"
EMPTY_FILE = "the file is empty (0 bytes)"
TOO_LONG = (
    "{filename} is {minutes:.1f} minutes long; Mixcoach analyses tracks up to {limit:g} minutes."
)
TOO_LONG_COUNTED = (
    "{filename} is longer than {limit:g} minutes (its header gives no length, so it was "
    "counted); Mixcoach analyses tracks up to {limit:g} minutes."
)
ANALYSIS_RUNNING = "The analysis is not finished yet ({stage}, {percent:.0f}%)."
ANALYSIS_FAILED = "The analysis failed: {error}"


TEXT_FIELDS = frozenset(ReviewForm.model_fields)


def analyzer_version() -> str:
    """Part of every analysis key: a new Mixcoach or schema analyses again."""
    from mixcoach.analysis import SCHEMA_VERSION

    return f"{__version__}/{SCHEMA_VERSION}"


async def submit_review(request: Request, state: AppState, session: BrowserSession) -> ReviewRow:
    """Receive an upload and queue its analysis (or reuse the one already made)."""
    form = await receive_form(
        request,
        state.store,
        file_fields=FILE_FIELDS,
        text_fields=TEXT_FIELDS,
        max_file_bytes=int(state.settings.uploads.max_file_mb * 1e6),
    )
    try:
        row, follow_up = await run_in_threadpool(_store_review, state, session, form)
    finally:
        form.discard()  # whatever was not kept
    if row.analysis.state == "queued":
        state.job_queued(row.analysis.id)
    if follow_up is not None:
        state.job_queued(follow_up)
    return row


def _store_review(
    state: AppState, session: BrowserSession, form: ReceivedForm
) -> tuple[ReviewRow, str | None]:
    """The stored review, and the codec check it queued (its analysis done already, for an
    earlier upload of the same audio, so nothing else will start it)."""
    fields = _check_form(form)
    profile = resolve_profile(fields.genre, fields.subgenre)
    facts = {
        name: _inspect(received, max_minutes=state.settings.audio.max_duration_minutes)
        for name, received in form.files.items()
    }
    kept: list[str] = []
    try:
        for received in form.files.values():  # an upload to a bucket waits outside the lock
            if state.store.send_ahead(received.incoming):
                kept.append(received.incoming.sha256)
        with state.database.writing() as db:
            tracks = {}
            for name, received in form.files.items():
                sha = received.incoming.sha256
                add_file(db, sha256=sha, facts=facts[name])
                if state.store.keep(received.incoming) and sha not in kept:
                    kept.append(sha)
                tracks[name] = add_track(
                    db, session_id=session.id, sha256=sha, filename=received.filename
                )
            if fields.version_of is not None:
                link_version_field(
                    db, session.id, tracks["track"], fields.version_of, field="version_of"
                )
            reference, reference_file = tracks.get("reference"), form.files.get("reference")
            analysis = queue_analysis(
                db,
                AnalysisRequest(
                    track_sha256=tracks["track"].file_sha256,
                    reference_sha256=None if reference is None else reference.file_sha256,
                    genre=profile.genre,
                    subgenre=profile.subgenre,
                    feedback_type=fields.feedback_type,
                    analyzer_version=analyzer_version(),
                ),
            )
            review = add_review(
                db,
                session_id=session.id,
                track=tracks["track"],
                reference=reference,
                analysis=analysis,
                detail_level=fields.detail_level,
                # The names of this upload: the same content may have had others before.
                track_filename=form.files["track"].filename,
                reference_filename=reference_file.filename if reference_file else None,
            )
            follow_up = queue_follow_up(db, analysis.id)
            return get_review(db, session_id=session.id, review_id=review.id), follow_up
    except BaseException:
        for sha in kept:
            forget_if_unreferenced(state.database, state.store, sha)
        raise


def link_version_field(
    db: Session, session_id: str, track: Track, previous_track_id: str, *, field: str
) -> None:
    """``track`` as a new version of an earlier track; a FieldError on ``field`` (the request
    field naming the earlier track) when that is not the session's track or cannot be linked."""
    try:
        link_version(db, session_id=session_id, track=track, previous_track_id=previous_track_id)
    except (NotFound, InputError) as exc:
        raise FieldError(
            INVALID_REQUEST.format(problems=f"{field}: {exc.message}"), [(field, exc.message)]
        ) from exc


def _check_form(form: ReceivedForm) -> ReviewForm:
    """The form's fields, or one FieldError naming every problem at once."""
    problems: list[tuple[str, str]] = []
    fields: ReviewForm | None = None
    try:
        fields = ReviewForm.model_validate(form.fields)
    except ValidationError as exc:
        problems += [(".".join(map(str, e["loc"])), e["msg"]) for e in exc.errors()]
    if "track" not in form.files:  # an empty file input is not sent (see upload.py)
        problems.append(("track", TRACK_REQUIRED))
    for name, received in form.files.items():
        if received.incoming.size_bytes == 0:
            problems.append((name, EMPTY_FILE))
    if problems or fields is None:
        summary = "; ".join(f"{field}: {message}" for field, message in problems)
        raise FieldError(INVALID_REQUEST.format(problems=summary), problems)
    return fields


def _inspect(received: ReceivedFile, *, max_minutes: float) -> AudioFacts:
    """Open the file as audio (format from content) and take its facts; AudioError if it is
    not audio Mixcoach can read, named as the producer named it; InputError if it is longer
    than ``max_minutes``.

    The length is the header's when it gives one; when it does not (a FLAC saying "length
    unknown"), the file is decoded and counted, stopping as soon as the count passes the limit.
    """
    path: Path = received.incoming.path
    try:
        with open_audio(path) as source:
            info = source.info
        limit_frames = round(max_minutes * 60 * info.sample_rate_hz)
        frames, complete = (
            (info.frames, True)
            if info.frames is not None
            else count_frames(path, stop_after_frames=limit_frames)
        )
    except AudioError as exc:
        raise AudioError(exc.message.replace(str(path), received.filename)) from exc
    if not complete:
        raise InputError(TOO_LONG_COUNTED.format(filename=received.filename, limit=max_minutes))
    duration_s = frames / info.sample_rate_hz
    if frames > limit_frames:
        raise InputError(
            TOO_LONG.format(filename=received.filename, minutes=duration_s / 60, limit=max_minutes)
        )
    return AudioFacts(
        size_bytes=received.incoming.size_bytes,
        format=info.format,
        codec=info.codec,
        sample_rate_hz=info.sample_rate_hz,
        channels=info.channels,
        bit_depth=info.bit_depth,
        duration_s=duration_s,
    )


def finished_review(
    db: Session, *, session_id: str, review_id: str
) -> tuple[ReviewRow, dict[str, Any]]:
    """A session's review and its Analysis document; NotFound for a review that is not the
    session's, NotReady (with the stage, or the failure) until the analysis is done."""
    row = get_review(db, session_id=session_id, review_id=review_id)
    analysis = row.analysis
    if analysis.state == "failed":
        raise NotReady(ANALYSIS_FAILED.format(error=analysis.error))
    if analysis.document is None:
        raise NotReady(
            ANALYSIS_RUNNING.format(stage=analysis.stage, percent=analysis.progress_percent)
        )
    return row, _as_uploaded(analysis.document, row)


def review_metric_views(db: Session, *, session_id: str, review_id: str) -> list[MetricView]:
    """The review's metric table as the page and the PDF show it (statuses and figures); the
    errors of :func:`finished_review`."""
    _, document = finished_review(db, session_id=session_id, review_id=review_id)
    metrics = [MetricStatus.model_validate(metric) for metric in document["metrics"]]
    return metric_views(metrics, Rhythm.model_validate(document["rhythm"]))


def review_section_tables(db: Session, *, session_id: str, review_id: str) -> list[SectionTable]:
    """The review's section tables as the page and the PDF show them; the errors of
    :func:`finished_review`."""
    _, document = finished_review(db, session_id=session_id, review_id=review_id)
    return section_tables([SongSection.model_validate(s) for s in document.get("sections", [])])


def _as_uploaded(document: dict[str, Any], row: ReviewRow) -> dict[str, Any]:
    """The document with the names the files were uploaded under in place of the store's paths:
    the server's folders and content hashes are not the browser's business (and an analysis is
    shared by every upload of the same content, whatever it was called)."""
    named = {**document, "file": {**document["file"], "path": row.track.filename}}
    reference = document.get("reference")
    if reference is not None and row.reference is not None:
        measured = reference["measurements"]
        named["reference"] = {
            **reference,
            "measurements": {
                **measured,
                "file": {**measured["file"], "path": row.reference.filename},
            },
        }
    return named


def review_playback(db: Session, *, session_id: str, review_id: str) -> list[Playback]:
    """What each streaming service does to a review's track, from its analysis's integrated
    loudness and true peak; the errors of :func:`finished_review`."""
    _, document = finished_review(db, session_id=session_id, review_id=review_id)
    loudness = document["loudness"]
    return playback(
        integrated_lufs=loudness["integrated_lufs"], true_peak_dbtp=loudness["true_peak_dbtp"]
    )
