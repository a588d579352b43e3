"""Running the systems over the questions and scoring every answer."""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals._dataset import TYPES, Question
from evals._metrics import (
    abstention_prf,
    citation_scores,
    fact_recall,
    is_verbatim,
    matched_facts,
    mean,
    ndcg_at_k,
    percentile,
    recall_at_k,
    reciprocal_rank,
)
from evals._systems import Output, System

if TYPE_CHECKING:
    from ctassist import Assistant

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO / "corpus"
WARM_UP_QUESTION = "What is Prevent?"

#: Summary metrics, in report order, with whether higher is better.
METRICS: dict[str, bool] = {
    "recall_at_1": True,
    "recall_at_5": True,
    "recall_at_10": True,
    "mrr_at_10": True,
    "ndcg_at_10": True,
    "fact_recall": True,
    "citation_precision": True,
    "citation_recall": True,
    "cited_on_gold_doc": True,
    "abstention_precision": True,
    "abstention_recall": True,
    "abstention_f1": True,
    "false_abstention_rate": False,
    "latency_p50_s": False,
    "latency_p95_s": False,
}

LABELS: dict[str, str] = {
    "recall_at_1": "recall@1",
    "recall_at_5": "recall@5",
    "recall_at_10": "recall@10",
    "mrr_at_10": "MRR@10",
    "ndcg_at_10": "nDCG@10",
    "fact_recall": "fact recall",
    "citation_precision": "citation precision",
    "citation_recall": "citation recall",
    "cited_on_gold_doc": "citations on gold doc",
    "abstention_precision": "abstention precision",
    "abstention_recall": "abstention recall",
    "abstention_f1": "abstention F1",
    "false_abstention_rate": "false abstentions",
    "latency_p50_s": "latency p50 (s)",
    "latency_p95_s": "latency p95 (s)",
}


class SetupError(Exception):
    """The corpus or index cannot be evaluated; the message says why."""


def log(message: str) -> None:
    """Progress on stderr (the report goes to files)."""
    print(f"evals: {message}", file=sys.stderr, flush=True)


@dataclass
class Workspace:
    """The assistant under test, on an index built once for this run.

    Attributes:
        assistant: The ctassist assistant.
        corpus_dir: The corpus evaluated.
        index_dir: The index queried.
        tmp: Scratch folder of this run (removed by :func:`workspace`).
        index_build_s: Seconds of ``assistant.index(rebuild=True)`` on a temporary index.
        index_chunks: Chunks in the index.
    """

    assistant: Assistant
    corpus_dir: Path
    index_dir: Path
    tmp: Path
    index_build_s: float
    index_chunks: int
    notes: list[str] = field(default_factory=list)


@contextlib.contextmanager
def workspace(corpus_dir: Path | None = None, index_dir: Path | None = None) -> Iterator[Workspace]:
    """Opens an assistant on a fresh temporary index built from ``corpus_dir`` (timed).

    With ``index_dir``, that index is queried as it is, and the build is timed on a
    temporary index instead, so the user's index is never rebuilt. ``CTASSIST_*``
    variables apply, except the corpus and index locations (and ``chroma_url``: the
    evaluation always uses an embedded index).

    Yields:
        The workspace; its temporary folder is removed afterwards.
    """
    from ctassist import Assistant

    corpus = (corpus_dir or DEFAULT_CORPUS).resolve()
    if not (corpus / "sources").is_dir() and not (corpus / "notes").is_dir():
        raise SetupError(f"{corpus} has no sources/ or notes/ folder")
    tmp = Path(tempfile.mkdtemp(prefix="ctassist-evals-"))
    opened: list[Assistant] = []
    try:
        timed = Assistant(corpus_dir=corpus, index_dir=tmp / "index", chroma_url="")
        opened.append(timed)
        log("loading the embedding model")
        _ = timed.encoder.model  # loaded before timing: the build time excludes the model load
        log(f"building a temporary index of {corpus}")
        started = time.perf_counter()
        report = timed.index(rebuild=True)
        build = time.perf_counter() - started
        notes: list[str] = []
        if report.skipped:
            notes.append(f"the index build skipped {len(report.skipped)} file(s)")
        if index_dir is None:
            assistant, used = timed, tmp / "index"
        else:
            used = index_dir.resolve()
            if not (used / "chroma").is_dir():
                raise SetupError(f"{used} holds no index (no chroma/ folder)")
            assistant = Assistant(corpus_dir=corpus, index_dir=used, chroma_url="")
            opened.append(assistant)
            notes.append(f"queries ran on the given index {used}; build time measured on a temporary index")
        chunks = assistant.store.count()
        if chunks == 0:
            raise SetupError("the index is empty")
        yield Workspace(assistant, corpus, used, tmp, build, chunks, notes)
    finally:
        for opened_assistant in opened:
            with contextlib.suppress(Exception):  # a client that never opened has nothing to close
                opened_assistant.store.client.close()
        shutil.rmtree(tmp, ignore_errors=True)


class DocumentTexts:
    """The texts a quote must be verbatim in: the loaded document and, for ``.md`` and
    ``.txt``, the raw file (line endings normalised); cached per document."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._cache: dict[str, list[str]] = {}

    def __call__(self, doc: str) -> list[str]:
        if doc not in self._cache:
            from ctassist.errors import CtassistError

            texts: list[str] = []
            try:
                texts.append(self.assistant.document(doc).text)
            except CtassistError:
                texts = []
            path = self.assistant.settings.corpus_dir / doc
            if texts and path.suffix.lower() in {".md", ".markdown", ".txt"}:
                raw = path.read_bytes().decode("utf-8", errors="replace")
                texts.append(raw.replace("\r\n", "\n").replace("\r", "\n"))
            self._cache[doc] = texts
        return self._cache[doc]


def score(question: Question, output: Output, texts: Callable[[str], list[str]]) -> dict[str, Any]:
    """Every per-question number for one system's output, as a JSON-ready dict."""
    record: dict[str, Any] = {
        "id": question.id,
        "type": question.type,
        "answer": output.answer,
        "abstained": output.abstained,
        "mode": output.mode,
        "standalone": output.standalone,
        "ranked_docs": output.ranked_docs,
        "latency_s": round(output.latency, 4),
    }
    if output.notes:
        record["notes"] = output.notes
    if question.answerable:
        ranked, gold = output.ranked_docs, question.gold_docs
        record.update(
            {
                "recall_at_1": recall_at_k(ranked, gold, 1),
                "recall_at_5": recall_at_k(ranked, gold, 5),
                "recall_at_10": recall_at_k(ranked, gold, 10),
                "mrr_at_10": reciprocal_rank(ranked, gold, 10),
                "ndcg_at_10": ndcg_at_k(ranked, gold, 10),
                "fact_recall": fact_recall(output.answer, question.gold_facts, abstained=output.abstained),
                "missing_facts": [
                    list(fact)
                    for fact, hit in zip(
                        question.gold_facts, matched_facts(output.answer, question.gold_facts), strict=True
                    )
                    if output.abstained or not hit
                ],
            }
        )
    verbatim = {c.n: is_verbatim(c.quote, texts(c.doc)) for c in output.citations}
    quotes = {c.n: c.quote for c in output.citations}
    if not output.abstained and output.sentences:
        scores = citation_scores(output.sentences, quotes, verbatim)
        record["citation_precision"] = scores.precision
        record["citation_recall"] = scores.recall
        record["sentences"] = [
            {"text": s.text, "markers": list(s.markers), "supported": ok}
            for s, ok in zip(output.sentences, scores.supported, strict=True)
        ]
        precise = scores.precise
    else:
        record["citation_precision"] = record["citation_recall"] = None
        precise = {}
    record["citations"] = [
        {
            "n": c.n,
            "doc": c.doc,
            "quote": c.quote,
            "verbatim": verbatim[c.n],
            "precise": precise.get(c.n, False),
            "gold_doc": c.doc in question.gold_docs,
        }
        for c in output.citations
    ]
    return record


def run_all(
    questions: Sequence[Question], systems: Sequence[System], texts: Callable[[str], list[str]]
) -> dict[str, list[dict[str, Any]]]:
    """Runs every system on every question, side by side (question by question, the
    systems in turn) so that machine load weighs on all latencies alike.

    Each system first answers a warm-up question that is not scored.

    Returns:
        Per system, the scored records in question order.
    """
    warm = Question("warm-up", WARM_UP_QUESTION, "answerable", ("-",), (("-",),), "-")
    for system in systems:
        system.run(warm)
    results: dict[str, list[dict[str, Any]]] = {s.name: [] for s in systems}
    started = time.perf_counter()
    for i, question in enumerate(questions, start=1):
        for system in systems:
            results[system.name].append(score(question, system.run(question), texts))
        if i % 10 == 0 or i == len(questions):
            log(f"{i}/{len(questions)} questions ({time.perf_counter() - started:.0f} s)")
    return results


def summarise(records: Sequence[dict[str, Any]]) -> dict[str, float | int]:
    """The summary metrics of one system over the given per-question records."""
    answerable = [r for r in records if r["type"] != "unanswerable"]
    cited = [r for r in records if r["citation_precision"] is not None]
    prf = abstention_prf([r["abstained"] for r in records], [r["type"] == "unanswerable" for r in records])
    latencies = [r["latency_s"] for r in records]
    summary: dict[str, float | int] = {
        key: mean(r[key] for r in answerable)
        for key in ("recall_at_1", "recall_at_5", "recall_at_10", "mrr_at_10", "ndcg_at_10", "fact_recall")
    }
    summary.update(
        {
            "citation_precision": mean(r["citation_precision"] for r in cited),
            "citation_recall": mean(r["citation_recall"] for r in cited),
            "abstention_precision": prf.precision,
            "abstention_recall": prf.recall,
            "abstention_f1": prf.f1,
            "false_abstention_rate": mean(1.0 if r["abstained"] else 0.0 for r in answerable),
            "latency_p50_s": percentile(latencies, 50),
            "latency_p95_s": percentile(latencies, 95),
            "latency_mean_s": mean(latencies),
            "cited_on_gold_doc": mean(
                1.0 if c["gold_doc"] else 0.0
                for r in answerable
                if not r["abstained"]
                for c in r["citations"]
            ),
            "questions": len(records),
            "answerable": len(answerable),
            "unanswerable": len(records) - len(answerable),
            "cited_answers": len(cited),
            "abstentions": sum(1 for r in records if r["abstained"]),
            "abstention_tp": prf.tp,
            "abstention_fp": prf.fp,
            "abstention_fn": prf.fn,
        }
    )
    return summary


def per_type(records: Sequence[dict[str, Any]]) -> dict[str, dict[str, float | int]]:
    """Per question type: count, recall@5, MRR@10, fact recall, abstention rate and
    citation precision (retrieval and facts only where the type is answerable)."""
    out: dict[str, dict[str, float | int]] = {}
    for kind in TYPES:
        rows = [r for r in records if r["type"] == kind]
        if not rows:
            continue
        cited = [r for r in rows if r["citation_precision"] is not None]
        entry: dict[str, float | int] = {
            "n": len(rows),
            "abstain_rate": mean(1.0 if r["abstained"] else 0.0 for r in rows),
        }
        if cited:
            entry["citation_precision"] = mean(r["citation_precision"] for r in cited)
        if kind != "unanswerable":
            entry.update(
                {
                    "recall_at_5": mean(r["recall_at_5"] for r in rows),
                    "mrr_at_10": mean(r["mrr_at_10"] for r in rows),
                    "fact_recall": mean(r["fact_recall"] for r in rows),
                }
            )
        out[kind] = entry
    return out


def failures(questions: Sequence[Question], records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Questions a system got wrong: answerable ones with a missed fact or a wrong
    abstention, unanswerable ones it answered."""
    by_id = {q.id: q for q in questions}
    out: list[dict[str, Any]] = []
    for record in records:
        question = by_id[record["id"]]
        if question.answerable:
            if record["abstained"]:
                why = "abstained on an answerable question"
            elif record["fact_recall"] < 1.0:
                missed = "; ".join(" / ".join(f) for f in record["missing_facts"])
                why = f"missed fact(s): {missed}"
            else:
                continue
        elif not record["abstained"]:
            why = "answered an unanswerable question"
        else:
            continue
        out.append(
            {
                "id": question.id,
                "type": question.type,
                "question": question.question,
                "why": why,
                "answer": record["answer"],
                "gold_docs": list(question.gold_docs),
                "top_docs": record["ranked_docs"][:3],
                "recall_at_5": record.get("recall_at_5"),
            }
        )
    return out
