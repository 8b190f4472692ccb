"""Run the loudness meter alone, the way ``measure`` feeds it: decoded blocks through the frame."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from mixcoach.audio.decode import open_audio
from mixcoach.audio.frame import FrameSpec, frame_blocks
from mixcoach.audio.loudness import Loudness, LoudnessMeter


def _run(spec: FrameSpec, raw_blocks: Iterator[np.ndarray]) -> Loudness:
    meter = LoudnessMeter(spec)
    for block in frame_blocks(spec, raw_blocks):
        meter.update(block)
    return meter.result()


def loudness_of_file(path: Path, *, block_seconds: float = 10.0) -> Loudness:
    """Decode ``path`` in blocks of about ``block_seconds`` and meter it."""
    with open_audio(path) as source:
        info = source.info
        spec = FrameSpec.for_stream(
            sample_rate_hz=info.sample_rate_hz,
            channels=info.channels,
            total_frames=info.frames,
            block_seconds=block_seconds,
        )
        return _run(spec, source.blocks(block_frames=spec.block_frames))


def loudness_of(audio: np.ndarray, *, sample_rate_hz: int, block_seconds: float = 10.0) -> Loudness:
    """Meter ``(channels, samples)`` audio held in memory, cut into blocks as a decoder would."""
    samples = np.asarray(audio, dtype=np.float32)
    spec = FrameSpec.for_stream(
        sample_rate_hz=sample_rate_hz,
        channels=samples.shape[0],
        total_frames=samples.shape[1],
        block_seconds=block_seconds,
    )
    step = spec.block_frames
    return _run(spec, (samples[:, i : i + step] for i in range(0, samples.shape[1], step)))
