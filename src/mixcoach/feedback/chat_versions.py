"""Answers about what changed since the previous version of the track: the comparison the
feedback's "Since v1" section words (``version_notes``), and for a named problem ("did I fix
the clipping?") that finding's own change with its values in both versions."""

from __future__ import annotations

from mixcoach.feedback.chat_draft import Draft
from mixcoach.feedback.questions import Question
from mixcoach.feedback.version_notes import FINDING_NAMES, VersionFacts, quantity
from mixcoach.findings.versions import FindingChange
from mixcoach.formatting import signed

FIRST_VERSION = (
    "This is the first version Mixcoach has of this track, so there is nothing to compare it "
    "with. Upload the next render as a new version of this one and I will say what it fixed, "
    "what is still there and what is new."
)

#: Measured values a question names, and the findings they stand for ("the clipping").
_VALUE_CODES: dict[str, tuple[str, ...]] = {
    "clips": ("clipping",),
    "sample_peak": ("clipping",),
    "true_peak": ("true_peak_over",),
    "integrated": ("too_loud", "too_quiet"),
    "width": ("stereo_too_narrow", "stereo_too_wide"),
    "correlation": ("phase_issue",),
    "mono_loss": ("phase_issue",),
    "balance": ("channel_imbalance",),
    "dc_offset": ("dc_offset",),
    "psr": ("over_compressed", "under_compressed"),
    "plr": ("over_compressed", "under_compressed"),
    "crest": ("over_compressed", "under_compressed"),
    "transients": ("over_compressed",),
    "silence": ("silence_padding",),
}


def answer_versions(facts: VersionFacts | None, question: Question, draft: Draft) -> None:
    if facts is None:
        draft.add(FIRST_VERSION)
        return
    codes = set(question.codes)
    for value in question.values:
        codes |= set(_VALUE_CODES.get(value, ()))
    named = [c for c in facts.comparison.findings if c.code in codes]
    band = next(
        (
            m
            for m in facts.comparison.metrics
            if question.band is not None and m.metric == f"spectrum.bands.{question.band}.level_db"
        ),
        None,
    )
    if band is not None and band.change is not None and band.value_before is not None:
        where = band.label.removesuffix(" level")
        draft.add(
            f"The {where} measures {quantity(band.value_after or 0.0, band.unit)} in "
            f"{facts.after} against {quantity(band.value_before, band.unit)} in {facts.before} "
            f"({signed(band.change, band.change_unit)})."
        )
    if named:
        draft.add(" ".join(_change(c, facts) for c in named), codes=[c.code for c in named])
        return
    if codes:
        problem = " or ".join(sorted(_name(code) for code in codes))
        draft.add(
            f"Neither {facts.before} nor {facts.after} has {problem} flagged: there was "
            "nothing of it to fix."
        )
    draft.add(facts.summary(), codes=[c.code for c in facts.comparison.findings])


def _name(code: str) -> str:
    return FINDING_NAMES.get(code, "the " + code.replace("_", " "))


def _change(change: FindingChange, facts: VersionFacts) -> str:
    """``Yes: v2 fixed the clipping (v1 had 275 runs).``"""

    def value(amount: float | None) -> str:
        return "" if amount is None else quantity(amount, change.unit)

    name = _name(change.code)
    before, after = value(change.value_before), value(change.value_after)
    if change.status == "fixed":
        had = f" ({facts.before} had {before})" if before else ""
        return f"Yes: {facts.after} fixed {name}{had}."
    if change.status == "new":
        has = f" ({after})" if after else ""
        return f"New in {facts.after}: {name}{has}, which {facts.before} did not have."
    both = f": {before} in {facts.before}, {after} in {facts.after}" if before and after else ""
    trend = {"better": "it is better", "worse": "it is worse", "unchanged": "it is unchanged"}
    said = trend.get(change.trend or "", "")
    return f"Not yet: {name} is still there in {facts.after}" + (
        f" ({said}){both}." if said else f"{both}."
    )
