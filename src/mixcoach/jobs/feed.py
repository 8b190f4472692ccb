"""Progress written by workers on other machines, read from the database into the hub.

In the scale-out mode no analysis runs in the server, so nothing publishes to its progress hub
from memory: this thread reads the rows written lately, every ``interval_s``, and publishes what
changed. The event streams stay as they are: they wait on the hub and hold no connection. Each
read looks back ``LOOKBACK_S`` before the newest time it saw, so a worker whose clock runs a
little behind is not missed; a status already published is not published again.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from mixcoach.jobs.events import ProgressHub
from mixcoach.storage.database import Database
from mixcoach.storage.jobs import JobStatus, changes_since
from mixcoach.storage.models import utc_now

INTERVAL_S = 0.5
LOOKBACK_S = 5.0

log = logging.getLogger(__name__)


class DatabaseFeed:
    def __init__(self, database: Database, hub: ProgressHub, *, interval_s: float = INTERVAL_S):
        self._database = database
        self._hub = hub
        self._interval_s = interval_s
        self._seen: dict[str, JobStatus] = {}
        self._newest = utc_now()
        self._stopping = threading.Event()
        self._failing = False
        self._thread = threading.Thread(target=self._loop, name="mixcoach-feed", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while not self._stopping.wait(self._interval_s):
            try:
                self.read_once()
                self._failing = False
            except SQLAlchemyError:  # the streams re-read now and then; this tries again soon
                if not self._failing:
                    log.warning("cannot read analysis progress from the database")
                self._failing = True

    def read_once(self) -> None:
        """Publish every status written since the last read (and the look-back before it)."""
        since = self._newest - timedelta(seconds=LOOKBACK_S)
        with self._database.session() as db:
            statuses = changes_since(db, since)
        for status in statuses:
            if self._seen.get(status.analysis_id) != status:
                self._hub.publish(status)
            self._seen[status.analysis_id] = status
            self._newest = max(self._newest, status.updated_at)
        self._forget(before=since)

    def _forget(self, *, before: datetime) -> None:
        for analysis_id in [i for i, s in self._seen.items() if s.updated_at < before]:
            del self._seen[analysis_id]
