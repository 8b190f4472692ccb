"""A small OpenAI-compatible Chat Completions server on 127.0.0.1, for the LLM engine's tests.

It is a real HTTP server (``http.server`` in a thread): the engine's ``openai`` client talks to it
over a socket exactly as it would to OpenAI, Ollama or vLLM. Each request takes the next scripted
step: stream a reply as server-sent events, fail with an HTTP status, hang (to trigger the client's
timeout), or stream part of a reply and then stall. Every request is recorded (body, headers,
arrival time). A request with no step left gets HTTP 500, so an unexpected extra call shows.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """Stream ``text`` in chunks of ``chunk_chars`` characters, ``delay_s`` apart (a slow
    model)."""

    text: str
    chunk_chars: int = 12
    delay_s: float = 0.0


@dataclass(frozen=True)
class Fail:
    """Answer with an HTTP error; ``retry_after_s`` sets the Retry-After header."""

    status: int
    retry_after_s: float | None = None


@dataclass(frozen=True)
class Hang:
    """Send nothing for ``seconds`` (the client times out first)."""

    seconds: float


@dataclass(frozen=True)
class Stall:
    """Stream the start of a reply, then go silent for ``seconds``."""

    text: str
    seconds: float


Step = Reply | Fail | Hang | Stall


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any]
    at_s: float  # time.monotonic() on arrival


@dataclass
class LLMServer:
    """Start with :meth:`start`, script with :meth:`then`, read :attr:`requests`."""

    steps: deque[Step] = field(default_factory=deque)
    requests: list[Recorded] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _httpd: ThreadingHTTPServer | None = None

    def then(self, *steps: Step) -> LLMServer:
        self.steps.extend(steps)
        return self

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> LLMServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the tests read :attr:`LLMServer.requests` instead."""

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                headers = {key.lower(): value for key, value in self.headers.items()}
                server.requests.append(Recorded(self.path, headers, body, time.monotonic()))
                step = server.steps.popleft() if server.steps else Fail(500)
                if self.path != "/v1/chat/completions":
                    step = Fail(404)
                server.perform(self, step, model=str(body.get("model", "")))

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def perform(self, handler: BaseHTTPRequestHandler, step: Step, *, model: str) -> None:
        if isinstance(step, Fail):
            payload = json.dumps(
                {
                    "error": {
                        "message": f"scripted HTTP {step.status}",
                        "type": "server_error",
                        "code": None,
                    }
                }
            ).encode()
            handler.send_response(step.status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            if step.retry_after_s is not None:
                handler.send_header("Retry-After", f"{step.retry_after_s:g}")
            handler.end_headers()
            handler.wfile.write(payload)
            return
        if isinstance(step, Hang):
            self._stop.wait(step.seconds)
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-cache")
        handler.send_header("Connection", "close")
        handler.end_headers()
        text = step.text
        size = step.chunk_chars if isinstance(step, Reply) else 8
        delay_s = step.delay_s if isinstance(step, Reply) else 0.0
        for start in range(0, len(text), size):
            if delay_s and self._stop.wait(delay_s):
                return
            try:
                self._event(handler, model, {"content": text[start : start + size]}, None)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up (its deadline passed)
        if isinstance(step, Stall):
            self._stop.wait(step.seconds)
            return
        self._event(handler, model, {}, "stop")
        handler.wfile.write(b"data: [DONE]\n\n")
        handler.wfile.flush()

    @staticmethod
    def _event(
        handler: BaseHTTPRequestHandler, model: str, delta: dict[str, str], finish: str | None
    ) -> None:
        chunk = {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        handler.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        handler.wfile.flush()
