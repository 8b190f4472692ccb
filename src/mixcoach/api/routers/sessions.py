"""Browser sessions: create one (id + token), and check which one a token names.

Anyone may create a session, so creating them is rate-limited per client address
(``MIXCOACH_SESSIONS_MAX_PER_MINUTE`` in any minute; 429 with ``Retry-After`` past it). The count
is kept in memory, per process: a restart forgets it.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from fastapi import APIRouter, Depends, Request

from mixcoach.api.deps import CurrentSession, StateDep
from mixcoach.api.errors import AUTH_RESPONSES, COMMON_RESPONSES, ErrorResponse, TooManyRequests
from mixcoach.api.schemas import SessionCreated, SessionInfo
from mixcoach.storage.browser_sessions import create_session

TOO_MANY_SESSIONS = (
    "This address has created {limit} sessions in the last minute, the most Mixcoach allows; "
    "keep the token of one (a page stores it), or try again in {seconds} s."
)
WINDOW_S = 60.0
#: Past this many addresses in memory, those with no session in the last minute are forgotten.
TRACKED_ADDRESSES = 10_000


class NewSessionLimit:
    """At most ``per_minute`` new sessions from one client address in any 60 seconds.

    Called on the event loop only (from an ``async`` dependency), so it needs no lock."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._recent: dict[str, deque[float]] = {}

    def admit(self, address: str) -> None:
        """Count one new session from ``address``; TooManyRequests when it is one too many."""
        now = self._clock()
        recent = self._recent.setdefault(address, deque())
        while recent and recent[0] <= now - WINDOW_S:
            recent.popleft()
        if len(recent) >= self.per_minute:
            seconds = max(1, math.ceil(recent[0] + WINDOW_S - now))
            raise TooManyRequests(
                TOO_MANY_SESSIONS.format(limit=self.per_minute, seconds=seconds),
                retry_after_s=seconds,
            )
        recent.append(now)
        if len(self._recent) > TRACKED_ADDRESSES:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        idle = [a for a, times in self._recent.items() if not times or times[-1] <= now - WINDOW_S]
        for address in idle:
            del self._recent[address]


async def admit_new_session(request: Request) -> None:
    limit: NewSessionLimit = request.app.state.new_sessions
    limit.admit(request.client.host if request.client else "unknown")


router = APIRouter(prefix="/api/sessions", tags=["sessions"], responses=COMMON_RESPONSES)


@router.post(
    "",
    status_code=201,
    dependencies=[Depends(admit_new_session)],
    responses={
        429: {
            "model": ErrorResponse,
            "description": "Too many new sessions from this address in the last minute; the "
            "`Retry-After` header says in how many seconds to try again.",
            "headers": {
                "Retry-After": {
                    "description": "Seconds until this address may create a session again.",
                    "schema": {"type": "integer", "minimum": 1},
                }
            },
        }
    },
)
def new_session(state: StateDep) -> SessionCreated:
    """A new session. Keep its token: it is shown only now, and every other call needs it."""
    with state.database.writing() as db:
        session, token = create_session(db)
    return SessionCreated(id=session.id, token=token, created_at=session.created_at)


@router.get("/current", responses=AUTH_RESPONSES)
def current(session: CurrentSession) -> SessionInfo:
    """The session the token belongs to (a page checks its stored token with this)."""
    return SessionInfo(id=session.id, created_at=session.created_at)
