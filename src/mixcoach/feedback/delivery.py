"""Delivery verdicts: what each streaming service will do to a master, in a producer's words.

The arithmetic (playback gain, the peak after it, the service's ceiling for a master this loud)
is :func:`mixcoach.knowledge.platforms.playback`, from the data in ``platforms.toml``; this module
classifies each result and says what it means, so both engines print the same table.
"""

from __future__ import annotations

from collections.abc import Sequence

from mixcoach.analysis import Analysis
from mixcoach.feedback import numbers as n
from mixcoach.feedback.model import PlatformVerdict, Verdict
from mixcoach.knowledge.platforms import Platform, Playback, platforms, playback

#: Below this many dB a service's playback gain is inaudible.
_AUDIBLE_GAIN_DB = 0.5


def known_platforms() -> list[Platform]:
    """Every platform in the knowledge base, in its order."""
    return list(platforms())


def platform_verdicts(analysis: Analysis, on: Sequence[Platform]) -> list[PlatformVerdict]:
    """One verdict per platform in ``on``, in that order."""
    loud = analysis.loudness
    if not on:
        return []
    results = playback(
        integrated_lufs=loud.integrated_lufs, true_peak_dbtp=loud.true_peak_dbtp, on=list(on)
    )
    return [_verdict(result, loud.true_peak_dbtp) for result in results]


def _verdict(result: Playback, peak: float | None) -> PlatformVerdict:
    label, target = result.label, result.target_lufs
    gain = round(result.gain_db, 1)
    below = (
        0.0
        if target is None or result.playback_lufs is None
        else round(max(0.0, target - result.playback_lufs), 1)
    )

    def verdict(kind: Verdict, playback_note: str, extra: str = "") -> PlatformVerdict:
        return PlatformVerdict(
            platform=result.platform,
            label=label,
            target_lufs=target,
            true_peak_max_dbtp=result.ceiling_dbtp,
            gain_db=gain,
            resulting_peak_dbtp=None
            if result.playback_peak_dbtp is None
            else round(result.playback_peak_dbtp, 1),
            level_below_target_db=below,
            verdict=kind,
            playback_note=playback_note,
            note=f"{playback_note} {extra}".strip(),
        )

    if result.action == "unknown":
        return verdict(
            "unknown", "No integrated loudness could be measured, so the service's gain is unknown."
        )
    if target is None:
        kind: Verdict = "ok"
        said = f"{label} does not normalise: it plays the file exactly as it is."
    elif gain <= -_AUDIBLE_GAIN_DB:
        kind = "turned_down"
        said = f"{label} turns it down by {n.amount_db(gain)} to {n.lufs(target)}."
    elif below >= _AUDIBLE_GAIN_DB:
        kind = "plays_quiet"
        held_back = (
            "stops raising it where its peaks would pass its limit"
            if result.raise_limited_by_peak
            else "does not turn quiet tracks up"
        )
        said = (
            f"{label} {held_back}, so it plays {n.amount_db(below)} below the "
            f"{n.lufs(target)} its other tracks sit at."
        )
    elif gain >= _AUDIBLE_GAIN_DB:
        kind = "turned_up"
        said = f"{label} turns it up by {n.amount_db(gain)}; its peaks stay within its limit."
    else:
        kind = "ok"
        said = f"{label} plays it essentially as it is: it already sits at its target."
    over = result.peak_over_ceiling_db
    if peak is not None and over is not None and over > 0:
        return verdict(
            "peaks_over",
            said,
            f"The true peak of {n.db(peak, unit='dBTP')} is above {label}'s "
            f"{n.db(result.ceiling_dbtp, unit='dBTP')} guidance for a master this loud: its "
            "encode can distort. Lower the limiter ceiling.",
        )
    if kind == "turned_down":
        return verdict(
            kind, said, "Above its target the extra loudness buys nothing and costs punch."
        )
    return verdict(kind, said)
