"""A review's track through the delivery codecs, and what each service then plays: the service's
codec (the first of Mixcoach's codecs its data names), its gain for the decoded loudness, and the
decoded true peak after that gain against the service's ceiling; and the loudest excerpt as
each service plays it, beside the original at the same loudness, its mono fold-down and the
codec's artifacts alone.

The check itself is a job (``storage.jobs`` ``queue_codec_check``): asking for it queues it
when no run of the content is stored, and its row says how far it is or why it failed."""

from __future__ import annotations

import io
from typing import Literal

import numpy as np
import soundfile as sf

from mixcoach.analysis import Analysis, rejudge
from mixcoach.api.schemas import CodecPlatformOut, CodecResultOut, CodecsOut
from mixcoach.api.state import AppState
from mixcoach.audio.codecs import CODECS, Codec, CodecResult
from mixcoach.audio.excerpts import EXCERPT_SECONDS, excerpt_through, loudest_start
from mixcoach.errors import InputError
from mixcoach.jobs.codec_runs import CodecRun
from mixcoach.knowledge.genres import resolve_profile
from mixcoach.knowledge.platforms import (
    Platform,
    Playback,
    decoded_playback,
    delivery_codec,
    platform,
    platforms,
)
from mixcoach.storage.jobs import queue_codec_check
from mixcoach.storage.reviews import get_review


def with_decoded_peaks(analysis: Analysis, run: CodecRun | None) -> Analysis:
    """A master review judged again with the finished run's decoded peaks, so its verdict, its
    plan's ceiling, the presets and every word read the listener's copy; the analysis as it is
    for another feedback type, without a finished run, or when it already carries them. The
    judgement is pure and takes milliseconds, so it runs on every read instead of being stored."""
    if run is None or analysis.request.feedback_type != "master_review" or analysis.codecs:
        return analysis
    return rejudge(
        analysis,
        profile=resolve_profile(analysis.request.genre, analysis.request.subgenre),
        feedback_type=analysis.request.feedback_type,
        codecs=run.results,
    )


def codec_check(state: AppState, *, session_id: str, review_id: str, again: bool) -> CodecsOut:
    """The codec check of a session's review's audio: done (the journey), running (queued now
    if no run of the content is stored) or failed; ``again`` queues a failed one again.
    NotFound for another session's review, before anything is queued."""
    with state.database.session() as db:
        sha256 = get_review(db, session_id=session_id, review_id=review_id).track.file_sha256
    run = state.codec_runs.finished(sha256)
    if run is not None:
        return journey(run)
    # No results stored: a row that says done lost them (removed with a review), so it runs
    # again; it finds any stored meanwhile and encodes nothing.
    with state.database.writing() as db:
        status, queued = queue_codec_check(
            db, sha256, again=("done", "failed") if again else ("done",)
        )
    if queued:
        state.job_queued(status.analysis_id)
    percent = int(status.progress_percent)
    if status.state == "failed":
        return CodecsOut(state="failed", progress_percent=percent, error=status.error)
    return CodecsOut(state="running", progress_percent=percent)


def journey(run: CodecRun) -> CodecsOut:
    """The finished run as the API sends it."""
    by_name = {result.codec: result for result in run.results}
    rows = []
    for p in platforms():
        result: CodecResult = by_name[delivery_codec(p, [c.name for c in CODECS])]
        played = _decoded_playback(run, result, p)
        peak = played.playback_peak_dbtp
        rows.append(
            CodecPlatformOut(
                platform=p.name,
                label=p.label,
                codec=result.codec,
                gain_db=played.gain_db,
                playback_lufs=played.playback_lufs,
                turned_up=played.action == "turned up",
                raise_limited_by_peak=played.raise_limited_by_peak,
                decoded_peak_after_gain_dbtp=peak,
                ceiling_dbtp=played.ceiling_dbtp,
                verdict="over" if peak is not None and peak > played.ceiling_dbtp else "ok",
            )
        )
    return CodecsOut(
        state="done",
        progress_percent=100,
        true_peak_dbtp=run.true_peak_dbtp,
        codecs=[CodecResultOut(**result.model_dump()) for result in run.results],
        platforms=rows,
    )


def _decoded_playback(run: CodecRun, result: CodecResult, on: Platform) -> Playback:
    """What ``on`` does with the track as ``result``'s codec decodes it."""
    return decoded_playback(on, integrated_lufs=run.integrated_lufs, decoded=result)


CODECS_RUNNING = "The codec check is still running ({percent}% done); ask again when it is done."
CODECS_NOT_STARTED = "The codec check has not run; start it with GET /api/reviews/{id}/codecs."
UNKNOWN_PLATFORM = "Mixcoach knows no platform {name!r}; it knows {known}."

ExcerptKind = Literal["original", "decoded", "artifacts", "mono"]


def codec_slug(codec: Codec) -> str:
    """The codec's name in a path: ``aac``, ``opus``, ``mp3``."""
    return codec.name.split()[0].lower()


def played_excerpt(
    run: CodecRun,
    audio: np.ndarray,
    sample_rate_hz: int,
    *,
    codec: Codec,
    kind: ExcerptKind,
    platform_name: str | None,
) -> bytes:
    """The loudest ~10 s as a 16-bit WAV: the decoded codec output with the platform's playback
    gain (none without a platform), or the original, its mono fold-down or the artifacts at the
    loudness the decoded version plays at. Samples past full scale clip, as a fixed-point
    decoder's output does."""
    result = next(r for r in run.results if r.codec == codec.name)
    gain_db = 0.0
    if platform_name is not None:
        try:
            chosen = platform(platform_name)
        except KeyError:
            known = ", ".join(p.name for p in platforms())
            raise InputError(UNKNOWN_PLATFORM.format(name=platform_name, known=known)) from None
        gain_db = _decoded_playback(run, result, chosen).gain_db
    start = loudest_start(audio, sample_rate_hz, seconds=EXCERPT_SECONDS)
    excerpt = excerpt_through(audio, sample_rate_hz, codec, start=start, seconds=EXCERPT_SECONDS)
    # The original plays at the decoded version's loudness, so the ear compares codecs, not level.
    original_gain_db = gain_db + (result.loudness_change_lu or 0.0)
    if kind == "decoded":
        samples, gain = excerpt.decoded, gain_db
    elif kind == "original":
        samples, gain = excerpt.original, original_gain_db
    elif kind == "mono":
        samples, gain = excerpt.mono(), original_gain_db
    else:
        samples, gain = excerpt.artifacts(), gain_db
    out = io.BytesIO()
    played_samples = np.clip(samples * 10 ** (gain / 20), -1.0, 1.0).T
    sf.write(out, played_samples, excerpt.sample_rate_hz, format="WAV", subtype="PCM_16")
    return out.getvalue()
