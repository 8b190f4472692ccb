"""``mixcoach codecs``: each file as listeners get it through AAC, Opus and MP3, measured again."""

from __future__ import annotations

import sys
from collections.abc import Sequence

#: Decoding reads the file in blocks of this many seconds before joining them.
_BLOCK_SECONDS = 10


def run_codecs(files: Sequence[str]) -> int:
    """Print, per file and codec, the decoded true peak, its change, the loudness change and the
    clipped samples. Returns 0 if every file went through, 1 if any could not be read."""
    import numpy as np

    from mixcoach import formatting
    from mixcoach.audio.codecs import CODECS, loudness_of, through_codec
    from mixcoach.audio.decode import open_audio
    from mixcoach.errors import MixcoachError

    failed = False
    for path in files:
        try:
            with open_audio(path) as source:
                rate = source.info.sample_rate_hz
                blocks = list(source.blocks(block_frames=_BLOCK_SECONDS * rate))
        except MixcoachError as exc:
            print(f"mixcoach: error: {exc.message}", file=sys.stderr, flush=True)
            failed = True
            continue
        audio = np.concatenate(blocks, axis=1)
        if audio.shape[0] > 2:
            print(
                f"mixcoach: error: {path}: delivery codecs take mono or stereo, "
                f"not {audio.shape[0]} channels",
                file=sys.stderr,
                flush=True,
            )
            failed = True
            continue
        original = loudness_of(audio, rate)
        if original.true_peak_dbtp is None:
            print(f"mixcoach: error: {path}: the file is silent", file=sys.stderr, flush=True)
            failed = True
            continue
        peak_in = formatting.number(original.true_peak_dbtp, decimals=2, signed=True)
        print(f"{path}: true peak {peak_in} dBTP")
        for codec in CODECS:
            result = through_codec(audio, rate, codec, original=original)
            peak = result.true_peak_dbtp
            print(
                f"  {codec.name:<14} peaks at "
                f"{'-' if peak is None else formatting.number(peak, decimals=2, signed=True)} dBTP "
                f"({formatting.signed(result.true_peak_change_db or 0.0, decimals=2)}), loudness "
                f"{formatting.signed(result.loudness_change_lu or 0.0, 'LU', decimals=2)}, "
                f"{formatting.counted(result.clipped_samples, 'clipped sample')}"
            )
    return 1 if failed else 0
