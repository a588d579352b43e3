"""Ways to run the cross-encoder on a question's sentences: speed, and what they do to answers.

The cross-encoder (~80 % of a warm ``ask``) runs each question's candidate sentences as one
padded batch on all cores. Two other ways use the cores across pairs instead of inside
one (each pair on one thread, side by side):

- ``each pair alone``: every (question, sentence) pair is its own run;
- ``halves``: the pairs split into two batches.

Speed: the pairs the cross-encoder scores while answering ``evals/questions.jsonl`` are
recorded, then every way runs every question's pairs in turn (rotating which goes first);
total and per-question milliseconds. The model quantises its activations per run, so a
pair's score depends on the other pairs in its run: the largest difference from the
batch's scores is shown too.

Quality (``--quality``): every labelled set answered with the batch and with each pair
alone, side by side in one run: false abstentions, answers with the wrong facts, and
unanswerable questions answered.

Run:
    .venv/bin/python benchmarks/bench_rerank.py [--quality]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from evals.harness import CtassistSystem, DocumentTexts, load_questions, run_all, workspace  # noqa: E402

Calls = list[tuple[str, list[str]]]


def single_threaded_scorer(model_dir: Path) -> Callable[[str, list[list[str]]], list[float]]:
    """Scores groups of texts for a query, each group one run, groups side by side."""
    import onnxruntime
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=256, strategy="only_second")
    tokenizer.enable_padding()
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(model_dir / "model.onnx"), options)
    pool = ThreadPoolExecutor(2)

    def run(query: str, texts: list[str]) -> list[float]:
        batch = tokenizer.encode_batch([(query, text) for text in texts])
        feeds = {
            name: np.array([getattr(e, field) for e in batch], dtype=np.int64)
            for name, field in (
                ("input_ids", "ids"),
                ("attention_mask", "attention_mask"),
                ("token_type_ids", "type_ids"),
            )
        }
        return [float(x) for x in session.run(None, feeds)[0].reshape(-1)]

    def score(query: str, groups: list[list[str]]) -> list[float]:
        return [
            s
            for scores in pool.map(lambda group: run(query, group), [g for g in groups if g])
            for s in scores
        ]

    return score


def record_calls(assistant: Any, questions: list[str]) -> Calls:
    calls: Calls = []
    score = assistant.reranker.score

    def recording(query: str, texts: list[str]) -> list[float]:
        calls.append((query, list(texts)))
        return score(query, texts)  # type: ignore[no-any-return]

    assistant.reranker.score = recording
    for question in questions:
        assistant.ask(question)
    assistant.reranker.score = score
    return calls


def speed(assistant: Any, calls: Calls, rounds: int) -> None:
    grouped = single_threaded_scorer(assistant.reranker.model_dir)
    ways: dict[str, Callable[[str, list[str]], list[float]]] = {
        "one batch, all cores (ctassist)": assistant.reranker.score,
        "each pair alone, side by side": lambda q, texts: grouped(q, [[t] for t in texts]),
        "halves, side by side": lambda q, texts: grouped(
            q, [texts[: (len(texts) + 1) // 2], texts[(len(texts) + 1) // 2 :]]
        ),
    }
    names = list(ways)
    times: dict[str, list[float]] = {name: [] for name in names}
    differences: dict[str, float] = dict.fromkeys(names, 0.0)
    for round_ in range(rounds):
        for i, (query, texts) in enumerate(calls):
            order = names[(i + round_) % len(names) :] + names[: (i + round_) % len(names)]
            scores: dict[str, list[float]] = {}
            for name in order:
                started = time.perf_counter()
                scores[name] = ways[name](query, texts)
                times[name].append(1000 * (time.perf_counter() - started))
            for name in names:
                gap = max(abs(a - b) for a, b in zip(scores[name], scores[names[0]], strict=True))
                differences[name] = max(differences[name], gap)
    print(f"{len(calls)} cross-encoder calls, {sum(len(t) for _, t in calls)} pairs, {rounds} rounds\n")
    print("| way | total | × batch | p50 per call | p95 per call | largest score difference |")
    print("|---|---|---|---|---|---|")
    base = sum(times[names[0]])
    for name in names:
        ordered = sorted(times[name])
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(
            f"| {name} | {sum(ordered):.0f} ms | {sum(ordered) / base:.2f} | {statistics.median(ordered):.1f} ms "
            f"| {p95:.1f} ms | {differences[name]:.2f} logits |"
        )


def quality(assistant: Any) -> None:
    grouped = single_threaded_scorer(assistant.reranker.model_dir)
    batch = assistant.reranker.score
    sets = sorted((REPO / "evals").glob("*.jsonl"), key=lambda p: (len(p.stem), p.stem))
    texts = DocumentTexts(assistant)
    print("\n| scoring | set | false abstentions | wrong facts | unanswerable answered |")
    print("|---|---|---|---|---|")
    for label, score in (
        ("one batch", batch),
        ("each pair alone", lambda q, t: grouped(q, [[x] for x in t])),
    ):
        assistant.reranker.score = score
        totals = [0, 0, 0]
        for path in sets:
            records = run_all(load_questions(path), [CtassistSystem(assistant)], texts)["ctassist"]
            answerable = [r for r in records if r["type"] != "unanswerable"]
            row = [
                sum(r["abstained"] for r in answerable),
                sum(not r["abstained"] and r["fact_recall"] < 1 for r in answerable),
                sum(not r["abstained"] for r in records if r["type"] == "unanswerable"),
            ]
            totals = [a + b for a, b in zip(totals, row, strict=True)]
            print(f"| {label} | {path.stem} | {row[0]} | {row[1]} | {row[2]} |", flush=True)
        print(f"| {label} | **all** | {totals[0]} | {totals[1]} | {totals[2]} |", flush=True)
    assistant.reranker.score = batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="times each way runs every call")
    parser.add_argument("--quality", action="store_true", help="also answer every labelled set both ways")
    args = parser.parse_args()
    with workspace() as ws:
        questions = [q.question for q in load_questions(REPO / "evals" / "questions.jsonl")]
        calls = record_calls(ws.assistant, questions)
        speed(ws.assistant, calls, args.rounds)
        if args.quality:
            quality(ws.assistant)


if __name__ == "__main__":
    main()
