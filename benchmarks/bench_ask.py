"""Warm ``ask`` latency against the plain LangChain recipe, and the cold start of ``ctassist ask``.

Warm (issue #3): for each corpus, in one run and on the same questions,

(a) ctassist: ``Assistant.ask(question)`` (hybrid retrieval, the extractive composer with
    its cross-encoder on a pool of sentences), after warm-up asks; wall seconds per ask,
    and the per-stage seconds of ``answer.timings`` (dense, lexical, rerank when passage
    re-ranking is on, compose);
(b) plain: the usual LangChain recipe — ``RecursiveCharacterTextSplitter(1000, 200)``, a
    ``langchain_chroma.Chroma`` store with ``ctassist.embed.Encoder`` (sentence-transformers on
    torch, as LangChain's ``HuggingFaceEmbeddings`` runs it) as its embedding
    function, ``similarity_search(question, k=4)``; wall seconds per query.

The two alternate question by question (and swap order every question), so that load from
other processes on the machine falls on both alike. Targets: ctassist p95 ≤ 100 ms at 20,000
paragraphs, and the answer step's own work (the composer's time less its cross-encoder
calls) ≤ 25 % of the ask. The plain recipe does not answer; it is the yardstick of the
machine's speed in the same run.
On the shipped corpus the retrieval of both is also scored against the gold documents of
``evals/questions.jsonl`` (share of answerable questions whose gold document is among the
documents of the top 4 results).

Cold: ``python -m ctassist.cli ask --corpus C --index I "question"`` in a new process,
against ``python -c "from sentence_transformers import SentenceTransformer;
SentenceTransformer(path)"``; median of ``--cold-runs`` runs each, alternating. Target
ratio ≤ 1.3. A third probe process times each step of a cold ask (imports, model load,
index open, re-ranker load, first ask) to show where the time goes.

Corpora: the shipped ``corpus/`` and a generated one of ``--paragraphs`` paragraphs
(``corpusgen``, as in bench_index.py). ``--quick``: shipped corpus only.

Run:
    .venv/bin/python benchmarks/bench_ask.py --quick
    .venv/bin/python benchmarks/bench_ask.py --paragraphs 20000 --work /tmp/bench-ask
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpusgen

from ctassist import Assistant
from ctassist.embed import Encoder, resolve_model_path
from ctassist.load import discover_files, load_document

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
WARM_TARGET = 2.0
COLD_TARGET = 1.3
STAGES = ("dense", "lexical", "rerank", "compose")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "mean": statistics.fmean(values),
        "p50": percentile(values, 0.5),
        "p95": percentile(values, 0.95),
    }


# --- the two systems ----------------------------------------------------------------------


class PlainRecipe:
    """RecursiveCharacterTextSplitter(1000, 200) + Chroma + similarity_search(k=4)."""

    def __init__(self, corpus: Path, directory: Path, encoder: Encoder) -> None:
        from langchain_chroma import Chroma
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        built = (directory / "done").is_file()
        self.store = Chroma(
            collection_name="plain",
            embedding_function=encoder,
            persist_directory=str(directory),
            collection_metadata={"hnsw:space": "cosine"},
        )
        if not built:
            splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
            documents = [
                Document(page_content=doc.text, metadata={"doc_id": doc.doc_id})
                for doc in (load_document(p, corpus) for p in discover_files(corpus))
            ]
            chunks = splitter.split_documents(documents)
            started = time.perf_counter()
            for start in range(0, len(chunks), 2000):
                self.store.add_documents(chunks[start : start + 2000])
            log(f"  plain recipe: {len(chunks)} chunks embedded in {time.perf_counter() - started:.0f} s")
            (directory / "done").write_text(str(len(chunks)))

    def search(self, question: str) -> list[str]:
        return [str(d.metadata["doc_id"]) for d in self.store.similarity_search(question, k=4)]


def build_ctassist(corpus: Path, index: Path) -> Assistant:
    # ctassist as shipped: its default settings (the onnx encoder, no passage re-ranking);
    # the plain recipe keeps sentence-transformers on torch, as LangChain's own
    # HuggingFaceEmbeddings would. Both give the same vectors, so one index serves either.
    assistant = Assistant(corpus_dir=corpus, index_dir=index)
    started = time.perf_counter()
    report = assistant.index()
    log(f"  ctassist index: {report.summary()} ({time.perf_counter() - started:.0f} s)")
    return assistant


# --- warm latency -------------------------------------------------------------------------


def warm_run(
    name: str, corpus: Path, work: Path, encoder: Encoder, questions: list[str], gold: dict[str, set[str]]
) -> dict[str, Any]:
    log(f"{name}: {len(questions)} questions")
    assistant = build_ctassist(corpus, work / "ctassist-index")
    plain = PlainRecipe(corpus, work / "plain-chroma", encoder)
    for question in questions[:3]:  # warm-up: models, sessions, caches
        assistant.ask(question)
        plain.search(question)
    ours: list[float] = []
    theirs: list[float] = []
    stages: dict[str, list[float]] = {stage: [] for stage in STAGES}
    hits = {"ctassist": 0, "plain": 0}
    # The cross-encoder's calls, timed, to tell the answer step's own work from the model's.
    model = {"seconds": 0.0}
    score = assistant.reranker.score

    def timed_score(query: str, texts: list[str]) -> list[float]:
        started = time.perf_counter()
        scores = score(query, texts)
        model["seconds"] += time.perf_counter() - started
        return scores

    assistant.reranker.score = timed_score  # type: ignore[method-assign]
    own: list[float] = []

    def run_ours(question: str) -> None:
        model["seconds"] = 0.0
        started = time.perf_counter()
        answer = assistant.ask(question)
        ours.append(time.perf_counter() - started)
        own.append(max(answer.timings.get("compose", 0.0) - model["seconds"], 0.0))
        for stage in STAGES:
            stages[stage].append(answer.timings.get(stage, 0.0))
        if question in gold:
            top_docs = {p.doc_id for p in answer.passages[:4]}
            hits["ctassist"] += bool(top_docs & gold[question])

    def run_theirs(question: str) -> None:
        started = time.perf_counter()
        docs = plain.search(question)
        theirs.append(time.perf_counter() - started)
        if question in gold:
            hits["plain"] += bool(set(docs) & gold[question])

    for i, question in enumerate(questions):
        runs: list[Callable[[str], None]] = [run_ours, run_theirs] if i % 2 == 0 else [run_theirs, run_ours]
        for run in runs:
            run(question)
    result: dict[str, Any] = {
        "corpus": name,
        "chunks": {"ctassist": assistant.store.count(), "plain": plain.store._collection.count()},
        "ctassist": summary(ours),
        "plain": summary(theirs),
        "stages": {stage: summary(values) for stage, values in stages.items()},
        "answer_own": summary(own),
        "answer_own_share": sum(own) / sum(ours),
    }
    result["ratio_p95"] = result["ctassist"]["p95"] / result["plain"]["p95"]
    result["ratio_p50"] = result["ctassist"]["p50"] / result["plain"]["p50"]
    if gold:
        answerable = sum(1 for q in questions if q in gold)
        result["gold_doc_in_top4"] = {k: v / answerable for k, v in hits.items()}
    if assistant._store is not None:
        assistant._store.client.close()
    return result


# --- cold start ---------------------------------------------------------------------------

PROBE = r"""
import sys, time, json
t0 = time.perf_counter(); marks = {}
def mark(name):
    marks[name] = time.perf_counter() - t0
import ctassist.cli
mark("import ctassist.cli")
from ctassist.assistant import Assistant
a = Assistant(corpus_dir=sys.argv[1], index_dir=sys.argv[2])
mark("Assistant()")
a.encoder.model
mark("embedding model loaded")
a.store.count()
mark("Chroma opened")
a.retriever
mark("retriever (BM25 loaded)")
a.reranker._load()
mark("cross-encoder loaded")
a.ask(sys.argv[3])
mark("first ask answered")
print(json.dumps(marks))
"""


def _seconds(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{command[:4]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed


def cold_run(corpus: Path, index: Path, question: str, runs: int) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTASSIST_")}
    env["HF_HUB_OFFLINE"] = "1"
    python = sys.executable
    ask = [python, "-m", "ctassist.cli", "ask", "--corpus", str(corpus), "--index", str(index), question]
    model = resolve_model_path("all-MiniLM-L6-v2")
    load = [
        python,
        "-c",
        f"from sentence_transformers import SentenceTransformer; SentenceTransformer({model!r})",
    ]
    asks: list[float] = []
    loads: list[float] = []
    for i in range(runs):
        order = [(ask, asks), (load, loads)] if i % 2 == 0 else [(load, loads), (ask, asks)]
        for command, into in order:
            into.append(_seconds(command, env))
        log(f"  cold run {i + 1}: ask {asks[-1]:.1f} s, import+load {loads[-1]:.1f} s")
    probe = subprocess.run(
        [python, "-c", PROBE, str(corpus), str(index), question],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    steps = json.loads(probe.stdout.strip().splitlines()[-1]) if probe.returncode == 0 else {}
    return {
        "ask": summary(asks),
        "import_and_load": summary(loads),
        "ratio": statistics.median(asks) / statistics.median(loads),
        "steps": steps,
    }


# --- questions ----------------------------------------------------------------------------


def shipped_questions() -> tuple[list[str], dict[str, set[str]]]:
    rows = [
        json.loads(line) for line in (REPO / "evals" / "questions.jsonl").read_text().splitlines() if line
    ]
    questions = [r["question"] for r in rows if not r.get("history")]
    gold = {r["question"]: set(r["gold_docs"]) for r in rows if r["gold_docs"] and not r.get("history")}
    return questions, gold


def generated_questions(corpus: Path, count: int) -> list[str]:
    _, texts = corpusgen.corpus_chunks(corpus)
    questions = corpusgen.queries(texts, count=max(count, 2))
    random.Random(corpusgen.DEFAULT_SEED).shuffle(questions)
    return questions[:count]


# --- report -------------------------------------------------------------------------------


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| corpus | chunks (ctassist / plain) | ctassist p50 | ctassist p95 (target ≤ 100 ms) | plain p50 | plain p95 "
        "| p95 ratio | answer step's own work (target ≤ 25 %) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['corpus']} | {r['chunks']['ctassist']} / {r['chunks']['plain']} | "
            f"{r['ctassist']['p50'] * 1000:.0f} ms | {r['ctassist']['p95'] * 1000:.0f} ms | "
            f"{r['plain']['p50'] * 1000:.0f} ms | {r['plain']['p95'] * 1000:.0f} ms | {r['ratio_p95']:.1f}× | "
            f"{r['answer_own_share']:.0%} |"
        )
    lines += ["", "| corpus | stage | mean | p50 | p95 |", "|---|---|---|---|---|"]
    for r in results:
        for stage, s in r["stages"].items():
            lines.append(
                f"| {r['corpus']} | {stage} | {s['mean'] * 1000:.0f} ms | {s['p50'] * 1000:.0f} ms | "
                f"{s['p95'] * 1000:.0f} ms |"
            )
    for r in results:
        if "gold_doc_in_top4" in r:
            g = r["gold_doc_in_top4"]
            lines.append(
                f"\n{r['corpus']}: gold document among the top-4 results: ctassist {g['ctassist']:.0%}, "
                f"plain {g['plain']:.0%}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Warm and cold ask latency against the plain LangChain recipe."
    )
    parser.add_argument("--paragraphs", type=int, default=20000, help="size of the generated corpus")
    parser.add_argument("--quick", action="store_true", help="shipped corpus only")
    parser.add_argument("--questions", type=int, default=60, help="questions per generated corpus")
    parser.add_argument(
        "--shipped-questions", type=int, default=40, help="questions of evals/questions.jsonl to ask"
    )
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-start measurement")
    parser.add_argument(
        "--work", type=Path, help="keep built corpora and indexes here (reused by later runs)"
    )
    args = parser.parse_args(argv)

    scratch = args.work or Path(tempfile.mkdtemp(prefix="bench-ask-"))
    scratch.mkdir(parents=True, exist_ok=True)
    encoder = Encoder(backend="torch")  # the plain recipe's embeddings
    _ = encoder.model
    results: list[dict[str, Any]] = []

    shipped = scratch / "shipped"
    if not (shipped / "corpus").is_dir():
        shutil.copytree(REPO / "corpus", shipped / "corpus")
    questions, gold = shipped_questions()
    questions = random.Random(corpusgen.DEFAULT_SEED).sample(
        questions, min(args.shipped_questions, len(questions))
    )
    results.append(warm_run("shipped", shipped / "corpus", shipped, encoder, questions, gold))

    if not args.quick:
        generated = scratch / f"generated-{args.paragraphs}"
        if not (generated / "corpus").is_dir():
            corpusgen.write_corpus(generated / "corpus", args.paragraphs)
        questions = generated_questions(generated / "corpus", args.questions)
        results.append(
            warm_run(f"generated {args.paragraphs}", generated / "corpus", generated, encoder, questions, {})
        )

    cold: dict[str, Any] | None = None
    if not args.no_cold:
        log("cold start")
        cold = cold_run(
            shipped / "corpus", shipped / "ctassist-index", "Who chairs a Channel panel?", args.cold_runs
        )

    print(table(results))
    if cold is not None:
        print(
            f"\ncold `ctassist ask` median {cold['ask']['p50']:.1f} s; import sentence-transformers + load "
            f"model median {cold['import_and_load']['p50']:.1f} s; ratio {cold['ratio']:.2f} (target ≤ {COLD_TARGET})"
        )
        previous = 0.0
        for step, at in cold["steps"].items():
            print(f"  {step:28s} {at - previous:6.2f} s  (at {at:.2f} s)")
            previous = at
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"ask-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "load": os.getloadavg(),
                },
                "warm": results,
                "cold": cold,
            },
            indent=2,
        )
    )
    print(f"\nresults: {out}")
    if args.work is None:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
