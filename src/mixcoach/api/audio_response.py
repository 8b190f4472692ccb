"""Streaming a stored file to the browser's player, whole or by byte range, from any store.

    no Range (or one we do not serve)  200  the whole file
    Range: bytes=A-B | A- | -N         206  that part, with Content-Range: bytes A-B/SIZE
    a range that starts past the end   416  Content-Range: bytes */SIZE, in the error shape

Only single ranges are served (what audio elements ask for); a multi-range request gets the
whole file, which RFC 9110 allows. The ETag is the content's sha256 (a stored file never
changes), so ``If-Range`` with it is honoured and with anything else gets the whole file. The
bytes come from the store in pieces (a ranged GET from an object store), read in the thread
pool, never all at once in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from mixcoach.api.errors import error_response
from mixcoach.storage.store import AudioStore

UNSATISFIABLE = "The range {range} starts past the end of the {size}-byte file."
_RANGE = re.compile(r"bytes=(?P<start>\d*)-(?P<end>\d*)")


@dataclass(frozen=True)
class ByteRange:
    start: int
    #: Inclusive, as HTTP counts.
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def parse_range(header: str | None, size: int) -> ByteRange | str | None:
    """The one range ``header`` asks for within ``size`` bytes; None for the whole file (no
    header, several ranges, a syntax we do not read); ``"unsatisfiable"`` when it starts past
    the end (or asks for the last 0 bytes)."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    start_text, end_text = match.group("start"), match.group("end")
    if not start_text:
        if not end_text:
            return None
        suffix = int(end_text)
        if suffix == 0 or size == 0:
            return "unsatisfiable"
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(start_text)
    end = size - 1 if not end_text else min(int(end_text), size - 1)
    if end_text and int(end_text) < start:
        return None  # not a valid range: ignored, as RFC 9110 says
    if start >= size:
        return "unsatisfiable"
    return ByteRange(start, end)


def _disposition(filename: str) -> str:
    quoted = quote(filename)
    if quoted == filename:
        return f'inline; filename="{filename}"'
    return f"inline; filename*=utf-8''{quoted}"


async def audio_response(
    request: Request,
    store: AudioStore,
    *,
    sha256: str,
    media_type: str,
    filename: str,
) -> Response:
    """The stored file ``sha256`` as the answer to ``request`` (200, 206 or 416); AudioMissing
    (404) when it is not stored, StorageUnavailable (503) when the store does not answer --
    both before any byte is sent."""
    size = await run_in_threadpool(store.size, sha256)
    etag = f'"{sha256}"'
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Cache-Control": "private, max-age=3600",
        "Content-Disposition": _disposition(filename),
    }
    wanted = parse_range(request.headers.get("range"), size)
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range.strip() != etag:
        wanted = None  # the client's copy is another: it gets the whole file
    if wanted == "unsatisfiable":
        response = error_response(
            416,
            "range_not_satisfiable",
            UNSATISFIABLE.format(range=request.headers.get("range", ""), size=size),
        )
        response.headers.update({"Content-Range": f"bytes */{size}", **headers})
        return response
    if isinstance(wanted, ByteRange):
        status, start, length = 206, wanted.start, wanted.length
        headers["Content-Range"] = f"bytes {wanted.start}-{wanted.end}/{size}"
    else:
        status, start, length = 200, 0, size
    headers["Content-Length"] = str(length)
    pieces: Iterator[bytes] = await run_in_threadpool(store.iter_range, sha256, start, length)
    return StreamingResponse(
        iterate_in_threadpool(pieces), status_code=status, headers=headers, media_type=media_type
    )
