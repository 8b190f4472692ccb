"""The track through the delivery codecs: the check a codec job runs, and its stored results.

The check is a job like an analysis (``storage.jobs``: a row of kind "codecs", one per content):
the in-process runner's workers or the `mixcoach worker` processes run :func:`check_codecs` on
a local copy of the audio, and whoever recorded the job keeps the results as JSON beside the
audio, named by the content's sha256 (``codecs/<sha256>.json`` in the data folder, or in the
bucket with the audio: ``storage/rendered.py``), before the row says done. So every review and
every session of the same content reads the same run, through any server, and a job run again
(a retry, a redelivered message) finds the results stored and encodes nothing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import TypeAdapter

from mixcoach.audio.codecs import CODECS, CodecResult, loudness_of, through_codec
from mixcoach.audio.decode import open_audio
from mixcoach.errors import MixcoachError
from mixcoach.storage.rendered import RenderedStore, codecs_name
from mixcoach.storage.store import AudioStore

#: Decoding reads the file in blocks of this many seconds before joining them.
_BLOCK_SECONDS = 10
_RESULTS = TypeAdapter(list[CodecResult])

NOT_KEPT = (
    "The codec check finished, but its results could not be stored: {reason}. "
    'Press "Check the codecs" to run it again.'
)


@dataclass
class CodecRun:
    """One content's finished run: the original's loudness and what each codec did to it."""

    #: The original's integrated loudness and true peak (None when silent).
    integrated_lufs: float | None = None
    true_peak_dbtp: float | None = None
    results: list[CodecResult] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "integrated_lufs": self.integrated_lufs,
                "true_peak_dbtp": self.true_peak_dbtp,
                "results": _RESULTS.dump_python(self.results, mode="json"),
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> CodecRun:
        data = json.loads(text)
        return cls(
            integrated_lufs=data["integrated_lufs"],
            true_peak_dbtp=data["true_peak_dbtp"],
            results=_RESULTS.validate_python(data["results"]),
        )


def decode_whole(path: str | Path) -> tuple[np.ndarray, int]:
    """A file decoded whole: ``(channels, n)`` float32 and its rate. ValueError for more than
    two channels (the delivery codecs take mono or stereo)."""
    with open_audio(path) as source:
        rate = source.info.sample_rate_hz
        audio = np.concatenate(list(source.blocks(block_frames=_BLOCK_SECONDS * rate)), axis=1)
    if audio.shape[0] > 2:
        raise ValueError(f"delivery codecs take mono or stereo, not {audio.shape[0]} channels")
    return audio, rate


def load_track(store: AudioStore, sha256: str) -> tuple[np.ndarray, int]:
    """The stored track decoded whole (see :func:`decode_whole`)."""
    with store.local_copy(sha256) as path:
        return decode_whole(path)


def check_codecs(path: str | Path, *, progress: Callable[[str, float], None]) -> CodecRun:
    """Encode the file as each delivery codec, decode it and measure it; ``progress`` hears the
    stage and the fraction done (0..1) before each step."""
    progress("decoding", 0.0)
    audio, rate = decode_whole(path)
    progress("measuring the original", 0.05)
    original = loudness_of(audio, rate)
    run = CodecRun(integrated_lufs=original.integrated_lufs, true_peak_dbtp=original.true_peak_dbtp)
    for i, codec in enumerate(CODECS):
        progress(f"through {codec.name}", 0.1 + 0.9 * i / len(CODECS))
        run.results.append(through_codec(audio, rate, codec, original=original))
    return run


def stored_run(rendered: RenderedStore, sha256: str) -> CodecRun | None:
    """The content's stored run, None when there is none (StorageUnavailable when the store
    does not answer)."""
    stored = rendered.get(codecs_name(sha256))
    if stored is None:
        return None
    try:
        return CodecRun.from_json(stored)
    except (ValueError, KeyError):  # not a run this version wrote: checked again
        return None


def keep_run(rendered: RenderedStore, sha256: str, run_json: str) -> str | None:
    """Store a finished run's JSON under the content's name; the reason for the producer when
    the store refused it (the job then fails with it and may be run again)."""
    try:
        rendered.put(codecs_name(sha256), run_json.encode())
    except MixcoachError as exc:
        return NOT_KEPT.format(reason=exc.message.rstrip("."))
    except OSError as exc:  # the reason without the path: a user reads it
        return NOT_KEPT.format(
            reason=f"the data folder refused it ({exc.strerror or 'an OS error'})"
        )
    return None


class CodecRuns:
    """The finished runs by content sha256, read from the store once and then from memory."""

    def __init__(self, rendered: RenderedStore) -> None:
        self._rendered = rendered
        self._lock = threading.Lock()
        self._runs: dict[str, CodecRun] = {}

    def finished(self, sha256: str) -> CodecRun | None:
        """The content's run if it is done (stored by any server), else None."""
        with self._lock:
            known = self._runs.get(sha256)
        if known is not None:
            return known
        stored = stored_run(self._rendered, sha256)  # outside the lock: a GET may take a while
        if stored is not None:
            with self._lock:
                self._runs.setdefault(sha256, stored)
        return stored
