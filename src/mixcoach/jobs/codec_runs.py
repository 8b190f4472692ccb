"""The track through the delivery codecs, run once per audio content, off the event loop.

An encode of three minutes through AAC, Opus and MP3 takes seconds, so :class:`CodecRuns`
runs it on a thread of its own and remembers its progress; the API answers 202 with that
progress until the results are there. The results are kept as JSON beside the audio, named by
the content's sha256 (``codecs/<sha256>.json`` in the data folder, or in the bucket with the
audio: ``storage/rendered.py``), so every review and every session of the same content reads
the same run, through any server, and a restart does not encode again.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import TypeAdapter

from mixcoach.audio.codecs import CODECS, CodecResult, loudness_of, through_codec
from mixcoach.audio.decode import open_audio
from mixcoach.errors import MixcoachError
from mixcoach.storage.rendered import RenderedStore, codecs_name
from mixcoach.storage.store import AudioStore

log = logging.getLogger(__name__)

#: Decoding reads the file in blocks of this many seconds before joining them.
_BLOCK_SECONDS = 10
_RESULTS = TypeAdapter(list[CodecResult])

CodecRunState = Literal["running", "done", "failed"]


@dataclass
class CodecRun:
    """One content's run: its state, how far it is, and what it found."""

    state: CodecRunState = "running"
    progress_percent: int = 0
    #: The original's integrated loudness and true peak (None when silent).
    integrated_lufs: float | None = None
    true_peak_dbtp: float | None = None
    results: list[CodecResult] = field(default_factory=list)
    error: str | None = None


def load_track(store: AudioStore, sha256: str) -> tuple[np.ndarray, int]:
    """The stored track decoded whole: ``(channels, n)`` float32 and its rate. ValueError for
    more than two channels (the delivery codecs take mono or stereo)."""
    with store.local_copy(sha256) as path, open_audio(path) as source:
        rate = source.info.sample_rate_hz
        audio = np.concatenate(list(source.blocks(block_frames=_BLOCK_SECONDS * rate)), axis=1)
    if audio.shape[0] > 2:
        raise ValueError(f"delivery codecs take mono or stereo, not {audio.shape[0]} channels")
    return audio, rate


class CodecRuns:
    """Codec runs by content sha256: started on first request, stored when done."""

    def __init__(self, rendered: RenderedStore) -> None:
        self._rendered = rendered
        self._lock = threading.Lock()
        self._runs: dict[str, CodecRun] = {}

    def get_or_start(self, sha256: str, store: AudioStore) -> CodecRun:
        """The run for this content: the one under way or known, the stored one, or a new one."""
        known = self._known(sha256, done_only=False)
        if known is not None:
            return known
        stored = self._cached(sha256)  # outside the lock: a GET from the bucket may take a while
        with self._lock:
            run = self._runs.get(sha256)
            if run is not None and run.state != "failed":
                return run
            run = stored or CodecRun()
            if stored is None:
                threading.Thread(
                    target=self._run, args=(sha256, store, run), name="codecs", daemon=True
                ).start()
            self._runs[sha256] = run
            return run

    def finished(self, sha256: str) -> CodecRun | None:
        """The content's run if it is done (known here, or stored by any server), else None."""
        known = self._known(sha256, done_only=True)
        if known is not None:
            return known
        stored = self._cached(sha256)
        if stored is not None:
            with self._lock:
                self._runs.setdefault(sha256, stored)
        return stored

    def _known(self, sha256: str, *, done_only: bool) -> CodecRun | None:
        with self._lock:
            run = self._runs.get(sha256)
        if run is None or run.state == "failed" or (done_only and run.state != "done"):
            return None
        return run

    def _cached(self, sha256: str) -> CodecRun | None:
        """The stored run (StorageUnavailable when the store does not answer)."""
        stored = self._rendered.get(codecs_name(sha256))
        if stored is None:
            return None
        try:
            data = json.loads(stored)
        except ValueError:
            return None
        return CodecRun(
            state="done",
            progress_percent=100,
            integrated_lufs=data["integrated_lufs"],
            true_peak_dbtp=data["true_peak_dbtp"],
            results=_RESULTS.validate_python(data["results"]),
        )

    def _run(self, sha256: str, store: AudioStore, run: CodecRun) -> None:
        try:
            audio, rate = load_track(store, sha256)
            original = loudness_of(audio, rate)
            run.integrated_lufs = original.integrated_lufs
            run.true_peak_dbtp = original.true_peak_dbtp
            run.progress_percent = 10
            for i, codec in enumerate(CODECS, start=1):
                run.results.append(through_codec(audio, rate, codec, original=original))
                # 100 only with the results kept: a poll between the last encode and the
                # store's answer must not read 100 while the run is still running
                run.progress_percent = 10 + 89 * i // len(CODECS)
            self._keep(sha256, run)
            run.state = "done"  # before 100, so a running run never reads 100
            run.progress_percent = 100
        except (MixcoachError, ValueError, OSError) as exc:
            log.warning("the codec run of %s failed: %s", sha256[:12], exc)
            run.error = exc.message if isinstance(exc, MixcoachError) else str(exc)
            run.state = "failed"

    def _keep(self, sha256: str, run: CodecRun) -> None:
        data = {
            "integrated_lufs": run.integrated_lufs,
            "true_peak_dbtp": run.true_peak_dbtp,
            "results": _RESULTS.dump_python(run.results, mode="json"),
        }
        self._rendered.put(codecs_name(sha256), json.dumps(data).encode())
