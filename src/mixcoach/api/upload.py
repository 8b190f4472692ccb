"""Receiving an upload: the multipart body is parsed as it arrives and each file is streamed
into the audio store's local ``incoming/`` folder, hashed on the way, with the size limit enforced
as the bytes come (413 the moment a file passes it, not after the whole body is in memory).

Nothing received here is kept: the caller keeps the files (``AudioStore.keep``: a rename in the
data folder, an upload to the object store's bucket) once the request is known to be good, or
``ReceivedForm.discard()`` removes them. On any error in here, they are
removed before the error leaves. A file part with no file name and no bytes (what a browser sends
for a file input left empty) counts as not sent.

The parsing, hashing and file writes run in a worker thread, one chunk at a time and in order:
they block, and the event loop must keep serving other requests during a long upload.

Every other request body is bounded by :class:`BodyLimit`, an ASGI middleware that runs before
any route reads a byte: a body declared (``Content-Length``) or streamed (chunked) past
:data:`MAX_JSON_BODY_BYTES` is answered 413 there. Routes that bound their own body, like the
upload here, are named to it and passed through.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mixcoach.api.errors import FieldError, TooLarge, UnsupportedMediaType, error_response
from mixcoach.errors import StorageFull
from mixcoach.storage.files import IncomingFile
from mixcoach.storage.store import AudioStore

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MAX_FIELD_BYTES = 1024
MAX_PARTS = 16
#: Room in a request beyond its files: part headers, boundaries and the text fields.
FORM_OVERHEAD_BYTES = 1 << 20
#: After refusing an upload as too large, up to this much more of it is read and dropped so
#: the client gets the answer rather than a reset connection.
DRAIN_LIMIT_BYTES = 64 << 20
#: The largest body of any route but the upload: a chat question is at most 2000 characters.
MAX_JSON_BODY_BYTES = 64 * 1024

NOT_MULTIPART = (
    "Send the upload as multipart/form-data, with the audio in a file field named `track`."
)
FILE_TOO_LARGE = "{filename} is larger than the {limit_mb:g} MB limit for one file."
#: Said when Content-Length alone shows the upload is too large: the per-file limit is the one
#: the producer can act on (the request limit adds room for a reference and the form).
REQUEST_TOO_LARGE = "The upload is too large: the limit is {limit_mb:g} MB per file."
BODY_TOO_LARGE = "The request body is larger than the {limit_kb:g} KB this endpoint accepts."
BAD_MULTIPART = "The upload is not valid multipart/form-data ({reason})."
TRUNCATED = "The upload ended before the form was complete."


@dataclass
class ReceivedFile:
    filename: str  # as the browser named it, without any folder
    incoming: IncomingFile


@dataclass
class ReceivedForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, ReceivedFile] = field(default_factory=dict)

    def close(self) -> None:
        for received in self.files.values():
            received.incoming.close()

    def discard(self) -> None:
        for received in self.files.values():
            received.incoming.discard()


async def receive_form(
    request: Request,
    store: AudioStore,
    *,
    file_fields: frozenset[str],
    text_fields: frozenset[str],
    max_file_bytes: int,
) -> ReceivedForm:
    """Parse a multipart upload; files named in ``file_fields`` go to ``store``'s incoming
    folder, fields named in ``text_fields`` are returned as text; anything else is refused."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise UnsupportedMediaType(NOT_MULTIPART)
    max_request_bytes = max_file_bytes * len(file_fields) + FORM_OVERHEAD_BYTES
    stream = request.stream()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_request_bytes:
        await _drain(stream)
        raise TooLarge(REQUEST_TOO_LARGE.format(limit_mb=max_file_bytes / 1e6))

    parts = _Parts(store, file_fields, text_fields, max_file_bytes)
    try:
        parser = MultipartParser(boundary, parts.callbacks())
        async for chunk in stream:
            await run_in_threadpool(parser.write, chunk)
        parser.finalize()
        if not parts.ended:
            raise FieldError(TRUNCATED, [])
        await run_in_threadpool(parts.form.close)
    except (TooLarge, StorageFull):  # read the rest, so that the client hears the answer
        await _discard(parts.form)
        await _drain(stream)
        raise
    except FormParserError as exc:
        await _discard(parts.form)
        raise FieldError(BAD_MULTIPART.format(reason=exc), []) from exc
    except BaseException:
        await _discard(parts.form)
        raise
    return parts.form


async def _discard(form: ReceivedForm) -> None:
    # Shielded: when the request is cancelled, the files must still go.
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(form.discard)


async def _drain(stream: AsyncIterator[bytes]) -> None:
    read = 0
    async for chunk in stream:
        read += len(chunk)
        if read > DRAIN_LIMIT_BYTES:
            return


class _Parts:
    """python-multipart callbacks: route each part to a file or a text field, with limits."""

    def __init__(
        self,
        store: AudioStore,
        file_fields: frozenset[str],
        text_fields: frozenset[str],
        max_file_bytes: int,
    ) -> None:
        self.form = ReceivedForm()
        self.ended = False
        self._store = store
        self._file_fields = file_fields
        self._text_fields = text_fields
        self._max_file_bytes = max_file_bytes
        self._count = 0
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._name = ""
        self._names: set[str] = set()
        self._file: ReceivedFile | None = None
        self._file_named = False
        self._text = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._count += 1
        if self._count > MAX_PARTS:
            raise FieldError(f"The upload has more than {MAX_PARTS} parts.", [])
        self._disposition = b""
        self._file = None
        self._text.clear()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if not name:
            raise FieldError(BAD_MULTIPART.format(reason="a part has no field name"), [])
        if name in self._names:
            raise FieldError(f"`{name}` was sent twice; send it once.", [(name, "sent twice")])
        self._names.add(name)
        self._name = name
        if name in self._file_fields:
            filename = _base_name(options.get(b"filename", b"").decode("utf-8", "replace"))
            self._file_named = bool(filename)
            self._file = ReceivedFile(filename or name, self._store.receive())
            self.form.files[name] = self._file
        elif name not in self._text_fields:
            known = ", ".join(sorted(self._file_fields | self._text_fields))
            raise FieldError(
                f"`{name}` is not a field of this form (it takes {known}).",
                [(name, "unknown field")],
            )

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is None:
            if len(self._text) + end - start > MAX_FIELD_BYTES:
                raise FieldError(
                    f"`{self._name}` is longer than {MAX_FIELD_BYTES} bytes.",
                    [(self._name, "too long")],
                )
            self._text += data[start:end]
            return
        incoming = self._file.incoming
        if incoming.size_bytes + end - start > self._max_file_bytes:
            raise TooLarge(
                FILE_TOO_LARGE.format(
                    filename=self._file.filename, limit_mb=self._max_file_bytes / 1e6
                )
            )
        incoming.write(data[start:end])

    def _part_end(self) -> None:
        if self._file is not None and not self._file_named and self._file.incoming.size_bytes == 0:
            self._file.incoming.discard()
            del self.form.files[self._name]
        elif self._file is None:
            try:
                self.form.fields[self._name] = self._text.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FieldError(
                    f"`{self._name}` is not UTF-8 text.", [(self._name, "not UTF-8 text")]
                ) from exc

    def _end(self) -> None:
        self.ended = True


def _base_name(filename: str) -> str:
    """The file's own name: browsers on Windows used to send the whole path."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:255]


class BodyLimit:
    """ASGI middleware: each request body is read here, up to ``max_bytes``, before the app
    sees it, and refused with 413 past that; a ``Content-Length`` past it is refused at once,
    without reading (or, when small enough to drain, after dropping it, so that the client
    hears the answer). The routes in ``own_limit`` (method, path) stream and bound their bodies
    themselves and pass through untouched."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int = MAX_JSON_BODY_BYTES,
        own_limit: Collection[tuple[str, str]] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.own_limit = frozenset(own_limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], _route_path(scope)) in self.own_limit:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            if int(declared) <= DRAIN_LIMIT_BYTES:
                await _drain_messages(receive)
            await self._refuse(scope, receive, send)
            return
        whole = await self._read(receive)
        if whole is None:
            await _drain_messages(receive)
            await self._refuse(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return whole
            return await receive()  # after the body: the client leaving, for streamed answers

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> Message | None:
        """The whole body as one message (or the disconnect that cut it short); None when it
        runs past the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return message
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = BODY_TOO_LARGE.format(limit_kb=self.max_bytes / 1024)
        await error_response(413, "too_large", message)(scope, receive, send)


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


async def _drain_messages(receive: Receive) -> None:
    """Read and drop what is left of a refused body, up to DRAIN_LIMIT_BYTES."""
    read = 0
    while read <= DRAIN_LIMIT_BYTES:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return
        read += len(message.get("body", b""))
