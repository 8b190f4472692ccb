"""Real music for the benchmarks: the Drascula soundtrack shipped in Debian's `drascula-music`.

Nobody on the Mixcoach team made it, it is freely redistributable, and `scripts/test.sh` installs
it. Its longest track is 3.3 minutes, so the 5-minute bench track joins consecutive tracks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

SOUNDTRACK = Path("/usr/share/scummvm/drascula/audio")
CACHE = Path(__file__).resolve().parent / ".cache"


def soundtrack() -> list[Path]:
    tracks = sorted(SOUNDTRACK.glob("track*.ogg"), key=lambda p: int(p.stem.removeprefix("track")))
    if not tracks:
        raise SystemExit(
            f"no music at {SOUNDTRACK}: install Debian's drascula-music (scripts/test.sh does)"
        )
    return tracks


def five_minute_track() -> Path:
    """Exactly 300 s of stereo 44.1 kHz music as OGG Vorbis (the soundtrack's own codec)."""
    target = CACHE / "five-minutes.ogg"
    if target.exists():
        return target
    CACHE.mkdir(exist_ok=True)
    rate, needed, parts = 44100, 300 * 44100, []
    for track in soundtrack():
        audio, track_rate = sf.read(str(track), dtype="float32", always_2d=True)
        if track_rate != rate or audio.shape[1] != 2:
            continue
        parts.append(audio)
        if sum(len(p) for p in parts) >= needed:
            break
    audio = np.concatenate(parts)[:needed]
    partial = target.with_suffix(".partial")
    # libsndfile's Vorbis encoder silently writes nothing when handed minutes in one call.
    with sf.SoundFile(
        str(partial), "w", samplerate=rate, channels=2, format="OGG", subtype="VORBIS"
    ) as out:
        for start in range(0, len(audio), rate):
            out.write(audio[start : start + rate])
    partial.rename(target)
    return target


def repeated_track(track: Path, *, minutes: int) -> Path:
    """``track`` repeated to ``minutes`` long, as 16-bit WAV, written in pieces."""
    target = CACHE / f"{track.stem}-x{minutes}min.wav"
    if target.exists():
        return target
    audio, rate = sf.read(str(track), dtype="float32", always_2d=True)
    frames = minutes * 60 * rate
    with sf.SoundFile(
        str(target), "w", samplerate=rate, channels=audio.shape[1], subtype="PCM_16"
    ) as out:
        written = 0
        while written < frames:
            piece = audio[: frames - written]
            out.write(piece)
            written += len(piece)
    return target
