"""The offline chat answers questions about the song's sections, its codec copies and what
changed since the previous version from those measurements (chat_more_questions.py): real
recordings joined into a song with a planted quieter chorus, a loud master through the real
codecs, and a clipped render followed by a fixed one.

Every tuning question must be answered; the held-out ones (a fixed hash of their text, chosen
before tuning) must reach :data:`HELD_OUT_FLOOR`. Each section and codec answer's loudness
figures must be measured ones."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import chat_more_questions as bank
import pytest
from feedback.llm_server import Fail, LLMServer, Reply

from mixcoach.feedback.model import Conversation
from mixcoach.feedback.offline import OfflineEngine
from mixcoach.feedback.openai_engine import OpenAIEngine
from mixcoach.feedback.version_notes import quantity, version_block

#: Share of held-out questions that must be answered.
HELD_OUT_FLOOR = 0.8

ENGINE = OfflineEngine()


@pytest.fixture(scope="module")
def reviews(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bank.Review]:
    return bank.build_reviews(tmp_path_factory.mktemp("chatmore"))


def _id(question: bank.Question) -> str:
    return f"{question.review}: {question.text}"


def test_the_bank_has_forty_questions_split_by_their_hash() -> None:
    assert len(bank.BANK) >= 40
    assert len({q.text for q in bank.BANK}) == len(bank.BANK)
    assert bank.HELD_OUT and bank.TUNING


@pytest.mark.parametrize("question", bank.TUNING, ids=_id)
def test_each_tuning_question_is_answered(
    reviews: dict[str, bank.Review], question: bank.Question
) -> None:
    asked = bank.ask(ENGINE, reviews[question.review], question)
    assert question.check(asked), asked.text


def test_the_held_out_questions_are_answered(reviews: dict[str, bank.Review]) -> None:
    missed = []
    for question in bank.HELD_OUT:
        asked = bank.ask(ENGINE, reviews[question.review], question)
        if not question.check(asked):
            missed.append(f"{_id(question)} -> {asked.text[:300]}")
    rate = 1 - len(missed) / len(bank.HELD_OUT)
    assert rate >= HELD_OUT_FLOOR, "\n".join(missed)


@pytest.mark.parametrize(
    "question", [q for q in bank.BANK if q.review in ("song", "coded")], ids=_id
)
def test_every_loudness_figure_of_an_answer_is_measured(
    reviews: dict[str, bank.Review], question: bank.Question
) -> None:
    asked = bank.ask(ENGINE, reviews[question.review], question)
    assert not bank.unsupported(asked), asked.text


def test_a_planted_quieter_chorus_does_not_lift_by_its_amount(
    reviews: dict[str, bank.Review],
) -> None:
    song = reviews["song"]
    asked = bank.ask(ENGINE, song, bank.Question("song", "Does the chorus lift?", bank.no_lift))
    assert asked.text.startswith("No"), asked.text
    # The planted 3 dB is what the answer states, within the meter's gating.
    assert any(abs(v - 3.0) <= 0.5 for v in bank.numbers_with(asked.text, "LU")), asked.text
    assert bank.no_lift(asked), asked.text


def test_an_even_second_chorus_lifts(tmp_path_factory: pytest.TempPathFactory) -> None:
    from mixcoach.analysis import analyze

    folder = tmp_path_factory.mktemp("even")
    analysis = analyze(bank.song(folder, second_chorus_db=0.0), feedback_type="master_review")
    asked = bank.ask(
        ENGINE, bank.Review(analysis), bank.Question("song", "Does the chorus lift?", bank.no_lift)
    )
    assert asked.text.startswith("Yes"), asked.text


def test_the_model_chat_gets_the_feedbacks_versions_facts(
    reviews: dict[str, bank.Review], llm_server: LLMServer
) -> None:
    """The chat prompt carries the same VERSIONS block as the feedback's, and a figure from it
    (v1's clipped runs) passes the grounding check."""
    review = reviews["v2"]
    assert review.version is not None
    block = version_block(review.version)
    fixed = next(c for c in review.version.comparison.findings if c.code == "clipping")
    assert fixed.value_before is not None
    said = f"Yes: v2 fixed the clipping, down from {quantity(fixed.value_before, fixed.unit)}."
    llm_server.then(Reply(said))
    with _model(llm_server.base_url) as model:
        answer = model.chat(
            review.analysis, None, Conversation(), "Did I fix the clipping?", version=review.version
        ).result()
    system = llm_server.requests[0].body["messages"][0]["content"]
    assert block in system
    assert answer.text == said and answer.fallback_reason is None


def test_when_the_model_fails_the_offline_chat_answers_from_the_comparison(
    reviews: dict[str, bank.Review], llm_server: LLMServer
) -> None:
    review = reviews["v2"]
    llm_server.then(Fail(503), Fail(503), Fail(503))
    question = bank.Question("v2", "Did I fix the clipping?", bank.change_of("clipping"))
    with _model(llm_server.base_url, max_retries=0) as model:
        answer = model.chat(
            review.analysis, None, Conversation(), question.text, version=review.version
        ).result()
    assert answer.fallback_reason is not None
    assert question.check(bank.Asked(review, answer.text)), answer.text


@contextmanager
def _model(base_url: str, *, max_retries: int = 1) -> Iterator[OpenAIEngine]:
    """An engine closed after use: a test's would leave its pooled socket to the garbage
    collector."""
    engine = OpenAIEngine(
        api_key="sk-test",
        base_url=base_url,
        model="test-model",
        timeout_s=5.0,
        max_retries=max_retries,
        deadline_s=30.0,
        fallback=ENGINE,
    )
    try:
        yield engine
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("question", "index"), [("How loud is the intro?", 0), ("And the outro?", -1)]
)
def test_the_intro_and_outro_are_the_first_and_last_sections(
    reviews: dict[str, bank.Review], question: str, index: int
) -> None:
    review = reviews["song"]
    asked = bank.ask(ENGINE, review, bank.Question("song", question, bank.loudest))
    section = [s for s in review.analysis.sections if s.integrated_lufs is not None][index]
    assert bank.says_time(asked.text, section.start_s, tol=1.0), asked.text
    assert bank.says_time(asked.text, section.end_s, tol=1.0), asked.text
    assert bank.says(asked.text, section.integrated_lufs, "LUFS"), asked.text
