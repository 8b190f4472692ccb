"""Messages between the runner and its worker processes (pickled over a pipe)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RunAnalysis:
    """Runner → worker: analyse these files."""

    analysis_id: str
    track_path: str
    reference_path: str | None
    genre: str | None
    subgenre: str | None
    feedback_type: str


@dataclass(frozen=True)
class Progress:
    """Worker → runner: the analysis reached ``stage``, ``fraction`` (0..1) of the way."""

    analysis_id: str
    stage: str
    fraction: float


@dataclass(frozen=True)
class Finished:
    """Worker → runner: the Analysis document, as JSON text."""

    analysis_id: str
    document_json: str


@dataclass(frozen=True)
class Failed:
    """Worker → runner: the analysis raised; ``message`` is for the producer."""

    analysis_id: str
    message: str


WorkerMessage = Progress | Finished | Failed
