"""A busy small studio against one Mixcoach server: does it stall, and does health tell the truth?

    .venv/bin/python bench/load_scenario.py [--database sqlite|postgresql|both] [--uploads 20]
        [--streams 50] [--gets 300] [--workers 2]

Starts `mixcoach serve` as its own process (the embedded default: SQLite in a temporary folder,
or a throwaway PostgreSQL database) with another process keeping one core busy, and from this
process, over real HTTP on 127.0.0.1:

1. uploads ``--uploads`` distinct tracks at once (each its own browser session);
2. opens ``--streams`` progress streams (``/api/reviews/{id}/events``) across those reviews;
3. sends ``--gets`` light GETs at once (a review, its job, the session's list, health);
4. drops every stream without a goodbye, as closed tabs do;
5. sends ``--gets`` light GETs at once again;
6. waits for every analysis to finish.

A health poller runs throughout. The scenario passes when no request got a 5xx or timed out,
the p99 of each burst is under 3 s, health answered every poll and said "ok" only while the
runner was making progress, every stream got its first event, and every analysis is done.
The suite runs a shorter version (tests/api/test_api_load.py); this prints the full one.

    .venv/bin/python bench/load_scenario.py --throughput [--uploads 8] [--track-seconds 20]

prints instead how fast analyses finish in the scale-out mode (one PostgreSQL database, a
RabbitMQ queue of its own, one shared data folder) with `mixcoach worker --concurrency` 1, 2
and 4, beside the embedded default's in-process runner (``--workers`` worker processes), in
one run: after one untimed analysis per worker (so every worker is warm), ``--uploads``
distinct tracks uploaded at once, timed until the last is done.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf
from api_latency import free_port

SAMPLE_RATE_HZ = 44_100
#: A light GET that takes longer than this counts as timed out.
REQUEST_TIMEOUT_S = 10.0
TARGET_P99_S = 3.0
HEALTH_POLL_S = 0.25
#: A shared machine under load may take this long to migrate a new database and start.
START_TIMEOUT_S = 180.0
POSTGRES_ADMIN_URL = os.environ.get(
    "MIXCOACH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class Burst:
    """What one burst of concurrent GETs saw."""

    name: str
    latencies_s: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    timeouts: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return sum(status >= 500 for status in self.statuses)

    def percentile_s(self, q: float) -> float:
        if not self.latencies_s:
            return float("inf")
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


@dataclass
class Report:
    database: str
    bursts: list[Burst] = field(default_factory=list)
    upload_statuses: list[int] = field(default_factory=list)
    streams_opened: int = 0
    streams_with_event: int = 0
    health: list[tuple[float, int, str]] = field(default_factory=list)  # (t, status, jobs)
    health_failures: list[str] = field(default_factory=list)
    analyses: dict[str, str] = field(default_factory=dict)  # review id -> final state
    finished_in_s: float = 0.0

    def problems(self, *, p99_limit_s: float = TARGET_P99_S) -> list[str]:
        """Everything that makes the scenario fail, in words; empty when it passed."""
        found: list[str] = []
        bad_uploads = [s for s in self.upload_statuses if s != 202]
        if bad_uploads:
            found.append(f"uploads answered {sorted(set(bad_uploads))}")
        for burst in self.bursts:
            if burst.server_errors:
                found.append(f"{burst.name}: {burst.server_errors} answers were 5xx")
            if burst.timeouts:
                found.append(f"{burst.name}: {burst.timeouts} requests timed out")
            if burst.errors:
                found.append(f"{burst.name}: {len(burst.errors)} failed ({burst.errors[0]})")
            if burst.percentile_s(99) >= p99_limit_s:
                found.append(f"{burst.name}: p99 {burst.percentile_s(99):.2f} s")
        if self.streams_with_event < self.streams_opened:
            found.append(
                f"{self.streams_opened - self.streams_with_event} of {self.streams_opened} "
                "streams never got their first event"
            )
        found.extend(self.health_failures)
        unhealthy = [(t, s, j) for t, s, j in self.health if s != 200 or j != "running"]
        if unhealthy:
            t, status, jobs = unhealthy[0]
            found.append(f"health said {status} / jobs {jobs!r} at {t:.1f} s while serving")
        not_done = {rid: st for rid, st in self.analyses.items() if st != "done"}
        if not_done:
            found.append(f"{len(not_done)} analyses not done: {sorted(set(not_done.values()))}")
        return found


def synthesize(path: Path, *, seconds: float, seed: int) -> Path:
    """A short stereo track with a beat and chords over noise; distinct per ``seed``."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    music = sum(0.08 * np.sin(2 * np.pi * f * t) for f in rng.uniform(60, 4000, size=6))
    music = music + 0.03 * rng.standard_normal(t.size)
    beat = (np.sin(2 * np.pi * 2.0 * t) > 0.95) * rng.standard_normal(t.size) * 0.3
    audio = np.stack([music + beat, 0.9 * music + beat], axis=1).astype(np.float32)
    sf.write(path, audio, SAMPLE_RATE_HZ, "PCM_16")
    return path


@contextlib.contextmanager
def busy_core() -> Iterator[None]:
    """Another process spinning on one core for the whole scenario."""
    # It spins only while its parent lives: a scenario killed midway leaves no spinner behind.
    spin = "import os\nparent = os.getppid()\nwhile os.getppid() == parent: pass"
    spinner = subprocess.Popen([sys.executable, "-c", spin])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    import uuid

    import psycopg

    name = f"mixcoach_load_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def serving(
    data_dir: Path, *, database_url: str, workers: int, extra: dict[str, str] | None = None
) -> Iterator[str]:
    """`mixcoach serve` in its own process until the block ends; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "MIXCOACH_DATA_DIR": str(data_dir),
        "MIXCOACH_PORT": str(port),
        "MIXCOACH_JOBS_WORKERS": str(workers),
        "DATABASE_URL": database_url,
        **(extra or {}),
    }
    log_path = data_dir.parent / "server.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "mixcoach.cli", "serve"],
        env=env,
        cwd=data_dir.parent,  # no .env of the developer's is read
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                said = log_path.read_text(errors="replace").strip().splitlines()[-5:]
                raise RuntimeError(f"mixcoach serve did not start: {' / '.join(said)}")
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


async def raw_get(
    url: str, path: str, headers: dict[str, str], *, timeout_s: float = REQUEST_TIMEOUT_S
) -> tuple[int, bytes]:
    """GET over a connection of its own, as a browser tab would: (status, body).

    Plain asyncio streams rather than httpx: with hundreds of requests in flight, httpx's own
    bookkeeping costs more than the server's work and would be measured instead of it."""

    async def exchange() -> tuple[int, bytes]:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Connection: close"]
            lines += [f"{name}: {value}" for name, value in headers.items()]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
            response = await reader.read()
        finally:
            writer.close()
        head, _, body = response.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), body

    return await asyncio.wait_for(exchange(), timeout_s)


async def _upload(client: httpx.AsyncClient, track: Path, report: Report) -> tuple[str, str]:
    token = (await client.post("/api/sessions")).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    response = await client.post(
        "/api/reviews",
        headers=auth,
        files={"track": (track.name, track.read_bytes(), "audio/wav")},
        data={"feedback_type": "mixdown", "genre": "pop"},
    )
    report.upload_statuses.append(response.status_code)
    return response.json()["id"], token


async def _stream(url: str, review_id: str, token: str, report: Report) -> None:
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        request = (
            f"GET /api/reviews/{review_id}/events HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
        )
        writer.write(request.encode())
        report.streams_opened += 1
        while line := await reader.readline():
            if line.startswith(b"event: progress"):
                report.streams_with_event += 1
                break
        await reader.read()  # until the stream ends or the tab is closed
    finally:
        writer.transport.abort()  # a closed tab: no goodbye


async def _burst(url: str, name: str, reviews: list[tuple[str, str]], count: int) -> Burst:
    burst = Burst(name)

    async def one(number: int) -> None:
        review_id, token = reviews[number % len(reviews)]
        auth = {"Authorization": f"Bearer {token}"}
        path = (
            f"/api/reviews/{review_id}/job",
            f"/api/reviews/{review_id}",
            "/api/reviews",
            "/api/health",
        )[number % 4]
        started = time.perf_counter()
        try:
            status, _ = await raw_get(url, path, auth)
        except TimeoutError:
            burst.timeouts += 1
            return
        except OSError as exc:
            burst.errors.append(f"{path}: {exc!r}")
            return
        burst.latencies_s.append(time.perf_counter() - started)
        burst.statuses.append(status)

    await asyncio.gather(*(one(n) for n in range(count)))
    return burst


async def _poll_health(url: str, report: Report, started: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        at = time.monotonic() - started
        try:
            status, body = await raw_get(url, "/api/health", {})
            report.health.append((at, status, json.loads(body).get("jobs", "")))
        except (OSError, TimeoutError, ValueError) as exc:
            report.health_failures.append(f"health did not answer at {at:.1f} s ({exc!r})")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), HEALTH_POLL_S)


async def _scenario(
    url: str,
    tracks: list[Path],
    report: Report,
    *,
    streams: int,
    gets: int,
    finish_timeout_s: float,
) -> None:
    started = time.monotonic()
    stop_health = asyncio.Event()
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=url, timeout=60.0, limits=limits) as client:
        health = asyncio.create_task(_poll_health(url, report, started, stop_health))
        reviews = await asyncio.gather(*(_upload(client, t, report) for t in tracks))
        watching = [
            asyncio.create_task(_stream(url, *reviews[n % len(reviews)], report))
            for n in range(streams)
        ]
        report.bursts.append(await _burst(url, "GETs with streams open", reviews, gets))
        for task in watching:  # closed tabs
            task.cancel()
        await asyncio.gather(*watching, return_exceptions=True)
        report.bursts.append(await _burst(url, "GETs after streams dropped", reviews, gets))

        deadline = time.monotonic() + finish_timeout_s
        for review_id, token in reviews:
            auth = {"Authorization": f"Bearer {token}"}
            while True:
                job = (await client.get(f"/api/reviews/{review_id}/job", headers=auth)).json()
                if job["state"] in ("done", "failed") or time.monotonic() > deadline:
                    report.analyses[review_id] = job["state"]
                    break
                await asyncio.sleep(0.2)
        report.finished_in_s = time.monotonic() - started
        stop_health.set()
        await health


def run(
    database: str,
    *,
    uploads: int = 20,
    streams: int = 50,
    gets: int = 300,
    workers: int = 2,
    track_seconds: float = 20.0,
    finish_timeout_s: float = 600.0,
) -> Report:
    """Run the scenario once on ``database`` ("sqlite" or "postgresql") and report it."""
    report = Report(database)
    with tempfile.TemporaryDirectory(prefix="mixcoach-load-") as folder:
        root = Path(folder)
        tracks = [
            synthesize(root / f"track{n}.wav", seconds=track_seconds, seed=n)
            for n in range(uploads)
        ]
        with contextlib.ExitStack() as stack:
            url = "" if database == "sqlite" else stack.enter_context(throwaway_postgres())
            base = stack.enter_context(serving(root / "data", database_url=url, workers=workers))
            stack.enter_context(busy_core())
            scenario = _scenario(
                base, tracks, report, streams=streams, gets=gets, finish_timeout_s=finish_timeout_s
            )
            # Its own thread and event loop: the caller's thread may run one already (the
            # test process keeps Playwright's, whose sync API leaves a loop running).
            with ThreadPoolExecutor(1) as thread:
                thread.submit(asyncio.run, scenario).result()
    return report


@contextlib.contextmanager
def queue_workers(data_dir: Path, env: dict[str, str], *, concurrency: int) -> Iterator[None]:
    """`mixcoach worker --concurrency N` until the block ends, once its processes run."""
    log_path = data_dir.parent / f"worker-{concurrency}.log"
    log = log_path.open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "mixcoach.cli", "worker", "--concurrency", str(concurrency)],
        env={**os.environ, **env, "MIXCOACH_DATA_DIR": str(data_dir)},
        cwd=data_dir.parent,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while log_path.read_bytes().count(b"Mixcoach worker is running") < concurrency:
            if worker.poll() is not None or time.monotonic() > deadline:
                said = log_path.read_text(errors="replace").strip().splitlines()[-5:]
                raise RuntimeError(f"mixcoach worker did not start: {' / '.join(said)}")
            time.sleep(0.2)
        yield
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()


async def _finish_all(url: str, tracks: list[Path], report: Report) -> float:
    """Upload every track at once; the seconds until the last analysis is done."""
    started = time.monotonic()
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=url, timeout=120.0, limits=limits) as client:
        reviews = await asyncio.gather(*(_upload(client, t, report) for t in tracks))
        for review_id, token in reviews:
            auth = {"Authorization": f"Bearer {token}"}
            while True:
                job = (await client.get(f"/api/reviews/{review_id}/job", headers=auth)).json()
                if job["state"] in ("done", "failed"):
                    report.analyses[review_id] = job["state"]
                    break
                await asyncio.sleep(0.2)
    return time.monotonic() - started


def throughput(
    *, uploads: int, track_seconds: float, baseline_workers: int, concurrencies: tuple[int, ...]
) -> list[tuple[str, Report, float]]:
    """(label, report, seconds) for the in-process runner, then each queue concurrency."""
    import uuid

    broker = os.environ.get("MIXCOACH_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")
    runs: list[tuple[str, Report, float]] = []
    with tempfile.TemporaryDirectory(prefix="mixcoach-throughput-") as folder:
        root = Path(folder)
        tracks = [
            synthesize(root / f"track{n}.wav", seconds=track_seconds, seed=n)
            for n in range(uploads)
        ]
        warm_ups = [
            synthesize(root / f"warm-up{n}.wav", seconds=track_seconds, seed=uploads + n)
            for n in range(max(baseline_workers, *concurrencies))
        ]
        modes: list[tuple[str, int, str | None]] = [("in-process", baseline_workers, None)]
        modes += [("queue", n, f"mixcoach-bench-{uuid.uuid4().hex[:8]}") for n in concurrencies]
        for mode, workers, queue_name in modes:
            report = Report(database="postgresql")
            data = root / f"{mode}-{workers}" / "data"
            data.mkdir(parents=True)
            with contextlib.ExitStack() as stack:
                url = stack.enter_context(throwaway_postgres())
                env = {"DATABASE_URL": url}
                if queue_name is not None:
                    env |= {"MIXCOACH_JOBS_BROKER_URL": broker, "MIXCOACH_JOBS_QUEUE": queue_name}
                    stack.enter_context(queue_workers(data, env, concurrency=workers))
                base = stack.enter_context(
                    serving(data, database_url=url, workers=workers, extra=env)
                )
                # Untimed first: the runner forks its workers on demand, and every worker's
                # first analysis loads what later ones find loaded.
                asyncio.run(_finish_all(base, warm_ups[:workers], Report(database="postgresql")))
                seconds = asyncio.run(_finish_all(base, tracks, report))
            label = f"{mode}, {workers} worker{'s' if workers > 1 else ''}"
            runs.append((label, report, seconds))
    return runs


def print_throughput(runs: list[tuple[str, Report, float]], *, track_seconds: float) -> None:
    print(f"== throughput: {track_seconds:g} s tracks, PostgreSQL, {os.cpu_count()} cores")
    print(f"{'jobs':28} {'analyses':>9} {'done':>5} {'seconds':>8} {'per minute':>11}")
    for label, report, seconds in runs:
        done = list(report.analyses.values()).count("done")
        rate = 60 * done / seconds
        print(f"{label:28} {len(report.analyses):9d} {done:5d} {seconds:8.1f} {rate:11.1f}")


def print_report(report: Report) -> None:
    print(f"== {report.database}: mixcoach serve, one other core busy, {os.cpu_count()} cores")
    print(f"{'burst':28} {'requests':>9} {'5xx':>5} {'timeouts':>9} {'p50 s':>7} {'p99 s':>7}")
    for burst in report.bursts:
        print(
            f"{burst.name:28} {len(burst.statuses) + burst.timeouts:9d} {burst.server_errors:5d} "
            f"{burst.timeouts:9d} {burst.percentile_s(50):7.3f} {burst.percentile_s(99):7.3f}"
        )
    healthy = sum(s == 200 and j == "running" for _, s, j in report.health)
    print(f"streams: {report.streams_with_event}/{report.streams_opened} got their first event")
    unanswered = len(report.health_failures)
    print(f"health: {healthy}/{len(report.health)} polls ok, {unanswered} unanswered")
    done = list(report.analyses.values()).count("done")
    finished = report.finished_in_s
    print(f"analyses: {done}/{len(report.analyses)} done, all finished {finished:.1f} s in")
    problems = report.problems()
    print(
        f"target (p99 < {TARGET_P99_S:g} s, no 5xx, no timeout, honest health, all done): "
        + ("met" if not problems else "MISSED: " + "; ".join(problems))
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--gets", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--throughput", action="store_true")
    parser.add_argument("--track-seconds", type=float, default=20.0)
    args = parser.parse_args()
    if args.throughput:
        runs = throughput(
            uploads=args.uploads,
            track_seconds=args.track_seconds,
            baseline_workers=args.workers,
            concurrencies=(1, 2, 4),
        )
        print_throughput(runs, track_seconds=args.track_seconds)
        return 0 if all(r.analyses and not r.problems() for _, r, _ in runs) else 1
    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    failed = False
    for database in databases:
        report = run(
            database,
            uploads=args.uploads,
            streams=args.streams,
            gets=args.gets,
            workers=args.workers,
        )
        print_report(report)
        failed = failed or bool(report.problems())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
