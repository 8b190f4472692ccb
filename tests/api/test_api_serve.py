"""`mixcoach serve` as a producer runs it: it prints the address, serves, stops on Ctrl+C, and
a second server started by mistake stops at once with a clear message, touching nothing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def serve(tmp_path: Path, port: int, *, data: str = "data") -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "MIXCOACH_DATA_DIR": str(tmp_path / data),
        "MIXCOACH_JOBS_WORKERS": "1",
        "DATABASE_URL": "",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "mixcoach.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    server = serve(tmp_path, port)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            assert server.poll() is None, server.communicate()
            assert time.monotonic() < deadline, "mixcoach serve did not answer"
            time.sleep(0.05)
    yield server, port
    if server.poll() is None:
        server.kill()
        server.communicate()


def test_serve_prints_its_address_and_stops_cleanly_on_ctrl_c(
    running: tuple[subprocess.Popen[str], int], tmp_path: Path
) -> None:
    server, port = running
    server.send_signal(signal.SIGINT)
    out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert "Application shutdown complete" in err and "Traceback" not in err
    assert f"Mixcoach is serving http://127.0.0.1:{port}/" in out
    assert str(tmp_path / "data") in out and "SQLite" in out
    assert (tmp_path / "data" / "mixcoach.db").exists()


def test_a_second_server_on_the_same_port_or_folder_stops_with_a_reason(
    running: tuple[subprocess.Popen[str], int], tmp_path: Path
) -> None:
    _, port = running
    same_port = serve(tmp_path, port, data="elsewhere")
    _, err = same_port.communicate(timeout=30)
    assert same_port.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err and "in use" in err
    assert not (tmp_path / "elsewhere").exists()

    same_folder = serve(tmp_path, free_port())
    _, err = same_folder.communicate(timeout=30)
    assert same_folder.returncode == 1
    assert f"Another Mixcoach server is using {tmp_path / 'data'}" in err
    assert "Traceback" not in err
