"""A scale-out deployment on this machine, for the tests: `mixcoach serve` and `mixcoach worker`
processes sharing a throwaway PostgreSQL database, a RabbitMQ queue of their own and one
storage, each process started exactly as an operator starts it (environment variables only).

Skips, saying why, when PostgreSQL or RabbitMQ does not answer (CI machines run both)."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from storage.databases import postgres_unreachable, throwaway_postgres

BROKER_URL = os.environ.get("MIXCOACH_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")
START_TIMEOUT_S = 90.0


def broker_unreachable() -> str | None:
    import pika
    from pika.exceptions import AMQPError

    try:
        pika.BlockingConnection(pika.URLParameters(BROKER_URL)).close()
    except AMQPError as exc:
        return f"RabbitMQ at {BROKER_URL.rsplit('@', 1)[-1]} is unreachable ({type(exc).__name__})"
    return None


def delete_queues(name: str) -> None:
    """Remove the queue and the ones Dramatiq adds beside it (delay and dead letters)."""
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        channel = connection.channel()
        for queue_name in (name, f"{name}.DQ", f"{name}.XQ", f"{name}.DQ.XQ"):
            channel.queue_delete(queue=queue_name)
    finally:
        connection.close()


def new_session(client: httpx.Client) -> dict[str, str]:
    response = client.post("/api/sessions")
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def wait_for_job(
    client: httpx.Client, auth: dict[str, str], review_id: str, *, timeout_s: float
) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    while True:
        job: dict[str, object] = client.get(f"/api/reviews/{review_id}/job", headers=auth).json()
        if job["state"] in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    """A started `mixcoach` process and the lines it printed."""

    name: str
    popen: subprocess.Popen[str]
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    printed: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.printed.append(line)
            self.lines.put(line)

    def wait_for_line(self, words: str, *, timeout_s: float = START_TIMEOUT_S) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.popen.poll() is not None:
                    break
                continue
            if words in line:
                return line
        raise AssertionError(f"{self.name} never printed {words!r}:\n{''.join(self.printed)}")

    def stop(self) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.popen.kill()
        code = int(self.popen.wait())
        if self.popen.stdout is not None:
            self.popen.stdout.close()
        return code


@dataclass
class Deployment:
    folder: Path
    database_url: str
    queue_name: str
    storage_env: dict[str, str]
    processes: list[Process] = field(default_factory=list)
    clients: list[httpx.Client] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "MIXCOACH_JOBS_BROKER_URL": BROKER_URL,
            "MIXCOACH_JOBS_QUEUE": self.queue_name,
            "MIXCOACH_JOBS_SHUTDOWN_GRACE_SECONDS": "30",
            "MIXCOACH_LLM_ENGINE": "offline",
            **extra,
            **self.storage_env,
        }

    def _start(self, name: str, args: list[str], folder: Path) -> Process:
        folder.mkdir(parents=True, exist_ok=True)
        popen = subprocess.Popen(
            [sys.executable, "-m", "mixcoach.cli", *args],
            cwd=folder,
            env=self.env(MIXCOACH_DATA_DIR=str(folder / "data")),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        process = Process(name, popen)
        self.processes.append(process)
        return process

    def server(self, number: int) -> tuple[Process, httpx.Client]:
        """Start server ``number`` in its own folder; a client of it once it serves."""
        port = free_port()
        process = self._start(
            f"server {number}", ["serve", "--port", str(port)], self.folder / f"server{number}"
        )
        process.wait_for_line("Mixcoach is serving")
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30.0)
        self.clients.append(client)
        return process, client

    def worker(self, number: int, *options: str) -> Process:
        """Start ``mixcoach worker`` (with ``options``) once its first process is running."""
        process = self._start(
            f"worker {number}", ["worker", *options], self.folder / f"worker{number}"
        )
        process.wait_for_line("Mixcoach worker is running")
        return process

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        self.clients.clear()
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()


@contextmanager
def deployment(folder: Path, storage_env: dict[str, str]) -> Iterator[Deployment]:
    for problem in (postgres_unreachable(), broker_unreachable()):
        if problem is not None:
            pytest.skip(problem)
    queue_name = f"mixcoach-test-{uuid.uuid4().hex[:12]}"
    with throwaway_postgres() as url:
        running = Deployment(folder, url, queue_name, storage_env)
        try:
            yield running
        finally:
            running.stop()
            delete_queues(queue_name)
