"""Worker processes, each running one job at a time, and what became of them.

A pool of our own rather than ``ProcessPoolExecutor``: when a worker dies (killed for memory, a
crash in native code) the executor breaks every job in flight, while here exactly the job that
worker held fails and a fresh worker takes the next one.
"""

from __future__ import annotations

import multiprocessing
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from mixcoach.jobs.protocol import Job, WorkerMessage
from mixcoach.jobs.worker import worker_main

WARM_MODULE = "mixcoach.jobs.warm"
#: Seconds an idle worker gets to exit on its own at shutdown before it is killed.
STOP_GRACE_S = 2.0


@dataclass(eq=False)  # compared and hashed by identity: each is one process
class Worker:
    process: BaseProcess
    conn: Connection
    job: Job | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid


@dataclass(frozen=True)
class Message:
    worker: Worker
    message: WorkerMessage


@dataclass(frozen=True)
class Death:
    """A worker exited; ``job`` is what it was running (None if idle)."""

    pid: int | None
    job: Job | None
    exit_code: int | None

    def describe(self) -> str:
        code = self.exit_code
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            hint = "; the usual cause is the machine running out of memory" if code == -9 else ""
            return f"it was killed by {name}{hint}"
        return f"it exited with status {code}"


class WorkerPool:
    """Up to ``size`` worker processes, started when there is work for them."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a worker pool needs at least one worker, got size={size}")
        self.size = size
        # Workers are forked from a fork server, a clean single-threaded process started once
        # (safe whatever threads the server runs) that has the analysis engine loaded and
        # warmed up: a new worker, or one replacing a dead one, is ready at once.
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload([WARM_MODULE])
        self.workers: list[Worker] = []

    def idle(self) -> Worker | None:
        """A worker with no job, started if need be; None when all ``size`` are busy."""
        for worker in self.workers:
            if worker.job is None:
                return worker
        if len(self.workers) >= self.size:
            return None
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=worker_main, args=(theirs,), name="mixcoach-worker", daemon=True
        )
        process.start()
        theirs.close()  # the child holds its end; ours sees EOF when the child goes
        worker = Worker(process, ours)
        self.workers.append(worker)
        return worker

    def has_idle(self) -> bool:
        return len(self.workers) < self.size or any(w.job is None for w in self.workers)

    def assign(self, worker: Worker, job: Job) -> None:
        worker.job = job
        worker.conn.send(job)

    def wait(self, *, timeout_s: float, also: list[int]) -> tuple[list[Message | Death], bool]:
        """Messages from workers and deaths of workers, in that order, within ``timeout_s``;
        and whether one of the file descriptors in ``also`` became readable."""
        by_conn = {id(w.conn): w for w in self.workers}
        by_sentinel = {w.process.sentinel: w for w in self.workers}
        waitables: list[Connection | int] = [w.conn for w in self.workers]
        ready = wait([*waitables, *by_sentinel, *also], timeout_s)
        events: list[Message | Death] = []
        dead: list[Worker] = []
        for item in ready:
            if isinstance(item, Connection):
                worker = by_conn[id(item)]
                try:
                    while item.poll():
                        events.append(Message(worker, item.recv()))
                except (EOFError, OSError):
                    dead.append(worker)
            elif isinstance(item, int) and item in by_sentinel:
                dead.append(by_sentinel[item])
        for worker in dict.fromkeys(dead):  # conn EOF and sentinel both report one death
            events.append(self._bury(worker))
        woken = any(isinstance(item, int) and item in also for item in ready)
        return events, woken

    def _bury(self, worker: Worker) -> Death:
        process = worker.process
        process.join(timeout=STOP_GRACE_S)
        if process.is_alive():  # its pipe broke but it lingers: finish it
            process.kill()
            process.join()
        death = Death(process.pid, worker.job, process.exitcode)
        process.close()
        worker.conn.close()
        self.workers.remove(worker)
        return death

    def stop(self) -> list[Job]:
        """Stop every worker; returns the jobs they were running (to be queued again)."""
        running = [w.job for w in self.workers if w.job is not None]
        for worker in self.workers:
            worker.conn.close()  # an idle worker sees EOF and exits
            if worker.job is not None:
                worker.process.kill()  # its job starts over anyway: no use waiting for it
        for worker in self.workers:
            worker.process.join(timeout=STOP_GRACE_S)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.process.close()
        self.workers.clear()
        return running
