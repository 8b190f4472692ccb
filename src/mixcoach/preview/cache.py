"""Rendered previews kept: the most recent in memory (bounded), and every one as bytes that any
server can store and read back (``api/preview_service.py`` keeps them beside the audio).

The bytes are an ``.npz`` (NumPy's zip of arrays, read without pickle): the matched before and
after as float32 (what is played: Opus, or 32-bit float WAV) and the measured figures as JSON.
The preview's spec is not in them: it follows from the review's plan, which names the preview.
"""

from __future__ import annotations

import io
import json
import threading
from collections import OrderedDict

import numpy as np

from mixcoach.preview.previews import Change, PreviewSpec, RenderedPreview
from mixcoach.preview.render import Matched

_CACHE_SIZE = 32


class PreviewCache:
    """The rendered previews most recently asked for, by (review, plan hash, preview id)."""

    def __init__(self, size: int = _CACHE_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, str, str], RenderedPreview] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> RenderedPreview | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
            return self._items.get(key)

    def put(self, key: tuple[str, str, str], preview: RenderedPreview) -> None:
        with self._lock:
            self._items[key] = preview
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def preview_bytes(preview: RenderedPreview) -> bytes:
    """``preview`` as bytes for :func:`preview_from_bytes` (the spec left out)."""
    m = preview.matched
    figures = {
        "sample_rate_hz": preview.sample_rate_hz,
        "start_s": preview.start_s,
        "end_s": preview.end_s,
        "before_gain_db": m.before_gain_db,
        "after_gain_db": m.after_gain_db,
        "before_lufs": m.before_lufs,
        "after_lufs": m.after_lufs,
        "changes": [c.__dict__ for c in preview.changes],
    }
    out = io.BytesIO()
    np.savez(
        out,
        before=m.before.astype(np.float32),
        after=m.after.astype(np.float32),
        figures=np.frombuffer(json.dumps(figures).encode(), dtype=np.uint8),
    )
    return out.getvalue()


def preview_from_bytes(data: bytes, spec: PreviewSpec) -> RenderedPreview:
    """The preview :func:`preview_bytes` wrote, as the render of ``spec``. ValueError when the
    bytes are not such a preview."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            before, after = arrays["before"], arrays["after"]
            figures = json.loads(arrays["figures"].tobytes())
    except (OSError, KeyError, ValueError) as exc:
        raise ValueError(f"not a stored preview: {exc}") from exc
    matched = Matched(
        before=before,
        after=after,
        before_gain_db=figures["before_gain_db"],
        after_gain_db=figures["after_gain_db"],
        before_lufs=figures["before_lufs"],
        after_lufs=figures["after_lufs"],
    )
    return RenderedPreview(
        spec=spec,
        sample_rate_hz=figures["sample_rate_hz"],
        start_s=figures["start_s"],
        end_s=figures["end_s"],
        matched=matched,
        changes=[Change(**change) for change in figures["changes"]],
    )
