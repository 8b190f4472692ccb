"""Settings: every one documented in .env.example with its default, read from .env and the
environment (the environment wins), secrets never printed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from mixcoach.config import Settings, get_settings

REPO = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = REPO / ".env.example"


def variable_names() -> set[str]:
    """Every environment variable the settings read (the first name of each alias)."""
    names: set[str] = set()

    def walk(model: type[BaseSettings]) -> None:
        prefix = model.model_config.get("env_prefix", "")
        for name, field in model.model_fields.items():
            kind = field.annotation
            if isinstance(kind, type) and issubclass(kind, BaseSettings):
                walk(kind)
            elif isinstance(field.validation_alias, AliasChoices):
                names.add(str(field.validation_alias.choices[0]))
            else:
                names.add(f"{prefix}{name}".upper())

    walk(Settings)
    return names


def documented() -> dict[str, str]:
    """NAME → value for each ``NAME=value`` line in .env.example, commented out or not."""
    pattern = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")
    return {
        m.group(1): m.group(2)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if (m := pattern.match(line.strip()))
    }


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No Mixcoach variable set, and a working directory of our own (for its .env)."""
    for name in variable_names():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_setting_is_documented_in_env_example() -> None:
    documented_names = set(documented())
    assert variable_names() - documented_names == set(), "undocumented settings"
    assert documented_names - variable_names() == set(), "documented settings that do not exist"


def test_the_values_in_env_example_are_the_defaults(clean_environment: Path) -> None:
    defaults = Settings()
    (clean_environment / ".env").write_text(ENV_EXAMPLE.read_text())
    assert Settings() == defaults


def test_env_file_is_read_and_the_environment_wins(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_environment / ".env").write_text(
        "MIXCOACH_PORT=9123\nMIXCOACH_UPLOADS_MAX_FILE_MB=12.5\n"
        "DATABASE_URL=postgresql://u:hunter2@db/mix\nOPENAI_API_KEY=sk-secret\n"
    )
    monkeypatch.setenv("MIXCOACH_PORT", "9456")
    settings = Settings()
    assert settings.port == 9456
    assert settings.uploads.max_file_mb == 12.5
    assert settings.database_url == "postgresql://u:hunter2@db/mix"
    assert settings.llm.api_key is not None
    assert settings.llm.api_key.get_secret_value() == "sk-secret"
    printed = repr(settings) + str(settings.model_dump())
    assert "hunter2" not in printed and "sk-secret" not in printed


def test_without_a_database_url_sqlite_lives_in_the_data_folder(clean_environment: Path) -> None:
    settings = Settings(data_dir=Path("somewhere"))
    assert settings.database_url == f"sqlite:///{clean_environment / 'somewhere' / 'mixcoach.db'}"


def test_bad_values_are_refused_naming_the_setting(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXCOACH_JOBS_WORKERS", "0")
    with pytest.raises(ValueError, match="workers"):
        Settings()


def test_settings_are_read_once_until_the_cache_is_cleared(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    get_settings.cache_clear()
    try:
        first = get_settings()
        monkeypatch.setenv("MIXCOACH_PORT", "9999")
        assert get_settings() is first
        get_settings.cache_clear()
        assert get_settings().port == 9999
    finally:
        get_settings.cache_clear()


def test_object_storage_settings_come_from_env_file_and_hide_the_secret(
    clean_environment: Path,
) -> None:
    # boto3 reads only the environment, so .env must reach it through the settings
    (clean_environment / ".env").write_text(
        "MIXCOACH_STORAGE_URL=s3://mixes/studio-a\n"
        "MIXCOACH_STORAGE_S3_ENDPOINT_URL=http://10.0.0.5:8333\n"
        "AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=s3-secret-words\n"
        "AWS_DEFAULT_REGION=eu-west-1\n"
    )
    storage = Settings().storage
    assert storage.s3_location == ("mixes", "studio-a/")
    assert storage.s3_endpoint_url == "http://10.0.0.5:8333" and storage.region == "eu-west-1"
    assert storage.access_key_id is not None and storage.secret_access_key is not None
    assert storage.secret_access_key.get_secret_value() == "s3-secret-words"
    printed = repr(storage) + str(storage.model_dump())
    assert "s3-secret-words" not in printed and "AKIAEXAMPLE" not in printed
