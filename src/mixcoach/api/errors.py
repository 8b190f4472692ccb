"""One JSON shape for every error the API returns, and the one place that maps errors to it.

    {"error": {"code": "not_found", "message": "Review 3f2a... was not found.", "details": []}}

``code`` is stable (clients branch on it); ``message`` is a sentence for the producer; ``details``
names the fields at fault in a request that failed validation. Errors raised on purpose are
:class:`~mixcoach.errors.MixcoachError` subclasses; the status comes from the class:

    MixcoachError                    400
    ├── AudioError                   415  the file cannot be decoded: the reason
    ├── InputError                   422  a field is missing or wrong
    │   └── TooLarge                 413  past the upload size limit
    ├── NotFound                     404  missing, or another session's (the same answer)
    │   ├── NoFeedback               404  the review has no feedback yet
    │   └── NoPreset                 404  no preset of that kind for this review
    ├── FeedbackUnavailable          503
    ├── Unauthorized                 401  no session token, or an unknown one
    ├── UnsupportedMediaType         415  the request body is not what the endpoint reads
    └── NotReady                     409  the analysis has not finished (or failed)

Besides these: 422 ``invalid_request`` for what FastAPI's own validation refuses, 404 and 405
for unknown routes and methods, 400 ``client_disconnected`` (logged, sent to nobody) when the
client leaves mid-request, and 500 ``internal_error`` for anything unexpected (logged with its
traceback; the client gets no detail). An error raised after a streamed response has begun
cannot change its status: :func:`stream_error` gives its body for an ``error`` event instead.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from mixcoach.errors import (
    AudioError,
    FeedbackUnavailable,
    InputError,
    MixcoachError,
    NotFound,
)

log = logging.getLogger(__name__)

INTERNAL_ERROR = "Mixcoach hit an unexpected error; it has been logged. Please try again."
INVALID_REQUEST = "The request is not valid: {problems}."
CLIENT_LEFT = "The request ended before it was complete."


class Unauthorized(MixcoachError):
    code = "unauthorized"


class TooLarge(InputError):
    code = "too_large"


class UnsupportedMediaType(MixcoachError):
    code = "unsupported_media_type"


class NotReady(MixcoachError):
    code = "not_ready"


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
    FeedbackUnavailable: 503,
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


def stream_error(exc: Exception, *, what: str) -> ErrorResponse:
    """The body for an error that ended a streamed response (``what`` names the stream in the
    log); anything not raised on purpose is logged with its traceback, as :func:`handle_error`
    does."""
    if isinstance(exc, MixcoachError):
        return error_body(exc.code, exc.message, exc.details if isinstance(exc, FieldError) else [])
    log.error("unhandled error while streaming %s", what, exc_info=exc)
    return error_body("internal_error", INTERNAL_ERROR)


#: Documented on every route: the statuses any of them can return.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorResponse, "description": "A field is missing or not valid."},
    500: {"model": ErrorResponse, "description": "An unexpected error (logged)."},
}
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No session token, or an unknown one."},
    404: {"model": ErrorResponse, "description": "Not found (or another session's)."},
}
NOT_READY_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "The analysis is not finished yet, or failed."}
}


def _field_name(location: tuple[Any, ...]) -> str:
    # ("body", "genre") → "genre"; ("path", "review_id") → "review_id"
    parts = [str(part) for part in location[1:]] or [str(part) for part in location]
    return ".".join(parts)


async def handle_error(request: Request, exc: Exception) -> JSONResponse:
    """The one handler: every error, raised on purpose or not, leaves in the same shape."""
    if isinstance(exc, MixcoachError):
        details = exc.details if isinstance(exc, FieldError) else []
        return error_response(status_for(exc), exc.code, exc.message, details)
    if isinstance(exc, RequestValidationError):
        details = [(_field_name(tuple(e["loc"])), str(e["msg"])) for e in exc.errors()]
        problems = "; ".join(f"{field}: {message}" for field, message in details)
        return error_response(
            422, "invalid_request", INVALID_REQUEST.format(problems=problems), details
        )
    if isinstance(exc, StarletteHTTPException):
        code, template = _HTTP_ERRORS.get(exc.status_code, ("http_error", "{detail}."))
        message = template.format(
            method=request.method, path=request.url.path, detail=str(exc.detail).rstrip(".")
        )
        response = error_response(exc.status_code, code, message)
        response.headers.update(exc.headers or {})
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
    kinds = (MixcoachError, RequestValidationError, StarletteHTTPException, ClientDisconnect)
    for kind in (*kinds, Exception):
        app.add_exception_handler(kind, handle_error)
