from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from http_helpers import TEST_MAX_FILE_MB, new_session
from live import LiveServer
from pydantic import SecretStr
from signals import sine, write
from storage.databases import database_url, postgres_url
from storage.s3_server import s3_bucket, s3_server

from mixcoach.config import DatabaseSettings, JobSettings, Settings, UploadSettings

# fixtures shared with the other folders
__all__ = ["database_url", "postgres_url", "s3_bucket", "s3_server"]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database=DatabaseSettings(url=SecretStr(database_url)),
        uploads=UploadSettings(max_file_mb=TEST_MAX_FILE_MB),
        jobs=JobSettings(workers=1, max_attempts=3),
    )


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    with LiveServer(settings) as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


@pytest.fixture
def auth(client: httpx.Client) -> dict[str, str]:
    return new_session(client)


@pytest.fixture
def tone(tmp_path: Path) -> Callable[..., Path]:
    """Writes a 16-bit WAV tone (stereo 48 kHz unless told); distinct arguments, distinct
    content."""

    def make(
        *,
        seconds: float = 2.0,
        frequency_hz: float = 1000.0,
        dbfs: float = -20.0,
        sample_rate_hz: int = 48000,
        channels: int = 2,
    ) -> Path:
        path = (
            tmp_path / f"tone-{seconds}s-{frequency_hz}Hz-{dbfs}dB-{sample_rate_hz}-{channels}.wav"
        )
        audio = sine(
            seconds=seconds,
            frequency_hz=frequency_hz,
            dbfs=dbfs,
            sample_rate_hz=sample_rate_hz,
            channels=channels,
        )
        return write(path, audio, sample_rate_hz=sample_rate_hz, subtype="PCM_16")

    return make
