"""API latency while the workers are busy, and analyses per minute.

    .venv/bin/python bench/api_latency.py [--tracks 8] [--workers 4] [--minutes 3]

Starts `mixcoach serve` as its own process (SQLite in a temporary folder, ``--workers``
analysis workers), then, from this process over real HTTP:

1. idle: p50/p99 of a light GET (a review's job state: token check + one row) with no
   analysis running -- the baseline;
2. busy: uploads ``--tracks`` synthesized stereo 44.1 kHz tracks of ``--minutes`` each at
   once and repeats the same GET until every analysis has finished, counting only requests
   made while ``--workers`` analyses were running;
3. throughput: analyses finished per minute over that batch.

Target (issue 3): p99 under 50 ms while the workers are busy. Exit status 1 when missed.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import soundfile as sf

TARGET_P99_MS = 50.0
SAMPLE_RATE_HZ = 44_100


def synthesize(path: Path, *, minutes: float, seed: int) -> Path:
    """A track with real work in it: chords over noise, with a beat; shaped (samples, 2)."""
    rng = np.random.default_rng(seed)
    n = round(minutes * 60 * SAMPLE_RATE_HZ)
    t = np.arange(n) / SAMPLE_RATE_HZ
    music = sum(
        0.1 * np.sin(2 * np.pi * f * t) for f in rng.uniform(60, 4000, size=6)
    ) + 0.05 * rng.standard_normal(n)
    beat = (np.sin(2 * np.pi * 2.0 * t) > 0.95) * rng.standard_normal(n) * 0.3
    left, right = music + beat, 0.9 * music + beat
    sf.write(path, np.stack([left, right], axis=1).astype(np.float32), SAMPLE_RATE_HZ, "PCM_16")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(data_dir: Path, *, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "MIXCOACH_DATA_DIR": str(data_dir),
        "MIXCOACH_PORT": str(port),
        "MIXCOACH_JOBS_WORKERS": str(workers),
        "DATABASE_URL": "",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "mixcoach.cli", "serve"],
        env=env,
        cwd=data_dir.parent,  # no .env of the developer's is read
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return server, url
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"mixcoach serve exited with status {server.returncode}")
        time.sleep(0.1)
    server.kill()
    raise SystemExit("mixcoach serve did not answer within 60 s")


def percentile_ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return 1000 * ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def timed_get(
    client: httpx.Client, path: str, headers: dict[str, str]
) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    response = client.get(path, headers=headers)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed, response.json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=8, help="analyses in the batch")
    parser.add_argument("--workers", type=int, default=4, help="analysis worker processes")
    parser.add_argument("--minutes", type=float, default=3.0, help="length of each track")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mixcoach-bench-") as folder:
        root = Path(folder)
        tracks = [
            synthesize(root / f"track{i}.wav", minutes=args.minutes, seed=i)
            for i in range(args.tracks)
        ]
        server, url = start_server(root / "data", workers=args.workers)
        try:
            with httpx.Client(base_url=url, timeout=30) as client:
                auth = {"Authorization": f"Bearer {client.post('/api/sessions').json()['token']}"}
                warm = client.post(
                    "/api/reviews",
                    headers=auth,
                    files={"track": ("warm.wav", tracks[0].read_bytes())},
                    data={"feedback_type": "mixdown", "genre": "pop"},
                ).json()
                probe = f"/api/reviews/{warm['id']}/job"
                while timed_get(client, probe, auth)[1]["state"] not in ("done", "failed"):
                    time.sleep(0.1)  # the first worker is up and has run once
                idle = [timed_get(client, probe, auth)[0] for _ in range(500)]

                payloads = [path.read_bytes() for path in tracks]
                started = time.perf_counter()
                ids = []
                for number, payload in enumerate(payloads):
                    review = client.post(
                        "/api/reviews",
                        headers=auth,
                        files={"track": (f"track{number}.wav", payload)},
                        data={"feedback_type": "mixdown", "genre": "rock"},  # not the warm-up's
                    ).json()
                    ids.append(review["id"])
                upload_s = time.perf_counter() - started
                busy: list[float] = []
                states: dict[str, str] = {}
                failed: list[str] = []
                while len(states) < len(ids) or any(
                    s not in ("done", "failed") for s in states.values()
                ):
                    for review_id in ids:
                        elapsed, job = timed_get(client, f"/api/reviews/{review_id}/job", auth)
                        states[review_id] = job["state"]
                        if job["state"] == "failed" and job["error"] not in failed:
                            failed.append(job["error"])
                        if list(states.values()).count("running") >= min(args.workers, len(ids)):
                            busy.append(elapsed)
                batch_s = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)

    done = list(states.values()).count("done")
    print(f"server: mixcoach serve, SQLite, {args.workers} workers, {os.cpu_count()} CPU cores")
    print(f"batch: {len(ids)} tracks of {args.minutes:g} min stereo 44.1 kHz 16-bit")
    print(f"{'light GET (job state)':28} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, samples in (("idle (baseline)", idle), (f"{args.workers} analyses running", busy)):
        if samples:
            print(
                f"{name:28} {len(samples):9d} {percentile_ms(samples, 50):8.2f} "
                f"{percentile_ms(samples, 99):8.2f} {1000 * max(samples):8.2f}"
            )
        else:
            print(f"{name:28} {0:9d}  (never that many running at once)")
    size_mb = statistics.mean(map(len, payloads)) / 1e6
    print(f"uploads: {upload_s:.2f} s for {len(ids)} files of {size_mb:.1f} MB")
    print(
        f"throughput: {done} done, {len(failed)} failed in {batch_s:.1f} s "
        f"= {60 * done / batch_s:.1f} analyses per minute"
    )
    for error in failed:
        print(f"  failed: {error}")
    p99 = percentile_ms(busy, 99) if busy else float("inf")
    verdict = "met" if p99 < TARGET_P99_MS else "MISSED"
    print(f"target: p99 < {TARGET_P99_MS:g} ms while busy: {verdict} ({p99:.2f} ms)")
    return 0 if p99 < TARGET_P99_MS and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
