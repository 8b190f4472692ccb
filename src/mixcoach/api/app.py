"""The FastAPI application: routers, the error shape, start-up and shutdown.

``create_app(settings)`` builds the app without touching anything; its lifespan applies the
migrations, sweeps unreferenced files, starts the job runner (and stops it at shutdown, putting
interrupted analyses back in the queue).

Every request body is bounded before a route reads it (``upload.BodyLimit``; the upload bounds
its own, streamed). The web page is served at / for every path outside /api, so an unknown /api
path or method answers in the API's error shape (404, or 405 with the path's real ``Allow``).
Responses are gzip-compressed where that helps (not audio, byte ranges or event streams), and
every one carries a Content-Security-Policy that lets only the page's own script run.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mixcoach import __version__
from mixcoach.api.errors import install_error_handlers
from mixcoach.api.routers import (
    albums,
    codecs,
    feedback,
    meta,
    peaks,
    previews,
    reviews,
    sessions,
    tracks,
    versions,
)
from mixcoach.api.state import AppState
from mixcoach.api.upload import BodyLimit
from mixcoach.config import Settings, get_settings

#: Threads serving sync routes at once (anyio's default is 40).
REQUEST_THREADS = 32
#: The built web page, when there is one (served at /).
WEB_DIR = Path(__file__).resolve().parents[1] / "web" / "dist"

DESCRIPTION = """\
Upload a track (and a reference) with what you want to know; Mixcoach measures it in the
background and tells you what to change.

1. `POST /api/sessions` gives a session id and token; send the token as
   `Authorization: Bearer <token>` on every other call.
2. `POST /api/reviews` uploads the audio (multipart) with the feedback type, genre and detail
   level; it answers at once (202) with the review and its job.
3. Follow the job at `GET /api/reviews/{id}/events` (Server-Sent Events) or `/job`, then read
   `/analysis` and `/findings`.
4. `POST /api/reviews/{id}/feedback` writes the feedback as Server-Sent Events (`chunk` events,
   then `done` with the stored feedback); `POST /api/reviews/{id}/chat` answers follow-up
   questions the same way; `/presets` and `/presets/reaeq.RPL` give processing settings.

Every error has the same JSON shape: `{"error": {"code", "message", "details"}}`. Another
session's resources answer 404, exactly as missing ones do. JSON bodies are limited to 64 KB
(413 past it); a client address may create a few sessions a minute (429 with `Retry-After`
past it); a full disk answers 507 `storage_full`, and `/api/health` says `storage: full`.
"""


#: Responses smaller than this are sent as they are: gzip's header would outweigh the saving.
GZIP_MINIMUM_BYTES = 1024
#: zlib level 6: nearly level 9's size at a fraction of its time, on JSON and the page's script.
GZIP_LEVEL = 6

#: What the page may load: its own scripts only (the session token lives in localStorage, so no
#: inline or foreign script may run), and audio and pictures it builds itself (blob:, data:).
#: Styles allow 'unsafe-inline' because the page places bars and markers with style attributes;
#: a style cannot read the token.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

#: Built assets named by their content (scripts/stamp-web.mjs): the name changes with the content.
_HASHED_ASSET = re.compile(r"^app\.[0-9a-f]{10}\.(js|css)$")


class _Page(StaticFiles):
    """The built page. app.js and app.css are named by their content, so a browser keeps them
    for a year; everything else (index.html, the icon) keeps its name from one release to the
    next and is revalidated (cheaply, by ETag), so an upgrade reaches the browser at once."""

    def file_response(self, full_path: Any, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(full_path, *args, **kwargs)
        immutable = _HASHED_ASSET.match(Path(full_path).name)
        response.headers["Cache-Control"] = (
            "public, max-age=31536000, immutable" if immutable else "no-cache"
        )
        return response


class _SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response, the API's included (a JSON error shown
    in a tab must not run either)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _PageMount(Mount):
    """The page at /, for every path but the API's: /api paths must meet the API's routes
    (and their 404 and 405), not the page's file lookup."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path: str = scope.get("path", "")
        if path == "/api" or path.startswith("/api/"):
            return Match.NONE, {}
        return super().matches(scope)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app, configured by ``settings`` (default: the environment and ``.env``)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync routes run on these threads; the database pool holds more connections than
        # there are threads (storage.database.POOL_SIZE + POOL_OVERFLOW).
        anyio.to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
        state = await run_in_threadpool(AppState.start, settings)
        state.hub.bind(asyncio.get_running_loop())
        app.state.mixcoach = state
        try:
            yield
        finally:
            await run_in_threadpool(state.close)

    app = FastAPI(
        title="Mixcoach",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.state.new_sessions = sessions.NewSessionLimit(settings.sessions.max_per_minute)
    for module in (
        meta,
        sessions,
        tracks,
        reviews,
        peaks,
        versions,
        albums,
        codecs,
        feedback,
        previews,
    ):
        app.include_router(module.router)
    # The upload streams its files to disk and bounds them itself (upload.receive_form).
    upload = ("POST", str(app.url_path_for(reviews.create_review.__name__)))
    app.add_middleware(BodyLimit, own_limit={upload})
    # Compresses the page's script and the JSON; Starlette leaves audio, byte ranges (206) and
    # Server-Sent Events as they are, so playback seeks and progress events are not held back.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)
    app.add_middleware(_SecurityHeaders)
    if (WEB_DIR / "index.html").exists():
        app.router.routes.append(
            _PageMount("/", app=_Page(directory=WEB_DIR, html=True), name="web")
        )
    else:

        @app.get("/", include_in_schema=False)
        def root() -> RedirectResponse:
            return RedirectResponse("/docs")

    return app
