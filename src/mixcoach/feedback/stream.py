"""A stream of text chunks that ends in a structured value.

Engines return ``Streamed[Feedback]`` and ``Streamed[ChatAnswer]``: iterate it to receive the
text as it is written (the web service forwards each chunk as a server-sent event), then call
``result()`` for the structured value. ``result()`` also works without iterating first: it reads
the rest of the stream itself.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Streamed(Generic[T]):
    """Wraps a generator that yields text chunks and *returns* the final value."""

    def __init__(self, chunks: Generator[str, None, T]) -> None:
        self._chunks = chunks
        self._value: list[T] = []  # holds the final value once the generator has returned

    def __iter__(self) -> Iterator[str]:
        if self._value:
            return
        try:
            while True:
                yield next(self._chunks)
        except StopIteration as stop:
            self._value.append(stop.value)

    def result(self) -> T:
        """The final value; reads whatever of the stream has not been read yet."""
        for _ in self:
            pass
        return self._value[0]

    def text(self) -> str:
        """Read the whole stream and return its text (for callers that do not stream)."""
        return "".join(self)
