"""A worker process: runs the jobs the runner sends (analyses, codec checks), one at a time,
until its pipe closes.

Workers run at a lower CPU priority than the server, with one math thread each (see ``warm``),
so the API keeps answering quickly while every core is busy analysing.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from mixcoach.jobs.protocol import (
    Failed,
    Finished,
    Job,
    Progress,
    RunAnalysis,
    RunCodecs,
    WorkerMessage,
)

#: Added to the worker's nice value: the event loop serving requests comes first.
WORKER_NICENESS = 10
#: Progress is sent when the stage changes or the fraction moves by at least this much.
PROGRESS_STEP = 0.01

CODECS_REFUSED = "The codec check could not run: {reason}."

log = logging.getLogger(__name__)

Analyze = Callable[..., Any]


def worker_main(conn: Connection) -> None:
    """Entry point of a worker process."""
    os.nice(WORKER_NICENESS)
    # Ctrl+C in a terminal reaches the whole process group; the server decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    analyze = load_analyze()  # already imported (and warmed up) by the fork server
    while True:
        try:
            job = conn.recv()
        except EOFError:  # the runner closed the pipe or died: nothing more to do
            return
        if isinstance(job, RunCodecs):
            conn.send(run_codecs(job, send=conn.send))
        elif isinstance(job, RunAnalysis):
            conn.send(run_job(job, analyze=analyze, send=conn.send))
        else:
            raise TypeError(f"worker expected a job, got {type(job).__name__}")


def load_analyze() -> Analyze | Exception:
    try:
        from mixcoach.analysis import analyze
    except Exception as exc:  # reported with each job instead of killing the worker
        log.exception("the analysis engine could not be imported")
        return exc
    return analyze


def run_job(
    job: RunAnalysis, *, analyze: Analyze | Exception, send: Callable[[WorkerMessage], None]
) -> Finished | Failed:
    """Run one analysis, sending progress, and return its outcome (never raises ``Exception``)."""
    if isinstance(analyze, Exception):
        return Failed(job.analysis_id, _unexpected(analyze))
    from mixcoach.errors import MixcoachError

    try:
        analysis = analyze(
            job.track_path,
            reference_path=job.reference_path,
            genre=job.genre,
            subgenre=job.subgenre,
            feedback_type=job.feedback_type,
            progress=_Throttle(job.analysis_id, send),
        )
    except MixcoachError as exc:
        return Failed(job.analysis_id, _without_paths(exc.message, job))
    except Exception as exc:  # any bug in a meter must fail this job, not the worker
        log.exception("analysis %s failed", job.analysis_id)
        return Failed(job.analysis_id, _without_paths(_unexpected(exc), job))
    return Finished(job.analysis_id, analysis.model_dump_json())


def run_codecs(job: RunCodecs, *, send: Callable[[WorkerMessage], None]) -> Finished | Failed:
    """Put one track through the delivery codecs, sending progress, and return the run as JSON
    (never raises ``Exception``: an encoder's error fails this job, not the worker)."""
    from mixcoach.errors import MixcoachError
    from mixcoach.jobs.codec_runs import check_codecs

    try:
        run = check_codecs(job.track_path, progress=_Throttle(job.analysis_id, send))
    except MixcoachError as exc:
        return Failed(job.analysis_id, _without_paths(exc.message, job))
    except ValueError as exc:  # audio the delivery codecs do not take
        return Failed(job.analysis_id, _without_paths(CODECS_REFUSED.format(reason=exc), job))
    except Exception as exc:
        log.exception("codec check %s failed", job.analysis_id)
        message = _unexpected(exc, what="The codec check")
        return Failed(job.analysis_id, _without_paths(message, job))
    return Finished(job.analysis_id, run.to_json())


class _Throttle:
    """A progress callback that sends a message only when there is news worth sending."""

    def __init__(self, analysis_id: str, send: Callable[[WorkerMessage], None]) -> None:
        self._analysis_id = analysis_id
        self._send = send
        self._stage: str | None = None
        self._fraction = -1.0
        self._sent_at = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        if (
            stage != self._stage
            or fraction - self._fraction >= PROGRESS_STEP
            or now - self._sent_at >= 1.0
        ):
            self._stage, self._fraction, self._sent_at = stage, fraction, now
            self._send(Progress(self._analysis_id, stage, fraction))


def _unexpected(exc: BaseException, *, what: str = "The analysis") -> str:
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return f"{what} stopped on an unexpected error ({detail})."


def _without_paths(message: str, job: Job) -> str:
    """Messages name files by their path; the producer knows them as the track and reference."""
    message = message.replace(job.track_path, "the track")
    if isinstance(job, RunAnalysis) and job.reference_path is not None:
        message = message.replace(job.reference_path, "the reference track")
    return message[:1].upper() + message[1:]
