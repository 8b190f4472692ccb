"""The track as listeners get it: encoded the way streaming services deliver it, decoded, and
measured again.

Lossy codecs drop what the ear masks and rebuild the waveform from what is left, so the decoded
signal overshoots the original: a master at -1 dBTP can reach +0.5 dBTP after AAC, and a
decoder's fixed-point output then clips. The codecs here are the ones services deliver with,
at their bit rates, run in-process by the FFmpeg the ``av`` wheel carries:

    AAC 256 kbps (Apple Music, YouTube Music), Opus 160 kbps at 48 kHz (YouTube, Spotify's web
    player), MP3 320 kbps (downloads, Spotify's "very high" on older clients).

Each decoded result is measured with the same BS.1770 meter as the original, so a change is the
codec's and never a second meter's.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mixcoach.audio.frame import BlockFramer, FrameSpec
from mixcoach.audio.loudness import Loudness, LoudnessMeter
from mixcoach.audio.model import Model

if TYPE_CHECKING:
    import av

#: Samples per frame handed to an encoder (any size works; the encoder re-frames).
_FRAME_SAMPLES = 4096


@dataclass(frozen=True)
class Codec:
    """One delivery format: its FFmpeg encoder, container and bit rate."""

    name: str
    encoder: str
    container: str
    bit_rate: int
    #: The rate the codec runs at, when it has only one (Opus: 48 kHz); None keeps the source's.
    sample_rate_hz: int | None = None


CODECS: tuple[Codec, ...] = (
    Codec("AAC 256 kbps", "aac", "adts", 256_000),
    Codec("Opus 160 kbps", "libopus", "ogg", 160_000, sample_rate_hz=48_000),
    Codec("MP3 320 kbps", "libmp3lame", "mp3", 320_000),
)


class CodecResult(Model):
    """What one codec does to the track."""

    codec: str
    true_peak_dbtp: float | None
    #: Decoded true peak minus the original's: how far the codec overshoots.
    true_peak_change_db: float | None
    #: Integrated loudness of the decoded track minus the original's.
    loudness_change_lu: float | None
    #: Decoded samples beyond full scale: the ones a fixed-point decoder output clips.
    clipped_samples: int


def encode(audio: np.ndarray, sample_rate_hz: int, codec: Codec) -> bytes:
    """``(channels, n)`` float audio encoded as ``codec`` delivers it: the file's bytes."""
    import av  # FFmpeg loads only when something is encoded, not with the result model

    channels = audio.shape[0]
    layout = "mono" if channels == 1 else "stereo"
    if channels > 2:
        raise ValueError(f"delivery codecs take mono or stereo, not {channels} channels")
    out = io.BytesIO()
    with av.open(out, mode="w", format=codec.container) as container:
        stream = container.add_stream(codec.encoder, rate=codec.sample_rate_hz or sample_rate_hz)
        assert isinstance(stream, av.AudioStream)
        stream.bit_rate = codec.bit_rate
        stream.layout = layout
        # The encoder's own sample format and rate; av's resampler converts (SoX-quality
        # resampling to 48 kHz for Opus, as a service's transcoder would).
        resampler = av.AudioResampler(
            format=stream.format.name, layout=layout, rate=stream.rate, frame_size=None
        )
        samples = np.ascontiguousarray(audio, dtype=np.float32)
        for start in range(0, samples.shape[1], _FRAME_SAMPLES):
            frame = av.AudioFrame.from_ndarray(
                samples[:, start : start + _FRAME_SAMPLES], format="fltp", layout=layout
            )
            frame.sample_rate = sample_rate_hz
            for converted in resampler.resample(frame):
                container.mux(stream.encode(converted))
        for converted in resampler.resample(None):
            container.mux(stream.encode(converted))
        container.mux(stream.encode(None))
    return out.getvalue()


def decode(data: bytes) -> tuple[np.ndarray, int]:
    """Encoded bytes back to ``(channels, n)`` float32 audio, unclipped, and its rate."""
    import av

    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        pieces = [frame.to_ndarray() for frame in _float_frames(container, stream)]
    if not pieces:
        raise ValueError("the encoded stream decoded to no audio")
    return np.concatenate(pieces, axis=1).astype(np.float32, copy=False), rate


def _float_frames(
    container: av.container.InputContainer, stream: av.AudioStream
) -> Iterator[av.AudioFrame]:
    import av

    resampler = av.AudioResampler(format="fltp", layout=stream.layout.name, rate=stream.rate)
    for frame in container.decode(stream):
        yield from resampler.resample(frame)
    yield from resampler.resample(None)


def loudness_of(audio: np.ndarray, sample_rate_hz: int) -> Loudness:
    """BS.1770 loudness and true peak of ``(channels, n)`` audio, with Mixcoach's meter."""
    spec = FrameSpec.for_stream(
        sample_rate_hz=sample_rate_hz, channels=audio.shape[0], total_frames=audio.shape[1]
    )
    framer, meter = BlockFramer(spec), LoudnessMeter(spec)
    starts = list(range(0, audio.shape[1], spec.block_frames)) or [0]
    for i, start in enumerate(starts):
        block = audio[:, start : start + spec.block_frames]
        meter.update(framer.frame(block, is_last=i == len(starts) - 1))
    return meter.result()


def through_codec(
    audio: np.ndarray, sample_rate_hz: int, codec: Codec, *, original: Loudness | None = None
) -> CodecResult:
    """Encode, decode and measure ``audio`` as ``codec`` delivers it."""
    before = original or loudness_of(audio, sample_rate_hz)
    decoded, rate = decode(encode(audio, sample_rate_hz, codec))
    after = loudness_of(decoded, rate)

    def change(new: float | None, old: float | None) -> float | None:
        return None if new is None or old is None else round(new - old, 2)

    return CodecResult(
        codec=codec.name,
        true_peak_dbtp=after.true_peak_dbtp,
        true_peak_change_db=change(after.true_peak_dbtp, before.true_peak_dbtp),
        loudness_change_lu=change(after.integrated_lufs, before.integrated_lufs),
        clipped_samples=int(np.count_nonzero(np.abs(decoded) > 1.0)),
    )
