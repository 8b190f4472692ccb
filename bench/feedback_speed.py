"""How long feedback and chat answers take, beside the target (well under a second).

    .venv/bin/python bench/feedback_speed.py [TRACK]

TRACK defaults to the 5-minute real-music stretch of bench/corpus.py, or, when that is not
available, a synthesized 30-second pop mix (tests/mixes.py). The track is analysed once; then,
each figure the median of repeated runs:

- the knowledge base's first build (SQLite FTS5 over the technique notes);
- offline feedback for every feedback type and detail level (the track is judged per type);
- offline chat answers to typical questions;
- the LLM engine's own overhead against a local OpenAI-compatible server that streams a canned
  reply (prompt building, streaming through the SDK, sentence-by-sentence grounding): the time
  to the first shown chunk and to the end. A real model's generation time comes on top;
- the same through the web API over real HTTP (a test server on 127.0.0.1 with SQLite, offline
  engine, the track uploaded as a master review): feedback streamed (first chunk and done,
  stored), sent again from storage, read back; a chat answer (streamed and stored with its
  question); the presets, the ReaEQ preset file and the PDF report.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "tests" / "feedback"))
sys.path.insert(0, str(HERE.parent / "tests" / "api"))

from mixcoach.analysis import Analysis, analyze  # noqa: E402
from mixcoach.feedback.model import DETAIL_LEVELS, Conversation, FeedbackRequest  # noqa: E402
from mixcoach.feedback.offline import OfflineEngine  # noqa: E402
from mixcoach.feedback.retrieval import knowledge_base  # noqa: E402
from mixcoach.findings.model import FEEDBACK_TYPES, FeedbackType  # noqa: E402

TARGET_MS = 1000.0
QUESTIONS = (
    "Why is my low end muddy?",
    "What should I set my limiter to for Spotify?",
    "How does it compare with my reference?",
    "Is my vocal too loud?",
    "What should I fix first?",
)


def analyse(path: Path) -> dict[FeedbackType, Analysis]:
    return {kind: analyze(path, genre="pop", feedback_type=kind) for kind in FEEDBACK_TYPES}


def track_analyses(folder: Path) -> tuple[Path, dict[FeedbackType, Analysis]]:
    if len(sys.argv) > 1:
        return Path(sys.argv[1]), analyse(Path(sys.argv[1]))
    try:
        from corpus import five_minute_track

        path = Path(five_minute_track())
        return path, analyse(path)
    except Exception as exc:  # the Debian corpus is optional: say why it is not used
        print(f"(corpus track unavailable: {exc}; using a synthesized 30 s mix)")
    import mixes
    import signals

    audio = mixes.clean_mix("pop", seconds=30.0)
    path = signals.write(
        folder / "mix.wav", audio, sample_rate_hz=mixes.SAMPLE_RATE_HZ, subtype="FLOAT"
    )
    return path, analyse(path)


def median_ms(action: Callable[[], object], *, repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def row(name: str, ms: float) -> None:
    verdict = "ok" if ms < TARGET_MS / 10 else "slow"
    print(f"{name:<46} {ms:9.2f} ms   (target < {TARGET_MS:.0f} ms) {verdict}")


def llm_overhead(analysis: Analysis, engine: OfflineEngine) -> None:
    from llm_server import LLMServer, Reply

    from mixcoach.feedback.openai_engine import OpenAIEngine

    server = LLMServer().start()
    try:
        llm = OpenAIEngine(
            api_key="bench",
            base_url=server.base_url,
            model="bench",
            timeout_s=10.0,
            max_retries=0,
            fallback=engine,
        )
        reply = engine.compose(
            analysis,
            FeedbackRequest(feedback_type=analysis.request.feedback_type, detail="detailed"),
        ).markdown()
        first, total = [], []
        for _ in range(10):
            server.then(Reply(reply, chunk_chars=16))
            started = time.perf_counter()
            stream = llm.feedback(
                analysis,
                FeedbackRequest(feedback_type=analysis.request.feedback_type, detail="detailed"),
            )
            for i, _chunk in enumerate(stream):
                if i == 0:
                    first.append((time.perf_counter() - started) * 1000)
            total.append((time.perf_counter() - started) * 1000)
        row("LLM engine overhead: first chunk shown", statistics.median(first))
        row(f"LLM engine overhead: whole reply ({len(reply)} chars)", statistics.median(total))
    finally:
        server.stop()


def streamed_ms(
    client: Any, url: str, headers: dict[str, str], **kwargs: Any
) -> tuple[float, float]:
    """Milliseconds to the first `chunk` event and to the end of a streamed route."""
    started = time.perf_counter()
    first = None
    with client.stream("POST", url, headers=headers, **kwargs) as response:
        if response.status_code != 200:
            raise RuntimeError(f"POST {url}: HTTP {response.status_code}")
        for line in response.iter_lines():
            if first is None and line == "event: chunk":
                first = time.perf_counter()
    ended = time.perf_counter()
    return ((first or ended) - started) * 1000, (ended - started) * 1000


def over_http(path: Path, folder: Path) -> None:
    from http_helpers import new_session, wait_for_job
    from live import LiveServer

    from mixcoach.config import JobSettings, Settings

    settings = Settings(data_dir=folder / "data", jobs=JobSettings(workers=1))
    with LiveServer(settings) as server, server.client() as client:
        auth = new_session(client)
        with path.open("rb") as audio:
            review = client.post(
                "/api/reviews",
                headers=auth,
                files={"track": (path.name, audio)},
                data={"feedback_type": "master_review", "genre": "pop"},
            ).json()
        if wait_for_job(client, auth, review["id"], timeout_s=300)["state"] != "done":
            raise RuntimeError("the benchmark track's analysis failed")
        base = f"/api/reviews/{review['id']}"
        written = [
            streamed_ms(client, f"{base}/feedback", auth, params={"regenerate": "true"})
            for _ in range(10)
        ]
        row("HTTP feedback written: first chunk", statistics.median(t[0] for t in written))
        row("HTTP feedback written: done (stored)", statistics.median(t[1] for t in written))
        row(
            "HTTP feedback sent again from storage",
            median_ms(lambda: streamed_ms(client, f"{base}/feedback", auth)),
        )
        row("HTTP GET feedback", median_ms(lambda: client.get(f"{base}/feedback", headers=auth)))
        chat = [
            streamed_ms(client, f"{base}/chat", auth, json={"question": question})[1]
            for question in QUESTIONS * 2
        ]
        row("HTTP chat answer: done (stored)", statistics.median(chat))
        row("HTTP GET chat", median_ms(lambda: client.get(f"{base}/chat", headers=auth)))
        row("HTTP GET presets", median_ms(lambda: client.get(f"{base}/presets", headers=auth)))
        row(
            "HTTP GET ReaEQ preset file",
            median_ms(lambda: client.get(f"{base}/presets/reaeq.RPL", headers=auth)),
        )
        report_ms = median_ms(lambda: client.get(f"{base}/report.pdf", headers=auth), repeat=5)
        print(f"{'HTTP GET PDF report (layout and charts)':<46} {report_ms:9.2f} ms")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path, analyses = track_analyses(Path(folder))
    print(
        f"track: {path.name}, {analyses['mixdown'].file.duration_s:.0f} s; findings per type: "
        + ", ".join(f"{k} {len(a.findings)}" for k, a in analyses.items())
    )
    started = time.perf_counter()
    knowledge_base()
    row("knowledge base, first build", (time.perf_counter() - started) * 1000)
    engine = OfflineEngine()
    for kind, analysis in analyses.items():
        for detail in DETAIL_LEVELS:
            request = FeedbackRequest(feedback_type=kind, detail=detail)
            row(
                f"offline feedback, {kind}, {detail}",
                median_ms(lambda r=request, a=analysis: engine.feedback(a, r).result()),
            )
    master = analyses["master_review"]
    for question in QUESTIONS:
        row(
            f"offline chat: {question[:30]}",
            median_ms(lambda q=question: engine.chat(master, None, Conversation(), q).result()),
        )
    llm_overhead(master, engine)
    with tempfile.TemporaryDirectory() as folder:
        over_http(path, Path(folder))


if __name__ == "__main__":
    main()
