"""Job status fanned out, from memory, to the event streams waiting for it.

The runner publishes every state it writes from its own thread; each stream waits on the
server's event loop. A watcher keeps only the newest status: a slow client skips intermediate
percentages instead of making the server queue them. The hub also remembers the newest status
of the analyses published lately, so a stream opened mid-analysis starts from memory and no
stream needs the database while it waits.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from mixcoach.storage.jobs import JobStatus

#: Statuses remembered (newest first out); far more than analyses run at once.
REMEMBERED = 4096


class Watcher:
    def __init__(self, hub: ProgressHub, analysis_id: str) -> None:
        self._hub = hub
        self._analysis_id = analysis_id
        self.latest: JobStatus | None = None
        self._changed = asyncio.Event()

    def _update(self, status: JobStatus) -> None:
        self.latest = status
        self._changed.set()

    def current(self, read: JobStatus) -> JobStatus:
        """The newer of ``read`` (from the database) and what the hub last published."""
        published = self._hub.latest(self._analysis_id)
        if published is None or published.updated_at < read.updated_at:
            return read
        return published

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
        self._latest: OrderedDict[str, JobStatus] = OrderedDict()

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

    def latest(self, analysis_id: str) -> JobStatus | None:
        """The newest status published for ``analysis_id``, if it was published lately.
        Call on the loop's thread."""
        return self._latest.get(analysis_id)

    def _deliver(self, status: JobStatus) -> None:
        self._latest[status.analysis_id] = status
        self._latest.move_to_end(status.analysis_id)
        while len(self._latest) > REMEMBERED:
            self._latest.popitem(last=False)
        for watcher in self._watchers.get(status.analysis_id, ()):
            watcher._update(status)

    @contextmanager
    def watch(self, analysis_id: str) -> Iterator[Watcher]:
        """Register a watcher for one analysis (on the loop's thread) for the ``with`` body."""
        watcher = Watcher(self, analysis_id)
        self._watchers[analysis_id].add(watcher)
        try:
            yield watcher
        finally:
            watchers = self._watchers[analysis_id]
            watchers.discard(watcher)
            if not watchers:
                del self._watchers[analysis_id]
