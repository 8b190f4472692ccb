"""A real Mixcoach server for the tests: uvicorn on 127.0.0.1, on a free port, in a thread,
with the app's own start-up (migrations, file sweep, job runner) and shutdown."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from types import TracebackType

import httpx
import uvicorn
from sqlalchemy import func, select

from mixcoach.api.app import create_app
from mixcoach.api.state import AppState
from mixcoach.config import Settings
from mixcoach.storage.models import Analysis, Review, StoredFile, Track

START_TIMEOUT_S = 30.0


class LiveServer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, log_level="warning", timeout_graceful_shutdown=5)
        )
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._socket.close()
                raise RuntimeError("the Mixcoach test server did not start")
            time.sleep(0.005)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.should_exit = True
        self._thread.join()
        self._socket.close()

    @property
    def state(self) -> AppState:
        state: AppState = self.app.state.mixcoach
        return state

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30.0)

    def footprint(self) -> tuple[dict[str, int], set[Path]]:
        """Rows in the tables an upload writes, and every file under the data folder."""
        with self.state.database.session() as db:
            rows = {
                model.__tablename__: int(db.scalar(select(func.count()).select_from(model)) or 0)
                for model in (StoredFile, Track, Analysis, Review)
            }
        root = self.settings.data_dir
        files = {p.relative_to(root) for p in root.rglob("*") if p.is_file()}
        return rows, {p for p in files if not p.name.startswith("mixcoach.db")}
