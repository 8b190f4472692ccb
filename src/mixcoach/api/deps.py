"""Dependencies, as ``Annotated`` aliases routes declare: ``CurrentSession`` (the browser
session the token names), ``StateDep``, ``SettingsDep``, ``EngineDep`` (the process's feedback
engine). Tests swap them through ``app.dependency_overrides``.

There is no database-session dependency on purpose: FastAPI closes a dependency after the
response is serialised, in another trip to the thread pool, so a session handed to a route
would hold its connection while it waits for a free thread; under load every thread then waits
for a connection and nothing moves. Routes open ``state.database.session()`` in their own body,
and the session is closed before the route returns."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from mixcoach.api.errors import Unauthorized
from mixcoach.api.state import AppState
from mixcoach.config import Settings
from mixcoach.feedback import FeedbackEngine
from mixcoach.storage.browser_sessions import session_for_token
from mixcoach.storage.models import BrowserSession

MISSING_TOKEN = (
    "This needs a session token: create a session with POST /api/sessions and send its token "
    "as `Authorization: Bearer <token>`."
)
UNKNOWN_TOKEN = "The session token is not known here; create a new session with POST /api/sessions."


# Plain lookups are ``async``: a sync dependency costs a trip to the thread pool.
async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.mixcoach
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_settings_dep(state: StateDep) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_engine(state: StateDep) -> FeedbackEngine:
    return state.engine


EngineDep = Annotated[FeedbackEngine, Depends(get_engine)]


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="SessionToken",
    description="The token from POST /api/sessions.",
)


async def current_session(
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> BrowserSession:
    if credentials is None or not credentials.credentials:
        raise Unauthorized(MISSING_TOKEN)
    token = credentials.credentials
    session = state.sessions.get(token)
    if session is None:
        session = await run_in_threadpool(_look_up_session, state, token)
    if session is None:
        raise Unauthorized(UNKNOWN_TOKEN)
    return session


def _look_up_session(state: AppState, token: str) -> BrowserSession | None:
    # Its own short session: an upload streams for long and must not hold a connection.
    with state.database.session() as db:
        session = session_for_token(db, token)
    if session is not None:
        state.sessions.remember(session)
    return session


CurrentSession = Annotated[BrowserSession, Depends(current_session)]
