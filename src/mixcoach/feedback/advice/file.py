"""Advice on file-level defects: DC offset, silence padding, a lossy source."""

from __future__ import annotations

from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import base as h
from mixcoach.feedback.advice.base import Advice, Composer, Context
from mixcoach.findings.model import Finding


def dc_offset(f: Finding, ctx: Context) -> Advice:
    offsets = [o for o in ctx.analysis.defects.dc_offset_dbfs if o is not None]
    measured = (
        f"The waveform is shifted off zero by up to {n.db(max(offsets), unit='dBFS')}."
        if offsets
        else h.fallback(f)
    )
    summary = "There is a DC offset: filter it out; it wastes headroom and makes edits click."
    steps = (
        ["Find the track or plugin that adds it and put a DC filter on it."]
        if ctx.kind == "mixdown"
        else [
            "Put a DC filter, or a high-pass at the bottom of the audible range, first in the "
            "chain."
        ]
    )
    steps += h.eq_step(ctx, f.code, where="chain")
    why = "An offset wastes headroom on one side of the waveform and upsets compressors."
    return Advice(f.code, "DC offset", "the DC offset", summary, measured, why, steps)


def silence_padding(f: Finding, ctx: Context) -> Advice:
    defects = ctx.analysis.defects
    parts = []
    if defects.silence_start_s > 0:
        parts.append(f"{n.seconds(defects.silence_start_s)} of silence before the music")
    if defects.silence_end_s > 0:
        parts.append(f"{n.seconds(defects.silence_end_s)} after it")
    measured = ("There is " + " and ".join(parts) + ".") if parts else h.fallback(f)
    summary = "Trim the silence: start just before the first sound and end after the natural decay."
    steps = [
        "Set the export range (or trim the master) to start just before the first "
        "transient, with a very short fade-in, and end with the natural decay."
    ]
    why = "Leading silence delays playback in playlists, and distributors add their own gaps."
    return Advice(
        f.code, "Silence at the edges", "the silence at the edges", summary, measured, why, steps
    )


def low_resolution_source(f: Finding, ctx: Context) -> Advice:
    cutoff = ctx.analysis.spectrum.high_cutoff_hz
    measured = (
        f"The spectrum falls off a cliff at {n.hz(cutoff)}: a lossy encode or a low sample rate "
        "was part of this file's history."
        if cutoff is not None
        else h.fallback(f)
    )
    summary = (
        "This file went through a lossy or low-resolution stage: export again from the source."
    )
    steps = [
        "Export again from the original session at its native sample rate, at 24-bit or 32-bit "
        "float, and replace lossy samples.",
        "Deliver lossless files (WAV or FLAC); let the distributor make its own encodes.",
    ]
    why = "What an encoder removed cannot be restored; a second encode on upload makes it worse."
    return Advice(
        f.code, "Low-resolution source", "the lossy source", summary, measured, why, steps
    )


COMPOSERS: dict[str, Composer] = {
    "dc_offset": dc_offset,
    "silence_padding": silence_padding,
    "low_resolution_source": low_resolution_source,
}
