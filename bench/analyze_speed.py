"""Speed and memory of `mixcoach analyze` beside the usual tools, on one real track, in one run.

    .venv/bin/python bench/analyze_speed.py [TRACK]

TRACK defaults to a 5-minute stretch of real music shipped in a Debian package (see
bench/corpus.py). Each pipeline runs as its own process; wall time, CPU time and peak resident
memory come from the kernel (os.wait4). Printed side by side with the targets from the issue:
at least 10x faster than the seed-style pipeline, faster than essentia's equivalents, at most
400 MB for 5 minutes and under 1 GB for 60 minutes, and `mixcoach --help` under 1.5 s.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import five_minute_track, repeated_track  # noqa: E402

PYTHON = sys.executable


@dataclass
class Run:
    name: str
    wall_s: float
    cpu_s: float
    peak_mb: float
    ok: bool
    detail: str


def measure(name: str, command: list[str], *, env: dict[str, str] | None = None) -> Run:
    """Run ``command`` and read its wall time, CPU time and peak RSS from the kernel."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        # Output goes to files, not pipes: a chatty tool (ffmpeg) would fill a pipe and stall.
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        ok = os.waitstatus_to_exitcode(status) == 0
        stream = out if ok else err
        stream.seek(0)
        text = stream.read().decode(errors="replace").strip().splitlines()
    cpu = usage.ru_utime + usage.ru_stime
    return Run(name, wall, cpu, usage.ru_maxrss / 1024, ok, text[-1][:90] if text else "")


def startup_seconds(repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(
            [str(Path(PYTHON).parent / "mixcoach"), "--help"], capture_output=True, check=True
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    track = Path(sys.argv[1]) if len(sys.argv) > 1 else five_minute_track()
    mixcoach = str(Path(PYTHON).parent / "mixcoach")
    runs = [measure("mixcoach analyze", [mixcoach, "analyze", str(track), "--json"])]
    runs.append(measure("decode + one STFT", [PYTHON, str(HERE / "decode_stft.py"), str(track)]))
    if shutil.which("ffmpeg"):
        runs.append(
            measure(
                "ffmpeg ebur128 (true peak)",
                [
                    "ffmpeg",
                    "-nostats",
                    "-hide_banner",
                    "-i",
                    str(track),
                    "-filter_complex",
                    "ebur128=peak=true",
                    "-f",
                    "null",
                    "-",
                ],
            )
        )
    if importlib.util.find_spec("essentia"):
        runs.append(
            measure(
                "essentia loudness+key+rhythm",
                [PYTHON, str(HERE / "essentia_pipeline.py"), str(track)],
            )
        )
    # librosa compiles its numba kernels on first use and caches them on disk: the first run
    # on a machine (an empty cache) is the cold figure, every later run the warm one.
    with tempfile.TemporaryDirectory() as numba_cache:
        seed = [PYTHON, str(HERE / "seed_pipeline.py"), str(track)]
        cold_env = {**os.environ, "NUMBA_CACHE_DIR": numba_cache}
        runs.append(measure("seed-style librosa, cold cache", seed, env=cold_env))
        runs.append(measure("seed-style librosa, warm cache", seed, env=cold_env))
    hour = repeated_track(track, minutes=60)
    runs.append(measure("mixcoach analyze, 60 min", [mixcoach, "analyze", str(hour), "--json"]))

    print(f"track: {track}")
    print(f"{'pipeline':32} {'wall s':>8} {'cpu s':>8} {'peak MB':>9}  result")
    for run in runs:
        print(
            f"{run.name:32} {run.wall_s:8.2f} {run.cpu_s:8.2f} {run.peak_mb:9.0f}  "
            f"{'' if run.ok else 'FAILED: '}{run.detail if not run.ok else run.detail[:60]}"
        )
    startup = startup_seconds()
    print(f"{'mixcoach --help (median of 5)':32} {startup:8.2f}")

    by_name = {run.name: run for run in runs}
    ours = by_name["mixcoach analyze"]
    checks = [
        (
            f"10x faster than seed-style, {cache} cache ({seed.wall_s / ours.wall_s:.1f}x)",
            seed.ok and seed.wall_s >= 10 * ours.wall_s,
        )
        for cache in ("cold", "warm")
        for seed in [by_name[f"seed-style librosa, {cache} cache"]]
    ]
    checks += [
        ("at most 400 MB for 5 minutes", ours.peak_mb <= 400),
        ("under 1 GB for 60 minutes", by_name["mixcoach analyze, 60 min"].peak_mb < 1024),
        ("--help under 1.5 s", startup < 1.5),
    ]
    essentia = by_name.get("essentia loudness+key+rhythm")
    if essentia is not None:
        checks.append(
            (
                f"faster than essentia ({essentia.wall_s / ours.wall_s:.1f}x)",
                essentia.ok and essentia.wall_s > ours.wall_s,
            )
        )
    print()
    for label, passed in checks:
        print(f"{'PASS' if passed else 'MISS'}  {label}")
    return 0 if all(passed for _, passed in checks) and ours.ok else 1


if __name__ == "__main__":
    sys.exit(main())
