"""Root causes before their symptoms: one finding for a fault that explains others.

A channel with its polarity inverted, a mono fold, clipping and a DC offset each make other
rules fire on readings they distort: an inverted channel reads as a very wide image with a wide,
thin low end (and, since the spectrum is read from the left-plus-right sum it cancels, as any
tonal fault); clipping at full scale puts the true peak over the ceiling; an offset lifts the
peaks. :func:`explain` keeps the root as one finding that says what it explains and carries the
evidence a fix needs, and drops the findings that follow from it. :func:`priority` ranks roots
first among findings of the same severity, in the order they must be fixed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from mixcoach.audio.stereo import Stereo
from mixcoach.findings.grading import Context, evidence, fmt
from mixcoach.findings.model import Finding
from mixcoach.knowledge.sources import Target
from mixcoach.knowledge.thresholds import Thresholds

__all__ = ["explain", "mono_folded", "polarity_inverted", "priority"]

#: What the sum of an inverted pair distorts: the image, the low end and the whole spectrum.
_INVERSION_SYMPTOMS = (
    "stereo_too_wide",
    "wide_low_end",
    "too_thin",
    "too_boomy",
    "muddy",
    "harsh",
    "too_bright",
    "too_dull",
    "reference_wider",
    "reference_narrower",
    "reference_brighter",
    "reference_darker",
    "reference_more_bass",
    "reference_less_bass",
    "section_peak_narrow",
    "section_peak_dark",
    "reference_section_differs",
)
#: A fold loses most level where the mix is widest, so a wide peak section stops lifting.
_MONO_FOLD_SYMPTOMS = (
    "phase_issue",
    "stereo_too_wide",
    "wide_low_end",
    "channel_imbalance",
    "reference_wider",
    "reference_narrower",
    "section_peak_narrow",
    "section_no_lift",
    "reference_section_differs",
)
_TONAL = {"too_thin", "too_boomy", "muddy", "harsh", "too_bright", "too_dull"}
#: How a suppressed finding reads in the root's sentence "It explains ...".
_SYMPTOM_WORDS = {
    "stereo_too_wide": "the very wide image",
    "wide_low_end": "the wide low end",
    "too_thin": "the thin low end",
    "too_boomy": "the heavy low end",
    "muddy": "the crowded low mids",
    "harsh": "the harsh upper mids",
    "too_bright": "the bright top",
    "too_dull": "the dull top",
    "phase_issue": "out-of-phase readings",
    "channel_imbalance": "the lopsided image",
    "true_peak_over": "the true peak above the ceiling",
    "reference_wider": "the width difference from the reference",
    "reference_narrower": "the width difference from the reference",
    "reference_brighter": "the tonal difference from the reference",
    "reference_darker": "the tonal difference from the reference",
    "reference_more_bass": "the bass difference from the reference",
    "reference_less_bass": "the bass difference from the reference",
    "low_resolution_source": "the missing top of the spectrum",
    "section_peak_narrow": "the narrower peak section",
    "section_peak_dark": "the darker peak section",
    "section_no_lift": "the peak section's missing lift",
    "reference_section_differs": "the section differences from the reference",
}
TONE_NOT_JUDGED = (
    "The tonal balance was not judged: it is read from the left-plus-right sum, which the "
    "inverted channel cancels. Flip the polarity and analyse again."
)
#: Roots in the order they are fixed; everything else ranks after them.
_ROOT_ORDER = ("polarity", "mono_fold", "clipping", "dc_offset")


def polarity_inverted(stereo: Stereo, limits: Thresholds) -> bool:
    """One channel is the other's mirror over the whole track: strongly negative correlation,
    a large loss in mono, and negative in most measured seconds (``[root_cause]``)."""
    if stereo.is_mono_source or stereo.correlation is None or stereo.mono_loss_db is None:
        return False
    seconds = [v for v in stereo.correlation_series.values if v is not None]
    negative = sum(v < 0 for v in seconds) / len(seconds) if seconds else 0.0
    return (
        stereo.correlation <= limits.value("root_cause.inverted_correlation")
        and stereo.mono_loss_db >= limits.value("root_cause.inverted_mono_loss_db")
        and negative >= limits.value("root_cause.inverted_time_fraction")
    )


def mono_folded(ctx: Context) -> bool:
    """Two channels carrying the same signal: a mono bounce or a mono switch on the bus."""
    return ctx.track.file.channels >= 2 and ctx.track.stereo.is_mono_source


def priority(finding: Finding, ctx: Context) -> int:
    """0 for the first root to fix, up to ``len(_ROOT_ORDER)`` for findings that are no root."""
    kind = _root_kind(finding, ctx)
    return _ROOT_ORDER.index(kind) if kind else len(_ROOT_ORDER)


def _root_kind(finding: Finding, ctx: Context) -> str | None:
    if finding.code == "phase_issue" and polarity_inverted(ctx.track.stereo, ctx.limits):
        return "polarity"
    if finding.code == "stereo_too_narrow" and mono_folded(ctx):
        return "mono_fold"
    if finding.code in ("clipping", "dc_offset"):
        return finding.code
    return None


def explain(ctx: Context, findings: Sequence[Finding]) -> tuple[list[Finding], list[str]]:
    """The findings with each root cause's symptoms folded into it, and notes on what could
    not be judged because of a root cause."""
    kept = list(findings)
    notes: list[str] = []
    if polarity_inverted(ctx.track.stereo, ctx.limits):
        symptoms = [f for f in kept if _follows_from_inversion(f)]
        kept = [f for f in kept if f not in symptoms] + _inversion(ctx, symptoms)
        notes.append(TONE_NOT_JUDGED)
    if mono_folded(ctx):
        kept = _fold_into(kept, "stereo_too_narrow", set(_MONO_FOLD_SYMPTOMS), keep_evidence=False)
    clip_level = ctx.track.defects.clip_level_dbfs
    if clip_level is not None:
        kept = _fold_into(
            kept,
            "clipping",
            {"true_peak_over"},
            keep_evidence=True,
            explained=lambda f: _ceiling(f) is not None and clip_level >= (_ceiling(f) or 0.0),
        )
    kept = _fold_into(
        kept, "dc_offset", {"true_peak_over"}, keep_evidence=True, explained=_dc_explains(ctx)
    )
    return kept, notes


def _follows_from_inversion(finding: Finding) -> bool:
    """A reading of the image or of the spectrum (taken from the sum the inversion cancels)."""
    if finding.code == "low_resolution_source":  # a cut-off read on the cancelled sum
        return all(e.metric == "spectrum.high_cutoff_hz" for e in finding.evidence)
    return finding.code in _INVERSION_SYMPTOMS or finding.code == "phase_issue"


def _inversion(ctx: Context, symptoms: Sequence[Finding]) -> list[Finding]:
    stereo, limits = ctx.track.stereo, ctx.limits
    corr, loss, width = stereo.correlation or 0.0, stereo.mono_loss_db or 0.0, stereo.width
    seconds = [v for v in stereo.correlation_series.values if v is not None]
    share = sum(v < 0 for v in seconds) / len(seconds) if seconds else 0.0
    negative_bands = [b for b in stereo.bands if b.correlation is not None and b.correlation < 0]
    detail = (
        f"Left and right mirror each other: the correlation is {fmt(corr, digits=2)}, negative "
        f"in {share:.0%} of the track and in {len(negative_bands)} of {len(stereo.bands)} bands, "
        f"and folding to mono loses {fmt(loss, 'dB')}. The audio cannot tell which side was "
        "flipped: flip the polarity of one channel (by convention the right) over the whole "
        "track"
    )
    if width is not None and 0.0 < width < 1.0:
        # Flipping one side turns LR into -LR: the width becomes 1 - w, the mono loss -10 log w.
        detail += (
            f", and the mono fold will lose about {fmt(-10 * math.log10(width), 'dB')} instead"
        )
    detail += "."
    explained = _explained_words(symptoms, skip=frozenset({"phase_issue"}))
    if explained:
        detail += f" This one fault explains {explained}."
    if any(f.code in _TONAL for f in symptoms):
        detail += " The tonal balance is judged again once it is fixed."
    proof = [
        evidence(
            "stereo.correlation",
            corr,
            "",
            Target(low=limits.value("phase.correlation_warning"), source="correlation_meter"),
            ctx.threshold_source("root_cause.inverted_correlation"),
        ),
        evidence(
            "stereo.mono_loss_db",
            loss,
            "dB",
            Target(high=limits.value("phase.mono_loss_warning_db"), source="correlation_meter"),
            ctx.threshold_source("root_cause.inverted_mono_loss_db"),
        ),
        *(
            evidence(
                f"stereo.bands.{band.name}.correlation",
                band.correlation,
                "",
                Target(low=0.0, source="correlation_meter"),
                ctx.threshold_source("root_cause.inverted_correlation"),
            )
            for band in negative_bands
        ),
    ]
    return ctx.finding(
        "phase_issue",
        "problem",
        title="One channel's polarity is inverted.",
        detail=detail,
        evidence=proof,
    )


def _fold_into(
    findings: list[Finding],
    root_code: str,
    symptom_codes: set[str],
    *,
    keep_evidence: bool,
    explained: Callable[[Finding], bool] = lambda finding: True,
) -> list[Finding]:
    """Drop the symptoms of the finding ``root_code`` and name them in its detail."""
    root = next((f for f in findings if f.code == root_code), None)
    if root is None:
        return findings
    symptoms = [f for f in findings if f.code in symptom_codes and f is not root and explained(f)]
    if not symptoms:
        return findings
    words = _explained_words(symptoms)
    proof = root.evidence + [e for f in symptoms for e in f.evidence] if keep_evidence else []
    merged = root.model_copy(
        update={
            "detail": f"{root.detail} It also explains {words}.",
            "evidence": proof or root.evidence,
        }
    )
    return [merged if f is root else f for f in findings if f not in symptoms]


def _explained_words(symptoms: Sequence[Finding], skip: frozenset[str] = frozenset()) -> str:
    words: list[str] = []
    for finding in symptoms:
        if finding.code in skip:
            continue
        word = _SYMPTOM_WORDS.get(finding.code, finding.title.rstrip(".").lower())
        if word not in words:
            words.append(word)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _ceiling(finding: Finding) -> float | None:
    """The ceiling a true_peak_over finding was judged against."""
    return next(
        (e.target_high for e in finding.evidence if e.metric.endswith("true_peak_dbtp")), None
    )


def _dc_explains(ctx: Context) -> Callable[[Finding], bool]:
    """A true-peak over that removing the offset would bring under its ceiling."""
    offsets = [v for v in ctx.track.defects.dc_offset_dbfs if v is not None]
    peak = ctx.track.loudness.true_peak_dbtp

    def explained(finding: Finding) -> bool:
        ceiling = _ceiling(finding)
        if not offsets or peak is None or ceiling is None:
            return False
        without = 10 ** (peak / 20) - 10 ** (max(offsets) / 20)
        return without > 0 and 20 * math.log10(without) <= ceiling

    return explained
