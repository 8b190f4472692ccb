from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from feedback.llm_server import LLMServer

REPO = Path(__file__).resolve().parents[1]
#: The EBU loudness test set lives beside the repository (shared/), not inside it.
EBU_DIR = Path(os.environ.get("MIXCOACH_EBU_DIR", REPO.parent / "shared" / "ebu-loudness-test-set"))


@pytest.fixture(scope="session")
def ebu_dir() -> Path:
    if not (EBU_DIR / "seq-3341-1-16bit.wav").exists():
        pytest.skip(f"EBU loudness test set not found at {EBU_DIR} (set MIXCOACH_EBU_DIR)")
    return EBU_DIR


@pytest.fixture
def llm_server() -> Iterator[LLMServer]:
    """An OpenAI-compatible server on 127.0.0.1 (tests/feedback/llm_server.py), stopped after."""
    server = LLMServer().start()
    yield server
    server.stop()
