"""Browser sessions: create one (id + token), and check which one a token names."""

from __future__ import annotations

from fastapi import APIRouter

from mixcoach.api.deps import CurrentSession, StateDep
from mixcoach.api.errors import AUTH_RESPONSES, COMMON_RESPONSES
from mixcoach.api.schemas import SessionCreated, SessionInfo
from mixcoach.storage.browser_sessions import create_session

router = APIRouter(prefix="/api/sessions", tags=["sessions"], responses=COMMON_RESPONSES)


@router.post("", status_code=201)
def new_session(state: StateDep) -> SessionCreated:
    """A new session. Keep its token: it is shown only now, and every other call needs it."""
    with state.database.writing() as db:
        session, token = create_session(db)
    return SessionCreated(id=session.id, token=token, created_at=session.created_at)


@router.get("/current", responses=AUTH_RESPONSES)
def current(session: CurrentSession) -> SessionInfo:
    """The session the token belongs to (a page checks its stored token with this)."""
    return SessionInfo(id=session.id, created_at=session.created_at)
