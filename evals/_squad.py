"""SQuAD 2.0 articles as an out-of-domain corpus and question set.

Each article becomes one Markdown document (its title as heading, its paragraphs as
they are); each question an evals :class:`~evals._dataset.Question`, answerable with its
answer texts as one fact's alternatives, or unanswerable. ``near_misses`` writes
unanswerable variants of answerable questions without any knowledge of the corpus: a
figure changed, or a name swapped for one from another article.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals._dataset import Question

#: The dataset shipped beside the repository (CC BY-SA 4.0; see its README).
SQUAD_FILE = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "squad2-train-10-articles.json"
#: Articles held out of the decision's training: the out-of-domain track (``evals/ood/``).
HELD_OUT_ARTICLES = ("Spectre_(2015_film)", "To_Kill_a_Mockingbird", "Solar_energy")

_NAME = re.compile(r"(?<=\s)[A-Z][a-z]{2,}(?:\s[A-Z][a-z]{2,})*")
_FIGURE = re.compile(r"\b\d{1,4}\b")


@dataclass(frozen=True)
class Article:
    """One SQuAD article."""

    title: str
    paragraphs: tuple[str, ...]
    questions: tuple[dict[str, Any], ...]  # each with its paragraph's index as "paragraph"

    @property
    def doc_id(self) -> str:
        return f"sources/{slug(self.title)}.md"


def slug(title: str) -> str:
    """A file name for an article title."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def load_articles(path: Path = SQUAD_FILE) -> list[Article]:
    """The articles of a SQuAD 2.0 JSON file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        Article(
            article["title"],
            tuple(p["context"] for p in article["paragraphs"]),
            tuple({**q, "paragraph": i} for i, p in enumerate(article["paragraphs"]) for q in p["qas"]),
        )
        for article in data["data"]
    ]


def write_corpus(articles: Iterable[Article], corpus_dir: Path) -> None:
    """Writes each article as ``sources/<slug>.md``: its title as heading, then its paragraphs."""
    sources = corpus_dir / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    for article in articles:
        title = article.title.replace("_", " ")
        body = "\n\n".join(" ".join(p.split()) for p in article.paragraphs)
        (corpus_dir / article.doc_id).write_text(f"# {title}\n\n{body}\n", encoding="utf-8")


def questions(article: Article) -> list[Question]:
    """The article's questions as evals questions (ids are SQuAD's)."""
    out: list[Question] = []
    for qa in article.questions:
        if qa["is_impossible"]:
            out.append(Question(qa["id"], qa["question"].strip(), "unanswerable", (), ()))
        else:
            answers = tuple(
                dict.fromkeys(" ".join(a["text"].split()) for a in qa["answers"] if a["text"].strip())
            )
            quote = _sentence_at(article.paragraphs[qa["paragraph"]], qa["answers"][0]["answer_start"])
            out.append(
                Question(qa["id"], qa["question"].strip(), "answerable", (article.doc_id,), (answers,), quote)
            )
    return out


def _sentence_at(paragraph: str, offset: int) -> str:
    """The sentence of ``paragraph`` at ``offset``, white space folded as the corpus writes it."""
    from ctassist.chunk import sentence_spans

    for start, end in sentence_spans(paragraph):
        if start <= offset < end:
            return " ".join(paragraph[start:end].split())
    return " ".join(paragraph.split())


def near_misses(articles: Sequence[Article], per_article: int, seed: int = 0) -> list[Question]:
    """Unanswerable variants of answerable questions, ``per_article`` from each article:
    a figure of the question changed ("in 2004" → "in 2011"), or a name swapped for a
    name from another article. Written without any knowledge of the corpus, so a few may
    still be answerable by chance."""
    rng = random.Random(seed)
    names = {a.title: sorted({m.group() for p in a.paragraphs for m in _NAME.finditer(p)}) for a in articles}
    out: list[Question] = []
    for article in articles:
        others = [n for title, found in names.items() if title != article.title for n in found]
        answerable = [q for q in questions(article) if q.answerable]
        rng.shuffle(answerable)
        made = 0
        for question in answerable:
            if made >= per_article:
                break
            changed = _perturbed(question.question, others, rng)
            if changed is not None:
                out.append(Question(f"{question.id}-near", changed, "unanswerable", (), ()))
                made += 1
    return out


def _perturbed(text: str, names: Sequence[str], rng: random.Random) -> str | None:
    figures = list(_FIGURE.finditer(text))
    if figures and rng.random() < 0.5:
        match = rng.choice(figures)
        value = int(match.group())
        new = value + rng.choice([-1, 1]) * rng.randint(2, 9) if value > 31 else value + rng.randint(2, 9)
        return f"{text[: match.start()]}{max(new, 0)}{text[match.end() :]}"
    found = list(_NAME.finditer(text))
    if found and names:
        match = rng.choice(found)
        return f"{text[: match.start()]}{rng.choice(names)}{text[match.end() :]}"
    return None
