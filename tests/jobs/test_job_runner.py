"""The job runner with real worker processes on a real database: failures become messages, a
killed worker fails only its job, a restart resumes what was interrupted."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from signals import sine, write
from storage.databases import WriteRefusal

from mixcoach.analysis import Analysis
from mixcoach.jobs.events import ProgressHub
from mixcoach.jobs.protocol import Failed, Finished, RunAnalysis
from mixcoach.jobs.runner import JobRunner
from mixcoach.jobs.worker import run_job
from mixcoach.storage.browser_sessions import create_session
from mixcoach.storage.database import Database
from mixcoach.storage.files import FileStore
from mixcoach.storage.jobs import JobStatus, claim_next, job_status
from mixcoach.storage.models import Analysis as AnalysisRow
from mixcoach.storage.reviews import AnalysisRequest, queue_analysis
from mixcoach.storage.tracks import AudioFacts, add_file

MakeRunner = Callable[..., JobRunner]
FINAL = ("done", "failed")


def keep(database: Database, store: FileStore, content: bytes) -> str:
    incoming = store.receive()
    incoming.write(content)
    facts = AudioFacts(
        size_bytes=len(content),
        format="wav",
        codec="pcm_16",
        sample_rate_hz=48000,
        channels=2,
        bit_depth=16,
        duration_s=1.0,
    )
    with database.writing() as db:
        add_file(db, sha256=incoming.sha256, facts=facts)
        create_session(db)
        store.keep(incoming)
    return incoming.sha256


def wav_bytes(tmp_path: Path, *, seconds: float = 2.0, frequency_hz: float = 1000.0) -> bytes:
    path = write(
        tmp_path / f"tone-{seconds}-{frequency_hz}.wav",
        sine(seconds=seconds, frequency_hz=frequency_hz, sample_rate_hz=48000),
        sample_rate_hz=48000,
        subtype="PCM_16",
    )
    return path.read_bytes()


def queue(database: Database, sha: str, *, genre: str | None = None) -> str:
    with database.writing() as db:
        return queue_analysis(
            db,
            AnalysisRequest(
                track_sha256=sha,
                reference_sha256=None,
                genre=genre,
                subgenre=None,
                feedback_type="mixdown",
                analyzer_version="test",
            ),
        ).id


def wait_for(
    database: Database, analysis_id: str, states: tuple[str, ...], *, timeout_s: float = 60.0
) -> JobStatus:
    deadline = time.monotonic() + timeout_s
    while True:
        with database.session() as db:
            status = job_status(db, analysis_id)
        assert status is not None
        if status.state in states:
            return status
        assert time.monotonic() < deadline, (
            f"{analysis_id} still {status.state} after {timeout_s} s"
        )
        time.sleep(0.02)


def row(database: Database, analysis_id: str) -> AnalysisRow:
    with database.session() as db:
        found = db.get(AnalysisRow, analysis_id)
        assert found is not None
        return found


def frozen_mid_job(
    make_runner: Callable[[], JobRunner], database: Database, store: FileStore, tmp_path: Path
) -> tuple[JobRunner, int, str]:
    """A started runner whose one worker, warmed by a first job, is stopped (SIGSTOP) while it
    runs a second: returns the runner, the worker's pid and the running analysis' id. The
    worker cannot finish, or start anything else, until the test signals it."""
    runner = make_runner()
    runner.start()
    warm_up = queue(database, keep(database, store, wav_bytes(tmp_path, seconds=0.5)))
    runner.notify()
    wait_for(database, warm_up, FINAL)
    (pid,) = runner.worker_pids()
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    running = queue(database, keep(database, store, wav_bytes(tmp_path, seconds=1.0)))
    runner.notify()
    wait_for(database, running, ("running",))
    return runner, pid, running


def assert_a_sentence_for_people(message: str | None, *, store: FileStore) -> None:
    assert message, "a failed job must say why"
    assert message.endswith((".", ")")) and message[0].isupper(), message
    assert "Traceback" not in message and str(store.root) not in message, message


def test_an_analysis_that_raises_fails_its_job_with_a_message(
    make_runner: MakeRunner, database: Database, store: FileStore, tmp_path: Path
) -> None:
    analysis_id = queue(database, keep(database, store, wav_bytes(tmp_path)), genre="no-such")
    make_runner().start()
    failed = wait_for(database, analysis_id, FINAL)
    assert failed.state == "failed"
    assert_a_sentence_for_people(failed.error, store=store)


def test_content_that_is_not_audio_fails_without_naming_server_paths(
    store: FileStore, tmp_path: Path
) -> None:
    from mixcoach.analysis import analyze

    path = tmp_path / "0123abcd"
    path.write_bytes(b"this is not audio at all" * 100)
    sent: list[object] = []
    job = RunAnalysis("a1", str(path), None, None, None, "mixdown")
    outcome = run_job(job, analyze=analyze, send=sent.append)
    assert isinstance(outcome, Failed) and outcome.analysis_id == "a1"
    assert str(path) not in outcome.message and str(tmp_path) not in outcome.message
    assert_a_sentence_for_people(outcome.message, store=store)


def test_a_killed_worker_fails_its_job_and_a_new_worker_takes_the_next(
    make_runner: MakeRunner, database: Database, store: FileStore, tmp_path: Path
) -> None:
    runner, pid, doomed = frozen_mid_job(make_runner, database, store, tmp_path)
    os.kill(pid, signal.SIGKILL)
    failed = wait_for(database, doomed, FINAL)
    assert failed.state == "failed"
    assert failed.error is not None and "stopped unexpectedly" in failed.error
    assert "SIGKILL" in failed.error and "out of memory" in failed.error
    assert_a_sentence_for_people(failed.error, store=store)

    after = queue(database, keep(database, store, wav_bytes(tmp_path, seconds=1.5)))
    runner.notify()
    survivor = wait_for(database, after, FINAL)
    assert survivor.error is None or "stopped unexpectedly" not in survivor.error
    assert runner.worker_pids() != [pid]


def test_a_worker_asked_to_stop_has_its_job_run_again_not_failed(
    make_runner: MakeRunner, database: Database, store: FileStore, tmp_path: Path
) -> None:
    """SIGTERM is how service managers stop everything: not the job's fault."""
    runner, pid, interrupted = frozen_mid_job(make_runner, database, store, tmp_path)
    os.kill(pid, signal.SIGTERM)
    os.kill(pid, signal.SIGCONT)  # a stopped process acts on SIGTERM once continued
    finished = wait_for(database, interrupted, FINAL)
    assert finished.error is None or "stopped unexpectedly" not in finished.error
    assert row(database, interrupted).attempts == 1  # the interrupted start did not count
    assert runner.worker_pids() != [pid]


def test_a_job_interrupted_by_a_crash_is_run_again_at_start(
    make_runner: MakeRunner, database: Database, store: FileStore, tmp_path: Path
) -> None:
    analysis_id = queue(database, keep(database, store, wav_bytes(tmp_path)))
    with database.writing() as db:
        claim_next(db)  # a server took it, then died without a word
    make_runner().start()
    wait_for(database, analysis_id, FINAL)
    assert row(database, analysis_id).attempts == 2


def test_stopping_the_runner_queues_its_running_job_again(
    make_runner: MakeRunner, database: Database, store: FileStore, tmp_path: Path
) -> None:
    runner, _pid, busy = frozen_mid_job(make_runner, database, store, tmp_path)
    started = time.monotonic()
    runner.stop()
    assert time.monotonic() - started < 1.5  # a busy worker is not waited for
    interrupted = row(database, busy)
    assert (interrupted.state, interrupted.attempts) == ("queued", 0)


def test_progress_reaches_the_streams_and_the_document_is_stored(
    make_runner: MakeRunner, database: Database, store: FileStore, tmp_path: Path
) -> None:
    """Needs the measurement engine: a 20 s tone is decoded in several blocks."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    hub = ProgressHub()
    hub.bind(loop)
    seen: list[JobStatus] = []
    analysis_id = queue(database, keep(database, store, wav_bytes(tmp_path, seconds=20.0)))

    registered = threading.Event()

    async def watch() -> None:
        with hub.watch(analysis_id) as watcher:
            registered.set()
            while not seen or seen[-1].state not in FINAL:
                status = await watcher.next(timeout_s=60)
                assert status is not None
                seen.append(status)

    watching = asyncio.run_coroutine_threadsafe(watch(), loop)
    assert registered.wait(timeout=30)  # watching before the first status is published
    make_runner(hub).start()
    try:
        watching.result(timeout=90)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
    done = row(database, analysis_id)
    assert done.state == "done", done.error
    percents = [s.progress_percent for s in seen]
    assert percents == sorted(percents) and percents[-1] == 100.0
    assert "measuring" in {s.stage for s in seen}
    document = Analysis.model_validate(done.document)
    assert document.file.duration_s == pytest.approx(20.0, abs=1e-3)
    assert document.loudness.integrated_lufs == pytest.approx(-20.0, abs=0.1)


def test_worker_outcome_of_a_good_file_is_the_document(tmp_path: Path) -> None:
    """Needs the measurement engine."""
    from mixcoach.analysis import analyze

    path = tmp_path / "tone.wav"
    path.write_bytes(wav_bytes(tmp_path, seconds=3.0))
    sent: list[object] = []
    outcome = run_job(
        RunAnalysis("a2", str(path), None, None, None, "mixdown"), analyze=analyze, send=sent.append
    )
    assert isinstance(outcome, Finished), outcome
    assert Analysis.model_validate_json(outcome.document_json).file.channels == 2
    assert sent, "progress was reported"


def wait_for_health(runner: JobRunner, state: str, *, timeout_s: float = 60.0) -> str | None:
    """Waits until the runner's health is ``state``; returns its reason."""
    deadline = time.monotonic() + timeout_s
    while (health := runner.health()).state != state:
        assert time.monotonic() < deadline, f"health still {health} after {timeout_s} s"
        time.sleep(0.02)
    return health.reason


def test_results_the_database_refuses_wait_in_memory_and_are_recorded_when_it_returns(
    make_runner: MakeRunner,
    database: Database,
    runner_database: Database,
    store: FileStore,
    tmp_path: Path,
) -> None:
    """The runner's writes fail (real database errors) while its worker finishes a job: the
    result is kept, health says why the runner is stuck, nothing is dropped, the worker is
    not lost, and everything is recorded once the database takes writes again."""
    refusal = WriteRefusal(runner_database)
    runner = make_runner(on=runner_database, stall_s=1.0)
    runner.start()
    warm_up = queue(database, keep(database, store, wav_bytes(tmp_path, seconds=0.5)))
    runner.notify()
    wait_for(database, warm_up, FINAL)
    refusal.on = True
    during = [
        queue(database, keep(database, store, wav_bytes(tmp_path, frequency_hz=hz)))
        for hz in (500.0, 700.0)
    ]
    runner.notify()
    reason = wait_for_health(runner, "stuck")  # the runner cannot even claim: nothing runs
    assert reason is not None and "database" in reason, reason
    assert all(row(database, analysis_id).state == "queued" for analysis_id in during)

    refusal.on = False
    for analysis_id in during:
        assert wait_for(database, analysis_id, FINAL).state == "done"
    wait_for_health(runner, "running")


def test_a_finished_job_the_database_will_not_record_is_not_lost(
    make_runner: MakeRunner,
    database: Database,
    runner_database: Database,
    store: FileStore,
    tmp_path: Path,
) -> None:
    refusal = WriteRefusal(runner_database)
    runner, pid, running = frozen_mid_job(
        lambda: make_runner(on=runner_database, stall_s=1.0), database, store, tmp_path
    )
    refusal.on = True
    os.kill(pid, signal.SIGCONT)  # it finishes while the database refuses to record it
    reason = wait_for_health(runner, "stuck")
    assert reason is not None and "database" in reason, reason
    assert row(database, running).state == "running"
    refusal.on = False
    assert wait_for(database, running, FINAL).state == "done"
    wait_for_health(runner, "running")
    after = queue(database, keep(database, store, wav_bytes(tmp_path, seconds=1.5)))
    runner.notify()
    assert wait_for(database, after, FINAL).state == "done"
    assert runner.worker_pids() == [pid]  # the same worker: it was never marked busy for good


def test_health_says_stuck_while_a_running_analysis_is_silent(
    make_runner: MakeRunner, database: Database, store: FileStore, tmp_path: Path
) -> None:
    runner, pid, running = frozen_mid_job(
        lambda: make_runner(stall_s=1.0), database, store, tmp_path
    )
    reason = wait_for_health(runner, "stuck")
    assert reason is not None and str(pid) in reason and "progress" in reason, reason
    os.kill(pid, signal.SIGCONT)
    assert wait_for(database, running, FINAL).state == "done"
    wait_for_health(runner, "running")


def test_a_running_row_no_worker_holds_is_queued_again_and_run(
    make_runner: MakeRunner, database: Database, store: FileStore, tmp_path: Path
) -> None:
    """A claim whose answer was lost leaves a row running with nobody on it."""
    runner = make_runner(reconcile_s=0.2)
    runner.start()
    orphan = queue(database, keep(database, store, wav_bytes(tmp_path)))
    with database.writing() as db:
        claim_next(db)
    assert wait_for(database, orphan, FINAL).state == "done"
    assert row(database, orphan).attempts == 2
