"""The offline chat answers the question asked: producer questions about reviews of real
recordings (Drascula soundtrack excerpts with planted defects), each checked against the review's
own measurements (chat_questions.py).

The tuning questions must each be answered. The held-out questions were written before the chat
was tuned and are measured, not tuned for: their answer rate must stay at or above the floor in
this module (the rate measured when they were first run is in the report of issue 10).
"""

from __future__ import annotations

from pathlib import Path

import chat_questions as bank
import numpy as np
import pytest
import soundfile as sf

from mixcoach.analysis import Analysis
from mixcoach.feedback.offline import OfflineEngine

DRASCULA = Path("/usr/share/scummvm/drascula/audio")
#: Two excerpts (file, start s): an orchestral cue and a rhythmic one; 25 s each.
EXCERPTS = (("track1.ogg", 30.0), ("track23.ogg", 20.0))
EXCERPT_S = 25.0
#: Share of held-out questions that must be answered (see the module docstring).
HELD_OUT_FLOOR = 0.8

ENGINE = OfflineEngine()

pytestmark = pytest.mark.skipif(
    not DRASCULA.is_dir(),
    reason="the Drascula soundtrack (Debian package drascula-music) is needed",
)


def excerpt(path: Path, start_s: float, seconds: float) -> tuple[np.ndarray, int]:
    info = sf.info(str(path))
    rate = int(info.samplerate)
    audio, _ = sf.read(
        str(path), start=round(start_s * rate), frames=round(seconds * rate), always_2d=True
    )
    return audio.T.astype(np.float64), rate


@pytest.fixture(scope="session")
def reviews(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Analysis]:
    cuts = [excerpt(DRASCULA / name, start, EXCERPT_S) for name, start in EXCERPTS]
    rate = cuts[0][1]
    return bank.build_reviews(
        [audio for audio, _ in cuts], sample_rate_hz=rate, folder=tmp_path_factory.mktemp("chat")
    )


def _id(question: bank.Question) -> str:
    return f"{question.review}: {question.text}"


def test_the_bank_has_forty_questions_in_two_halves() -> None:
    assert len(bank.TUNING) >= 20 and len(bank.HELD_OUT) >= 20
    assert not {q.text for q in bank.TUNING} & {q.text for q in bank.HELD_OUT}


@pytest.mark.parametrize("question", bank.TUNING, ids=_id)
def test_each_tuning_question_is_answered_from_the_review(
    reviews: dict[str, Analysis], question: bank.Question
) -> None:
    asked = bank.ask(ENGINE, reviews[question.review], question)
    assert question.check(asked), asked.text


def test_the_held_out_questions_are_answered(reviews: dict[str, Analysis]) -> None:
    missed = []
    for question in bank.HELD_OUT:
        asked = bank.ask(ENGINE, reviews[question.review], question)
        if not question.check(asked):
            missed.append(f"{_id(question)} -> {asked.text[:300]}")
    rate = 1 - len(missed) / len(bank.HELD_OUT)
    assert rate >= HELD_OUT_FLOOR, "\n".join(missed)
