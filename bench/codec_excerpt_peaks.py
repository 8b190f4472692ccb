"""How well the loudest excerpt predicts the whole track's decoded true peak, per codec, on
real recordings made into loud masters (limited at -0.5 dBTP, or hard-clipped at 0.99), and
what each costs.

    .venv/bin/python bench/codec_excerpt_peaks.py [seconds ...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from mixcoach.audio.codecs import CODECS, loudness_of, through_codec
from mixcoach.audio.excerpts import excerpt_through, loudest_start
from mixcoach.feedback.model import LimiterSettings
from mixcoach.preview.render import apply_limiter

TRACKS = [
    Path("/usr/share/scummvm/drascula/audio/track1.ogg"),
    Path("/usr/share/scummvm/drascula/audio/track2.ogg"),
    Path("/usr/share/scummvm/drascula/audio/track14.ogg"),
    Path("/usr/share/games/singularity/music/Awakening.ogg"),
]


def masters(audio: np.ndarray, rate: int) -> dict[str, np.ndarray]:
    """The track as a loud limited master and as a hard-clipped one, both near -8 LUFS."""
    gain_db = -8.0 - (loudness_of(audio, rate).integrated_lufs or -8.0)
    limited = apply_limiter(
        audio,
        LimiterSettings(
            ceiling_dbtp=-0.5,
            input_gain_db=gain_db,
            release_ms=50,
            target_lufs=None,
            reason="",
            finding_codes=[],
        ),
        sample_rate_hz=rate,
    )
    clipped = np.clip(audio * 10 ** ((gain_db - 1.0) / 20), -0.99, 0.99)
    return {"limited": limited.astype(np.float32), "clipped": clipped.astype(np.float32)}


def main() -> None:
    lengths = [float(s) for s in sys.argv[1:]] or [10.0, 20.0, 30.0]
    print(
        f"{'track':28} {'master':8} {'codec':6} {'whole':>7} {'s':>5} "
        + " ".join(f"{f'{s:.0f}s':>7} {'err':>5} {'t':>4}" for s in lengths)
    )
    for path in TRACKS:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
        for kind, master in masters(audio.T, rate).items():
            original = loudness_of(master, rate)
            for codec in CODECS:
                started = time.perf_counter()
                whole = through_codec(master, rate, codec, original=original).true_peak_dbtp
                whole_s = time.perf_counter() - started
                cells = []
                for seconds in lengths:
                    started = time.perf_counter()
                    start = loudest_start(master, rate, seconds=seconds)
                    cut = excerpt_through(master, rate, codec, start=start, seconds=seconds)
                    peak = loudness_of(cut.decoded, cut.sample_rate_hz).true_peak_dbtp
                    took = time.perf_counter() - started
                    cells.append(f"{peak:+7.2f} {peak - whole:+5.2f} {took:4.1f}")
                print(
                    f"{path.stem[:28]:28} {kind:8} {codec.name.split()[0]:6} {whole:+7.2f} "
                    f"{whole_s:5.1f} " + " ".join(cells),
                    flush=True,
                )


if __name__ == "__main__":
    main()
