"""The concurrent pipeline: same results as one thread, errors surface, threads always stop."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from signals import write

from mixcoach.audio.analyze import measure
from mixcoach.audio.pipeline import Prefetch
from mixcoach.errors import AudioError


def _blocks(count: int, *, fail_at: int | None = None) -> Iterator[np.ndarray]:
    for i in range(count):
        if i == fail_at:
            raise AudioError(f"block {i} is damaged")
        yield np.full((2, 10), i, dtype=np.float32)


def test_prefetch_yields_every_block_in_order() -> None:
    with Prefetch(_blocks(50), depth=2) as prefetched:
        assert [int(b[0, 0]) for b in prefetched] == list(range(50))


def test_a_decoding_error_reaches_the_consumer() -> None:
    with Prefetch(_blocks(10, fail_at=4)) as prefetched, pytest.raises(AudioError, match="block 4"):
        list(prefetched)


def test_stopping_early_stops_the_decoder_thread() -> None:
    before = threading.active_count()
    with Prefetch(_blocks(10_000), depth=2) as prefetched:
        next(iter(prefetched))
    assert threading.active_count() == before


def test_measurements_do_not_depend_on_block_size(tmp_path: Path) -> None:
    """Threads change when work happens, never what it computes."""
    rng = np.random.default_rng(11)
    t = np.arange(44100 * 12) / 44100
    music = 0.2 * np.sin(2 * np.pi * 110 * t) * (
        1 + np.sin(2 * np.pi * 2 * t)
    ) + 0.05 * rng.standard_normal(t.size)
    path = write(
        tmp_path / "m.wav", np.stack([music, 0.8 * music]), sample_rate_hz=44100, subtype="FLOAT"
    )
    small = measure(path, block_seconds=0.5)
    large = measure(path, block_seconds=10.0)
    assert small.loudness == large.loudness
    assert small.spectrum == large.spectrum
    assert small.stereo == large.stereo
    assert small.defects == large.defects
