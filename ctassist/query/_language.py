"""English language data of questions and answers, read from ``data/english.toml``.

Kept in a data file, as Haystack keeps a sentence splitter's abbreviations: what a
question opening asks for and how text writes dates, numbers and causes is language,
not code, and not any one corpus's vocabulary.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ctassist.text import NUMBER

_DATA = Path(__file__).with_name("data") / "english.toml"


def _alternatives(phrases: list[str]) -> str:
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True))


@dataclass(frozen=True)
class Language:
    """Compiled patterns of one language's data file."""

    asks: dict[str, str]
    asks_pattern: re.Pattern[str]
    date: re.Pattern[str]
    number: re.Pattern[str]
    reason: re.Pattern[str]
    future: re.Pattern[str]
    ranking: re.Pattern[str]
    bound: re.Pattern[str]
    shorthand: dict[str, str]
    shorthand_pattern: re.Pattern[str]
    months: str
    compound: re.Pattern[str]


@cache
def english() -> Language:
    """The English data, compiled once."""
    data = tomllib.loads(_DATA.read_text(encoding="utf-8"))
    asks: dict[str, str] = {" ".join(k.split()): v for k, v in data["asks"].items()}
    months = _alternatives(data["months"])
    date_words = _alternatives([*data["months"], *data["weekdays"], *data["date_words"]])
    shorthand: dict[str, str] = data["shorthand"]
    return Language(
        asks=asks,
        # At the start of the question or of a clause ("..., and when ...?").
        asks_pattern=re.compile(
            rf"(?:^|[,;]\s*|\band\s+|\bbut\s+)(?P<opening>{_alternatives(list(asks))})\b", re.IGNORECASE
        ),
        # A year of any era is three or four digits; a day of the month is 1 or 2 beside a month.
        date=re.compile(rf"\b\d{{3,4}}s?\b|\b(?:{date_words})\b", re.IGNORECASE),
        number=re.compile(rf"{NUMBER}|\b(?:{_alternatives(data['number_words'])})\b", re.IGNORECASE),
        reason=re.compile(rf"\b(?:{_alternatives(data['reason_words'])})\b", re.IGNORECASE),
        future=re.compile(rf"\b(?:{_alternatives(data['future_words'])})\b", re.IGNORECASE),
        ranking=re.compile(rf"\b(?:{_alternatives(data['ranking_words'])})\b", re.IGNORECASE),
        bound=re.compile(
            rf"\b(?:{_alternatives(data['bound_words'])})\s+(?:the\s+age\s+of\s+)?(?P<figure>\d[\d,.]*)",
            re.IGNORECASE,
        ),
        shorthand=shorthand,
        shorthand_pattern=re.compile(
            rf"(?<![\w/.-])(?:{_alternatives(list(shorthand))})(?![\w/-])", re.IGNORECASE
        ),
        months=months,
        # "<first question>, and <question word> ...": the first joining word before a
        # question word splits it.
        compound=re.compile(
            rf"^(?P<first>.+?\S),?\s+(?:{_alternatives(data['compound_joiners'])})\s+"
            rf"(?P<second>(?:(?:{_alternatives(data['question_word_leads'])})\s+)?"
            rf"(?:{_alternatives(data['question_words'])})\b.+)$",
            re.IGNORECASE,
        ),
    )
