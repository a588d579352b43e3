"""Runs the held-out records questions once against ctassist and scores the answers.

The corpus (``evals/records/corpus``) is indexed into a temporary folder, every question of
``evals/records/questions.jsonl`` is asked with no filters and no history, and the results
are written to ``--out`` (the one recorded first run is ``evals/records/first_run.json``,
which this never overwrites). Scores:

- fact recall: share of ``expect_facts`` found, case-insensitively, in the answer's text. A
  fact written as an ISO date (``2026-10-14``) also counts when the answer writes the same
  date in words (``14 October 2026`` or ``October 14, 2026``), since both state the date.
- doc recall: share of ``expect_docs`` among the basenames of the cited documents.
- group leak: the question names a group and a citation comes from a note of the other
  group (the group is read from each note's front matter).
- empty/abstain: for ``expect_empty`` and ``kind: "none"`` questions, whether the answer
  abstained (``answer.abstained``) and, separately, whether its text says the records hold
  nothing (one of ``NOTHING_PHRASES``); it is correct when either holds.

Usage: ``HF_HUB_OFFLINE=1 PYTHONPATH=. python -m evals.records.run_once``
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from ctassist import Assistant

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
QUESTIONS = HERE / "questions.jsonl"
OUT = HERE / "first_run.json"

# How the answer's text is judged to say "the records hold nothing matching"; fixed before
# the run and reported with the results.
NOTHING_PHRASES: tuple[str, ...] = (
    "record no ",
    "records no ",
    "recorded no ",
    "no record",
    "not recorded",
    "no matching",
    "nothing",
    "no notes",
    "no meeting",
    "no open action",
    "no actions",
    "no decisions",
    "does not cover",
    "do not cover",
    "not covered",
)


@dataclass
class Result:
    """The scores of one question's answer."""

    id: str
    question: str
    kind: str
    group: str | None
    expect_empty: bool
    answer: str
    abstained: bool
    mode: str
    scope: dict[str, Any]
    cited_docs: list[str]
    facts_found: list[str] = field(default_factory=list)
    facts_missed: list[str] = field(default_factory=list)
    fact_recall: float | None = None
    docs_missed: list[str] = field(default_factory=list)
    doc_recall: float | None = None
    leaked_docs: list[str] = field(default_factory=list)
    says_nothing: bool = False
    empty_correct: bool | None = None
    seconds: float = 0.0


def note_groups(corpus: Path) -> dict[str, str]:
    """Maps each note's file name to its ``group`` as written in its front matter."""
    groups: dict[str, str] = {}
    for path in sorted((corpus / "notes").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if not text.startswith("---"):
            continue
        header = yaml.safe_load(text.split("---", 2)[1])
        if isinstance(header, dict) and isinstance(header.get("group"), str):
            groups[path.name] = header["group"]
    return groups


def date_forms(fact: str) -> list[str]:
    """The ways a fact may be written: itself, and for an ISO date the date in words."""
    try:
        day = date.fromisoformat(fact)
    except ValueError:
        return [fact]
    return [fact, f"{day.day} {day:%B %Y}", f"{day:%B} {day.day}, {day.year}"]


def contains_fact(text: str, fact: str) -> bool:
    lowered = text.lower()
    return any(form.lower() in lowered for form in date_forms(fact))


def score(item: dict[str, Any], answer: Any, seconds: float, groups: dict[str, str]) -> Result:
    cited = sorted({PurePosixPath(c.doc).name for c in answer.citations})
    result = Result(
        id=item["id"],
        question=item["question"],
        kind=item["kind"],
        group=item["group"],
        expect_empty=item["expect_empty"],
        answer=answer.text,
        abstained=answer.abstained,
        mode=answer.mode,
        scope={k: v for k, v in answer.scope.items() if isinstance(v, str | int | float | bool | None)},
        cited_docs=cited,
        seconds=round(seconds, 2),
    )
    facts: list[str] = item["expect_facts"]
    if facts:
        result.facts_found = [f for f in facts if contains_fact(answer.text, f)]
        result.facts_missed = [f for f in facts if f not in result.facts_found]
        result.fact_recall = len(result.facts_found) / len(facts)
    docs: list[str] = item["expect_docs"]
    if docs:
        result.docs_missed = [d for d in docs if d not in cited]
        result.doc_recall = 1 - len(result.docs_missed) / len(docs)
    if item["group"] is not None:
        result.leaked_docs = [d for d in cited if groups.get(d, item["group"]) != item["group"]]
    lowered = answer.text.lower()
    result.says_nothing = any(phrase in lowered for phrase in NOTHING_PHRASES)
    if item["expect_empty"] or item["kind"] == "none":
        result.empty_correct = result.abstained or result.says_nothing
    return result


def mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def summarise(results: list[Result]) -> dict[str, Any]:
    answerable = [r for r in results if r.kind == "records" and not r.expect_empty]
    empty = [r for r in results if r.expect_empty]
    none = [r for r in results if r.kind == "none"]
    grouped = [r for r in results if r.group is not None]
    fact_total = sum(len(r.facts_found) + len(r.facts_missed) for r in results)
    return {
        "questions": len(results),
        "answerable_records": len(answerable),
        "fact_recall_micro": round(sum(len(r.facts_found) for r in results) / fact_total, 3),
        "fact_recall_macro": mean([r.fact_recall for r in results if r.fact_recall is not None]),
        "all_facts_found": sum(1 for r in results if r.fact_recall == 1.0),
        "with_facts": sum(1 for r in results if r.fact_recall is not None),
        "doc_recall_macro": mean([r.doc_recall for r in results if r.doc_recall is not None]),
        "all_docs_cited": sum(1 for r in results if r.doc_recall == 1.0),
        "with_docs": sum(1 for r in results if r.doc_recall is not None),
        "answerable_abstained": sum(1 for r in answerable if r.abstained),
        "group_scoped": len(grouped),
        "group_leaks": sum(1 for r in grouped if r.leaked_docs),
        "expect_empty": len(empty),
        "expect_empty_abstained": sum(1 for r in empty if r.abstained),
        "expect_empty_says_nothing": sum(1 for r in empty if r.says_nothing),
        "expect_empty_correct": sum(1 for r in empty if r.empty_correct),
        "none": len(none),
        "none_abstained": sum(1 for r in none if r.abstained),
        "none_says_nothing": sum(1 for r in none if r.says_nothing),
        "none_correct": sum(1 for r in none if r.empty_correct),
        "modes": {m: sum(1 for r in results if r.mode == m) for m in sorted({r.mode for r in results})},
        "empty_judged_by": "answer.abstained, or the text contains one of: " + ", ".join(NOTHING_PHRASES),
        "seconds_total": round(sum(r.seconds for r in results), 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m evals.records.run_once", description=__doc__)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(tempfile.gettempdir()) / "records-run.json",
        help="where to write the results (the recorded first run, first_run.json, is never overwritten)",
    )
    out: Path = parser.parse_args(argv).out
    if out.resolve() == OUT.resolve():
        raise SystemExit(f"{out}: that is the recorded first run; write elsewhere")
    items = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    groups = note_groups(CORPUS)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="records-heldout-") as index_dir:
        assistant = Assistant(corpus_dir=CORPUS, index_dir=index_dir)
        print(assistant.index().summary())
        for item in items:
            start = time.perf_counter()
            answer = assistant.ask(item["question"])
            results.append(score(item, answer, time.perf_counter() - start, groups))
            print(f"{item['id']}: {results[-1].fact_recall} {results[-1].doc_recall} {answer.abstained}")
    summary = summarise(results)
    out.write_text(
        json.dumps({"summary": summary, "results": [asdict(r) for r in results]}, indent=2) + "\n",
        encoding="utf-8",
    )
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
