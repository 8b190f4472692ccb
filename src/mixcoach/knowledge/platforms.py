"""Streaming platforms: the loudness each plays back at, whether it turns loud masters down and
quiet ones up, its true-peak guidance, and what it will do to a given master.

Data in ``knowledge/data/platforms.toml``, each platform with its source.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Literal

from pydantic import ValidationError

from mixcoach.audio.model import Model
from mixcoach.knowledge.sources import DataError, load_toml, source

PlaybackAction = Literal["turned down", "turned up", "unchanged", "unknown"]


class Platform(Model):
    name: str  # machine name, e.g. "spotify"
    label: str  # "Spotify"
    target_lufs: float | None = None  # None: the platform does not normalise loudness
    turns_down_loud_tracks: bool
    turns_up_quiet_tracks: bool
    raise_peak_limit_dbtp: float | None = None  # quiet masters are raised until the peak hits this
    true_peak_max_dbtp: float  # recommended ceiling
    loud_master_lufs: float | None = None  # masters louder than this get the stricter ceiling
    loud_master_true_peak_max_dbtp: float | None = None
    codec: str
    source: str  # key of sources.toml
    true_peak_source: str | None = None  # where the ceiling comes from, if not ``source``

    def ceiling_dbtp(self, *, integrated_lufs: float | None) -> float:
        """The true-peak ceiling this platform recommends for a master this loud."""
        if (
            integrated_lufs is not None
            and self.loud_master_lufs is not None
            and self.loud_master_true_peak_max_dbtp is not None
            and integrated_lufs > self.loud_master_lufs
        ):
            return self.loud_master_true_peak_max_dbtp
        return self.true_peak_max_dbtp


class Playback(Model):
    """What one platform does to a master."""

    platform: str
    label: str
    target_lufs: float | None
    action: PlaybackAction
    gain_db: float  # playback gain the platform applies (0 when it leaves the track alone)
    playback_lufs: float | None  # the loudness listeners hear
    playback_peak_dbtp: float | None  # the true peak after the gain
    raise_limited_by_peak: bool  # a quiet master was raised less than the target asked for
    ceiling_dbtp: float  # the platform's true-peak guidance for this master
    peak_over_ceiling_db: float | None  # master's true peak above that ceiling (> 0: over)
    note: str


@cache
def platforms() -> tuple[Platform, ...]:
    """Every platform in the data file, in its order."""
    loaded = []
    for name, table in load_toml("platforms").items():
        try:
            platform = Platform(name=name, **table)
        except (TypeError, ValidationError) as exc:
            raise DataError(f"platforms.toml [{name}]: {exc}") from exc
        source(platform.source)
        if platform.true_peak_source is not None:
            source(platform.true_peak_source)
        loaded.append(platform)
    return tuple(loaded)


def platform(name: str) -> Platform:
    """The platform called ``name`` (machine name); KeyError naming the known ones."""
    for known in platforms():
        if known.name == name:
            return known
    raise KeyError(f"unknown platform {name!r}; known: {', '.join(p.name for p in platforms())}")


def playback(
    *,
    integrated_lufs: float | None,
    true_peak_dbtp: float | None,
    on: Sequence[Platform] | None = None,
) -> list[Playback]:
    """What each platform (all by default) does to a master of this loudness and true peak."""
    return [_one(p, integrated_lufs, true_peak_dbtp) for p in (on or platforms())]


def _one(p: Platform, integrated: float | None, peak: float | None) -> Playback:
    ceiling = p.ceiling_dbtp(integrated_lufs=integrated)
    over = None if peak is None else round(peak - ceiling, 2)
    if integrated is None:
        return Playback(
            platform=p.name,
            label=p.label,
            target_lufs=p.target_lufs,
            action="unknown",
            gain_db=0.0,
            playback_lufs=None,
            playback_peak_dbtp=peak,
            raise_limited_by_peak=False,
            ceiling_dbtp=ceiling,
            peak_over_ceiling_db=over,
            note="No integrated loudness could be measured, so the platform's gain is unknown.",
        )
    wanted = 0.0 if p.target_lufs is None else p.target_lufs - integrated
    gain, limited = 0.0, False
    if wanted < 0 and p.turns_down_loud_tracks:
        gain = wanted
    elif wanted > 0 and p.turns_up_quiet_tracks:
        gain = wanted
        if p.raise_peak_limit_dbtp is not None and peak is not None:
            room = max(0.0, p.raise_peak_limit_dbtp - peak)
            limited = room < wanted
            gain = min(wanted, room)
    action: PlaybackAction = (
        "turned down" if gain < -0.05 else "turned up" if gain > 0.05 else "unchanged"
    )
    if p.target_lufs is None:
        note = f"{p.label} plays tracks as delivered (no loudness normalisation)."
    elif action == "turned down":
        note = f"{p.label} turns it down by {-gain:.1f} dB to {p.target_lufs:.0f} LUFS."
    elif action == "turned up":
        note = f"{p.label} raises it by {gain:.1f} dB" + (
            f", less than the {wanted:.1f} dB its {p.target_lufs:.0f} LUFS target asks for, "
            "because the peaks leave no more room."
            if limited
            else "."
        )
    elif wanted > 0.05:
        note = (
            f"{p.label} does not raise quiet tracks: it plays {wanted:.1f} dB below its "
            f"{p.target_lufs:.0f} LUFS level."
        )
    else:
        note = f"{p.label} plays it at its own level."
    return Playback(
        platform=p.name,
        label=p.label,
        target_lufs=p.target_lufs,
        action=action,
        gain_db=round(gain, 2),
        playback_lufs=round(integrated + gain, 2),
        playback_peak_dbtp=None if peak is None else round(peak + gain, 2),
        raise_limited_by_peak=limited,
        ceiling_dbtp=ceiling,
        peak_over_ceiling_db=over,
        note=note,
    )
