"""Which browser session a token names, remembered in memory.

Every request checks its token; a session never changes once created, so a token seen once
answers from memory after that, with no thread and no database connection. Unknown tokens are
not remembered (a session created a moment ago, or on another server, is found on the next
look-up), and the memory holds at most ``capacity`` sessions, the least recently used going first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from mixcoach.storage.browser_sessions import token_sha256
from mixcoach.storage.models import BrowserSession

CAPACITY = 10_000


class KnownSessions:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._by_digest: OrderedDict[str, BrowserSession] = OrderedDict()
        self._lock = threading.Lock()  # filled from the thread pool, read on the loop

    def get(self, token: str) -> BrowserSession | None:
        digest = token_sha256(token)
        with self._lock:
            session = self._by_digest.get(digest)
            if session is not None:
                self._by_digest.move_to_end(digest)
            return session

    def remember(self, session: BrowserSession) -> None:
        """Keep ``session`` (loaded and detached from its database session)."""
        with self._lock:
            self._by_digest[session.token_sha256] = session
            self._by_digest.move_to_end(session.token_sha256)
            while len(self._by_digest) > self._capacity:
                self._by_digest.popitem(last=False)
