"""Chat: the token budget, the running summary, and the offline engine's answers."""

from __future__ import annotations

import builders as b
import pytest

from mixcoach.analysis import Analysis
from mixcoach.feedback.chat import (
    ChatBudget,
    estimate_tokens,
    extractive_summary,
    fit_text,
    split_turns,
)
from mixcoach.feedback.facts import collect_facts
from mixcoach.feedback.grounding import Grounder
from mixcoach.feedback.model import (
    ChatAnswer,
    ChatMessage,
    Conversation,
    Feedback,
    FeedbackRequest,
)
from mixcoach.feedback.offline import OfflineEngine
from mixcoach.feedback.offline_chat import OFF_TOPIC
from mixcoach.feedback.plan import build_plan

ENGINE = OfflineEngine()


def pair(i: int, words: int) -> list[ChatMessage]:
    return [
        ChatMessage(role="user", content=f"Question {i}? " + "word " * words),
        ChatMessage(role="assistant", content=f"Answer {i}. " + "word " * words),
    ]


def ask(analysis: Analysis, question: str, *, feedback: Feedback | None = None) -> ChatAnswer:
    return ENGINE.chat(analysis, feedback, Conversation(), question).result()


def test_recent_turns_fill_the_budget_in_whole_pairs_newest_first() -> None:
    turns = [m for i in range(6) for m in pair(i, 95)]  # about 120 tokens per message
    per_pair = sum(estimate_tokens(t.content) for t in turns[:2])
    older, recent = split_turns(turns, budget_tokens=3 * per_pair)
    assert recent == turns[-6:] and older == turns[:-6]
    # The last pair is kept even when it alone is over budget.
    older, recent = split_turns(turns, budget_tokens=10)
    assert recent == turns[-2:]
    assert split_turns([], budget_tokens=100) == ([], [])


def test_the_extractive_summary_keeps_each_question_and_stays_in_budget() -> None:
    turns = [m for i in range(40) for m in pair(i, 5)]
    summary = extractive_summary("", turns, budget_tokens=200)
    assert estimate_tokens(summary) <= 200
    assert summary.splitlines()[-1] == "- Asked: Question 39? Answered: Answer 39."
    assert "Question 0?" not in summary  # the oldest went first
    grown = extractive_summary(summary, pair(40, 5), budget_tokens=200)
    assert grown.splitlines()[-1] == "- Asked: Question 40? Answered: Answer 40."


def test_fit_text_cuts_at_a_boundary() -> None:
    text = "First sentence here. Second sentence is longer than the budget allows."
    assert fit_text(text, budget_tokens=6) == "First sentence here."
    assert fit_text(text, budget_tokens=100) == text


def test_a_budget_below_its_floor_is_refused() -> None:
    with pytest.raises(ValueError, match="turns_tokens must be at least 50 tokens, got 10"):
        ChatBudget(turns_tokens=10)


def test_a_long_conversation_is_folded_and_the_summary_returned() -> None:
    engine = OfflineEngine(budget=ChatBudget(turns_tokens=300, summary_tokens=120))
    turns = [m for i in range(8) for m in pair(i, 60)]
    answer = engine.chat(
        b.clean(),
        None,
        Conversation(summary="- Asked: hello? Answered: hi.", turns=turns),
        "What key is it in?",
    ).result()
    kept = len(split_turns(turns, budget_tokens=300)[1])
    assert answer.summarised_turns == len(turns) - kept > 0
    assert answer.summary.startswith("- Asked: hello? Answered: hi.")
    assert f"Question {answer.summarised_turns // 2 - 1}?" in answer.summary
    assert estimate_tokens(answer.summary) <= 120


def test_muddy_low_end_on_a_muddy_track() -> None:
    answer = ask(
        b.spectral(b.clean("mixdown"), "low_mid", 4.0, "muddy"), "Why is my low end muddy?"
    )
    assert answer.finding_codes == ["muddy"] and answer.sources == ["muddy"]
    # The band, where the curve leaves the target and by how much, and the cut that brings it
    # back.
    analysis = b.spectral(b.clean("mixdown"), "low_mid", 4.0, "muddy")
    (stretch,) = analysis.spectrum.deviations
    assert "low-mid band (250 Hz-500 Hz) measures -5.0 dB" in answer.text
    assert f"{stretch.amount_db:.1f} dB too much around {stretch.peak_hz:.0f} Hz" in answer.text
    assert f"gain -{stretch.amount_db:.1f} dB" in answer.text


def test_muddy_question_on_a_clean_track_is_answered_honestly() -> None:
    answer = ask(b.clean(), "Why is my low end muddy?")
    assert answer.text.startswith("Mixcoach did not flag muddy low mids on this track.")
    assert "If you hear it anyway" in answer.text
    assert answer.finding_codes == []


def test_limiter_for_spotify_uses_its_guidance_for_this_loudness() -> None:
    answer = ask(b.clean(), "What should I set my limiter to for Spotify?")
    # -9.4 LUFS is louder than Spotify's -14 LUFS, so its stricter -2 dBTP ceiling applies.
    assert "ceiling at -2.0 dBTP" in answer.text
    assert "Spotify turns it down by 4.6 dB to -14.0 LUFS." in answer.text
    assert "Apple Music" not in answer.text


def test_the_reference_question_without_a_reference_says_so() -> None:
    answer = ask(b.clean(), "How does it compare with my reference?")
    assert answer.text.startswith("No reference track came with this analysis.")


@pytest.mark.parametrize(
    "question",
    ["What's the weather like in Paris?", "Write me a poem about cats.", "Who won the match?"],
)
def test_off_topic_questions_get_an_honest_redirect(question: str) -> None:
    answer = ask(b.clean(), question)
    assert answer.text == OFF_TOPIC and answer.finding_codes == []


def test_an_instrument_question_is_not_answered_with_a_made_up_measurement() -> None:
    answer = ask(b.clean(), "Is my vocal too loud?")
    assert answer.text.startswith(
        "Mixcoach measures the finished stereo mix as a whole, not the "
        "separate instruments, so I cannot give you a measurement of the "
        "vocal on its own."
    )
    assert "LUFS" not in answer.text and "dB" not in answer.text


def test_what_to_fix_first_comes_from_the_feedback_given() -> None:
    analysis = b.clipped(b.clean())
    feedback = ENGINE.feedback(analysis, FeedbackRequest(feedback_type="master_review")).result()
    answer = ask(analysis, "What should I fix first?", feedback=feedback)
    assert answer.text.startswith("Start with") and "24 clipped runs" in answer.text
    assert answer.finding_codes == ["clipping"]


def test_key_and_tempo_are_quoted_from_the_analysis() -> None:
    answer = ask(b.clean(), "What key is it in, and what's the BPM?")
    assert "A minor (8A in Camelot notation), with high confidence" in answer.text
    assert "The tempo measures 120 BPM, with high confidence." in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "Why is my low end muddy?",
        "What should I set my limiter to for Spotify?",
        "How loud is it?",
        "Are there any peaks over?",
        "Is the stereo image ok?",
        "How do I prepare my mix for mastering?",
        "What does LRA mean?",
    ],
)
def test_offline_answers_quote_only_measured_numbers(question: str) -> None:
    analysis = b.spectral(b.too_loud(b.clean()), "low_mid", 4.0, "muddy")
    answer = ask(analysis, question)
    facts = collect_facts(
        analysis,
        presets=ENGINE.presets(analysis),
        delivery=ENGINE.compose(analysis, FeedbackRequest(feedback_type="master_review")).delivery,
    )
    _, account = Grounder(facts).ground(answer.text)
    assert account.dropped == [] and account.repaired == [], answer.text


def test_the_streamed_answer_is_the_answer_text() -> None:
    stream = ENGINE.chat(b.clean(), None, Conversation(), "How loud is it?")
    assert "".join(stream) == stream.result().text


def test_a_follow_up_takes_its_subject_from_the_summary_when_the_turns_are_gone() -> None:
    analysis = b.spectral(b.clean("mixdown"), "low_mid", 4.0, "muddy")
    summary = "- Asked: How much should I cut around 300 Hz? Answered: The low-mid band is high."
    answer = ENGINE.chat(analysis, None, Conversation(summary=summary), "and at 5 kHz?").result()
    assert answer.text.startswith("The presence band (4 kHz-6 kHz) measures -17.0 dB")
    assert "no cut or boost" in answer.text  # the amount was asked for: none is needed there
    alone = ask(analysis, "and at 5 kHz?")
    assert "no cut or boost" not in alone.text  # without the history, no amount was asked


def _weak_pulse(analysis: Analysis) -> Analysis:
    """The tempo read at a confidence under the threshold, with a three-halves runner-up."""
    rhythm = analysis.rhythm.model_copy(
        update={
            "confidence": 0.07,
            "tempo_candidates_bpm": [112.5, 168.7],
            "alternative_bpm": 168.7,
            "alternative_relation": "three halves",
        }
    ).judged(min_confidence=0.2)
    return analysis.model_copy(update={"rhythm": rhythm})


def test_an_uncertain_tempo_is_called_uncertain_with_its_runner_up() -> None:
    analysis = _weak_pulse(b.clean(tempo_bpm=112.5))
    text = ask(analysis, "What's the tempo?").text.lower()
    assert "112.5 bpm" in text and "uncertain" in text and "168.7 bpm" in text
    feedback = ENGINE.feedback(analysis, FeedbackRequest(feedback_type="master_review")).result()
    overview = feedback.sections[0].body.lower()
    assert "112.5 bpm (uncertain" in overview and "168.7 bpm" in overview


def test_a_clear_tempo_carries_no_caveat() -> None:
    analysis = b.clean(tempo_bpm=120.0)
    analysis = analysis.model_copy(update={"rhythm": analysis.rhythm.judged(min_confidence=0.2)})
    assert "uncertain" not in ask(analysis, "What's the tempo?").text.lower()


def test_what_first_after_a_metric_question_answers_from_the_plan_not_that_metric() -> None:
    analysis = b.dc_offset(b.too_quiet(b.clean("master_review")))
    earlier = "How much headroom do I have?"
    first_answer = ask(analysis, earlier).text
    history = Conversation(
        turns=[
            ChatMessage(role="user", content=earlier),
            ChatMessage(role="assistant", content=first_answer),
        ]
    )
    for question in ("What should I fix first?", "What first?", "Summarise it in three steps"):
        alone = ask(analysis, question).text
        followed = ENGINE.chat(analysis, None, history, question).result().text
        assert followed == alone, question
        assert followed != first_answer


def test_a_true_peak_inside_the_range_but_over_the_plans_ceiling_is_answered_from_the_plan() -> (
    None
):
    quiet = b.too_quiet(b.clean("master_review"))
    analysis = b.with_changes(
        quiet, loudness=quiet.loudness.model_copy(update={"true_peak_dbtp": -1.5})
    )
    answer = ENGINE.chat(analysis, None, Conversation(), "What's my true peak?").result()
    ceiling = build_plan(analysis).ceiling_dbtp
    assert ceiling is not None and ceiling < -1.5  # the plan's ceiling is below the reading
    text = answer.text
    assert "-1.5 dBTP" in text
    assert f"ceiling is {ceiling:.1f} dBTP" in text
    assert f"{-1.5 - ceiling:.1f} dB too high" in text
    assert "nothing to change" not in text
