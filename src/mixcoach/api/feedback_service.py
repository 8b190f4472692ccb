"""What the feedback, chat, preset and report routes do: run the feedback engine, stream its
text as Server-Sent Events, and store what it made before saying it is done.

A streamed route answers ``text/event-stream``::

    event: chunk   data: {"text": "..."}                 as the text is written
    event: done    data: <Feedback | ChatMessageOut>      once it is stored
    event: error   data: <the API's error shape>          instead of done, when it fails

What a request can fail on before any text exists (404, 409) is checked before the stream
starts, so it keeps its HTTP status. The streams are sync iterators: Starlette reads them in its
thread pool, so the engine (and an LLM's network wait) never runs on the event loop. A client
that leaves mid-stream stops the work there; nothing half-written is stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any, TypeVar

from fastapi.sse import format_sse_event
from pydantic import BaseModel
from sqlalchemy.orm import Session

from mixcoach import __version__
from mixcoach.analysis import Analysis
from mixcoach.api.codec_journey import with_decoded_peaks
from mixcoach.api.errors import NoFeedback, NoPreset, stream_error
from mixcoach.api.peaks_service import cached_peaks
from mixcoach.api.schemas import ChatMessageOut, ChatOut
from mixcoach.api.services import finished_review
from mixcoach.api.versions_service import previous_version
from mixcoach.export.presets import to_json, to_reaeq_rpl
from mixcoach.export.report import render_report
from mixcoach.export.report_previews import PreviewRow
from mixcoach.feedback import (
    ChatMessage,
    Conversation,
    Feedback,
    FeedbackEngine,
    FeedbackRequest,
    Presets,
    Streamed,
)
from mixcoach.feedback.plan import build_plan
from mixcoach.jobs.codec_runs import CodecRuns
from mixcoach.storage import chat as chat_store
from mixcoach.storage import feedback as feedback_store
from mixcoach.storage import presets as preset_store
from mixcoach.storage.database import Database
from mixcoach.storage.models import ChatMessage as StoredMessage
from mixcoach.storage.models import Review, Track
from mixcoach.storage.rendered import RenderedStore, peaks_name, report_folder, report_name
from mixcoach.storage.store import AudioStore

NO_FEEDBACK = (
    "Review {review_id} has no feedback yet; ask for it with "
    "POST /api/reviews/{review_id}/feedback."
)
NO_EQ_PRESET = (
    "Mixcoach found nothing to correct with EQ in {filename}, so there is no ReaEQ preset for it."
)

Done = TypeVar("Done", bound=BaseModel)


@dataclass(frozen=True)
class Ready:
    """A session's review whose analysis is done, with the Analysis read back."""

    review: Review
    track: Track
    reference: Track | None
    analysis: Analysis


@dataclass(frozen=True)
class Download:
    filename: str
    content: bytes
    media_type: str


def ready_review(database: Database, runs: CodecRuns, *, session_id: str, review_id: str) -> Ready:
    """The finished review, a master review judged with its decoded peaks once the codec check
    of its audio is done."""
    with database.session() as db:
        row, document = finished_review(db, session_id=session_id, review_id=review_id)
    analysis = Analysis.model_validate(document)
    if analysis.request.feedback_type == "master_review":
        analysis = with_decoded_peaks(analysis, runs.finished(row.track.file_sha256))
    return Ready(row.review, row.track, row.reference, analysis)


# --- feedback -----------------------------------------------------------------------------


def read_feedback(db: Session, *, session_id: str, review_id: str) -> Feedback:
    """The review's stored feedback; NoFeedback when none was written yet."""
    finished_review(db, session_id=session_id, review_id=review_id)
    stored = feedback_store.latest_feedback(db, review_id=review_id)
    if stored is None:
        raise NoFeedback(NO_FEEDBACK.format(review_id=review_id))
    return Feedback.model_validate(stored.data)


def stream_feedback(
    database: Database,
    runs: CodecRuns,
    engine: FeedbackEngine,
    *,
    session_id: str,
    review_id: str,
    regenerate: bool,
) -> Iterator[bytes]:
    """The review's feedback as events: the stored one in one chunk, or (when there is none, or
    when asked to regenerate) a new one as the engine writes it, stored before ``done``."""
    ready = ready_review(database, runs, session_id=session_id, review_id=review_id)
    what = f"feedback for review {review_id}"
    if not regenerate:
        with database.session() as db:
            stored = feedback_store.latest_feedback(db, review_id=review_id)
        if stored is not None:
            feedback = Feedback.model_validate(stored.data)
            if not _predates_decoded_peaks(
                ready, None if feedback.plan is None else feedback.plan.ceiling_dbtp
            ):
                return _events(_replay(stored.content, feedback), what)
    return _events(_write_feedback(database, engine, ready), what)


def _predates_decoded_peaks(ready: Ready, stored_ceiling_dbtp: float | None) -> bool:
    """Whether stored words or presets were written before the codec check's decoded peaks
    set the ceiling: their ceiling is not the plan's now, so they are written again."""
    if not ready.analysis.codecs:
        return False
    return stored_ceiling_dbtp != build_plan(ready.analysis).ceiling_dbtp


def _replay(content: str, feedback: Feedback) -> Generator[str, None, Feedback]:
    yield content
    return feedback


def _write_feedback(
    database: Database, engine: FeedbackEngine, ready: Ready
) -> Generator[str, None, Feedback]:
    review = ready.review
    request = FeedbackRequest.model_validate(
        {"feedback_type": review.feedback_type, "detail": review.detail_level}
    )
    with database.session() as db:
        version = previous_version(db, session_id=review.session_id, review_id=review.id)
    stream = engine.feedback(ready.analysis, request, version=version)
    shown: list[str] = []
    for text in stream:
        shown.append(text)
        yield text
    feedback = stream.result()
    with database.writing() as db:
        feedback_store.replace_feedback(
            db,
            review_id=review.id,
            engine=feedback.engine,
            detail_level=review.detail_level,
            content="".join(shown),
            data=feedback.model_dump(mode="json"),
            note=feedback.fallback_reason,
        )
    return feedback


def feedback_for(database: Database, engine: FeedbackEngine, ready: Ready) -> Feedback:
    """The review's feedback: the stored one, or a new one written (and stored) now."""
    with database.session() as db:
        stored = feedback_store.latest_feedback(db, review_id=ready.review.id)
    if stored is not None:
        feedback = Feedback.model_validate(stored.data)
        if not _predates_decoded_peaks(
            ready, None if feedback.plan is None else feedback.plan.ceiling_dbtp
        ):
            return feedback
    return Streamed(_write_feedback(database, engine, ready)).result()


# --- chat ---------------------------------------------------------------------------------


def read_chat(db: Session, *, session_id: str, review_id: str) -> ChatOut:
    """The whole conversation, oldest first, with the running summary when there is one."""
    finished_review(db, session_id=session_id, review_id=review_id)
    summary = chat_store.latest_summary(db, review_id=review_id)
    return ChatOut(
        messages=[ChatMessageOut.of(m) for m in chat_store.list_messages(db, review_id=review_id)],
        summary=None if summary is None else summary.content,
    )


def stream_chat(
    database: Database,
    runs: CodecRuns,
    engine: FeedbackEngine,
    *,
    session_id: str,
    review_id: str,
    question: str,
    asked_at: datetime,
) -> Iterator[bytes]:
    """The answer to ``question`` as events; the question, the answer and the moved summary are
    stored before ``done``. The feedback is written first (silently) when there is none yet:
    the answer builds on it."""
    ready = ready_review(database, runs, session_id=session_id, review_id=review_id)
    return _events(
        _answer(database, engine, ready, question=question, asked_at=asked_at),
        f"chat answer for review {review_id}",
    )


def _answer(
    database: Database,
    engine: FeedbackEngine,
    ready: Ready,
    *,
    question: str,
    asked_at: datetime,
) -> Generator[str, None, ChatMessageOut]:
    feedback = feedback_for(database, engine, ready)
    review_id = ready.review.id
    with database.session() as db:
        stored = chat_store.conversation(db, review_id=review_id)
        version = previous_version(db, session_id=ready.review.session_id, review_id=review_id)
    history = Conversation(
        summary="" if stored.summary is None else stored.summary.content,
        turns=[_turn(m) for m in stored.recent],
    )
    stream = engine.chat(ready.analysis, feedback, history, question, version=version)
    shown: list[str] = []
    for text in stream:
        shown.append(text)
        yield text
    answer = stream.result()
    folded = stored.recent[: answer.summarised_turns]  # now covered by answer.summary
    with database.writing() as db:
        reply = chat_store.add_exchange(
            db,
            review_id=review_id,
            question=question,
            asked_at=asked_at,
            answer=chat_store.Answer(
                content="".join(shown).strip(),
                engine=answer.engine,
                data={
                    "finding_codes": answer.finding_codes,
                    "sources": answer.sources,
                    "fallback_reason": answer.fallback_reason,
                },
            ),
            summary=answer.summary if folded else None,
            through_message_id=folded[-1].id if folded else None,
        )
        return ChatMessageOut.of(reply)


def _turn(message: StoredMessage) -> ChatMessage:
    return ChatMessage.model_validate({"role": message.role, "content": message.content})


# --- presets ------------------------------------------------------------------------------


def read_presets(
    database: Database,
    runs: CodecRuns,
    engine: FeedbackEngine,
    *,
    session_id: str,
    review_id: str,
) -> Presets:
    ready = ready_review(database, runs, session_id=session_id, review_id=review_id)
    return presets_for(database, engine, ready)


def presets_for(database: Database, engine: FeedbackEngine, ready: Ready) -> Presets:
    """The review's presets: the stored ones, or derived from the analysis and stored now."""
    with database.session() as db:
        stored = preset_store.stored_presets(db, review_id=ready.review.id)
    if stored is not None:
        presets = Presets.model_validate(stored.data)
        ceiling = None if presets.limiter is None else presets.limiter.ceiling_dbtp
        if _predates_decoded_peaks(ready, ceiling):
            return engine.presets(ready.analysis)  # derived again: the stored ones stay
    if stored is None:
        derived = engine.presets(ready.analysis)
        with database.writing() as db:
            stored = preset_store.keep_presets(
                db,
                review_id=ready.review.id,
                name=preset_name(ready.track),
                data=derived.model_dump(mode="json"),
            )
    return Presets.model_validate(stored.data)


def json_preset(
    database: Database,
    runs: CodecRuns,
    engine: FeedbackEngine,
    *,
    session_id: str,
    review_id: str,
) -> Download:
    """Mixcoach's preset file (every setting with its reason and finding codes)."""
    ready = ready_review(database, runs, session_id=session_id, review_id=review_id)
    presets = presets_for(database, engine, ready)
    return Download(
        filename=f"{_stem(ready.track)} Mixcoach presets.json",
        content=to_json(presets).encode("utf-8"),
        media_type="application/json",
    )


def reaeq_preset(
    database: Database,
    runs: CodecRuns,
    engine: FeedbackEngine,
    *,
    session_id: str,
    review_id: str,
) -> Download:
    """The EQ moves as a REAPER ReaEQ preset library; NoPreset when there is no EQ move."""
    ready = ready_review(database, runs, session_id=session_id, review_id=review_id)
    presets = presets_for(database, engine, ready)
    if not presets.eq:
        raise NoPreset(NO_EQ_PRESET.format(filename=ready.track.filename))
    library = to_reaeq_rpl(presets, name=preset_name(ready.track))
    return Download(
        filename=f"{_stem(ready.track)} ReaEQ.RPL",
        content=library.encode("utf-8"),
        media_type="application/octet-stream",
    )


def preset_name(track: Track) -> str:
    """The name REAPER lists the preset under: one line, no backticks (RPL quotes with them)."""
    return f"Mixcoach - {_stem(track)}".replace("`", "'")


def _stem(track: Track) -> str:
    stem = PurePath(track.filename).stem
    return " ".join(stem.split())[:100] or "track"  # one line, whatever the upload was called


# --- report -------------------------------------------------------------------------------


def report_pdf(
    database: Database,
    runs: CodecRuns,
    engine: FeedbackEngine,
    rendered: RenderedStore,
    *,
    store: AudioStore,
    session_id: str,
    review_id: str,
    generated_at: datetime,
    previews: Sequence[PreviewRow] = (),
) -> Download:
    """The PDF report: the analysis, the feedback (written now if there is none yet), the whole
    conversation and the presets. Every turn is stored, so the report prints them all and no
    summary in their place.

    A report is rendered once per content of those inputs and kept beside the audio, so any
    server serves it again without rendering (dated when it was rendered); a new chat turn
    changes the inputs (as does a comparison with a previous version that became ready), and
    the review's older report is replaced."""
    ready = ready_review(database, runs, session_id=session_id, review_id=review_id)
    feedback = feedback_for(database, engine, ready)
    presets = presets_for(database, engine, ready)
    with database.session() as db:
        messages = chat_store.list_messages(db, review_id=review_id)
        version = previous_version(db, session_id=session_id, review_id=review_id)
    chat = [_turn(m) for m in messages]
    reference_name = None if ready.reference is None else ready.reference.filename
    inputs = [
        __version__,
        ready.track.filename,
        reference_name or "",
        ready.analysis.model_dump_json(),
        feedback.model_dump_json(),
        presets.model_dump_json(),
        repr(version),  # a frozen dataclass of a model: its repr is its content
        # The waveform's outline follows from the audio's content and the outline's format.
        peaks_name(ready.track.file_sha256),
        repr(tuple(previews)),  # frozen dataclasses: a preview rendered since is a new report
        *(turn.model_dump_json() for turn in chat),
    ]
    name = report_name(review_id, hashlib.sha256("\0".join(inputs).encode()).hexdigest())
    pdf = rendered.get(name)
    if pdf is None:
        pdf = render_report(
            ready.analysis,
            feedback=feedback,
            chat=chat,
            presets=presets,
            generated_at=generated_at,
            track_name=ready.track.filename,
            reference_name=reference_name,
            version=version,
            peaks=cached_peaks(rendered, store, ready.track.file_sha256),
            previews=previews,
        )
        rendered.remove_folder(report_folder(review_id))  # made from earlier inputs
        rendered.put(name, pdf)
    return Download(
        filename=f"{_stem(ready.track)} Mixcoach report.pdf",
        content=pdf,
        media_type="application/pdf",
    )


# --- events -------------------------------------------------------------------------------


def _events(produce: Generator[str, None, Done], what: str) -> Iterator[bytes]:
    """Server-Sent Events from a generator of text that returns the stored result."""
    stream = Streamed(produce)
    try:
        for text in stream:
            if text:
                yield _event("chunk", {"text": text})
        done = stream.result()
    except Exception as exc:  # the 200 is already sent: the error travels in the stream
        yield _event("error", stream_error(exc, what=what).model_dump(mode="json"))
        return
    yield _event("done", done.model_dump(mode="json"))


def _event(name: str, data: dict[str, Any]) -> bytes:
    return format_sse_event(data_str=json.dumps(data), event=name)
