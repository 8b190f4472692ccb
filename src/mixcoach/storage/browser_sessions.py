"""Browser sessions: an id the page shows and a secret token it sends; only the token's hash is
stored, so a copy of the database does not let anyone act as a session."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixcoach.storage.models import BrowserSession

TOKEN_BYTES = 32


def token_sha256(token: str) -> str:
    # The token carries 256 random bits, so one fast hash is enough (no password stretching).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_session(db: Session) -> tuple[BrowserSession, str]:
    """A new session and its token; the token is returned here and never again."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session = BrowserSession(token_sha256=token_sha256(token))
    db.add(session)
    db.flush()
    return session, token


def session_for_token(db: Session, token: str) -> BrowserSession | None:
    digest = token_sha256(token)
    return db.scalar(select(BrowserSession).where(BrowserSession.token_sha256 == digest))
