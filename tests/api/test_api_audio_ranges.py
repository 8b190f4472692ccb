"""Byte ranges of the player's audio, read the same way from every store: which ranges are
served (206), which get the whole file (200), which start past the end (416)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from http_helpers import assert_error, upload

from mixcoach.api.audio_response import ByteRange, parse_range

Tone = Callable[..., Path]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("bytes=0-0", ByteRange(0, 0)),
        ("bytes=4-11", ByteRange(4, 11)),
        ("bytes=90-", ByteRange(90, 99)),
        ("bytes=90-500", ByteRange(90, 99)),  # an end past the file stops at its end
        ("bytes=-10", ByteRange(90, 99)),
        ("bytes=-500", ByteRange(0, 99)),  # a suffix longer than the file is all of it
        ("bytes=100-", "unsatisfiable"),
        ("bytes=-0", "unsatisfiable"),
        ("bytes=20-10", None),  # not a valid range: ignored
        ("bytes=0-1,5-6", None),  # several ranges: the whole file
        ("items=0-1", None),
        ("bytes=-", None),
    ],
)
def test_ranges_are_read_as_rfc_9110_says(header: str | None, expected: object) -> None:
    assert parse_range(header, 100) == expected


def test_an_empty_file_has_no_satisfiable_range() -> None:
    assert parse_range("bytes=0-", 0) == "unsatisfiable"
    assert parse_range("bytes=-5", 0) == "unsatisfiable"


def test_the_data_folder_serves_the_same_ranges(
    client: httpx.Client, auth: dict[str, str], tone: Tone
) -> None:
    path = tone(seconds=0.5, frequency_hz=330.0)
    content, size = path.read_bytes(), path.stat().st_size
    audio = f"/api/tracks/{upload(client, auth, path).json()['track']['id']}/audio"
    tail = client.get(audio, headers={**auth, "Range": "bytes=-16"})
    assert tail.status_code == 206 and tail.content == content[-16:]
    assert tail.headers["content-range"] == f"bytes {size - 16}-{size - 1}/{size}"
    past = client.get(audio, headers={**auth, "Range": f"bytes={size + 1}-"})
    assert_error(past, 416, "range_not_satisfiable", "past the end")
    assert past.headers["content-range"] == f"bytes */{size}"
    whole = client.get(audio, headers=auth)
    etag = whole.headers["etag"]
    same = client.get(audio, headers={**auth, "Range": "bytes=0-3", "If-Range": etag})
    assert same.status_code == 206 and same.content == content[:4]
