"""``python -m evals.calibrate``: pick ctassist's abstention threshold from the question set.

ctassist abstains when the best candidate sentence's cross-encoder score (its logit with
its title and section before it, see ``ExtractiveComposer``) is below ``abstain_threshold``,
and also when the evidence misses a specific term, the kind of answer asked for, or a
condition of the question — checks whose evidence (the sentences above the threshold)
moves with the threshold. So this composes every question's answer exactly as
``Assistant.ask`` would (follow-ups resolved, the same passages, "the other ..." answers
excluded) at every candidate threshold. It chooses the threshold that makes the most
right decisions on a calibration split (questions at even 0-based positions of the
files, taken in order): an abstention on an unanswerable question, or an answer that holds
the gold facts of an answerable one, less the answers without them (a wrong answer is
quoted as readily as a right one). It reports abstention F1 on the held-out split (odd
positions). Give several ``--questions`` files to calibrate on more questions than one
set holds.

Exit codes: 0 done; 2 bad arguments, question set, corpus or index.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ctassist.errors import CtassistError
from evals._dataset import DATASET, DatasetError, Question, load_questions
from evals._metrics import PRF, abstention_prf, best_threshold, candidate_thresholds, fact_recall
from evals._run import DEFAULT_CORPUS, SetupError, log, workspace

if TYPE_CHECKING:
    from ctassist import Assistant


#: Thresholds shown in the trade-off table, beside the current and recommended ones.
TRADE_OFF = (-5.0, -2.5, 0.0, 2.5, 5.0, 7.5)
#: Above this share of answerable questions abstained on, the recommendation is flagged.
FALSE_ABSTENTION_WARNING = 0.1


@dataclass(frozen=True)
class Scored:
    """A question with the best candidate sentence's score.

    ``abstains`` holds, per threshold tried, whether ctassist abstains on the question;
    a threshold not in it falls back to the score rule (abstain below it).
    """

    question: Question
    position: int  # 0-based position in the question file
    score: float
    sentence: str
    abstains: dict[float, bool] = field(default_factory=dict, compare=False)
    fact_recall: dict[float, float] = field(default_factory=dict, compare=False)

    def abstains_at(self, threshold: float) -> bool:
        return self.abstains.get(threshold, self.score < threshold)

    def right_at(self, threshold: float) -> float:
        """The worth of the decision at ``threshold``, against abstaining on an
        answerable question (0): 1 for an abstention on an unanswerable question
        (answering it is 0) and for an answer holding an answerable question's gold
        facts, -1 for an answer holding none of them, their share in between (2f - 1).
        A wrong answer costs what a right one gains: either is quoted."""
        if not self.question.answerable:
            return float(self.abstains_at(threshold))
        if self.abstains_at(threshold):
            return 0.0
        return 2 * self.fact_recall.get(threshold, 1.0) - 1


def best_scores(assistant: Assistant, questions: Sequence[Question]) -> list[Scored]:
    """Every question's best sentence score, and whether ``ask`` abstains on it at each
    candidate threshold (see :func:`thresholds_to_try`).

    Args:
        assistant: An assistant on a built index.
        questions: The questions, in file order.

    Returns:
        One entry per question (score ``-inf`` when no sentence is a candidate).
    """
    from ctassist.answer import ExtractiveComposer, resolve_follow_up
    from ctassist.retrieve import CachedScorer

    settings = assistant.settings
    # Composing at every threshold re-scores the same sentences: score each once.
    score = CachedScorer(assistant.reranker.score)

    def composer(threshold: float) -> ExtractiveComposer:
        return assistant.composer(scorer=score, threshold=threshold)

    prepared = []
    for question in questions:
        resolved = resolve_follow_up(question.question, [list(t) for t in question.history] or None)
        passages = assistant.evidence_passages(resolved)
        prepared.append((resolved, passages))
    best: list[tuple[float, str]] = []
    for resolved, passages in prepared:
        ranked = composer(-math.inf).candidates(
            resolved.standalone, passages, resolved.avoid, other_years=resolved.other_years
        )
        best.append((ranked[0].score, ranked[0].text) if ranked else (-math.inf, ""))
    grid = thresholds_to_try([b[0] for b in best], settings.abstain_threshold)
    out: list[Scored] = []
    for position, (question, (resolved, passages), (value, sentence)) in enumerate(
        zip(questions, prepared, best, strict=True)
    ):
        abstains: dict[float, bool] = {}
        recall: dict[float, float] = {}
        for t in grid:
            composed = composer(t).answer(resolved, passages)
            abstains[t] = composed.abstained
            recall[t] = fact_recall(composed.text, question.gold_facts, abstained=composed.abstained)
        out.append(Scored(question, position, value, sentence, abstains, recall))
        if (position + 1) % 20 == 0:
            log(f"{position + 1}/{len(questions)} questions scored")
    return out


def thresholds_to_try(scores: Sequence[float], current: float) -> list[float]:
    """Midpoints between the questions' best scores, the trade-off table's and the current one."""
    return sorted({round(t, 2) for t in candidate_thresholds(scores)} | {*TRADE_OFF, current})


def _prf(prf: PRF) -> dict[str, float | int]:
    return {
        "precision": round(prf.precision, 4),
        "recall": round(prf.recall, 4),
        "f1": round(prf.f1, 4),
        "tp": prf.tp,
        "fp": prf.fp,
        "fn": prf.fn,
    }


def calibrate(scored: Sequence[Scored], current: float) -> dict[str, Any]:
    """Chooses the threshold on the even positions (most right decisions, see
    :meth:`Scored.right_at`) and evaluates it on the odd ones.

    Args:
        scored: Every question's best score.
        current: The threshold configured now, evaluated alongside for comparison.

    Returns:
        The recommendation and F1 on each split, for the chosen and current thresholds.
    """
    calibration = [s for s in scored if s.position % 2 == 0]
    held_out = [s for s in scored if s.position % 2 == 1]

    def at(t: float, rows: Sequence[Scored]) -> PRF:
        return abstention_prf([r.abstains_at(t) for r in rows], [not r.question.answerable for r in rows])

    grid = sorted({t for s in scored for t in s.abstains}) or candidate_thresholds([s.score for s in scored])
    # One decision either way in fifty is noise: the middle of the near-best thresholds
    # is the robust choice.
    threshold = best_threshold(
        grid, lambda t: sum(r.right_at(t) for r in calibration), tolerance=len(calibration) / 50
    )
    threshold = round(threshold, 2)
    result: dict[str, Any] = {
        "recommended_threshold": threshold,
        "current_threshold": current,
        "splits": {},
    }
    answerable = sum(s.question.answerable for s in scored)
    result["trade_off"] = [
        {"threshold": t, **_prf(at(t, scored)), "answerable": answerable}
        for t in sorted({current, threshold, *TRADE_OFF})
    ]
    for name, rows in (("calibration", calibration), ("held_out", held_out), ("all", list(scored))):
        result["splits"][name] = {
            "n": len(rows),
            "unanswerable": sum(not r.question.answerable for r in rows),
            "recommended": _prf(at(threshold, rows)),
            "current": _prf(at(current, rows)),
        }
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the calibration and prints the recommendation.

    Args:
        argv: Command-line arguments; ``sys.argv[1:]`` when omitted.

    Returns:
        The exit code.
    """
    parser = argparse.ArgumentParser(
        prog="python -m evals.calibrate",
        description="Choose ctassist's abstention threshold (abstain_threshold).",
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, metavar="DIR", help="corpus folder")
    parser.add_argument(
        "--index", type=Path, metavar="DIR", help="query this index (default: a temporary one)"
    )
    parser.add_argument(
        "--questions",
        type=Path,
        nargs="+",
        default=[DATASET],
        metavar="FILE",
        help="question sets (JSONL), taken in order",
    )
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="also write the result and every score as JSON"
    )
    args = parser.parse_args(argv)
    try:
        questions = [
            question
            for path in args.questions
            for question in load_questions(path, corpus_dir=args.corpus.resolve())
        ]
    except DatasetError as exc:
        print(f"evals: error: {exc}", file=sys.stderr)
        return 2
    try:
        with workspace(args.corpus, args.index) as ws:
            log(f"scoring {len(questions)} questions")
            scored = best_scores(ws.assistant, questions)
            current = ws.assistant.settings.abstain_threshold
    except (SetupError, CtassistError) as exc:
        print(f"evals: error: {exc}", file=sys.stderr)
        return 2
    result = calibrate(scored, current)
    _print(result, scored)
    if args.json:
        result["scores"] = [
            {
                "id": s.question.id,
                "type": s.question.type,
                "split": "calibration" if s.position % 2 == 0 else "held_out",
                "score": s.score if math.isfinite(s.score) else None,
                "sentence": s.sentence,
            }
            for s in scored
        ]
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


def _print(result: dict[str, Any], scored: Sequence[Scored]) -> None:
    threshold, current = result["recommended_threshold"], result["current_threshold"]
    print(
        f"{'split':<12} {'n':>3} {'unans.':>6}  {'F1 @ ' + str(threshold):>12}  {'F1 @ ' + str(current):>12}"
    )
    for name, row in result["splits"].items():
        print(
            f"{name:<12} {row['n']:>3} {row['unanswerable']:>6}  {row['recommended']['f1']:>12.3f}  "
            f"{row['current']['f1']:>12.3f}"
        )
    print("\ntrade-off on all questions (abstaining below the threshold):")
    print(f"{'threshold':>10} {'precision':>9} {'recall':>6} {'F1':>6} {'answerable abstained on':>24}")
    for row in result["trade_off"]:
        mark = (
            "  <- recommended"
            if row["threshold"] == threshold
            else "  <- current"
            if row["threshold"] == current
            else ""
        )
        print(
            f"{row['threshold']:>10.2f} {row['precision']:>9.3f} {row['recall']:>6.3f} {row['f1']:>6.3f} "
            f"{row['fp']:>14} of {row['answerable']}{mark}"
        )
    print()
    answerable = sorted((s for s in scored if s.question.answerable), key=lambda s: s.score)[:5]
    unanswerable = sorted((s for s in scored if not s.question.answerable), key=lambda s: -s.score)[:5]
    print(
        "lowest-scoring answerable questions:  "
        + ", ".join(f"{s.question.id} {s.score:.2f}" for s in answerable)
    )
    print(
        "highest-scoring unanswerable questions: "
        + ", ".join(f"{s.question.id} {s.score:.2f}" for s in unanswerable)
    )
    everything = result["splits"]["all"]
    false_rate = everything["recommended"]["fp"] / max(everything["n"] - everything["unanswerable"], 1)
    if false_rate > FALSE_ABSTENTION_WARNING:
        print(
            f"caution: at {threshold} ctassist would abstain on {false_rate:.0%} of the answerable questions "
            "(each scores 0 on fact recall); weigh F1 against that before changing the setting"
        )
    print(
        f"recommendation: abstain_threshold = {threshold} (CTASSIST_ABSTAIN_THRESHOLD={threshold}); "
        f"held-out F1 {result['splits']['held_out']['recommended']['f1']:.3f} "
        f"vs {result['splits']['held_out']['current']['f1']:.3f} at the current {current}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
