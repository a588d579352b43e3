"""Streamed generative answers: time to the first shown sentence against time to the whole answer.

For each of ``--questions`` answerable questions of ``evals/questions.jsonl`` (in file order),
in one run, with ``CTASSIST_LLM=gguf`` (SmolLM2-135M through llama-cpp-python, 2 threads):
``Assistant.stream(question)`` is read to its end, and the wall seconds from the call to the
first piece (the first generated sentence that passed verification, or the quoted answer's
first sentence when none did) and to the last piece are recorded, with the process CPU
seconds. The ratio first ÷ whole is per question, then summarised (median, mean) over the
generative answers (those whose first piece was a generated sentence) and over all answers.
Both times come from the same stream, so load from other jobs on the machine falls on both
alike. One warm-up question runs first (model load, first llama.cpp context).

Run:
    .venv/bin/python benchmarks/bench_stream.py --questions 10
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ctassist import Assistant

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"


def questions(limit: int) -> list[str]:
    rows = [
        json.loads(line) for line in (REPO / "evals" / "questions.jsonl").read_text().splitlines() if line
    ]
    return [row["question"] for row in rows if row["type"] == "answerable"][:limit]


def timed(assistant: Assistant, question: str) -> dict[str, Any]:
    started, cpu = time.perf_counter(), time.process_time()
    stream = assistant.stream(question)
    first: float | None = None
    pieces = 0
    for _ in stream:
        pieces += 1
        if first is None:
            first = time.perf_counter() - started
    whole = time.perf_counter() - started
    answer = stream.answer
    assert answer is not None and first is not None
    return {
        "question": question,
        "mode": answer.mode,
        "pieces": pieces,
        "first_s": round(first, 3),
        "whole_s": round(whole, 3),
        "ratio": round(first / whole, 3),
        "generate_s": round(answer.timings.get("generate", 0.0), 3),
        "cpu_s": round(time.process_time() - cpu, 3),
        "removed_sentences": answer.removed_sentences,
    }


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    if not rows:
        return {"n": 0}
    ratios = [r["ratio"] for r in rows]
    return {
        "n": len(rows),
        "first_s_median": round(statistics.median(r["first_s"] for r in rows), 3),
        "whole_s_median": round(statistics.median(r["whole_s"] for r in rows), 3),
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_mean": round(statistics.fmean(ratios), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10, help="answerable questions of evals to ask")
    parser.add_argument("--work", type=Path, default=None, help="folder for the index (a tmp one by default)")
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-stream-"))
    corpus = work / "corpus"
    if not corpus.exists():
        shutil.copytree(REPO / "corpus", corpus)
    assistant = Assistant(corpus_dir=corpus, index_dir=work / "index", llm="gguf")
    assistant.index()
    asked = questions(args.questions)
    timed(assistant, asked[0])  # warm-up: the model's load and first context
    rows = [timed(assistant, question) for question in asked]
    for row in rows:
        print(
            f"{row['mode']:<10} first {row['first_s']:6.2f} s  whole {row['whole_s']:6.2f} s  "
            f"ratio {row['ratio']:.2f}  pieces {row['pieces']}  {row['question'][:60]}"
        )
    generative = [r for r in rows if r["mode"] == "generative"]
    report = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "command": " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]),
        "generative": summary(generative),
        "all": summary(rows),
        "rows": rows,
    }
    print(json.dumps({k: report[k] for k in ("generative", "all")}, indent=2))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"stream-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
