"""``python -m evals.train_intent``: train the records-intent classifier of ``ctassist.records``.

1. **Read** the labelled questions of ``evals/intent_questions.jsonl`` (``question``,
   ``intent``, ``group``: paraphrases of one question share a group).
2. **Validate** by grouped cross-validation (no paraphrase group in both training and
   test folds): macro F1 over the intents, per-intent F1, the confusions.
3. **Measure** on the held-out source questions of ``evals/heldout*.jsonl`` (never
   trained on) how many the classifier would send to the records path (misreads).
4. **Fit** on everything and write ``ctassist/records/data/intent.json`` and the model
   card ``ctassist/records/INTENT_CARD.md``.

Exit codes: 0 done; 2 bad data.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import cast

import numpy as np

from ctassist.config import Settings
from ctassist.embed import Encoder
from ctassist.records import INTENTS, IntentKind, train_intent

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "evals" / "intent_questions.jsonl"
MODEL = ROOT / "ctassist" / "records" / "data" / "intent.json"
CARD = ROOT / "ctassist" / "records" / "INTENT_CARD.md"
FOLDS = 5


def read_rows(path: Path) -> list[dict[str, str]]:
    """The labelled questions; a bad row is refused naming its line."""
    rows: list[dict[str, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row, dict) or row.get("intent") not in INTENTS or not row.get("question"):
            raise ValueError(
                f"{path.name} line {number}: needs 'question' and an 'intent' of {', '.join(INTENTS)}"
            )
        rows.append(
            {"question": str(row["question"]), "intent": str(row["intent"]), "group": str(row["group"])}
        )
    return rows


def macro_f1(
    truth: list[str], predicted: list[str], labels: tuple[str, ...]
) -> tuple[float, dict[str, float]]:
    """Macro F1 and each label's F1."""
    scores: dict[str, float] = {}
    for label in labels:
        tp = sum(t == p == label for t, p in zip(truth, predicted, strict=True))
        fp = sum(p == label != t for t, p in zip(truth, predicted, strict=True))
        fn = sum(t == label != p for t, p in zip(truth, predicted, strict=True))
        scores[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return float(np.mean(list(scores.values()))), scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="labelled questions (JSONL)")
    args = parser.parse_args(argv)
    try:
        rows = read_rows(args.data)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    encoder = Encoder(settings.embedding_model, backend=settings.embedding_backend)
    vectors = encoder.encode([r["question"] for r in rows])
    labels = [cast(IntentKind, r["intent"]) for r in rows]
    groups = sorted({r["group"] for r in rows})
    rng = np.random.default_rng(17)
    fold_of = {
        g: int(f) for g, f in zip(rng.permutation(groups), np.arange(len(groups)) % FOLDS, strict=True)
    }
    predicted: list[str] = ["other"] * len(rows)
    for fold in range(FOLDS):
        test = [i for i, r in enumerate(rows) if fold_of[r["group"]] == fold]
        fit = [i for i, r in enumerate(rows) if fold_of[r["group"]] != fold]
        model = train_intent(vectors[fit], [labels[i] for i in fit], embedding_model=settings.embedding_model)
        probs = model.probabilities(vectors[test])
        for i, p in zip(test, probs, strict=True):
            best = int(np.argmax(p))
            kind = model.labels[best]
            predicted[i] = kind if kind == "other" or p[best] >= model.threshold else "other"
    score, per_label = macro_f1(list(labels), predicted, INTENTS)
    confusions = Counter((t, p) for t, p in zip(labels, predicted, strict=True) if t != p)
    model = train_intent(vectors, labels, embedding_model=settings.embedding_model)
    heldout = [
        json.loads(line)["question"]
        for path in sorted((ROOT / "evals").glob("heldout*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    misread = [q for q in heldout if model.classify(q, encoder.encode).records]
    MODEL.write_text(model.to_json() + "\n", encoding="utf-8")
    counts = Counter(labels)
    lines = [
        "# Model card: records intent classifier",
        "",
        "Decides whether a chat question is about the records of the meeting notes (and which",
        "kind), or goes on to the ordinary answer path. Multinomial logistic regression (L2,",
        "classes weighted alike) over the normalised sentence embedding of the question",
        f"(`{settings.embedding_model}`); a records kind is acted on at probability ≥ {model.threshold}.",
        "Trained by `python -m evals.train_intent` from `evals/intent_questions.jsonl`.",
        "The step size, weight decay and threshold were chosen on this same cross-validation",
        "(of 15 settings tried), so the figures below are somewhat optimistic.",
        "",
        "## Data",
        "",
        *(f"- `{k}`: {counts[k]} questions" for k in INTENTS),
        "",
        "`other` holds the source questions of `evals/questions.jsonl` and questions about what was",
        "said at meetings (answered from the notes' text, not their records).",
        "",
        f"## Grouped {FOLDS}-fold cross-validation (paraphrases never split across folds)",
        "",
        f"Macro F1: **{score:.3f}**",
        "",
        "| intent | F1 |",
        "|---|---|",
        *(f"| {k} | {per_label[k]:.3f} |" for k in INTENTS),
        "",
        "Confusions (true → predicted: count): "
        + (", ".join(f"{t} → {p}: {n}" for (t, p), n in confusions.most_common()) or "none"),
        "",
        "## Source questions misread as records questions",
        "",
        f"Of {len(heldout)} held-out source questions (`evals/heldout*.jsonl`, never trained on), "
        f"**{len(misread)}** ({len(misread) / max(len(heldout), 1):.1%}) are sent to the records path.",
        "Where no notes of the group are indexed (the evals' corpus), such a question goes on to",
        "the ordinary answer path; where notes are indexed, it may get an answer from their records",
        "instead (one that says what the records hold, cited). They are:",
        "",
        *(f"- {q}" for q in misread),
        "",
    ]
    CARD.write_text("\n".join(lines), encoding="utf-8")
    print(f"macro F1 {score:.3f}; misread {len(misread)}/{len(heldout)}; wrote {MODEL} and {CARD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
