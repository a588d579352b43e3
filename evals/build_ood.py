"""``python -m evals.build_ood``: write the out-of-domain track, ``evals/ood/``.

Three SQuAD 2.0 articles that the answer decision is never trained on
(:data:`~evals._squad.HELD_OUT_ARTICLES`) become a corpus (``evals/ood/corpus/``) and a
question set (``evals/ood/questions.jsonl``): every unanswerable question of those
articles and a seeded sample of :data:`ANSWERABLE_PER_ARTICLE` answerable ones from each.
The files are committed; this command is how they were made.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from pathlib import Path

from evals._squad import HELD_OUT_ARTICLES, load_articles, questions, write_corpus

OOD_DIR = Path(__file__).resolve().parent / "ood"
ANSWERABLE_PER_ARTICLE = 70
SEED = 15


def main() -> int:
    articles = [a for a in load_articles() if a.title in HELD_OUT_ARTICLES]
    rng = random.Random(SEED)
    corpus = OOD_DIR / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    write_corpus(articles, corpus)
    chosen = []
    for article in articles:
        own = questions(article)
        answerable = [q for q in own if q.answerable]
        chosen += rng.sample(answerable, min(ANSWERABLE_PER_ARTICLE, len(answerable)))
        chosen += [q for q in own if not q.answerable]
    with (OOD_DIR / "questions.jsonl").open("w", encoding="utf-8") as handle:
        for q in chosen:
            record: dict[str, object] = {
                "id": q.id,
                "question": q.question,
                "type": q.type,
                "gold_docs": list(q.gold_docs),
                "gold_facts": [list(f) for f in q.gold_facts],
            }
            if q.gold_quote:
                record["gold_quote"] = q.gold_quote
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(chosen)} questions over {len(articles)} articles to {OOD_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
