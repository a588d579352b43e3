"""Calibrates ``Settings.support_threshold`` on the labelled pairs of
``tests/cite/support_pairs.jsonl``.

Each pair is a sentence, a passage of the shipped corpus and a label: does the passage
support the sentence? ``SupportVerifier`` (with the real retrieval encoder) scores every
pair once; a pair is judged supported at threshold ``t`` when its numbers check passes and
its score reaches ``t`` (and the polarity check passes: the test ``SupportVerifier``
applies). For each threshold the script prints accuracy, and precision and
recall of "supported", then recommends the threshold with the best accuracy among those
whose precision is at least ``--min-precision`` (ties: the higher threshold, the safer).

Run:
    .venv/bin/python benchmarks/calibrate_support.py [--min-precision 0.9] [--details]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAIRS = REPO / "tests" / "cite" / "support_pairs.jsonl"


@dataclass(frozen=True)
class Scored:
    """One labelled pair with the verifier's measures."""

    id: str
    kind: str
    sentence: str
    supported: bool
    score: float
    numbers_ok: bool
    polarity_ok: bool
    overlap: float
    pair_overlap: float
    similarity: float

    def judged(self, threshold: float) -> bool:
        # The same test as SupportVerifier._supporting.
        return self.numbers_ok and self.polarity_ok and self.score >= threshold


@dataclass(frozen=True)
class Row:
    threshold: float
    accuracy: float
    precision: float
    recall: float
    tp: int
    fp: int
    tn: int
    fn: int


def load_pairs(path: Path = PAIRS) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score_pairs(pairs: list[dict[str, object]]) -> list[Scored]:
    """Scores every pair with the real encoder and ``SupportVerifier``."""
    from ctassist.cite import SupportVerifier
    from ctassist.embed import Encoder
    from ctassist.types import Passage

    verifier = SupportVerifier(Encoder().encode)
    scored = []
    for pair in pairs:
        text = str(pair["passage"])
        passage = Passage(
            chunk_id=f"{pair['doc']}#0",
            doc_id=str(pair["doc"]),
            title="",
            kind="source",
            section="",
            page=None,
            start=0,
            end=len(text),
            text=text,
        )
        support = verifier.support(str(pair["sentence"]), passage)
        scored.append(
            Scored(
                id=str(pair["id"]),
                kind=str(pair["kind"]),
                sentence=str(pair["sentence"]),
                supported=bool(pair["supported"]),
                score=support.score,
                numbers_ok=support.numbers_ok,
                polarity_ok=support.polarity_ok,
                overlap=support.overlap,
                pair_overlap=support.pair_overlap,
                similarity=support.similarity,
            )
        )
    return scored


def evaluate(scored: list[Scored], threshold: float) -> Row:
    counts: Counter[str] = Counter()
    for item in scored:
        judged = item.judged(threshold)
        counts[("t" if judged == item.supported else "f") + ("p" if judged else "n")] += 1
    tp, fp, tn, fn = counts["tp"], counts["fp"], counts["tn"], counts["fn"]
    return Row(
        threshold=threshold,
        accuracy=(tp + tn) / len(scored),
        precision=tp / (tp + fp) if tp + fp else 1.0,
        recall=tp / (tp + fn) if tp + fn else 0.0,
        tp=tp,
        fp=fp,
        tn=tn,
        fn=fn,
    )


def sweep(scored: list[Scored], low: float = 0.40, high: float = 0.95, step: float = 0.01) -> list[Row]:
    count = round((high - low) / step) + 1
    return [evaluate(scored, round(low + i * step, 2)) for i in range(count)]


def recommend(rows: list[Row], min_precision: float) -> Row:
    """Best accuracy with precision ≥ ``min_precision`` (else best precision); ties → higher threshold."""
    eligible = [r for r in rows if r.precision >= min_precision] or rows
    key = (
        (lambda r: (r.accuracy, r.threshold))
        if eligible is not rows
        else (lambda r: (r.precision, r.accuracy))
    )
    return max(eligible, key=key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--min-precision", type=float, default=0.9)
    parser.add_argument("--details", action="store_true", help="print every pair's measures")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))
    from ctassist.config import Settings

    pairs = load_pairs(args.pairs)
    scored = score_pairs(pairs)
    rows = sweep(scored)
    default = Settings().support_threshold
    print(
        f"{len(scored)} pairs: {sum(s.supported for s in scored)} supported, "
        f"{sum(not s.supported for s in scored)} unsupported; default threshold {default}"
    )
    print(f"{'threshold':>9} {'accuracy':>8} {'precision':>9} {'recall':>6}   tp  fp  tn  fn")
    for row in rows:
        mark = " <- default" if abs(row.threshold - default) < 1e-9 else ""
        print(
            f"{row.threshold:9.2f} {row.accuracy:8.3f} {row.precision:9.3f} {row.recall:6.3f}  "
            f"{row.tp:3d} {row.fp:3d} {row.tn:3d} {row.fn:3d}{mark}"
        )
    best = recommend(rows, args.min_precision)
    print(
        f"\nrecommended support_threshold = {best.threshold:.2f}: accuracy {best.accuracy:.3f}, "
        f"precision {best.precision:.3f}, recall {best.recall:.3f} "
        f"(best accuracy with precision >= {args.min_precision})"
    )
    # How well the choice generalises: choose on one half of the pairs, measure on the other.
    for name, fit, held in (("odd", 1, 0), ("even", 0, 1)):
        chosen = recommend(sweep([s for i, s in enumerate(scored) if i % 2 == fit]), args.min_precision)
        check = evaluate([s for i, s in enumerate(scored) if i % 2 == held], chosen.threshold)
        print(
            f"2-fold check: chosen on the {name} pairs -> {chosen.threshold:.2f}; on the other half "
            f"accuracy {check.accuracy:.3f}, precision {check.precision:.3f}, recall {check.recall:.3f}"
        )
    by_kind: dict[str, list[bool]] = {}
    for item in scored:
        by_kind.setdefault(item.kind, []).append(item.judged(best.threshold) == item.supported)
    print("correct at the recommended threshold, by kind of pair:")
    for kind, results in sorted(by_kind.items()):
        print(f"  {kind:14s} {sum(results):3d}/{len(results)}")
    if args.details:
        print("\nid    label judged score  overl pairs  simil nums pol kind           sentence")
        for s in sorted(scored, key=lambda s: s.score):
            print(
                f"{s.id} {'S' if s.supported else 'U':>5} {'S' if s.judged(best.threshold) else 'U':>6} "
                f"{s.score:.3f} {s.overlap:.3f} {s.pair_overlap:.3f} {s.similarity:.3f} "
                f"{'ok' if s.numbers_ok else 'NO':>4} {'ok' if s.polarity_ok else 'NO':>3} {s.kind:14s} {s.sentence}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
