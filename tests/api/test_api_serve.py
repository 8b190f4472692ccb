"""`mixcoach serve` as a producer runs it: it prints the address once it serves, stops on Ctrl+C,
and a second server started by mistake, or one whose database does not answer, stops at once
with one clear line, touching nothing."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def serve(
    tmp_path: Path, port: int, *, data: str = "data", database_url: str = ""
) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "MIXCOACH_DATA_DIR": str(tmp_path / data),
        "MIXCOACH_JOBS_WORKERS": "1",
        "DATABASE_URL": database_url,
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


def test_an_unreachable_database_stops_the_start_with_one_line(tmp_path: Path) -> None:
    closed = free_port()  # nothing listens there
    url = f"postgresql://mixcoach:hunter2@127.0.0.1:{closed}/mixcoach"
    port = free_port()
    server = serve(tmp_path, port, database_url=url)
    out, err = server.communicate(timeout=60)
    assert server.returncode == 1
    assert "Mixcoach is serving" not in out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "cannot use the database" in lines[0] and "server is running" in lines[0]
    assert f"127.0.0.1:{closed}/mixcoach" in lines[0] and "Connection refused" in lines[0]
    assert "hunter2" not in err + out and "Traceback" not in err
    with socket.socket() as again:  # the HTTP port was let go
        again.bind(("127.0.0.1", port))


def test_the_serving_line_waits_for_a_start_up_that_succeeds(tmp_path: Path) -> None:
    # A database that opens, and whose first migration then fails (its table is there already).
    (tmp_path / "data").mkdir()
    with sqlite3.connect(tmp_path / "data" / "mixcoach.db") as database:
        database.execute("CREATE TABLE sessions (id INTEGER)")
    server = serve(tmp_path, free_port())
    out, err = server.communicate(timeout=60)
    assert server.returncode == 1
    assert "Mixcoach is serving" not in out
    assert "Application startup failed" in err


def test_a_database_file_that_is_not_one_stops_the_start_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "mixcoach.db").write_bytes(b"not a database" * 100)
    server = serve(tmp_path, free_port())
    out, err = server.communicate(timeout=60)
    assert server.returncode == 1 and "Mixcoach is serving" not in out
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "cannot use the database at sqlite:///" in err and "not a database" in err
