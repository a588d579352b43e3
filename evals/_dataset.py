"""The labelled question set: loading, the schema check and subsets."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

DATASET: Final = Path(__file__).with_name("questions.jsonl")

#: Question types, in the order reports list them.
TYPES: Final = ("answerable", "paraphrase", "multi_doc", "follow_up", "unanswerable")

_REQUIRED: Final = ("id", "question", "type", "gold_docs", "gold_facts")
_OPTIONAL: Final = ("gold_quote", "history", "notes")


class DatasetError(ValueError):
    """A line of the question set is malformed; the message names the file and line."""

    def __init__(self, path: Path | str, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path = str(path)
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Question:
    """One labelled question.

    Attributes:
        id: Unique id.
        question: The question as a user would ask it.
        type: One of :data:`TYPES`.
        gold_docs: Document ids (``sources/...``) that hold the answer; empty when the
            corpus does not cover the question.
        gold_facts: Required facts; each is a list of keyword alternatives matched
            case-insensitively against the answer text.
        gold_quote: A sentence of a gold document, verbatim.
        history: Earlier turns ``[(question, answer), ...]`` for follow-ups.
        notes: Free text for the evaluator.
        line: 1-based line number in the file.
    """

    id: str
    question: str
    type: str
    gold_docs: tuple[str, ...]
    gold_facts: tuple[tuple[str, ...], ...]
    gold_quote: str = ""
    history: tuple[tuple[str, str], ...] = ()
    notes: str = ""
    line: int = 0

    @property
    def answerable(self) -> bool:
        """Whether the corpus covers the question (every type but ``unanswerable``)."""
        return self.type != "unanswerable"


def parse_line(raw: str, line: int, path: Path | str = DATASET) -> Question:
    """Parses and validates one JSONL line.

    Args:
        raw: The line's text.
        line: Its 1-based number, for error messages.
        path: The file, for error messages.

    Returns:
        The question.

    Raises:
        DatasetError: The line is not a JSON object of the documented schema.
    """

    def fail(reason: str) -> DatasetError:
        return DatasetError(path, line, reason)

    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise fail(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise fail("expected a JSON object")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise fail(f"missing field(s): {', '.join(missing)}")
    unknown = sorted(set(data) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise fail(f"unknown field(s): {', '.join(unknown)}")
    qid, question, kind = data["id"], data["question"], data["type"]
    if not isinstance(qid, str) or not qid.strip():
        raise fail("'id' must be a non-empty string")
    if not isinstance(question, str) or not question.strip():
        raise fail("'question' must be a non-empty string")
    if kind not in TYPES:
        raise fail(f"'type' must be one of {', '.join(TYPES)}, got {kind!r}")
    docs = data["gold_docs"]
    if not isinstance(docs, list) or not all(isinstance(d, str) and d.strip() for d in docs):
        raise fail("'gold_docs' must be a list of document ids (strings)")
    if len(set(docs)) != len(docs):
        raise fail("'gold_docs' lists a document twice")
    facts = data["gold_facts"]
    if not isinstance(facts, list) or not all(
        isinstance(f, list) and f and all(isinstance(a, str) and a.strip() for a in f) for f in facts
    ):
        raise fail("'gold_facts' must be a list of non-empty lists of strings (keyword alternatives)")
    quote = data.get("gold_quote", "")
    if not isinstance(quote, str):
        raise fail("'gold_quote' must be a string")
    notes = data.get("notes", "")
    if not isinstance(notes, str):
        raise fail("'notes' must be a string")
    history = data.get("history", [])
    if not isinstance(history, list) or not all(
        isinstance(t, list) and len(t) == 2 and all(isinstance(x, str) for x in t) for t in history
    ):
        raise fail("'history' must be a list of [question, answer] string pairs")
    if kind == "unanswerable":
        if docs or facts or quote:
            raise fail("an unanswerable question has empty 'gold_docs' and 'gold_facts' and no 'gold_quote'")
    else:
        if not docs:
            raise fail(f"a {kind} question needs at least one document in 'gold_docs'")
        if not facts:
            raise fail(f"a {kind} question needs at least one fact in 'gold_facts'")
        if not quote.strip():
            raise fail(f"a {kind} question needs a 'gold_quote'")
    if kind == "follow_up" and not history:
        raise fail("a follow_up question needs a 'history' with the earlier turn")
    if kind == "multi_doc" and len(docs) < 2:
        raise fail("a multi_doc question needs at least two 'gold_docs'")
    return Question(
        id=qid,
        question=question,
        type=kind,
        gold_docs=tuple(docs),
        gold_facts=tuple(tuple(f) for f in facts),
        gold_quote=quote,
        history=tuple((t[0], t[1]) for t in history),
        notes=notes,
        line=line,
    )


def load_questions(path: Path | str = DATASET, corpus_dir: Path | None = None) -> list[Question]:
    """Reads and checks the question set.

    Args:
        path: The JSONL file (one object per line; blank lines are skipped).
        corpus_dir: When given, also checks the labels against the corpus: every gold
            document exists, the gold quote occurs verbatim in one of them, and every
            gold fact has an alternative that occurs in them.

    Returns:
        The questions in file order.

    Raises:
        DatasetError: The first malformed line, with its line number.
    """
    path = Path(path)
    questions: list[Question] = []
    seen: dict[str, int] = {}
    texts: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        question = parse_line(raw, number, path)
        if question.id in seen:
            raise DatasetError(
                path, number, f"duplicate id {question.id!r} (first on line {seen[question.id]})"
            )
        seen[question.id] = number
        if corpus_dir is not None:
            _check_against_corpus(question, corpus_dir, texts, path)
        questions.append(question)
    if not questions:
        raise DatasetError(path, 1, "the question set is empty")
    return questions


def _check_against_corpus(question: Question, corpus_dir: Path, texts: dict[str, str], path: Path) -> None:
    from ctassist.errors import LoadError
    from ctassist.load import load_document

    found: list[str] = []
    for doc in question.gold_docs:
        if doc not in texts:
            try:
                texts[doc] = load_document(corpus_dir / doc, corpus_dir).text
            except (LoadError, OSError) as exc:
                raise DatasetError(path, question.line, f"gold document {doc!r}: {exc}") from None
        found.append(texts[doc])
    if question.gold_quote and not any(question.gold_quote in text for text in found):
        raise DatasetError(path, question.line, "'gold_quote' is not verbatim in any gold document")
    lowered = [text.lower() for text in found]
    for fact in question.gold_facts:
        if not any(alt.lower() in text for alt in fact for text in lowered):
            raise DatasetError(
                path, question.line, f"no alternative of fact {list(fact)} occurs in the gold documents"
            )


def subset(questions: Sequence[Question], limit: int | None) -> list[Question]:
    """The first ``limit`` questions taken round-robin across types, in file order.

    A small subset thus still holds every type (and the unanswerable split the abstention
    metrics need). ``None`` or a limit at least the set's size returns all questions.
    """
    if limit is None or limit >= len(questions):
        return list(questions)
    queues = {t: [q for q in questions if q.type == t] for t in TYPES}
    chosen: list[Question] = []
    while len(chosen) < limit:
        for t in TYPES:
            if queues[t] and len(chosen) < limit:
                chosen.append(queues[t].pop(0))
    order = {q.id: i for i, q in enumerate(questions)}
    return sorted(chosen, key=lambda q: order[q.id])


def type_counts(questions: Iterable[Question]) -> dict[str, int]:
    """How many questions of each type, in :data:`TYPES` order."""
    listed = list(questions)
    return {t: sum(1 for q in listed if q.type == t) for t in TYPES}
