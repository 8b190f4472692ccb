"""A review's track through the delivery codecs, and what each service then plays: the service's
codec (the first of Mixcoach's codecs its data names), its gain for the decoded loudness, and the
decoded true peak after that gain against the service's ceiling."""

from __future__ import annotations

from mixcoach.api.schemas import CodecPlatformOut, CodecResultOut, CodecsOut
from mixcoach.audio.codecs import CODECS, CodecResult
from mixcoach.jobs.codec_runs import CodecRun
from mixcoach.knowledge.platforms import Platform, platforms, playback


def delivery_codec(platform: Platform) -> str:
    """The name of the codec (of :data:`CODECS`) the service's data mentions first."""
    described = platform.codec.lower()
    named = [
        (described.find(codec.name.split()[0].lower()), codec.name)
        for codec in CODECS
        if codec.name.split()[0].lower() in described
    ]
    return min(named)[1] if named else CODECS[0].name


def journey(run: CodecRun) -> CodecsOut:
    """The finished run as the API sends it."""
    by_name = {result.codec: result for result in run.results}
    rows = []
    for p in platforms():
        result: CodecResult = by_name[delivery_codec(p)]
        decoded_lufs = (
            None
            if run.integrated_lufs is None or result.loudness_change_lu is None
            else run.integrated_lufs + result.loudness_change_lu
        )
        (played,) = playback(
            integrated_lufs=decoded_lufs, true_peak_dbtp=result.true_peak_dbtp, on=[p]
        )
        peak = played.playback_peak_dbtp
        rows.append(
            CodecPlatformOut(
                platform=p.name,
                label=p.label,
                codec=result.codec,
                gain_db=played.gain_db,
                playback_lufs=played.playback_lufs,
                turned_up=played.action == "turned up",
                raise_limited_by_peak=played.raise_limited_by_peak,
                decoded_peak_after_gain_dbtp=peak,
                ceiling_dbtp=played.ceiling_dbtp,
                verdict="over" if peak is not None and peak > played.ceiling_dbtp else "ok",
            )
        )
    return CodecsOut(
        state="done",
        progress_percent=100,
        true_peak_dbtp=run.true_peak_dbtp,
        codecs=[CodecResultOut(**result.model_dump()) for result in run.results],
        platforms=rows,
    )
