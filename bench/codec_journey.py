"""The delivery codecs on a 5-minute stereo 44.1 kHz master: encode + decode + measure time per
codec (in-process, the av wheel's FFmpeg) beside FFmpeg's command-line encoder, and what each
codec does to the peaks and the loudness.

    .venv/bin/python bench/codec_journey.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import five_minute_track  # noqa: E402

from mixcoach.audio.codecs import CODECS, loudness_of, through_codec  # noqa: E402

FFMPEG_ARGUMENTS = {
    "aac": (["-c:a", "aac", "-b:a", "256k"], "m4a"),
    "libopus": (["-c:a", "libopus", "-b:a", "160k", "-ar", "48000"], "ogg"),
    "libmp3lame": (["-c:a", "libmp3lame", "-b:a", "320k"], "mp3"),
}


def main() -> None:
    audio, rate = sf.read(str(five_minute_track()), dtype="float32", always_2d=True)
    # A loud master: pushed 6 dB into a clipper just under full scale.
    master = np.clip(audio.T * (2.0 * 0.99 / np.abs(audio).max()), -0.99, 0.99)
    original = loudness_of(master, rate)
    print(
        f"master: {master.shape[1] / rate:.0f} s, {original.integrated_lufs:.1f} LUFS, "
        f"{original.true_peak_dbtp:+.2f} dBTP"
    )
    ffmpeg = shutil.which("ffmpeg")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "master.wav"
        sf.write(source, master.T, rate, subtype="FLOAT")
        print(
            f"{'codec':15} {'mixcoach s':>10} {'ffmpeg cli s':>12} {'peak dBTP':>9} "
            f"{'peak change':>11} {'loudness LU':>11} {'clipped':>8}"
        )
        for codec in CODECS:
            start = time.perf_counter()
            result = through_codec(master, rate, codec, original=original)
            ours = time.perf_counter() - start
            theirs = float("nan")
            if ffmpeg:
                arguments, suffix = FFMPEG_ARGUMENTS[codec.encoder]
                start = time.perf_counter()
                subprocess.run(
                    [
                        ffmpeg,
                        "-v",
                        "error",
                        "-y",
                        "-i",
                        str(source),
                        *arguments,
                        str(Path(folder) / f"out.{suffix}"),
                    ],
                    check=True,
                )
                theirs = time.perf_counter() - start
            print(
                f"{codec.name:15} {ours:10.2f} {theirs:12.2f} {result.true_peak_dbtp or 0:+9.2f} "
                f"{result.true_peak_change_db or 0:+11.2f} {result.loudness_change_lu or 0:+11.2f} "
                f"{result.clipped_samples:8d}"
            )
    print("(mixcoach: encode, decode and BS.1770 measure; ffmpeg cli: encode only)")


if __name__ == "__main__":
    main()
