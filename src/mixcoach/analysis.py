"""The Analysis document and the one function that makes it.

``analyze`` is what the CLI, the web worker and the tests call: audio in, a typed, versioned
:class:`Analysis` out (measurements, judged against the genre profile and feedback type, and
compared with a reference track when one is given). Pure: no database, no network.
"""

from __future__ import annotations

import os

from mixcoach.audio.analyze import Measurements, ProgressFn, measure
from mixcoach.audio.codecs import CodecResult
from mixcoach.audio.model import Model
from mixcoach.findings.judge import MetricStatus, ReferenceComparison, judge
from mixcoach.findings.model import FeedbackType, Finding
from mixcoach.knowledge.genres import GenreProfile, resolve_profile
from mixcoach.knowledge.thresholds import thresholds

#: Bump on any change to the JSON shape (docs/analysis-schema.md).
SCHEMA_VERSION = "1.5"


class Request(Model):
    feedback_type: FeedbackType
    genre: str
    subgenre: str | None
    genre_label: str


class Reference(Model):
    """The reference track's own measurements and how the track differs from it."""

    measurements: Measurements
    comparison: ReferenceComparison


class Analysis(Measurements):
    """The track's measurements, judged: ``spectrum`` carries the genre's band targets."""

    schema_version: str
    request: Request
    metrics: list[MetricStatus]
    findings: list[Finding]
    # False when silence or too little sound left only the file judged (see notes); analyses
    # stored before schema 1.1 lack it and read as True.
    music_judged: bool = True
    reference: Reference | None


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
    comparison = verdict.comparison
    track = _with_tempo_certainty(track)
    if reference is not None:
        reference = _with_tempo_certainty(reference)
    return Analysis(
        **{**dict(track), "spectrum": verdict.spectrum, "notes": [*track.notes, *verdict.notes]},
        schema_version=SCHEMA_VERSION,
        request=Request(
            feedback_type=feedback_type,
            genre=profile.genre,
            subgenre=profile.subgenre,
            genre_label=profile.label,
        ),
        metrics=verdict.metrics,
        findings=verdict.findings,
        music_judged=verdict.music_judged,
        reference=None
        if reference is None or comparison is None
        else Reference(measurements=reference, comparison=comparison),
    )


def rejudge(
    analysis: Analysis,
    *,
    profile: GenreProfile,
    feedback_type: FeedbackType,
    codecs: list[CodecResult] | None = None,
) -> Analysis:
    """The same measurements judged again for another genre or feedback type, or with the
    codec check's results (``codecs``) added: no audio is read, only the judgement runs (what
    ``analyze`` does after measuring)."""
    track, reference = measurements_of(analysis)
    if codecs is not None:
        track = track.model_copy(update={"codecs": codecs})
    return assemble(track, profile=profile, feedback_type=feedback_type, reference=reference)


def measurements_of(analysis: Analysis) -> tuple[Measurements, Measurements | None]:
    """The track's (and the reference's) measurements, without the judgement ``assemble`` added.

    The judgement is a pure function of the measurements, so judging them again for the
    analysis's own request gives back the notes it appended, and those are dropped.
    """
    fields = {name: getattr(analysis, name) for name in Measurements.model_fields}
    reference = None if analysis.reference is None else analysis.reference.measurements
    judged = Measurements.model_validate(fields)
    request = analysis.request
    verdict = judge(
        judged,
        profile=resolve_profile(request.genre, request.subgenre),
        feedback_type=request.feedback_type,
        reference=reference,
    )
    measured_notes = judged.notes[: len(judged.notes) - len(verdict.notes)]
    return judged.model_copy(update={"notes": measured_notes}), reference


def _with_tempo_certainty(measurements: Measurements) -> Measurements:
    """The measurements with the tempo marked uncertain below thresholds.toml [rhythm]."""
    min_confidence = thresholds().value("rhythm.min_confidence")
    rhythm = measurements.rhythm.judged(min_confidence=min_confidence)
    return measurements.model_copy(update={"rhythm": rhythm})
