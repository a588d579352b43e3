"""Fine-tune the packaged cross-encoder for answerability on generated near misses: does it
separate answerable from unanswerable questions better than the shipped relevance model?

Issue 15, point 2. The shipped re-ranker (ms-marco MiniLM-L12, int8) was trained for
passage *relevance*; the answer-or-abstain decision leans on its score. This probe trains
the same network, rebuilt in fp32 (``distill_reranker.teacher_weights``), to tell a
sentence that answers a question from one that nearly does:

- **Positives**: each answerable question of the SQuAD 2.0 training articles (never the
  three articles of the out-of-domain track) with the sentence that holds its answer,
  read as the answer step reads it ("Title. sentence").
- **Near misses** (label 0), generated from those questions without any corpus
  knowledge, each paired with the same answering sentence: another year or figure, a
  name swapped for one from another article, another counted noun ("How many X" with a
  plural noun of another article), a negation, the future tense, a superlative.
- **Hard negatives**: another sentence of the answer's paragraph; the plausible-answer
  sentence of each unanswerable training question.

Measured on the out-of-domain track (``evals/ood/``, three held-out articles, its 398
questions): every question's candidates are the sentences of the article's four
paragraphs that share most words with it. Reported for the shipped model (fp32) and the
fine-tuned one (fp32 and int8): how often the best-scored sentence holds a gold answer,
and the AUROC of the best score between answerable questions answered by that sentence
and unanswerable ones — the signal the decision gets from the cross-encoder.

Usage::

    python benchmarks/finetune_reranker.py --out /tmp/ce-answerability   # ~30 min on two cores
    CTASSIST_RERANKER_MODEL=/tmp/ce-answerability python -m evals.train_decision ...

Needs ``transformers`` and ``onnx`` (not dependencies of ctassist).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from distill_reranker import batches, bert, export, teacher_weights  # noqa: E402

from ctassist.chunk import sentence_spans  # noqa: E402
from ctassist.retrieve import CrossEncoderReranker  # noqa: E402
from evals.harness import HELD_OUT_ARTICLES, Article, load_articles  # noqa: E402

OOD_QUESTIONS = ROOT / "evals" / "ood" / "questions.jsonl"
_FIGURE = re.compile(r"\b\d{1,4}\b")
_NAME = re.compile(r"(?<=\s)[A-Z][a-z]{2,}(?:\s[A-Z][a-z]{2,})*")
_HOW_MANY = re.compile(r"\b(how many)\s+([a-z]+s)\b", re.IGNORECASE)
_PLURAL = re.compile(r"\b[a-z]{4,}s\b")
# English auxiliaries: negation and the future tense are made by editing the first one.
_AUXILIARY = re.compile(r"\b(is|are|was|were|did|does|do|has|have|had|can|could)\b")
_WH_THE = re.compile(
    r"\b(which|what)\s+(?!is\b|are\b|was\b|were\b|did\b|does\b|do\b)([a-z]+)\b", re.IGNORECASE
)
_SUPERLATIVES = ("largest", "first", "last", "oldest", "most recent", "smallest")
_WORD = re.compile(r"[a-z0-9]+")


def sentences_of(paragraph: str) -> list[tuple[int, int, str]]:
    return [(a, b, " ".join(paragraph[a:b].split())) for a, b in sentence_spans(paragraph)]


def sentence_holding(paragraph: str, offset: int) -> tuple[int, str]:
    spans = sentences_of(paragraph)
    for i, (a, b, text) in enumerate(spans):
        if a <= offset < b:
            return i, text
    return 0, spans[0][2] if spans else paragraph


def in_context(title: str, sentence: str) -> str:
    return f"{title.replace('_', ' ')}. {sentence}"


def perturbations(question: str, names: Sequence[str], nouns: Sequence[str], rng: random.Random) -> list[str]:
    """Unanswerable variants of an answerable question, made without corpus knowledge."""
    out: list[str] = []
    figures = list(_FIGURE.finditer(question))
    if figures:
        m = rng.choice(figures)
        value = int(m.group())
        new = value + rng.choice([-1, 1]) * rng.randint(2, 9) if value > 31 else value + rng.randint(2, 9)
        out.append(f"{question[: m.start()]}{max(new, 0)}{question[m.end() :]}")
    found = list(_NAME.finditer(question))
    if found and names:
        m = rng.choice(found)
        out.append(f"{question[: m.start()]}{rng.choice(names)}{question[m.end() :]}")
    counted = _HOW_MANY.search(question)
    if counted and nouns:
        out.append(f"{question[: counted.start(2)]}{rng.choice(nouns)}{question[counted.end(2) :]}")
    aux = _AUXILIARY.search(question)
    if aux:
        kind = rng.choice(["negation", "future"])
        if kind == "negation":
            out.append(f"{question[: aux.end()]} not{question[aux.end() :]}")
        else:
            future = "will be" if aux.group(1) in {"is", "are", "was", "were"} else "will"
            out.append(f"{question[: aux.start()]}{future}{question[aux.end() :]}")
    wh = _WH_THE.search(question)
    if wh:
        out.append(f"{question[: wh.start(2)]}{rng.choice(_SUPERLATIVES)} {question[wh.start(2) :]}")
    return out


def training_pairs(articles: Sequence[Article], seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    names = {a.title: sorted({m.group() for p in a.paragraphs for m in _NAME.finditer(p)}) for a in articles}
    nouns = {
        a.title: sorted({m.group() for p in a.paragraphs for m in _PLURAL.finditer(p)}) for a in articles
    }
    pairs: list[dict[str, Any]] = []
    for article in articles:
        other_names = [n for t, found in names.items() if t != article.title for n in found]
        other_nouns = [n for t, found in nouns.items() if t != article.title for n in found]
        for qa in article.questions:
            paragraph = article.paragraphs[qa["paragraph"]]
            question = qa["question"].strip()
            spans = sentences_of(paragraph)
            if qa["is_impossible"]:
                for answer in qa.get("plausible_answers", [])[:1]:
                    _, sentence = sentence_holding(paragraph, answer["answer_start"])
                    pairs.append(
                        {"q": question, "t": in_context(article.title, sentence), "y": 0, "kind": "plausible"}
                    )
                continue
            index, sentence = sentence_holding(paragraph, qa["answers"][0]["answer_start"])
            text = in_context(article.title, sentence)
            pairs.append({"q": question, "t": text, "y": 1, "kind": "positive"})
            for changed in perturbations(question, other_names, other_nouns, rng):
                if changed != question:
                    pairs.append({"q": changed, "t": text, "y": 0, "kind": "near_miss"})
            others = [s for i, (_, _, s) in enumerate(spans) if i != index and len(s.split()) >= 5]
            answers = [a["text"].lower() for a in qa["answers"]]
            others = [s for s in others if not any(a in s.lower() for a in answers)]
            if others:
                pairs.append(
                    {
                        "q": question,
                        "t": in_context(article.title, rng.choice(others)),
                        "y": 0,
                        "kind": "paragraph",
                    }
                )
    return pairs


def ood_candidates(articles: Sequence[Article], per_question: int = 3) -> list[dict[str, Any]]:
    """Each out-of-domain question with the sentences of the paragraphs sharing most words."""
    paragraphs = [(a.title, p) for a in articles for p in a.paragraphs]
    words = [Counter(_WORD.findall(p.lower())) for _, p in paragraphs]
    df = Counter(w for c in words for w in c)
    out = []
    for line in OOD_QUESTIONS.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        asked = set(_WORD.findall(q["question"].lower()))
        overlap = [sum(math.log(len(words) / df[w]) for w in asked if w in c) for c in words]
        best = np.argsort(overlap)[::-1][:per_question]
        texts = [in_context(paragraphs[i][0], s) for i in best for _, _, s in sentences_of(paragraphs[i][1])]
        out.append(
            {
                "question": q["question"],
                "answerable": q["type"] == "answerable",
                "facts": q["gold_facts"],
                "texts": texts,
            }
        )
    return out


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    order = np.argsort(scores)
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    pos = labels == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def measure(score: Any, candidates: list[dict[str, Any]]) -> dict[str, float]:
    """Gold answer in the best-scored sentence, and the AUROC of the best score."""
    best_scores, labels, held = [], [], []
    for c in candidates:
        scores = np.asarray(score(c["question"], c["texts"]))
        top = c["texts"][int(np.argmax(scores))].lower()
        holds = any(alt.lower() in top for fact in c["facts"] for alt in fact)
        if c["answerable"]:
            held.append(holds)
            if not holds:
                continue
        best_scores.append(float(scores.max()))
        labels.append(int(c["answerable"]))
    return {
        "gold_in_best": float(np.mean(held)),
        "auroc": auroc(np.array(best_scores), np.array(labels)),
    }


def train(model: Any, pairs: list[dict[str, Any]], epochs: int, lr: float, frozen: int) -> Any:
    import torch

    torch.manual_seed(0)
    rng = random.Random(0)
    tokenizer = CrossEncoderReranker()._load()[1]
    tokenizer.no_padding()
    encoded = [(e.ids, e.type_ids) for e in tokenizer.encode_batch([(p["q"], p["t"]) for p in pairs])]
    targets = torch.tensor([float(p["y"]) for p in pairs])
    # Positives are a third of the pairs: weigh the classes alike.
    positive_share = float(targets.mean())
    weights = torch.where(targets == 1, 0.5 / positive_share, 0.5 / (1 - positive_share))
    # Two cores: only the top layers learn, so the backward pass stops early.
    for module in [model.bert.embeddings, *model.bert.encoder.layer[:frozen]]:
        module.requires_grad_(False)
    optimiser = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01
    )
    steps = epochs * math.ceil(len(pairs) / 32)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / (0.1 * steps)) * max(0.0, 1 - step / steps)
    )
    step = 0
    for epoch in range(epochs):
        model.train()
        started = time.perf_counter()
        for group, ids, mask, types in batches(encoded, 32, rng):
            logits = model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits.reshape(-1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, targets[group], weight=weights[group]
            )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            step += 1
            if step % 50 == 0:
                log(
                    f"epoch {epoch} step {step}/{steps}: loss {float(loss):.3f}, {time.perf_counter() - started:.0f} s"
                )
    return model.eval()


def log(message: str) -> None:
    print(f"finetune: {message}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--pairs", type=int, default=6000, help="training pairs sampled (all kinds alike)")
    parser.add_argument("--frozen", type=int, default=8, help="lower layers kept as shipped")
    parser.add_argument(
        "--out", type=Path, required=True, help="folder for model.onnx, tokenizer.json, report.json"
    )
    args = parser.parse_args()
    articles = load_articles()
    train_articles = [a for a in articles if a.title not in HELD_OUT_ARTICLES]
    pairs = training_pairs(train_articles)
    pairs = random.Random(0).sample(pairs, min(args.pairs, len(pairs)))
    log(f"{len(pairs)} training pairs: {dict(Counter(p['kind'] for p in pairs))}")
    candidates = ood_candidates([a for a in articles if a.title in HELD_OUT_ARTICLES])
    weights = teacher_weights()
    report: dict[str, Any] = {
        "pairs": dict(Counter(p["kind"] for p in pairs)),
        "settings": vars(args) | {"out": str(args.out)},
    }
    shipped = args.out / "shipped-fp32"
    export(bert(weights), shipped, quantise=False)
    for name, folder in (("shipped_int8", None), ("shipped_fp32", shipped)):
        report[name] = measure(CrossEncoderReranker(folder).score, candidates)
        log(f"{name}: {report[name]}")
    tuned = train(bert(weights), pairs, args.epochs, args.lr, args.frozen)
    export(tuned, args.out / "fp32", quantise=False)
    export(tuned, args.out / "int8")
    for name in ("fp32", "int8"):
        report[f"tuned_{name}"] = measure(CrossEncoderReranker(args.out / name).score, candidates)
        log(f"tuned_{name}: {report[f'tuned_{name}']}")
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
