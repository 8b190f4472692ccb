"""Retrieval over the technique notes (``mixcoach/knowledge/notes/*.md``) with SQLite FTS5.

Each note is Markdown with a small header::

    ---
    id: muddy
    codes: muddy
    title: Muddy low mids
    ---
    What it is, in a paragraph.

    ## Causes
    ...
    ## Genre notes
    - **hip-hop, trap:** what differs there.

Notes are cut into passages at their ``##`` headings and indexed in an in-memory FTS5 table
(Porter stemming, BM25 ranking). :meth:`KnowledgeBase.search` ranks passages for a question,
lifting those that belong to the track's findings; both engines feed what it returns to their
answers. The index is built once per process (:func:`knowledge_base`), in a few milliseconds.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

_NOTES_PACKAGE = "mixcoach.knowledge.notes"
#: BM25 weights of the indexed columns: codes, title, heading, body.
_WEIGHTS = (4.0, 3.0, 2.0, 1.0)
#: Added to a passage's BM25 score (lower is better) when it belongs to one of the track's findings.
_FINDING_BONUS = -2.0
_STOPWORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "do", "does",
        "for", "from", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me",
        "my", "of", "on", "or", "our", "should", "so", "than", "that", "the", "their", "them",
        "then", "there", "these", "this", "to", "was", "we", "what", "when", "where", "which",
        "who", "why", "will", "with", "would", "you", "your", "yours",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Passage:
    note_id: str
    title: str  # the note's title
    heading: str  # the section's heading ("" for the introduction)
    text: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Note:
    id: str
    title: str
    codes: tuple[str, ...]
    passages: tuple[Passage, ...]

    def section(self, heading: str) -> str | None:
        wanted = heading.lower()
        return next((p.text for p in self.passages if p.heading.lower() == wanted), None)

    def genre_note(self, genre_names: Iterable[str]) -> str | None:
        """The ``Genre notes`` bullet that names one of ``genre_names`` (lower case)."""
        notes = self.section("Genre notes")
        names = {name.lower() for name in genre_names if name}
        for line in (notes or "").splitlines():
            match = re.match(r"-\s*\*\*(.+?):\*\*\s*(.+)", line.strip())
            if match and names & {g.strip().lower() for g in match.group(1).split(",")}:
                return match.group(2).strip()
        return None


def parse_note(text: str, *, source: str) -> Note:
    """Parse one note; ``source`` names the file in error messages."""
    match = re.match(r"---\n(.*?)\n---\n(.*)", text, re.DOTALL)
    if match is None:
        raise ValueError(f"{source}: a note starts with a '---' header block")
    header = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in match.group(1).splitlines())
    )
    missing = {"id", "title", "codes"} - header.keys()
    if missing:
        raise ValueError(f"{source}: the header lacks {', '.join(sorted(missing))}")
    codes = tuple(code.strip() for code in header["codes"].split(",") if code.strip())
    passages: list[Passage] = []
    for i, part in enumerate(re.split(r"^## ", match.group(2), flags=re.MULTILINE)):
        heading, _, body = part.partition("\n") if i else ("", "", part)
        if body.strip():
            passages.append(
                Passage(
                    header["id"], header["title"], heading.strip(), _unwrap(body.strip()), codes
                )
            )
    return Note(header["id"], header["title"], codes, tuple(passages))


def _unwrap(text: str) -> str:
    """Join hard-wrapped lines into one line per paragraph or list item."""
    joined = re.sub(r"(?<!\n)\n(?!\n|- |\d+\. )", " ", text)
    return re.sub(r"[ \t]{2,}", " ", joined)


class KnowledgeBase:
    """The notes and their full-text index."""

    def __init__(self, notes: Sequence[Note]) -> None:
        self.notes = {note.id: note for note in notes}
        self._by_code = {code: note for note in notes for code in note.codes}
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE passages USING fts5("
            "codes, title, heading, body, note_id UNINDEXED, tokenize='porter unicode61')"
        )
        self._passages: list[Passage] = [p for note in notes for p in note.passages]
        self._db.executemany(
            "INSERT INTO passages(rowid, codes, title, heading, body, note_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    " ".join(c.replace("_", " ") for c in p.codes),
                    p.title,
                    p.heading,
                    p.text,
                    p.note_id,
                )
                for i, p in enumerate(self._passages)
            ],
        )

    def for_code(self, code: str) -> Note | None:
        return self._by_code.get(code)

    def search(
        self, query: str, *, finding_codes: Iterable[str] = (), limit: int = 4
    ) -> list[Passage]:
        """The passages that best answer ``query``, best first; passages of the track's
        findings (``finding_codes``) rank higher at equal relevance."""
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        terms = [t for t in re.findall(r"[a-z0-9]+", query.lower()) if t not in _STOPWORDS]
        if not terms:
            return []
        match = " OR ".join(f'"{term}"' for term in dict.fromkeys(terms))
        rows = self._db.execute(
            "SELECT rowid, bm25(passages, ?, ?, ?, ?) FROM passages WHERE passages MATCH ?",
            (*_WEIGHTS, match),
        ).fetchall()
        wanted = set(finding_codes)
        scored = sorted(
            (score + (_FINDING_BONUS if wanted & set(self._passages[rowid].codes) else 0.0), rowid)
            for rowid, score in rows
        )
        return [self._passages[rowid] for _, rowid in scored[:limit]]


def load_notes() -> list[Note]:
    """Every note shipped in ``mixcoach/knowledge/notes``."""
    folder = resources.files(_NOTES_PACKAGE)
    return [
        parse_note(entry.read_text(encoding="utf-8"), source=entry.name)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".md")
    ]


@cache
def knowledge_base() -> KnowledgeBase:
    """The process's knowledge base, built on first use."""
    return KnowledgeBase(load_notes())
