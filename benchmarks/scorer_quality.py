"""What answers would cost without the cross-encoder: the extractive composer scoring
sentences by the retrieval encoder's cosine instead, on every labelled question set.

The cross-encoder is ~80 % of a warm ``ask`` (see README.md, "Answers"); the only way to
the issue's 2 × target is to drop it. This measures what that does to the answers. The
composer's margins are in cross-encoder logits, so a cosine ``c`` is mapped to
``20 × (c − t)``: the threshold ``t`` plays the abstention threshold's part, and the
3-logit margins become 0.15 of cosine.

Run:
    .venv/bin/python benchmarks/scorer_quality.py [--cosine-thresholds 0.4 0.5 0.6]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from evals.harness import CtassistSystem, DocumentTexts, load_questions, run_all, summarise, workspace  # noqa: E402

QUESTION_SETS = ["questions", "heldout", "heldout2", "heldout3"]
#: Cross-encoder logits per unit of cosine.
SCALE = 20.0


def cosine_scorer(
    encode: Callable[[list[str]], np.ndarray], threshold: float
) -> Callable[[str, list[str]], list[float]]:
    """A composer scorer from the retrieval encoder: ``SCALE × (cosine − threshold)``."""

    @lru_cache(maxsize=8192)
    def vector(text: str) -> np.ndarray:
        return np.asarray(encode([text])[0])

    def score(question: str, texts: list[str]) -> list[float]:
        asked = vector(question)
        return [float(SCALE * (asked @ vector(text) - threshold)) for text in texts]

    return score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cosine-thresholds", type=float, nargs="+", default=[0.4, 0.5, 0.6])
    args = parser.parse_args()
    with workspace() as ws:
        assistant = ws.assistant
        texts = DocumentTexts(assistant)
        default_composer = assistant.composer
        variants: list[tuple[str, float | None]] = [("cross-encoder (default)", None)]
        variants += [(f"cosine, threshold {t}", t) for t in args.cosine_thresholds]
        print(
            "| scorer | set | fact recall | abstention F1 | false abstentions | wrong answers | near misses answered |"
        )
        print("|---|---|---|---|---|---|---|")
        for label, threshold in variants:
            scorer = None if threshold is None else cosine_scorer(assistant.encoder.encode, threshold)
            # ask() builds its composer per question: give it this scorer.
            assistant.composer = partial(default_composer, scorer=scorer)  # type: ignore[method-assign]
            for name in QUESTION_SETS:
                records = run_all(
                    load_questions(REPO / "evals" / f"{name}.jsonl"), [CtassistSystem(assistant)], texts
                )["ctassist"]
                summary = summarise(records)
                answerable = [r for r in records if r["type"] != "unanswerable"]
                false_abstentions = sum(r["abstained"] for r in answerable)
                wrong = sum(not r["abstained"] and r["fact_recall"] < 1 for r in answerable)
                answered = sum(not r["abstained"] for r in records if r["type"] == "unanswerable")
                print(
                    f"| {label} | {name} | {summary['fact_recall']:.3f} | {summary['abstention_f1']:.3f} "
                    f"| {false_abstentions} of {len(answerable)} | {wrong} | {answered} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
