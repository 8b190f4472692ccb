"""Settings: one typed object, read from the environment and a ``.env`` file.

Every setting is listed, with a comment, in ``.env.example``; nothing else in Mixcoach reads the
environment. Each group reads its own variables (``MIXCOACH_UPLOADS_MAX_FILE_MB``...); the few
names other tools already use keep their usual spelling (``DATABASE_URL``, ``OPENAI_API_KEY``,
``OPENAI_BASE_URL``). ``.env`` is read from the working directory through python-dotenv, and a
variable set in the environment wins over the same name in ``.env``.

``get_settings()`` builds the object once per process; tests build their own ``Settings(...)``
and hand it to ``create_app``, or call ``get_settings.cache_clear()``.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _group(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(
        env_prefix=prefix,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,  # `NAME=` in .env means "use the default", as in .env.example
        populate_by_name=True,
    )


class DatabaseSettings(BaseSettings):
    """Where analyses, sessions and conversations are kept."""

    model_config = _group("MIXCOACH_DATABASE_")

    #: SQLAlchemy or libpq URL; empty means SQLite at ``<data_dir>/mixcoach.db``.
    url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "MIXCOACH_DATABASE_URL")
    )


class UploadSettings(BaseSettings):
    model_config = _group("MIXCOACH_UPLOADS_")

    #: Largest accepted audio file, per file; a bigger upload gets HTTP 413.
    max_file_mb: float = Field(default=500.0, gt=0)


class SessionSettings(BaseSettings):
    model_config = _group("MIXCOACH_SESSIONS_")

    #: New sessions one client address may create in any minute (counted in memory); past
    #: it, HTTP 429 with Retry-After.
    max_per_minute: int = Field(default=20, ge=1)


class AudioSettings(BaseSettings):
    model_config = _group("MIXCOACH_AUDIO_")

    #: Longest accepted track; a longer one is refused at upload, before any analysis.
    max_duration_minutes: float = Field(default=60.0, gt=0)


def _default_workers() -> int:
    # Analyses are CPU-bound and run one per process; more processes than cores only queue.
    return max(1, min(4, os.cpu_count() or 1))


class JobSettings(BaseSettings):
    model_config = _group("MIXCOACH_JOBS_")

    #: Analysis worker processes (analyses that run at the same time).
    workers: int = Field(default_factory=_default_workers, ge=1, le=64)
    #: How many times an analysis interrupted by a restart is started again before it is failed.
    max_attempts: int = Field(default=3, ge=1)
    #: Health reports the runner stuck when a running analysis sends no progress for this long.
    stall_seconds: float = Field(default=300.0, gt=0)
    #: Empty: analyses run in the server's own worker processes (the embedded default).
    #: ``amqp://user:password@host:5672/vhost``: they go to RabbitMQ for ``mixcoach worker``
    #: processes, and ``mixcoach serve`` runs none itself.
    broker_url: SecretStr | None = None
    #: The queue on that broker (servers and workers of one deployment use the same name).
    queue: str = Field(default="mixcoach.analyses", min_length=1, max_length=200)
    #: A stopping ``mixcoach worker`` lets its running analysis finish for this long, then
    #: gives it back to the queue.
    shutdown_grace_seconds: float = Field(default=60.0, ge=0)

    @property
    def broker(self) -> str | None:
        """The task queue's URL when analyses go to it (scale-out); None for in-process workers."""
        url = "" if self.broker_url is None else self.broker_url.get_secret_value().strip()
        return url or None


class StorageSettings(BaseSettings):
    """Where uploaded audio is kept: the local data folder, or S3-compatible object storage."""

    model_config = _group("MIXCOACH_STORAGE_")

    #: Empty: files under ``<data_dir>/audio``. ``s3://BUCKET`` or ``s3://BUCKET/PREFIX``: objects
    #: in that bucket (under that prefix), shared by every server and worker.
    url: str = ""
    #: The S3 API's address for stores other than AWS (SeaweedFS, MinIO, Garage, Ceph...);
    #: empty: AWS S3 in ``AWS_DEFAULT_REGION``.
    s3_endpoint_url: str | None = None
    #: Credentials; boto3 does not read .env, so Mixcoach hands them over. Empty: boto3's own
    #: chain (the environment, ~/.aws, an instance role).
    access_key_id: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("AWS_ACCESS_KEY_ID", "MIXCOACH_STORAGE_ACCESS_KEY_ID"),
    )
    secret_access_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "AWS_SECRET_ACCESS_KEY", "MIXCOACH_STORAGE_SECRET_ACCESS_KEY"
        ),
    )
    region: str | None = Field(
        default=None, validation_alias=AliasChoices("AWS_DEFAULT_REGION", "MIXCOACH_STORAGE_REGION")
    )

    @field_validator("url")
    @classmethod
    def _s3_or_nothing(cls, url: str) -> str:
        url = url.strip()
        if url and _S3_URL.fullmatch(url) is None:
            raise ValueError(
                f"MIXCOACH_STORAGE_URL must be empty or s3://BUCKET[/PREFIX], not {url!r}"
            )
        return url

    @property
    def s3_location(self) -> tuple[str, str] | None:
        """``(bucket, prefix)`` when audio goes to object storage (the prefix empty or ending
        in ``/``); None for the local data folder."""
        match = _S3_URL.fullmatch(self.url)
        if match is None:
            return None
        prefix = match.group("prefix").strip("/")
        return match.group("bucket"), f"{prefix}/" if prefix else ""


#: Bucket names as S3 allows them (3-63 lower-case letters, digits, dots, hyphens).
_S3_URL = re.compile(
    r"s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?P<prefix>(/[^\x00-\x1f]*)?)"
)


class LLMSettings(BaseSettings):
    """The feedback engine: offline (default, no network) or an OpenAI-compatible server."""

    model_config = _group("MIXCOACH_LLM_")

    engine: Literal["offline", "openai"] = "offline"
    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "MIXCOACH_LLM_API_KEY")
    )
    #: e.g. http://127.0.0.1:11434/v1 for Ollama; empty means the OpenAI API.
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "MIXCOACH_LLM_BASE_URL")
    )
    model: str = "gpt-4o-mini"
    #: Longest silence from the model server (before its first word, or between two words).
    timeout_s: float = Field(default=20.0, gt=0)
    #: Retries (with backoff) on rate limits, server errors and timeouts, within the deadline.
    max_retries: int = Field(default=2, ge=0)
    #: One total deadline per feedback or chat request, retries and the conversation summary
    #: included: past it, the offline engine answers instead.
    deadline_s: float = Field(default=60.0, gt=0)


class Settings(BaseSettings):
    model_config = _group("MIXCOACH_")

    #: Uploaded audio and the SQLite database live here.
    data_dir: Path = Path("data")
    #: Address and port ``mixcoach serve`` listens on.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    uploads: UploadSettings = Field(default_factory=UploadSettings)
    sessions: SessionSettings = Field(default_factory=SessionSettings)
    audio: AudioSettings = Field(default_factory=AudioSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL in force: ``DATABASE_URL`` or SQLite under the data folder."""
        if self.database.url is not None and self.database.url.get_secret_value().strip():
            return self.database.url.get_secret_value().strip()
        return f"sqlite:///{(self.data_dir / 'mixcoach.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
