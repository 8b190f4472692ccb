"""Preloaded by the fork server that analysis workers are forked from (see ``pool``).

Importing this module limits math libraries to one thread per process, imports the analysis
engine and runs it once on a short tone, so that the libraries the engine loads on first use
(SciPy's filters and the like) are already in memory: every worker forked afterwards starts
warm, in milliseconds, and shares those pages with its siblings instead of loading its own.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # before NumPy starts a thread pool per core

WARM_UP_SECONDS = 0.5
WARM_UP_RATE_HZ = 44_100

log = logging.getLogger(__name__)


def warm_up() -> None:
    """Analyse a half-second stereo tone once; a failure here only costs the head start."""
    import numpy as np
    import soundfile as sf

    from mixcoach.analysis import analyze

    t = np.arange(round(WARM_UP_SECONDS * WARM_UP_RATE_HZ)) / WARM_UP_RATE_HZ
    tone = 0.1 * np.sin(2 * np.pi * 440.0 * t)
    with tempfile.TemporaryDirectory(prefix="mixcoach-warm-") as folder:
        path = Path(folder) / "tone.wav"
        sf.write(path, np.stack([tone, tone], axis=1), WARM_UP_RATE_HZ, "PCM_16")
        try:
            analyze(path)
        except Exception:  # the real jobs will report whatever is wrong, with their files
            log.warning("warming up the analysis engine failed", exc_info=True)


warm_up()
