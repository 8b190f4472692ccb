"""A real, small file system for the tests that fill a disk: a tmpfs mounted in a temporary
folder (root only; the test is skipped, with the reason, where mounting is not allowed)."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def small_disk(mount_point: Path, *, size_mb: int) -> Iterator[Path]:
    """A ``size_mb`` tmpfs at ``mount_point``, unmounted afterwards."""
    mount_point.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


def fill(disk: Path) -> Path:
    """Write a file until ``disk`` has no room left; returns it (delete it to free the room)."""
    filler = disk / "filler"
    for size in (65536, 4096, 1):  # down to the last partial block
        try:
            with filler.open("ab", buffering=0) as handle:
                while True:
                    handle.write(b"\0" * size)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    assert os.statvfs(disk).f_bavail == 0
    return filler
