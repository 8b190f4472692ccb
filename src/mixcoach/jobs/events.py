"""Job status fanned out to the event streams waiting for it.

The runner publishes from its own thread; each stream waits on the server's event loop. A
watcher keeps only the newest status: a slow client skips intermediate percentages instead of
making the server queue them.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from mixcoach.storage.jobs import JobStatus


class Watcher:
    def __init__(self) -> None:
        self.latest: JobStatus | None = None
        self._changed = asyncio.Event()

    def _update(self, status: JobStatus) -> None:
        self.latest = status
        self._changed.set()

    async def next(self, *, timeout_s: float) -> JobStatus | None:
        """The newest status published since the last call, or None after ``timeout_s``."""
        try:
            await asyncio.wait_for(self._changed.wait(), timeout_s)
        except TimeoutError:
            return None
        self._changed.clear()
        return self.latest


class ProgressHub:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watchers: defaultdict[str, set[Watcher]] = defaultdict(set)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Deliver on ``loop`` (the server's), whatever thread publishes."""
        self._loop = loop

    def publish(self, status: JobStatus) -> None:
        """Safe from any thread; dropped if the server's loop has gone."""
        loop = self._loop
        if loop is None:
            return
        try:
            loop.call_soon_threadsafe(self._deliver, status)
        except RuntimeError:  # the loop closed while the runner was finishing a job
            return

    def _deliver(self, status: JobStatus) -> None:
        for watcher in self._watchers.get(status.analysis_id, ()):
            watcher._update(status)

    @contextmanager
    def watch(self, analysis_id: str) -> Iterator[Watcher]:
        """Register a watcher for one analysis (on the loop's thread) for the ``with`` body."""
        watcher = Watcher()
        self._watchers[analysis_id].add(watcher)
        try:
            yield watcher
        finally:
            watchers = self._watchers[analysis_id]
            watchers.discard(watcher)
            if not watchers:
                del self._watchers[analysis_id]
