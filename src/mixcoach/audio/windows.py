"""Fixed windows over a stream of blocks: the same windows and sums for any block size."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Reducer = Callable[[np.ndarray], np.ndarray]


class FixedWindows:
    """Cuts a stream of arrays into consecutive windows of ``length`` items along the last axis.

    Windows are counted from the first item of the stream, so how the stream is split into
    pushes never changes them: a window straddling two pushes is joined before it is reduced,
    and the reducer sees exactly the same values whatever the split. This is what makes the
    meters give identical results for any block size.

    The reducer is never handed a single window: NumPy sums one long row along a different,
    differently rounded path than a stack of rows, so a lone window is reduced as a stack of
    two (a broadcast view, not a copy).
    """

    def __init__(self, length: int) -> None:
        if length < 1:
            raise ValueError(f"window length must be at least 1 item, got {length}")
        self.length = length
        self._carry: np.ndarray | None = None

    def push(self, values: np.ndarray, reduce: Reducer) -> np.ndarray:
        """Reduce every window that ``values`` (shape ``(..., n)``) completes.

        ``reduce`` maps windows shaped ``(..., k, length)`` to ``(..., k)``; the results of all
        completed windows are returned side by side on the last axis (possibly 0 of them).
        """
        parts = []
        if self._carry is not None:
            need = self.length - self._carry.shape[-1]
            if values.shape[-1] < need:
                self._carry = np.concatenate([self._carry, values], axis=-1)
                values = values[..., :0]
            else:
                head = np.concatenate([self._carry, values[..., :need]], axis=-1)
                parts.append(_reduce_rows(reduce, head[..., np.newaxis, :]))
                values = values[..., need:]
                self._carry = None
        whole = values.shape[-1] // self.length * self.length
        shape = (*values.shape[:-1], whole // self.length, self.length)
        parts.append(_reduce_rows(reduce, values[..., :whole].reshape(shape)))
        if whole < values.shape[-1]:
            self._carry = values[..., whole:].copy()  # not a view: that would hold the whole block
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=-1)

    def flush(self, reduce: Reducer) -> tuple[np.ndarray | None, int]:
        """Reduce the last, partial window: result ``(..., 1)`` and item count, or ``(None, 0)``."""
        carry, self._carry = self._carry, None
        if carry is None:
            return None, 0
        return _reduce_rows(reduce, carry[..., np.newaxis, :]), carry.shape[-1]


def _reduce_rows(reduce: Reducer, windows: np.ndarray) -> np.ndarray:
    """``reduce(windows)``, a lone window reduced as a stack of two (see FixedWindows)."""
    if windows.shape[-2] != 1:
        return reduce(windows)
    pair = np.broadcast_to(windows, (*windows.shape[:-2], 2, windows.shape[-1]))  # no copy
    result: np.ndarray = reduce(pair)[..., :1]
    return result
