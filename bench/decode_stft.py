"""The floor: decode a file in blocks and run one STFT over it (run as its own process).

What any analysis must at least do: soundfile decodes 10 s blocks, scipy's FFT transforms 46 ms
frames of the mid signal. Usage: python bench/decode_stft.py FILE
"""

from __future__ import annotations

import sys

import numpy as np
import scipy.fft
import soundfile as sf


def main(path: str) -> None:
    n_fft, hop = 2048, 512
    window = np.hanning(n_fft).astype(np.float32)
    frames = 0
    with sf.SoundFile(path) as audio:
        for block in audio.blocks(
            blocksize=hop * 860, overlap=n_fft - hop, dtype="float32", always_2d=True
        ):
            mono = block.mean(axis=1)
            if mono.size < n_fft:
                break
            windowed = np.lib.stride_tricks.sliding_window_view(mono, n_fft)[::hop] * window
            frames += scipy.fft.rfft(windowed, axis=1).shape[0]
        print(f"{audio.frames / audio.samplerate:.1f} s decoded, {frames} STFT frames")


if __name__ == "__main__":
    main(sys.argv[1])
