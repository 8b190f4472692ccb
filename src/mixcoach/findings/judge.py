"""Judge measurements against a genre profile and feedback type (and a reference): Findings, the
metric table with targets and status, and the reference comparison.

Pure functions of their inputs: every threshold comes from the genre profile or from
``knowledge/data/thresholds.toml`` (see :mod:`mixcoach.findings.grading`).

Silence, and sound too short to be programme, are judged for what they hold and no more: the
rules that judge the music itself do not run, and a note says why (``Judgement.notes``).
"""

from __future__ import annotations

from mixcoach.audio.analyze import Measurements
from mixcoach.audio.model import Model
from mixcoach.audio.spectrum import Spectrum
from mixcoach.errors import InputError
from mixcoach.findings import file_rules, level_rules, root_cause, section_rules, stereo_rules
from mixcoach.findings.grading import Context, content_of
from mixcoach.findings.metrics import MetricStatus, metric_table
from mixcoach.findings.model import FEEDBACK_TYPES, FeedbackType, Finding
from mixcoach.findings.ranking import ranked
from mixcoach.findings.reference import ReferenceComparison, compare, reference_findings
from mixcoach.findings.spectral import fill_targets, spectral_findings
from mixcoach.knowledge.genres import GenreProfile
from mixcoach.knowledge.thresholds import thresholds

__all__ = ["Judgement", "MetricStatus", "ReferenceComparison", "judge"]

#: Rules that hold for any sound, however short: peaks, clipping, DC, the file's resolution.
_FILE_RULES = (
    level_rules.clipping,
    level_rules.true_peak,
    file_rules.dc_offset,
    file_rules.silence,
    file_rules.resolution,
)
#: Rules that judge the music itself, and need enough of it (see ``grading.Content``); the
#: spectral rules are among them.
_CONTENT_RULES = (
    level_rules.loudness,
    level_rules.dynamics,
    stereo_rules.width,
    stereo_rules.phase,
    stereo_rules.low_end,
    stereo_rules.balance,
    section_rules.no_lift,
    section_rules.peak_narrow,
    section_rules.peak_dark,
)

NOT_JUDGED = (
    "Loudness, dynamics, spectral balance and the stereo image were not judged: {reason}. "
    "Peaks, clipping, DC offset and the file's resolution were."
)
SILENT_FILE = (
    "Nothing about the music was judged: {reason}. Check the export: a muted or empty track, "
    "the wrong output, or an export range that misses the music."
)
REFERENCE_NOT_JUDGED = "The comparison with the reference was not judged: {reason}."


class Judgement(Model):
    findings: list[Finding]  # worst first (findings.ranking)
    metrics: list[MetricStatus]
    spectrum: Spectrum  # the track's spectrum with the genre targets and deltas filled in
    comparison: ReferenceComparison | None
    notes: list[str]  # what could not be judged, and why
    music_judged: bool  # False: silence, or too little sound to judge the music (see notes)


def judge(
    track: Measurements,
    *,
    profile: GenreProfile,
    feedback_type: FeedbackType,
    reference: Measurements | None = None,
) -> Judgement:
    """Findings, metric table, filled spectrum and (with a reference) the comparison."""
    if feedback_type not in FEEDBACK_TYPES:
        raise InputError(
            f"Unknown feedback type {feedback_type!r}; choose one of {', '.join(FEEDBACK_TYPES)}."
        )
    ctx = Context(track=track, profile=profile, feedback_type=feedback_type, limits=thresholds())
    spectrum, _ = fill_targets(track.spectrum, profile, tonality=track.tonality)
    content = ctx.content
    findings = [finding for rule in _FILE_RULES for finding in rule(ctx)]
    notes: list[str] = []
    if content.judgeable:
        findings += [finding for rule in _CONTENT_RULES for finding in rule(ctx)]
        findings += spectral_findings(ctx, spectrum)
    else:
        notes.append(
            (SILENT_FILE if content.silent else NOT_JUDGED).format(reason=content.reason())
        )
    comparison = None
    if reference is not None:
        comparison = compare(
            track, reference, tempo_fraction=ctx.limits.value("reference.tempo_fraction")
        )
        theirs = content_of(reference, ctx.limits)
        if content.judgeable and theirs.judgeable:
            findings += reference_findings(ctx, comparison)
        else:
            reason = theirs.reason("the reference") if content.judgeable else content.reason()
            notes.append(REFERENCE_NOT_JUDGED.format(reason=reason))
    # Root causes fold in the findings that follow from them; then the worst comes first.
    findings, explained = root_cause.explain(ctx, findings)
    notes += explained
    findings = ranked(findings, ctx)
    return Judgement(
        findings=findings,
        metrics=metric_table(ctx),
        spectrum=spectrum,
        comparison=comparison,
        notes=notes,
        music_judged=content.judgeable,
    )
