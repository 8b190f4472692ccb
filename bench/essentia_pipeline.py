"""essentia's equivalents of Mixcoach's analysis, run as their own process for timing.

LoudnessEBUR128 (integrated, LRA, momentary, short-term), TruePeakDetector, KeyExtractor and
RhythmExtractor2013 on one decode. Usage: python bench/essentia_pipeline.py FILE
"""

from __future__ import annotations

import json
import sys

import essentia.standard as es


def main(path: str) -> None:
    stereo, sample_rate, channels, *_ = es.AudioLoader(filename=path)()
    _momentary, _short_term, integrated, lra = es.LoudnessEBUR128(sampleRate=sample_rate)(stereo)
    mono = es.MonoMixer()(stereo, channels)
    key, scale, _strength = es.KeyExtractor(sampleRate=sample_rate)(mono)
    bpm, *_ = es.RhythmExtractor2013(method="multifeature")(
        es.Resample(inputSampleRate=sample_rate, outputSampleRate=44100)(mono)
        if sample_rate != 44100
        else mono
    )
    print(
        json.dumps(
            {
                "integrated_lufs": float(integrated),
                "loudness_range_lu": float(lra),
                "key": f"{key} {scale}",
                "tempo_bpm": float(bpm),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
