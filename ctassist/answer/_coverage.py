"""Answerability beyond relevance: the evidence must mention the question's specific terms.

A passage can be on topic without answering: "How many Channel cases were there in 2019?"
is close to a passage about Channel cases in the year to March 2024. The cross-encoder
scores topical relevance; this check adds that the question's *specific* terms — numbers
and dates, and proper names — occur in the evidence. When one does not, the evidence
answers a different question, and the assistant abstains. Measured on
``evals/questions.jsonl``: abstention F1 0.33 → 0.48 with no answerable question lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ctassist._text import STOPWORDS, content_terms, words

_TOKEN = re.compile(r"[^\W\d_][\w'’-]*|\d[\d,.:/]*\d|\d")
_QUESTION_WORDS = frozenset(
    {"who", "what", "when", "where", "which", "why", "how", "whose", "whom", "and", "but", "or"}
)
# Sentence starts and the parentheses around a resolved follow-up's earlier question.
_SENTENCE_BREAK = re.compile(r"(?<=[.?!])\s+|[()]")


def specific_terms(question: str) -> list[str]:
    """The question's numbers and proper names (capitalised words not opening a sentence).

    Example:
        >>> specific_terms("How many Channel cases were there in 2019?")
        ['Channel', '2019']
    """
    found: list[str] = []
    for sentence in _SENTENCE_BREAK.split(question):
        for position, token in enumerate(_TOKEN.findall(sentence)):
            lowered = token.lower()
            if lowered in STOPWORDS or lowered in _QUESTION_WORDS:
                continue
            if any(ch.isdigit() for ch in token) or (position > 0 and token[0].isupper()):
                found.append(token)
    return list(dict.fromkeys(found))


def missing_terms(question: str, evidence: Iterable[str]) -> list[str]:
    """The specific terms of ``question`` that occur in none of the ``evidence`` texts."""
    text = "\n".join(evidence)
    evidence_terms = set(content_terms(text))
    evidence_words = set(words(text))
    missing = []
    for term in specific_terms(question):
        if any(ch.isdigit() for ch in term):
            if not set(words(term)) <= evidence_words:
                missing.append(term)
        elif not set(content_terms(term)) <= evidence_terms:
            missing.append(term)
    return missing
