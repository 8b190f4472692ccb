"""Streaming platforms: the loudness each plays back at, whether it turns loud masters down and
quiet ones up, its true-peak guidance, and what it will do to a given master.

Data in ``knowledge/data/platforms.toml``, each platform with its source.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from typing import Literal

from pydantic import ValidationError

from mixcoach.audio.codecs import CodecResult
from mixcoach.audio.model import Model
from mixcoach.knowledge.sources import DataError, load_toml, parse_value, source

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


def delivery_codec(on: Platform, names: Sequence[str]) -> str:
    """Of the codec ``names`` (``"AAC 256 kbps"``...), the one the platform's data mentions
    first; the first name when it mentions none."""
    described = on.codec.lower()
    named = [
        (described.find(name.split()[0].lower()), name)
        for name in names
        if name.split()[0].lower() in described
    ]
    return min(named)[1] if named else names[0]


class DecodedOvershoot(Model):
    """The codec whose decoded copy peaks furthest above the original."""

    codec: str
    #: Its decoded true peak, of the master as it is.
    decoded_peak_dbtp: float


class DeliveryCeiling(Model):
    """The limiter ceiling a master needs for delivery, and what sets it."""

    ceiling_dbtp: float
    #: The strictest true-peak guidance of the platforms for a master this loud.
    guidance_dbtp: float
    #: What every service's decoded copy may peak at.
    decoded_peak_max_dbtp: float
    #: The platforms' codec that overshoots most (None until the codec check has run).
    worst: DecodedOvershoot | None

    @property
    def decoded_over(self) -> DecodedOvershoot | None:
        """The worst codec when its decoded copy of the master as it is peaks above the
        decoded maximum: what the words quote."""
        if self.worst is None or self.worst.decoded_peak_dbtp <= self.decoded_peak_max_dbtp:
            return None
        return self.worst

    @property
    def set_by_codec(self) -> bool:
        """Whether the codec's overshoot, not the guidance, sets the ceiling."""
        return self.ceiling_dbtp < self.guidance_dbtp


@cache
def _plan_value(name: str) -> float:
    return parse_value(
        load_toml("plan")["targets"][name], where=f"plan.toml [targets] {name}"
    ).value


def delivery_ceiling(
    *,
    on: Sequence[Platform],
    integrated_lufs: float | None,
    sample_peak_dbfs: float | None,
    codecs: Sequence[CodecResult],
) -> DeliveryCeiling:
    """The one limiter ceiling for a master this loud on ``on`` (the plan's and the words'):
    the strictest guidance of the platforms, lowered when a platform's codec overshoots so far
    that its decoded copy would peak above the decoded maximum (-1 dBTP). The overshoot is the
    decoded peak above the master's sample peak, plus the margin re-limiting can add
    (``plan.toml``); the ceiling is rounded down to 0.1 dB. ``codecs`` is empty until the codec
    check has run."""
    guidance = min(
        (p.ceiling_dbtp(integrated_lufs=integrated_lufs) for p in on),
        default=_plan_value("default_ceiling_dbtp"),
    )
    most = _plan_value("decoded_peak_max_dbtp")
    by_name: dict[str, tuple[float, float]] = {}  # overshoot and decoded peak, by codec
    for r in codecs:
        if r.true_peak_change_db is not None and r.true_peak_dbtp is not None:
            baseline = r.true_peak_dbtp - r.true_peak_change_db  # the original's true peak
            if sample_peak_dbfs is not None:
                baseline = min(baseline, sample_peak_dbfs)
            by_name[r.codec] = (r.true_peak_dbtp - baseline, r.true_peak_dbtp)
    used = {delivery_codec(p, list(by_name)) for p in on} if on and by_name else set(by_name)
    if not used:
        return DeliveryCeiling(
            ceiling_dbtp=guidance, guidance_dbtp=guidance, decoded_peak_max_dbtp=most, worst=None
        )
    worst = max(used, key=lambda name: by_name[name][0])
    overshoot, peak = by_name[worst]
    safe = most - overshoot - _plan_value("codec_overshoot_margin_db")
    return DeliveryCeiling(
        ceiling_dbtp=min(guidance, math.floor(round(safe * 10, 6)) / 10),
        guidance_dbtp=guidance,
        decoded_peak_max_dbtp=most,
        worst=DecodedOvershoot(codec=worst, decoded_peak_dbtp=peak),
    )


def decoded_playback(
    on: Platform, *, integrated_lufs: float | None, decoded: CodecResult
) -> Playback:
    """What ``on`` does with the track as ``decoded``'s codec delivers it: its gain for the
    decoded loudness, and the decoded true peak after that gain."""
    decoded_lufs = (
        None
        if integrated_lufs is None or decoded.loudness_change_lu is None
        else integrated_lufs + decoded.loudness_change_lu
    )
    (played,) = playback(
        integrated_lufs=decoded_lufs, true_peak_dbtp=decoded.true_peak_dbtp, on=[on]
    )
    return played


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
