"""One JSON shape for every error the API returns, and the one place that maps errors to it.

    {"error": {"code": "not_found", "message": "Review 3f2a... was not found.", "details": []}}

``code`` is stable (clients branch on it); ``message`` is a sentence for the producer; ``details``
names the fields at fault in a request that failed validation. Errors raised on purpose are
:class:`~mixcoach.errors.MixcoachError` subclasses; the status comes from the class:

    MixcoachError                    400
    ├── AudioError                   415  the file cannot be decoded: the reason
    ├── InputError                   422  a field is missing or wrong
    │   └── TooLarge                 413  past a size limit: a file, an upload, a request body
    ├── NotFound                     404  missing, or another session's (the same answer)
    │   ├── AudioMissing             404  a track's audio is no longer in the store
    │   ├── NoFeedback               404  the review has no feedback yet
    │   └── NoPreset                 404  no preset of that kind for this review
    ├── FeedbackUnavailable          503
    ├── StorageFull                  507  no room left on the disk or in the database
    ├── StorageUnavailable           503  the object store does not answer, or refuses Mixcoach
    ├── Unauthorized                 401  no session token, or an unknown one
    ├── UnsupportedMediaType         415  the request body is not what the endpoint reads
    ├── TooManyRequests              429  too many new sessions from one address (Retry-After)
    └── NotReady                     409  the analysis has not finished (or failed)

Besides these: 422 ``invalid_request`` for what FastAPI's own validation refuses (a body that is
not JSON included), 404 and 405 for unknown routes and methods (405 with an ``Allow`` header
naming every method the path has), 400 ``client_disconnected`` (logged, sent to nobody) when the
client leaves mid-request, and 500 ``internal_error`` for anything unexpected (logged with its
traceback; the client gets no detail). The database's and the operating system's "disk full"
errors become :class:`~mixcoach.errors.StorageFull` (507) wherever they are raised. An error
raised after a streamed response has begun cannot change its status: :func:`stream_error` gives
its body for an ``error`` event instead.
"""

from __future__ import annotations

import errno
import logging
import re
import sqlite3
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import compile_path

from mixcoach.errors import (
    AudioError,
    FeedbackUnavailable,
    InputError,
    MixcoachError,
    NotFound,
    StorageFull,
    StorageUnavailable,
)
from mixcoach.storage.files import STORAGE_FULL

log = logging.getLogger(__name__)

INTERNAL_ERROR = "Mixcoach hit an unexpected error; it has been logged. Please try again."
INVALID_REQUEST = "The request is not valid: {problems}."
CLIENT_LEFT = "The request ended before it was complete."
NOT_JSON = "not valid JSON ({reason})"
#: PostgreSQL's SQLSTATE for "disk full".
_PG_DISK_FULL = "53100"


class Unauthorized(MixcoachError):
    code = "unauthorized"


class TooLarge(InputError):
    code = "too_large"


class UnsupportedMediaType(MixcoachError):
    code = "unsupported_media_type"


class NotReady(MixcoachError):
    code = "not_ready"


class TooManyRequests(MixcoachError):
    """Refused for now; ``retry_after_s`` says when to ask again (the Retry-After header)."""

    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class NoFeedback(NotFound):
    code = "no_feedback"


class NoPreset(NotFound):
    code = "no_preset"


class FieldError(MixcoachError):
    """An input error about named fields (so the page can point at them)."""

    code = "invalid_request"

    def __init__(self, message: str, details: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.details = details


_STATUS: dict[type[MixcoachError], int] = {
    Unauthorized: 401,
    NotFound: 404,
    NotReady: 409,
    TooLarge: 413,
    AudioError: 415,
    UnsupportedMediaType: 415,
    InputError: 422,
    FieldError: 422,
    TooManyRequests: 429,
    FeedbackUnavailable: 503,
    StorageUnavailable: 503,
    StorageFull: 507,
}


class ErrorDetail(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)

    field: str
    """The request field at fault, e.g. `genre` or `track`."""
    message: str
    """What is wrong with it."""


class ErrorBody(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)

    code: str
    """Stable, for programs: `not_found`, `too_large`, `audio_error`, `invalid_request`..."""
    message: str
    """A sentence for the producer saying what went wrong and, where it helps, what to do."""
    details: list[ErrorDetail] = Field(default_factory=list)
    """The fields at fault, when a request failed validation."""


class ErrorResponse(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    error: ErrorBody
    """What went wrong."""


def status_for(exc: MixcoachError) -> int:
    for cls in type(exc).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 400


def error_body(
    code: str, message: str, details: list[tuple[str, str]] | None = None
) -> ErrorResponse:
    return ErrorResponse(
        error=ErrorBody(
            code=code,
            message=message,
            details=[ErrorDetail(field=f, message=m) for f, m in details or []],
        )
    )


def error_response(
    status: int, code: str, message: str, details: list[tuple[str, str]] | None = None
) -> JSONResponse:
    body = error_body(code, message, details)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def storage_full(exc: BaseException) -> StorageFull | None:
    """``exc`` as StorageFull when it is the operating system's or a database's "no room left"
    (SQLite's "database or disk is full", PostgreSQL's ``disk_full``); else None."""
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    full = (
        (isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT))
        or (
            isinstance(cause, sqlite3.Error)
            and getattr(cause, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_FULL
        )
        or getattr(cause, "sqlstate", None) == _PG_DISK_FULL
    )
    return StorageFull(STORAGE_FULL) if full else None


def _on_purpose(exc: Exception, *, where: str) -> Exception:
    """``exc``, or the StorageFull it stands for (logged: the operator has to free space)."""
    full = storage_full(exc)
    if full is None:
        return exc
    log.warning("storage full during %s: %s", where, exc)
    return full


def stream_error(exc: Exception, *, what: str) -> ErrorResponse:
    """The body for an error that ended a streamed response (``what`` names the stream in the
    log); anything not raised on purpose is logged with its traceback, as :func:`handle_error`
    does."""
    exc = _on_purpose(exc, where=what)
    if isinstance(exc, MixcoachError):
        return error_body(exc.code, exc.message, exc.details if isinstance(exc, FieldError) else [])
    log.error("unhandled error while streaming %s", what, exc_info=exc)
    return error_body("internal_error", INTERNAL_ERROR)


#: Documented on every route: the statuses any of them can return.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorResponse, "description": "The request body is past the size limit."},
    422: {
        "model": ErrorResponse,
        "description": "A field is missing or not valid, or the body is not valid JSON.",
    },
    500: {"model": ErrorResponse, "description": "An unexpected error (logged)."},
    507: {
        "model": ErrorResponse,
        "description": "The server's storage is full; nothing was kept.",
    },
}
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No session token, or an unknown one."},
    404: {"model": ErrorResponse, "description": "Not found (or another session's)."},
}
#: Documented on the routes that read or write the audio store.
STORAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorResponse,
        "description": "The audio store (object storage) does not answer; try again later.",
    }
}
NOT_READY_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "The analysis is not finished yet, or failed."}
}


def _field_name(location: tuple[Any, ...]) -> str:
    # ("body", "genre") → "genre"; ("path", "review_id") → "review_id"
    parts = [str(part) for part in location[1:]] or [str(part) for part in location]
    return ".".join(parts)


def _problem(error: Any) -> tuple[str, str]:
    if error["type"] == "json_invalid":  # loc is ("body", <character offset>)
        reason = f"{error.get('ctx', {}).get('error', 'JSON decode error')}"
        return "body", NOT_JSON.format(reason=f"{reason} at character {error['loc'][-1]}")
    return _field_name(tuple(error["loc"])), str(error["msg"])


def _invalid(details: list[tuple[str, str]]) -> JSONResponse:
    problems = "; ".join(f"{field}: {message}" for field, message in details)
    return error_response(
        422, "invalid_request", INVALID_REQUEST.format(problems=problems), details
    )


def _unreadable_body(exc: Exception) -> str | None:
    """Why FastAPI could not parse a JSON body, when its 400 says so: answered 422 like any
    other body that is not valid JSON (one status for one kind of mistake)."""
    if not isinstance(exc, StarletteHTTPException) or exc.status_code != 400:
        return None
    if isinstance(exc.__cause__, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc.__cause__, RecursionError):
        return "nested too deeply"
    return None


def _allowed_methods(request: Request) -> str:
    """Every method the API documents for the request's path (Starlette's 405 names only the
    first matching route's, and FastAPI's included routers hide the rest from a route walk)."""
    path = request.scope.get("path", "")
    methods = {
        method.upper()
        for pattern, operations in _path_patterns(request.app)
        if pattern.fullmatch(path)
        for method in operations
    }
    return ", ".join(sorted(methods))


def _path_patterns(app: FastAPI) -> list[tuple[re.Pattern[str], list[str]]]:
    patterns: list[tuple[re.Pattern[str], list[str]]] | None = getattr(
        app.state, "path_patterns", None
    )
    if patterns is None:
        patterns = [
            (compile_path(path)[0], list(operations))
            for path, operations in app.openapi().get("paths", {}).items()
        ]
        app.state.path_patterns = patterns
    return patterns


async def handle_error(request: Request, exc: Exception) -> JSONResponse:
    """The one handler: every error, raised on purpose or not, leaves in the same shape."""
    exc = _on_purpose(exc, where=f"{request.method} {request.url.path}")
    if isinstance(exc, MixcoachError):
        details = exc.details if isinstance(exc, FieldError) else []
        response = error_response(status_for(exc), exc.code, exc.message, details)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    if isinstance(exc, RequestValidationError):
        return _invalid([_problem(e) for e in exc.errors()])
    unreadable = _unreadable_body(exc)
    if unreadable is not None:
        return _invalid([("body", NOT_JSON.format(reason=unreadable))])
    if isinstance(exc, StarletteHTTPException):
        code, template = _HTTP_ERRORS.get(exc.status_code, ("http_error", "{detail}."))
        message = template.format(
            method=request.method, path=request.url.path, detail=str(exc.detail).rstrip(".")
        )
        response = error_response(exc.status_code, code, message)
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            response.headers["Allow"] = _allowed_methods(request)
        return response
    if isinstance(exc, ClientDisconnect):  # nobody is left to read the answer; not our fault
        log.info("client left during %s %s", request.method, request.url.path)
        return error_response(400, "client_disconnected", CLIENT_LEFT)
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", INTERNAL_ERROR)


#: Errors the routing itself raises, before any Mixcoach code runs.
_HTTP_ERRORS = {
    404: ("not_found", "There is nothing at {path}; the API is described at /docs."),
    405: ("method_not_allowed", "{method} is not allowed on {path}."),
}


def install_error_handlers(app: FastAPI) -> None:
    # Database and OS errors are named so that Starlette answers them where it answers the
    # others: what only ``Exception`` catches is re-raised to the server after the answer (its
    # traceback logged twice, the connection closed), which a full disk must not cause.
    kinds = (
        MixcoachError,
        RequestValidationError,
        StarletteHTTPException,
        ClientDisconnect,
        DBAPIError,
        OSError,
    )
    for kind in (*kinds, Exception):
        app.add_exception_handler(kind, handle_error)
