"""Messages between the runner and its worker processes (pickled over a pipe)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mixcoach.storage.jobs import ClaimedJob


@dataclass(frozen=True)
class RunAnalysis:
    """Runner → worker: analyse these files."""

    analysis_id: str
    track_path: str
    reference_path: str | None
    genre: str | None
    subgenre: str | None
    feedback_type: str

    @classmethod
    def of(cls, job: ClaimedJob, *, track: Path, reference: Path | None) -> RunAnalysis:
        """The message for a claimed job whose files are at ``track`` and ``reference``."""
        return cls(
            analysis_id=job.analysis_id,
            track_path=str(track),
            reference_path=None if reference is None else str(reference),
            genre=job.genre,
            subgenre=job.subgenre,
            feedback_type=job.feedback_type,
        )


@dataclass(frozen=True)
class RunCodecs:
    """Runner → worker: put this track through the delivery codecs."""

    analysis_id: str
    track_path: str

    @classmethod
    def of(cls, job: ClaimedJob, *, track: Path) -> RunCodecs:
        return cls(analysis_id=job.analysis_id, track_path=str(track))


#: What a worker is asked to run.
Job = RunAnalysis | RunCodecs


@dataclass(frozen=True)
class Progress:
    """Worker → runner: the job reached ``stage``, ``fraction`` (0..1) of the way."""

    analysis_id: str
    stage: str
    fraction: float


@dataclass(frozen=True)
class Finished:
    """Worker → runner: the Analysis document (or the codec run), as JSON text."""

    analysis_id: str
    document_json: str


@dataclass(frozen=True)
class Failed:
    """Worker → runner: the job raised; ``message`` is for the producer."""

    analysis_id: str
    message: str


WorkerMessage = Progress | Finished | Failed
