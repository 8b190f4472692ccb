"""Compose the measurements: one decode, one shared frame, every meter fed block by block.

Pure: a path in, :class:`Measurements` out. No database, no network, no genre judgement.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from pydantic import Field

from mixcoach.audio.codecs import CodecResult
from mixcoach.audio.decode import AudioInfo, open_audio
from mixcoach.audio.defects import Defects, DefectsMeter
from mixcoach.audio.dynamics import Dynamics, DynamicsMeter
from mixcoach.audio.frame import Block, FrameSpec, Meter, channel_layout, frame_blocks
from mixcoach.audio.loudness import Loudness, LoudnessMeter
from mixcoach.audio.model import Model
from mixcoach.audio.pipeline import Prefetch, run_meters
from mixcoach.audio.rhythm import Rhythm, RhythmMeter
from mixcoach.audio.sections import SectionsMeter, SongSection
from mixcoach.audio.spectrum import Spectrum, SpectrumMeter
from mixcoach.audio.stereo import Stereo, StereoMeter
from mixcoach.audio.tonality import Tonality, TonalityMeter
from mixcoach.errors import AudioError

#: ``progress(stage, fraction)``: stage is a short word ("decoding", "measuring"...), fraction 0..1.
ProgressFn = Callable[[str, float], None]


class FileInfo(Model):
    path: str  # as given by the caller
    format: str  # recognised from the content, not the name
    codec: str
    sample_rate_hz: int
    bit_depth: int | None
    sample_format: str  # "int", "float" or "lossy"
    bitrate_kbps: float | None
    channels: int
    channel_layout: list[str]
    duration_s: float  # of the audio actually decoded
    size_bytes: int


class Measurements(Model):
    file: FileInfo
    loudness: Loudness
    dynamics: Dynamics
    spectrum: Spectrum
    stereo: Stereo
    rhythm: Rhythm
    tonality: Tonality
    defects: Defects
    notes: list[str]
    # In time order, covering the track; documents before schema 1.3 have none.
    sections: list[SongSection] = Field(default_factory=list)
    # The whole track through each delivery codec (audio/codecs.py) once that check has run on
    # it; empty before, and in documents before schema 1.4.
    codecs: list[CodecResult] = Field(default_factory=list)

    def all_notes(self) -> list[str]:
        """The notes about the file, then each measurement family's, in document order."""
        families = (
            self.loudness,
            self.dynamics,
            self.spectrum,
            self.stereo,
            self.rhythm,
            self.tonality,
            self.defects,
        )
        return [*self.notes, *(note for family in families for note in family.notes)]


def measure(
    path: str | os.PathLike[str],
    *,
    progress: ProgressFn | None = None,
    block_seconds: float = 10.0,
) -> Measurements:
    """Decode ``path`` once and measure it. Raises :class:`AudioError` for unreadable files."""
    report = progress or (lambda stage, fraction: None)
    with open_audio(path) as source:
        info = source.info
        spec = FrameSpec.for_stream(
            sample_rate_hz=info.sample_rate_hz,
            channels=info.channels,
            total_frames=info.frames,
            block_seconds=block_seconds,
        )
        loudness = LoudnessMeter(spec)
        dynamics = DynamicsMeter(spec)
        spectrum = SpectrumMeter(spec)
        stereo = StereoMeter(spec)
        rhythm = RhythmMeter(spec)
        tonality = TonalityMeter(spec)
        defects = DefectsMeter(spec)
        sections = SectionsMeter(spec)
        meters: list[Meter] = [dynamics, spectrum, stereo, rhythm, tonality, defects, sections]
        decoded = 0

        def on_block(block: Block) -> None:
            nonlocal decoded
            decoded += block.samples.shape[1]
            if info.frames is not None and info.frames > 0:
                report("measuring", min(decoded / info.frames, 1.0))
            else:  # the header gives no length: how far into the file decoding has come
                report("measuring", source.fraction_read)

        report("decoding", 0.0)
        with Prefetch(source.blocks(block_frames=spec.block_frames)) as decoded_blocks:
            blocks = frame_blocks(spec, iter(decoded_blocks))
            # Loudness (K-filter and true-peak oversampling) is the heaviest meter: it runs
            # beside the others.
            run_meters(blocks, meters, side_meter=loudness, on_block=on_block)

    if decoded == 0:
        raise AudioError(f"{path}: the file holds no audio samples.")
    notes = _file_notes(info, decoded_frames=decoded)
    loudness_result = loudness.result()
    rhythm_result = rhythm.result()
    spectrum_result = spectrum.result()
    measurements = Measurements(
        file=FileInfo(
            path=os.fspath(path) if isinstance(path, (str, Path)) else str(path),
            format=info.format,
            codec=info.codec,
            sample_rate_hz=info.sample_rate_hz,
            bit_depth=info.bit_depth,
            sample_format=info.sample_format,
            bitrate_kbps=None if info.bitrate_kbps is None else round(info.bitrate_kbps, 1),
            channels=info.channels,
            channel_layout=list(channel_layout(info.channels)),
            duration_s=round(decoded / info.sample_rate_hz, 4),
            size_bytes=info.size_bytes,
        ),
        loudness=loudness_result,
        dynamics=dynamics.result(loudness=loudness_result),
        spectrum=spectrum_result,
        stereo=stereo.result(),
        rhythm=rhythm_result,
        tonality=tonality.result(),
        defects=defects.result(),
        notes=notes,
        sections=sections.measured(
            sections.result(beats_s=rhythm.beats_s(rhythm_result.tempo_bpm)),
            loudness=loudness_result,
            high_cutoff_hz=spectrum_result.high_cutoff_hz,
        ),
    )
    report("measuring", 1.0)
    return measurements


def _file_notes(info: AudioInfo, *, decoded_frames: int) -> list[str]:
    """What the container said against what decoded: a truncated file, an unknown length."""
    rate = info.sample_rate_hz
    decoded_s = decoded_frames / rate
    announced = max(info.frames or 0, info.declared_frames or 0)
    if announced and announced - decoded_frames > rate // 10:
        return [
            f"The header announces {announced / rate:.2f} s but {decoded_s:.2f} s of audio "
            "could be decoded; the file may be truncated."
        ]
    if info.cut_off:
        return [
            "The Ogg stream stops before its end (the last page is incomplete "
            f"or the end-of-stream mark is missing): {decoded_s:.2f} s of audio could be "
            "decoded; the file may be truncated."
        ]
    if info.frames is None:
        return [
            f"The header does not give the length of the audio; {decoded_s:.2f} s were decoded "
            "and measured."
        ]
    return []
