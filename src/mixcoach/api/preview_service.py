"""A review's previews: which there are, and each one's before/after audio, rendered once.

Rendering reads the track from the store, renders the plan's moves on it and encodes the
excerpt; the result is kept beside the audio (``storage/rendered.py``: the data folder, or the
bucket every server reads) and in a bounded in-process cache, both keyed by the review, the
content hash of its plan and the preview's id, so a second request (the after, the same preview
again, through this server or another) does not decode or render again. Sync functions: routers
call them in the threadpool.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
import soundfile as sf

from mixcoach.api.feedback_service import Ready, ready_review
from mixcoach.audio.codecs import CODECS, encode
from mixcoach.audio.decode import open_audio
from mixcoach.errors import NotFound
from mixcoach.export.report_previews import PreviewChange, PreviewRow
from mixcoach.feedback.model import Plan
from mixcoach.feedback.plan import build_plan
from mixcoach.jobs.codec_runs import CodecRuns
from mixcoach.preview.cache import PreviewCache, preview_bytes, preview_from_bytes
from mixcoach.preview.previews import PreviewSpec, RenderedPreview, preview_specs, render_preview
from mixcoach.storage.database import Database
from mixcoach.storage.rendered import RenderedStore, preview_name
from mixcoach.storage.store import AudioStore

log = logging.getLogger(__name__)

Side = Literal["before", "after"]
AudioFormat = Literal["opus", "aac", "wav"]
NO_PREVIEW = "This review has no preview {preview_id!r}; GET its previews for their ids."
#: The compact forms for the page: Opus in Ogg, and AAC (ADTS) for browsers without Opus.
_COMPACT = {
    "opus": (next(c for c in CODECS if c.encoder == "libopus"), "audio/ogg"),
    "aac": (next(c for c in CODECS if c.encoder == "aac"), "audio/aac"),
}
_BLOCK_FRAMES = 1 << 18


@dataclass(frozen=True)
class PreviewAudio:
    content: bytes
    media_type: str


def plan_hash(plan: Plan) -> str:
    return hashlib.sha256(plan.model_dump_json().encode()).hexdigest()[:16]


def review_previews(
    database: Database, runs: CodecRuns, *, session_id: str, review_id: str
) -> tuple[Ready, Plan, list[PreviewSpec]]:
    ready = ready_review(database, runs, session_id=session_id, review_id=review_id)
    plan = build_plan(ready.analysis)
    return ready, plan, preview_specs(plan, ready.analysis.findings)


def preview_rows(
    database: Database,
    runs: CodecRuns,
    rendered: RenderedStore,
    cache: PreviewCache,
    *,
    session_id: str,
    review_id: str,
) -> list[PreviewRow]:
    """The review's previews as the API lists them, for the PDF, each with its measured change
    and gains when it was rendered already (this server's cache, or stored by any server);
    nothing is rendered here."""
    _, plan, specs = review_previews(database, runs, session_id=session_id, review_id=review_id)
    rows = []
    for spec in specs:
        key = (review_id, plan_hash(plan), spec.id)
        known = cache.get(key)
        if known is None:
            stored = rendered.get(preview_name(*key))
            try:
                known = None if stored is None else preview_from_bytes(stored, spec)
            except ValueError:  # another release's: listed without figures
                known = None
        rows.append(
            PreviewRow(
                title=spec.title,
                move=spec.move,
                finding_codes=tuple(spec.finding_codes),
                changes=None
                if known is None
                else tuple(
                    PreviewChange(c.metric, c.unit, c.before, c.after) for c in known.changes
                ),
                # as the API gives them
                before_gain_db=None if known is None else round(known.matched.before_gain_db, 2),
                after_gain_db=None if known is None else round(known.matched.after_gain_db, 2),
            )
        )
    return rows


def rendered_preview(
    database: Database,
    runs: CodecRuns,
    store: AudioStore,
    rendered: RenderedStore,
    cache: PreviewCache,
    *,
    session_id: str,
    review_id: str,
    preview_id: str,
) -> RenderedPreview:
    """The preview rendered, or as stored by any server; NotFound for an id the review does not
    have."""
    ready, plan, specs = review_previews(database, runs, session_id=session_id, review_id=review_id)
    spec = next((s for s in specs if s.id == preview_id), None)
    if spec is None:
        raise NotFound(NO_PREVIEW.format(preview_id=preview_id))
    key = (review_id, plan_hash(plan), preview_id)
    cached = cache.get(key)
    if cached is not None:
        return cached
    name = preview_name(*key)
    stored = rendered.get(name)
    if stored is not None:
        try:
            preview = preview_from_bytes(stored, spec)
        except ValueError as exc:  # written by another release, or damaged: render it again
            log.warning("rendering preview %s again: %s", name, exc)
        else:
            cache.put(key, preview)
            return preview
    with store.local_copy(ready.track.file_sha256) as path:
        source = open_audio(path)
        try:
            audio = np.concatenate(list(source.blocks(block_frames=_BLOCK_FRAMES)), axis=1)
            rate = source.info.sample_rate_hz
        finally:
            source.close()
    stored = preview_bytes(render_preview(audio.astype(np.float64), spec, sample_rate_hz=rate))
    rendered.put(name, stored)
    preview = preview_from_bytes(stored, spec)  # what every server plays, sample for sample
    cache.put(key, preview)
    return preview


def preview_audio(preview: RenderedPreview, side: Side, audio_format: AudioFormat) -> PreviewAudio:
    """One side of the matched preview as Opus in Ogg (the page's default), AAC or 32-bit float
    WAV."""
    samples = preview.matched.before if side == "before" else preview.matched.after
    if audio_format == "wav":
        out = io.BytesIO()
        sf.write(out, samples.T, preview.sample_rate_hz, format="WAV", subtype="FLOAT")
        return PreviewAudio(out.getvalue(), "audio/wav")
    codec, media_type = _COMPACT[audio_format]
    return PreviewAudio(encode(samples, preview.sample_rate_hz, codec), media_type)
