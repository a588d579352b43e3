"""Text helpers every stage shares: words and their stems, stopwords, list markers, years.

One module, so that the loader, the chunker, the retriever, the answer step and the agenda
read text the same way; the English words themselves are data (``data/english.toml``).
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

_WORD = re.compile(r"\d[\d,.]*\d|\d|[^\W\d_]+", re.UNICODE)


def _language_data() -> dict[str, Any]:
    text = resources.files("ctassist").joinpath("data/english.toml").read_text("utf-8")
    return tomllib.loads(text)["english"]  # type: ignore[no-any-return]


#: Words too common to tell passages apart (``ctassist/data/english.toml``).
STOPWORDS = frozenset(_language_data()["stopwords"])

#: A list item's marker: a bullet, or a number followed by "." or ")".
LIST_MARKER = r"(?:[•\-*–·]|\d{1,3}[.)])"
#: The bullet characters of :data:`LIST_MARKER`.
BULLETS = ("•", "-", "*", "–", "·")


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
