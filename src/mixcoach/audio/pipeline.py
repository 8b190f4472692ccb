"""Run the meters over the blocks of one decode, using the machine's second core.

Three things happen at once, each in order: the next blocks are decoded (libsndfile and FFmpeg
release the GIL while they decode), the loudness meter filters and oversamples the current
block, and the other meters read it. NumPy, SciPy and the decoders do their work outside the
GIL, so on two cores this roughly halves the wall time of an analysis without changing a
single result: every meter still sees every block exactly once, in order.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from mixcoach.audio.frame import Block, Meter

_END = object()


class Prefetch:
    """Iterate ``blocks`` while a background thread decodes up to ``depth`` blocks ahead.

    Use as a context manager: leaving it stops and joins the thread, so the decoder is idle
    before its file is closed, even when the consumer stops early on an error.
    """

    def __init__(self, blocks: Iterator[np.ndarray], *, depth: int = 2) -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1 block, got {depth}")
        self._blocks = blocks
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="mixcoach-decode", daemon=True)

    def __enter__(self) -> Prefetch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        while self._thread.is_alive():
            # Make room, so a producer blocked on a full queue sees the stop.
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.05)
        self._thread.join()

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]

    def _produce(self) -> None:
        try:
            for block in self._blocks:
                if not self._put(block):
                    return
        except BaseException as error:  # handed to the consumer, raised there
            self._put(error)
            return
        self._put(_END)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False


def run_meters(
    blocks: Iterator[Block],
    meters: list[Meter],
    *,
    side_meter: Meter,
    on_block: Callable[[Block], None],
) -> None:
    """Feed every block to ``side_meter`` on a second thread and to ``meters`` on this one.

    Each meter sees the blocks in order; ``on_block`` runs once both sides are done with one.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mixcoach-meter") as side:
        for block in blocks:
            pending: Future[None] = side.submit(side_meter.update, block)
            for meter in meters:
                meter.update(block)
            pending.result()
            on_block(block)
