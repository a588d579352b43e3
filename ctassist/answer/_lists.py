"""Answers that are lists: "What are the three groups?" asks for three things, which the
sentences after the one that gives the count may name, one each."""

from __future__ import annotations

import re

#: Small numbers as words, by value.
SMALL_NUMBERS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)

_COUNTS = {word: n for n, word in enumerate(SMALL_NUMBERS) if n >= 2}
# "What were the eight recommendations ...?", "List the 3 objectives ...": N named things.
_ASKS_FOR_N_THINGS = re.compile(
    r"^\s*(?:and\s+)?(?:what|which|list|name)\b(?:\s+(?:are|were|is|was|did|do|does))?\s+"
    r"(?:of\s+)?(?:the\s+|its\s+|their\s+)?"
    rf"(?P<n>{'|'.join(_COUNTS)}|[2-9]|1[0-2])\s+(?:of\s|[a-z])",
    re.IGNORECASE,
)
_ITEM_SEPARATOR = re.compile(
    r",|;|\band\b|\bor\b|(?:^|\n)[ \t]*(?:[•\-*–·]|\d{1,3}[.)])[ \t]+", re.IGNORECASE
)


def asked_count(question: str) -> tuple[str, int] | None:
    """The number of things the question asks for, as written and as a number.

    Example:
        >>> asked_count("What were the eight recommendations of the inspection?")
        ('eight', 8)
    """
    match = _ASKS_FOR_N_THINGS.search(question)
    if match is None:
        return None
    number = match.group("n").lower()
    return number, _COUNTS.get(number) or int(number)


def lists_in_one_sentence(sentence: str, count: int) -> bool:
    """Whether the sentence itself names ``count`` things ("four strands: Prevent, Pursue,
    Protect and Prepare"): it has enough separators for them."""
    return len(_ITEM_SEPARATOR.findall(sentence)) + 1 >= count
