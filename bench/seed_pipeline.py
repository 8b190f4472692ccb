"""The seed-style analysis pipeline Mixcoach is measured against (run as its own process).

What a first prototype of an analysis assistant typically does: librosa.load, pyloudnorm for
integrated loudness, librosa.beat.beat_track for tempo, chroma_cqt + Krumhansl-Kessler profiles for
the key, and one librosa STFT for spectral features. Usage: python bench/seed_pipeline.py FILE
"""

from __future__ import annotations

import json
import sys

import librosa
import numpy as np
import pyloudnorm

MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]


def main(path: str) -> None:
    stereo, sr = librosa.load(path, sr=None, mono=False)
    mono = librosa.to_mono(stereo)
    loudness = pyloudnorm.Meter(sr).integrated_loudness(np.atleast_2d(stereo).T)
    tempo, _ = librosa.beat.beat_track(y=mono, sr=sr)
    chroma = librosa.feature.chroma_cqt(y=mono, sr=sr).mean(axis=1)
    scores = [
        (np.corrcoef(np.roll(p, k), chroma)[0, 1], k, m)
        for m, p in (("major", MAJOR), ("minor", MINOR))
        for k in range(12)
    ]
    _, tonic, mode = max(scores)
    spectrum = np.abs(librosa.stft(mono)) ** 2
    centroid = librosa.feature.spectral_centroid(S=np.sqrt(spectrum), sr=sr).mean()
    print(
        json.dumps(
            {
                "integrated_lufs": loudness,
                "tempo_bpm": float(np.atleast_1d(tempo)[0]),
                "key": f"{NAMES[tonic]} {mode}",
                "centroid_hz": float(centroid),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
