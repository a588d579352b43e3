"""The default answer: sentences of the retrieved passages, each with its citation.

No language model is involved, so nothing can be invented: every sentence of the answer
is a sentence of the corpus, quoted verbatim and cited.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from ctassist._safety import looks_like_instruction
from ctassist.answer._coverage import missing_terms
from ctassist.chunk import sentence_spans
from ctassist.cite import Citation, Passage
from ctassist.retrieve import content_terms

Scorer = Callable[[str, list[str]], list[float]]

_LIST_MARKER = re.compile(r"(?:^|\n)[ \t]*(?:[•\-*–·]|\d{1,3}[.)])[ \t]+$")
#: Leading sentences whose passages must mention the question's specific terms.
_COVERAGE_SENTENCES = 4
_LINK = re.compile(r"https?://\S+")
_INTRODUCES_LIST = re.compile(r"(:|\bfollowing\b[^.]{0,40}\.)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Evidence:
    """A candidate sentence, located in its document."""

    passage: Passage
    start: int  # offsets into the document's text
    end: int
    text: str
    score: float = 0.0
    is_list_item: bool = False


@dataclass(frozen=True)
class Composition:
    """The composer's output: the text and citations, or the decision to abstain.

    ``best_score`` is the best sentence's score (a cross-encoder logit).
    """

    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    best_score: float


class ExtractiveComposer:
    """Selects and orders the sentences that answer a question.

    Each sentence is scored by the cross-encoder twice, on its own and preceded by its
    document title and section, and the two logits are averaged: the bare score rewards
    sentences that answer by themselves, the context score rescues those that need their
    heading to make sense, and a sentence must do well on both.

    Args:
        scorer: Cross-encoder logits of each text for the question.
        threshold: The best sentence must score at least this, or the composer abstains.
        max_sentences: Upper bound on answer sentences (list items that a selected
            sentence introduces come on top).
        margin: Further sentences must score within this many logits of the best.
    """

    def __init__(
        self, scorer: Scorer, *, threshold: float, max_sentences: int = 4, margin: float = 3.0
    ) -> None:
        self.scorer = scorer
        self.threshold = threshold
        self.max_sentences = max_sentences
        self.margin = margin

    def candidates(self, question: str, passages: list[Passage], avoid: str = "") -> list[Evidence]:
        """Every distinct sentence of the passages, scored for the question, best first.

        Sentences that read as instructions to an AI are never candidates: document
        text is data. Nor are sentences found in ``avoid`` (the previous answer, when the
        question asks for "the other" one) or reference lines ("Source: <link>").
        """
        seen: set[tuple[str, int]] = set()
        found: list[Evidence] = []
        for passage in passages:
            for a, b in sentence_spans(passage.text):
                start, end = passage.start + a, passage.start + b
                if (passage.doc_id, start) in seen:
                    continue
                seen.add((passage.doc_id, start))
                text = passage.text[a:b]
                if avoid and text in avoid:
                    continue
                if looks_like_instruction(text) or _is_reference_line(text) or len(content_terms(text)) < 2:
                    continue
                is_item = bool(_LIST_MARKER.search(passage.text[:a]))
                found.append(Evidence(passage, start, end, text, is_list_item=is_item))
        if not found:
            return []
        scores = self.scorer(question, [_in_context(e) for e in found] + [e.text for e in found])
        ranked = []
        for i, evidence in enumerate(found):
            ranked.append(replace(evidence, score=(scores[i] + scores[i + len(found)]) / 2))
        return sorted(ranked, key=lambda e: e.score, reverse=True)

    def compose(self, question: str, passages: list[Passage], avoid: str = "") -> Composition:
        """Builds the answer, or abstains when the best evidence is too weak, or when the
        question's specific terms (numbers, names) occur in none of the leading passages."""
        ranked = self.candidates(question, passages, avoid)
        best = ranked[0].score if ranked else float("-inf")
        if best < self.threshold:
            return Composition("", (), True, best)
        # The evidence the answer could draw on: the passages of the leading sentences.
        leading = [
            _passage_context(e.passage) for e in ranked[:_COVERAGE_SENTENCES] if e.score >= self.threshold
        ]
        if missing_terms(question, leading):
            return Composition("", (), True, best)
        chosen = [ranked[0]]
        for evidence in ranked[1:]:
            if len(chosen) >= self.max_sentences or evidence.score < max(best - self.margin, self.threshold):
                break
            if not any(_near_duplicate(evidence.text, c.text) for c in chosen):
                chosen.append(evidence)
        chosen = _with_list_items(chosen, ranked)
        return _render(_in_reading_order(chosen), best)


def _is_reference_line(text: str) -> bool:
    """A "Source: <link>" line or a bare link: a reference, not a statement."""
    stripped = _LINK.sub("", text)
    return text.lower().startswith(("source:", "sources:")) or len(stripped.strip()) < len(text) / 3


def _passage_context(passage: Passage) -> str:
    return f"{passage.title}\n{passage.section}\n{passage.text}"


def _in_context(evidence: Evidence) -> str:
    passage = evidence.passage
    context = " — ".join(part for part in (passage.title, passage.section) if part)
    return f"{context}. {evidence.text}" if context else evidence.text


def _near_duplicate(a: str, b: str) -> bool:
    terms_a, terms_b = set(content_terms(a)), set(content_terms(b))
    if not terms_a or not terms_b:
        return a == b
    return len(terms_a & terms_b) / min(len(terms_a), len(terms_b)) > 0.8


def _with_list_items(chosen: list[Evidence], ranked: list[Evidence]) -> list[Evidence]:
    """A chosen sentence that introduces a list ("... the following questions.") brings
    the list's items along: the answer would be empty without them."""
    result = list(chosen)
    for evidence in chosen:
        if not _INTRODUCES_LIST.search(evidence.text):
            continue
        items = sorted(
            (
                e
                for e in ranked
                if e.is_list_item and e.passage.doc_id == evidence.passage.doc_id and e.start > evidence.end
            ),
            key=lambda e: e.start,
        )
        cursor = evidence.end
        for item in items:
            if item.passage.text and item.start - cursor > 12:
                break  # not contiguous: the list ended
            if item not in result:
                result.append(item)
            cursor = item.end
    return result


def _in_reading_order(chosen: list[Evidence]) -> list[Evidence]:
    """Documents in order of their best sentence; sentences of a document in text order."""
    order: dict[str, int] = {}
    for evidence in sorted(chosen, key=lambda e: e.score, reverse=True):
        order.setdefault(evidence.passage.doc_id, len(order))
    return sorted(chosen, key=lambda e: (order[e.passage.doc_id], e.start))


def _render(chosen: list[Evidence], best: float) -> Composition:
    citations: list[Citation] = []
    pieces: list[str] = []
    previous: Evidence | None = None
    for evidence in chosen:
        passage = evidence.passage
        gap = _gap_text(previous, evidence) if previous is not None and citations else None
        if gap is not None:
            # A run of adjacent sentences is one quote, cited once per sentence.
            last = citations[-1]
            citations[-1] = Citation(
                last.n,
                last.doc,
                last.title,
                last.section,
                last.page,
                last.quote + gap + evidence.text,
                last.start,
                evidence.end,
                last.kind,
            )
        else:
            citations.append(
                Citation(
                    n=len(citations) + 1,
                    doc=passage.doc_id,
                    title=passage.title,
                    section=passage.section or None,
                    page=passage.page,
                    quote=evidence.text,
                    start=evidence.start,
                    end=evidence.end,
                    kind=passage.kind,
                )
            )
        marker = f"[{citations[-1].n}]"
        pieces.append(
            f"\n- {evidence.text} {marker}" if evidence.is_list_item else f"{evidence.text} {marker}"
        )
        previous = evidence
    text = " ".join(pieces).replace(" \n- ", "\n- ").strip()
    return Composition(text, tuple(citations), False, best)


def _gap_text(previous: Evidence, current: Evidence) -> str | None:
    """The document text between two sentences when they are adjacent (only white space
    or a list marker between them), read from a passage that holds it; else ``None``."""
    if previous.passage.doc_id != current.passage.doc_id or not 0 <= current.start - previous.end <= 12:
        return None
    for passage in (previous.passage, current.passage):
        a, b = previous.end - passage.start, current.start - passage.start
        if 0 <= a <= b <= len(passage.text):
            return passage.text[a:b]
    return None
