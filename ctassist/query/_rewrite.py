"""A question in the corpus's own words: chat shorthand, the corpus's glossary and
acronyms written out as the documents write them, before anything scores it."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ctassist.errors import ConfigError
from ctassist.query._acronyms import spelled_out
from ctassist.query._language import english
from ctassist.text import content_terms

#: The glossary's file name, at the top of a corpus folder (never indexed).
GLOSSARY_FILE = "glossary.toml"

_ABBREVIATION = re.compile(r"\b[A-Za-z]*[A-Z][A-Za-z]*[A-Z][A-Za-z]*\b")


@dataclass(frozen=True)
class Glossary:
    """One corpus's shorthand and acronyms, kept by its owner in ``glossary.toml``.

    ``terms`` maps a word as people type it to the words the documents use; an entry with a
    capital letter ("LA") matches only as written, an all-lower-case one in any case.
    ``prefixes`` maps a letter written before a number ("s29", "s.29") to its word
    ("section 29").

    Example:
        >>> Glossary({"LA": "local authority"}, {"s": "section"}).apply("Does an LA act under s26?")
        'Does an local authority act under section 26?'
    """

    terms: dict[str, str] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, corpus_dir: Path) -> Glossary:
        """The glossary of ``corpus_dir``; empty when it has none.

        Raises:
            ConfigError: The file is not TOML of the documented shape (the message names it).
        """
        path = corpus_dir / GLOSSARY_FILE
        if not path.is_file():
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: not a readable TOML glossary ({exc})") from None
        tables: list[dict[str, str]] = []
        for name in ("terms", "prefixes"):
            table = data.get(name, {})
            if not isinstance(table, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip()
                for k, v in table.items()
            ):
                raise ConfigError(f"{path}: [{name}] must map words to their written-out words")
            tables.append(table)
        unknown = sorted(set(data) - {"terms", "prefixes"})
        if unknown:
            raise ConfigError(
                f"{path}: unknown table(s) {', '.join(unknown)}; expected [terms] and [prefixes]"
            )
        return cls(tables[0], tables[1])

    def apply(self, question: str) -> str:
        """``question`` with the glossary's words written out."""
        for short, long in sorted(self.terms.items(), key=lambda item: len(item[0]), reverse=True):
            flags = 0 if any(ch.isupper() for ch in short) else re.IGNORECASE
            pattern = rf"(?<![\w/.'’-]){re.escape(short)}(?![\w/-])"
            question = re.sub(pattern, lambda _m, long=long: long, question, flags=flags)
        for letter, word in self.prefixes.items():
            pattern = rf"(?<![\w'’.]){re.escape(letter)}\.?\s?(?=\d)"
            question = re.sub(pattern, f"{word} ", question, flags=re.IGNORECASE)
        return question


def in_corpus_words(
    question: str, text: str, known_term: Callable[[str], bool], glossary: Glossary | None = None
) -> str:
    """``question`` as the documents would put it: chat shorthand as words ("yr" as
    "year", "y/e march 24" as "year ending march 2024"), the corpus glossary applied, and
    acronyms that the corpus does not use written out as ``text`` (the passages) writes
    them ("CTSA" as "Counter-Terrorism and Security Act").

    Example:
        >>> in_corpus_words("what's issued under CTSA in the last yr?", "the Counter-Terrorism and Security Act", {"section"}.__contains__)
        "what's issued under Counter-Terrorism and Security Act in the last year?"
    """
    language = english()

    def written_out(match: re.Match[str]) -> str:
        acronym = match.group()
        if all(known_term(term) for term in content_terms(acronym)):
            return acronym
        return spelled_out(acronym, text) or acronym

    question = language.shorthand_pattern.sub(lambda m: language.shorthand[m.group().lower()], question)
    # "year ending march 24": two digits after a month there are its year, not its day.
    question = re.sub(
        rf"\b(year\s+(?:ending|to)\s+(?:{language.months})\.?)\s+(\d\d)\b",
        lambda m: f"{m.group(1)} 20{m.group(2)}",
        question,
        flags=re.IGNORECASE,
    )
    if glossary is not None:
        question = glossary.apply(question)
    return _ABBREVIATION.sub(written_out, question)
