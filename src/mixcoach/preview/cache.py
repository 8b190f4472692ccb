"""The rendered previews most recently asked for, kept in memory, bounded."""

from __future__ import annotations

import threading
from collections import OrderedDict

from mixcoach.preview.previews import RenderedPreview

_CACHE_SIZE = 32


class PreviewCache:
    """The rendered previews most recently asked for, by (review, plan hash, preview id)."""

    def __init__(self, size: int = _CACHE_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, str, str], RenderedPreview] = OrderedDict()
        self._lock = threading.Lock()
        self.renders = 0

    def get(self, key: tuple[str, str, str]) -> RenderedPreview | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
            return self._items.get(key)

    def put(self, key: tuple[str, str, str], preview: RenderedPreview) -> None:
        with self._lock:
            self.renders += 1
            self._items[key] = preview
            while len(self._items) > self._size:
                self._items.popitem(last=False)
