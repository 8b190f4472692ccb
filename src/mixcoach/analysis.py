"""The Analysis document and the one function that makes it.

``analyze`` is what the CLI, the web worker and the tests call: audio in, a typed, versioned
:class:`Analysis` out (measurements, judged against the genre profile and feedback type, and
compared with a reference track when one is given). Pure: no database, no network.
"""

from __future__ import annotations

import os

from mixcoach.audio.analyze import FileInfo, Measurements, ProgressFn, measure
from mixcoach.audio.defects import Defects
from mixcoach.audio.dynamics import Dynamics
from mixcoach.audio.loudness import Loudness
from mixcoach.audio.model import Model
from mixcoach.audio.rhythm import Rhythm
from mixcoach.audio.spectrum import Spectrum
from mixcoach.audio.stereo import Stereo
from mixcoach.audio.tonality import Tonality
from mixcoach.findings.judge import MetricStatus, ReferenceComparison, judge
from mixcoach.findings.model import FeedbackType, Finding
from mixcoach.knowledge.genres import GenreProfile, resolve_profile

#: Bump on any change to the JSON shape (docs/analysis-schema.md).
SCHEMA_VERSION = "1.0"


class Request(Model):
    feedback_type: FeedbackType
    genre: str
    subgenre: str | None
    genre_label: str


class Reference(Model):
    """The reference track's own measurements and how the track differs from it."""

    measurements: Measurements
    comparison: ReferenceComparison


class Analysis(Model):
    schema_version: str
    request: Request
    file: FileInfo
    loudness: Loudness
    dynamics: Dynamics
    spectrum: Spectrum
    stereo: Stereo
    rhythm: Rhythm
    tonality: Tonality
    defects: Defects
    metrics: list[MetricStatus]
    findings: list[Finding]
    reference: Reference | None
    notes: list[str]


def analyze(
    path: str | os.PathLike[str],
    *,
    reference_path: str | os.PathLike[str] | None = None,
    genre: str | None = None,
    subgenre: str | None = None,
    feedback_type: FeedbackType = "mixdown",
    progress: ProgressFn | None = None,
) -> Analysis:
    """Measure ``path`` (and ``reference_path``), judge it, and return the Analysis document.

    Raises InputError for an unknown genre (before any audio is decoded) and AudioError for a
    file that cannot be analysed.
    """
    profile = resolve_profile(genre, subgenre)
    report = progress or (lambda stage, fraction: None)
    share = 0.5 if reference_path is not None else 1.0
    track = measure(path, progress=lambda stage, f: report(stage, f * share))
    reference: Measurements | None = None
    if reference_path is not None:
        reference = measure(
            reference_path,
            progress=lambda stage, f: report("measuring reference", share + f * share),
        )
    report("judging", 1.0)
    return assemble(track, profile=profile, feedback_type=feedback_type, reference=reference)


def assemble(
    track: Measurements,
    *,
    profile: GenreProfile,
    feedback_type: FeedbackType,
    reference: Measurements | None = None,
) -> Analysis:
    """Judge measurements already taken (the CLI measures a shared reference only once)."""
    verdict = judge(track, profile=profile, feedback_type=feedback_type, reference=reference)
    return Analysis(
        schema_version=SCHEMA_VERSION,
        request=Request(
            feedback_type=feedback_type,
            genre=profile.genre,
            subgenre=profile.subgenre,
            genre_label=profile.label,
        ),
        file=track.file,
        loudness=track.loudness,
        dynamics=track.dynamics,
        spectrum=verdict.spectrum,
        stereo=track.stereo,
        rhythm=track.rhythm,
        tonality=track.tonality,
        defects=track.defects,
        metrics=verdict.metrics,
        findings=verdict.findings,
        reference=None
        if reference is None or verdict.comparison is None
        else Reference(measurements=reference, comparison=verdict.comparison),
        notes=track.notes,
    )
