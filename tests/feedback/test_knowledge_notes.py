"""The technique notes: one for every finding code, well formed, searchable, and quoting no
number the grounding check would refuse."""

from __future__ import annotations

import re

import builders as b
import pytest

from mixcoach.feedback.facts import collect_facts
from mixcoach.feedback.grounding import Grounder
from mixcoach.feedback.retrieval import KnowledgeBase, knowledge_base, load_notes, parse_note
from mixcoach.findings.model import FINDING_CODES

SECTIONS = ("Causes", "How to hear it", "Fix it in the mix", "Fix it in the master")


def test_every_finding_code_has_a_note() -> None:
    covered = {code for note in load_notes() for code in note.codes}
    assert set(FINDING_CODES) <= covered
    assert covered <= set(FINDING_CODES), "a note names a code that does not exist"


@pytest.mark.parametrize("code", [c for c in FINDING_CODES if not c.startswith("reference_")])
def test_a_finding_note_explains_causes_hearing_and_both_fixes(code: str) -> None:
    note = knowledge_base().for_code(code)
    assert note is not None
    for heading in SECTIONS:
        section = note.section(heading)
        assert section is not None and len(section) > 80, (code, heading)


def test_notes_quote_only_numbers_every_track_can_back() -> None:
    # Band edges, the low-end split and the loudness windows are facts of every Analysis, so a
    # passage quoted in a chat answer never trips the grounding check.
    grounder = Grounder(collect_facts(b.clean()))
    for note in load_notes():
        for passage in note.passages:
            _, account = grounder.ground(passage.text)
            assert account.dropped == [] and account.repaired == [], (note.id, passage.heading)


def test_genre_notes_are_found_by_genre_name() -> None:
    note = knowledge_base().for_code("muddy")
    assert note is not None
    assert note.genre_note(["rock"]) is not None and "guitars" in (note.genre_note(["rock"]) or "")
    assert note.genre_note(["polka"]) is None


@pytest.mark.parametrize(
    ("question", "note_id"),
    [
        ("why is my low end muddy?", "muddy"),
        ("what should I set my limiter to for Spotify?", "limiting"),
        ("how do streaming services normalise loudness", "streaming_loudness"),
        ("is my mix mono compatible?", "mono_compatibility"),
        ("how should I export the mixdown for mastering", "mixdown_for_mastering"),
        ("my master sounds harsh and piercing", "harsh"),
        ("what do LRA and PLR mean", "reading_meters"),
    ],
)
def test_search_finds_the_note_that_answers(question: str, note_id: str) -> None:
    assert knowledge_base().search(question)[0].note_id == note_id


def test_off_topic_words_find_nothing() -> None:
    assert knowledge_base().search("the weather in Paris tomorrow") == []
    assert knowledge_base().search("why how what") == []


def test_the_tracks_findings_lift_their_notes() -> None:
    kb = knowledge_base()
    plain = [p.note_id for p in kb.search("how do I fix the low end", limit=8)]
    lifted = [
        p.note_id
        for p in kb.search("how do I fix the low end", finding_codes=["too_thin"], limit=8)
    ]
    assert lifted[0] == "too_thin" and plain != lifted


def test_a_malformed_note_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match=re.escape("broken.md: a note starts with a '---' header")):
        parse_note("# no header\n", source="broken.md")
    with pytest.raises(ValueError, match=re.escape("x.md: the header lacks codes")):
        parse_note("---\nid: x\ntitle: X\n---\nbody\n", source="x.md")
    with pytest.raises(ValueError, match="limit must be at least 1, got 0"):
        KnowledgeBase([]).search("mud", limit=0)
