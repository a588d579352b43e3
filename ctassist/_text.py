"""Word-level text processing shared by the lexical index and the answer composer."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"\d[\d,.]*\d|\d|[^\W\d_]+", re.UNICODE)

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "may",
        "might",
        "must",
        "shall",
        "s",
        "t",
        "tell",
        "know",
        "please",
        "give",
        "list",
        "describe",
        "explain",
        "say",
        "said",
        "says",
        "does",
        "did",
        "done",
    ]
)


@lru_cache(maxsize=1)
def _stemmer() -> object:
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased words and numbers (``6,922`` becomes ``6922``)."""
    return [w.replace(",", "").rstrip(".") for w in _WORD.findall(text.lower())]


#: The end of a sentence that introduces a list ("… asked the following questions.", "…:").
INTRODUCES_LIST = re.compile(r"(:|\bfollowing\b[^.]{0,40}\.)\s*$", re.IGNORECASE)
#: A year as documents write one (1800–2099).
YEAR = r"\b(?:1[89]\d\d|20\d\d)\b"


def mentions(text: str, word: str) -> bool:
    """Whether ``text`` holds ``word`` as a whole word, in any case.

    Example:
        >>> mentions("Referrals fall into three groups.", "Three"), mentions("threefold", "three")
        (True, False)
    """
    return re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE) is not None


def content_terms(text: str) -> list[str]:
    """Stemmed words without stopwords: what lexical matching compares."""
    kept = [w for w in words(text) if w not in STOPWORDS]
    return list(_stemmer().stemWords(kept))  # type: ignore[attr-defined]
