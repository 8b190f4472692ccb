"""The floor: decode a file with soundfile and run one NumPy STFT over it (its own process)."""

from __future__ import annotations

import sys

import numpy as np
import soundfile as sf


def main(path: str) -> None:
    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    n_fft, hop = 2048, 512
    frames = np.lib.stride_tricks.sliding_window_view(mono, n_fft)[::hop]
    spectra = np.fft.rfft(frames * np.hanning(n_fft).astype(np.float32), axis=1)
    print(f"{audio.shape[0] / rate:.1f} s decoded, {spectra.shape[0]} STFT frames")


if __name__ == "__main__":
    main(sys.argv[1])
