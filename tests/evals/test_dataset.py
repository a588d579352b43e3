"""The question set's schema check and the shipped set's coverage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals._dataset import DATASET, TYPES, DatasetError, load_questions, parse_line, subset, type_counts
from tests.helpers import SHIPPED_CORPUS

GOOD: dict[str, Any] = {
    "id": "q1",
    "question": "Who chairs a Channel panel?",
    "type": "answerable",
    "gold_docs": ["sources/channel.md"],
    "gold_facts": [["local authority"]],
    "gold_quote": "The local authority chairs the Channel panel in its own area.",
}
UNANSWERABLE: dict[str, Any] = {
    "id": "u1",
    "question": "What is the Prevent budget?",
    "type": "unanswerable",
    "gold_docs": [],
    "gold_facts": [],
}


def _write(path: Path, rows: list[dict[str, Any] | str]) -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_shipped_set_is_valid_against_the_corpus() -> None:
    questions = load_questions(DATASET, corpus_dir=SHIPPED_CORPUS)
    counts = type_counts(questions)
    assert len(questions) >= 70
    assert counts["answerable"] >= 30
    assert counts["paraphrase"] >= 10
    assert counts["multi_doc"] >= 6
    assert counts["follow_up"] >= 6
    assert counts["unanswerable"] >= 18
    assert all(q.history for q in questions if q.type == "follow_up")


HELD_OUT = sorted(DATASET.parent.glob("heldout*.jsonl"))


def test_every_held_out_set_is_checked() -> None:
    assert len(HELD_OUT) >= 10


@pytest.mark.parametrize("path", HELD_OUT, ids=[path.stem for path in HELD_OUT])
def test_the_held_out_sets_are_valid_against_the_corpus(path: Path) -> None:
    # Gold documents exist and gold quotes are verbatim in them (checked by the loader).
    questions = load_questions(path, corpus_dir=SHIPPED_CORPUS)
    counts = type_counts(questions)
    assert counts["unanswerable"] >= 10
    assert len(questions) - counts["unanswerable"] >= 20


def test_the_out_of_domain_track_is_valid_against_its_corpus() -> None:
    ood = DATASET.parent / "ood"
    questions = load_questions(ood / "questions.jsonl", corpus_dir=ood / "corpus")
    counts = type_counts(questions)
    assert (len(questions), counts["unanswerable"]) == (398, 188)
    # None of its articles is in the shipped corpus: it is another domain.
    assert not {q.gold_docs[0] for q in questions if q.gold_docs} & {
        f"sources/{p.name}" for p in (SHIPPED_CORPUS / "sources").iterdir()
    }


def test_a_good_file_loads(tmp_path: Path) -> None:
    path = _write(tmp_path / "q.jsonl", [GOOD, "", UNANSWERABLE])
    questions = load_questions(path, corpus_dir=SHIPPED_CORPUS)
    assert [q.id for q in questions] == ["q1", "u1"]
    assert [q.line for q in questions] == [1, 3]
    assert questions[0].answerable and not questions[1].answerable


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ({**GOOD, "type": "trivia"}, "'type' must be one of"),
        ({k: v for k, v in GOOD.items() if k != "gold_facts"}, "missing field(s): gold_facts"),
        ({**GOOD, "gold_facts": ["local authority"]}, "'gold_facts' must be a list of non-empty lists"),
        ({**GOOD, "gold_facts": [[]]}, "'gold_facts' must be a list of non-empty lists"),
        ({**GOOD, "gold_docs": "sources/channel.md"}, "'gold_docs' must be a list"),
        ({**GOOD, "gold_docs": []}, "needs at least one document"),
        ({**GOOD, "gold_quote": ""}, "needs a 'gold_quote'"),
        ({**GOOD, "id": ""}, "'id' must be a non-empty string"),
        ({**GOOD, "colour": "red"}, "unknown field(s): colour"),
        ({**GOOD, "history": [["only a question"]]}, "'history' must be a list of [question, answer]"),
        ({**GOOD, "type": "follow_up"}, "needs a 'history'"),
        ({**GOOD, "type": "multi_doc"}, "needs at least two 'gold_docs'"),
        ({**UNANSWERABLE, "gold_docs": ["sources/channel.md"]}, "an unanswerable question has empty"),
    ],
)
def test_a_malformed_line_is_rejected_with_its_number(
    tmp_path: Path, bad: dict[str, Any] | str, message: str
) -> None:
    path = _write(tmp_path / "q.jsonl", [UNANSWERABLE, bad])
    with pytest.raises(DatasetError) as caught:
        load_questions(path)
    assert caught.value.line == 2
    assert f"{path}:2:" in str(caught.value)
    assert message in str(caught.value)


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path / "q.jsonl", [GOOD, UNANSWERABLE, GOOD])
    with pytest.raises(DatasetError, match=r":3: duplicate id 'q1' \(first on line 1\)"):
        load_questions(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"gold_docs": ["sources/nope.md"]}, "gold document 'sources/nope.md'"),
        ({"gold_quote": "The police chair the Channel panel."}, "not verbatim"),
        ({"gold_facts": [["the mayor"]]}, "no alternative of fact"),
    ],
)
def test_labels_are_checked_against_the_corpus(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    path = _write(tmp_path / "q.jsonl", [{**GOOD, **change}])
    load_questions(path)  # the schema alone is fine
    with pytest.raises(DatasetError, match=message):
        load_questions(path, corpus_dir=SHIPPED_CORPUS)


def test_parse_line_reports_the_given_line() -> None:
    with pytest.raises(DatasetError) as caught:
        parse_line("{}", 42, "x.jsonl")
    assert str(caught.value).startswith("x.jsonl:42: missing field(s)")


def test_subset_is_round_robin_across_types_in_file_order() -> None:
    questions = load_questions(DATASET)
    chosen = subset(questions, len(TYPES))
    assert sorted(q.type for q in chosen) == sorted(TYPES)
    positions = [questions.index(q) for q in chosen]
    assert positions == sorted(positions)
    assert subset(questions, None) == questions
    assert subset(questions, 10_000) == questions
