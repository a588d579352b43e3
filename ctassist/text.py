"""Text helpers every stage shares: words, numbers and stems, stopwords, negation, list markers, years.

One module, so that the loader, the chunker, the retriever, the answer step and the agenda
read text the same way; the English words themselves are data (``data/english.toml``).
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

#: A number as documents write one: ``6,922``, ``1.5``, ``2024``.
NUMBER = r"\d[\d,.]*\d|\d"
_NUMBER = re.compile(NUMBER)
_WORD = re.compile(rf"{NUMBER}|[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _language_data() -> dict[str, Any]:
    text = resources.files("ctassist").joinpath("data/english.toml").read_text("utf-8")
    return tomllib.loads(text)["english"]  # type: ignore[no-any-return]


#: Words too common to tell passages apart (``ctassist/data/english.toml``).
STOPWORDS = frozenset(_language_data()["stopwords"])


def _negation_pattern() -> re.Pattern[str]:
    data = _language_data()
    alternatives = "|".join(re.escape(w) for w in data["negations"])
    endings = "|".join(re.escape(e) for e in data["negation_endings"])
    return re.compile(rf"\b(?:{alternatives})\b|(?:{endings})\b", re.IGNORECASE)


_NEGATION = _negation_pattern()

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
    return [_plain(w) for w in _WORD.findall(text.lower())]


def numbers(text: str) -> list[str]:
    """The numbers in ``text``, as :func:`words` gives them.

    Example:
        >>> numbers("6,922 referrals in 2023-24, up 1.5%.")
        ['6922', '2023', '24', '1.5']
    """
    return [_plain(n) for n in _NUMBER.findall(text)]


def _plain(token: str) -> str:
    return token.replace(",", "").rstrip(".")


def has_negation(text: str) -> bool:
    """Whether ``text`` is negated: a negation word (``not``, ``never``, ``without``, ...)
    or a contraction ending in ``n't`` (``ctassist/data/english.toml``).

    Example:
        >>> has_negation("Referrals are not shared."), has_negation("It isn't."), has_negation("Nothing new.")
        (True, True, False)
    """
    return _NEGATION.search(text) is not None


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
