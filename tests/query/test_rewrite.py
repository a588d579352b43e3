"""A question in the corpus's words: chat shorthand, the corpus glossary, acronyms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ctassist import Assistant
from ctassist.errors import ConfigError
from ctassist.load import discover_files
from ctassist.query import GLOSSARY_FILE, Glossary, in_corpus_words
from tests.helpers import SHIPPED_CORPUS, Corpus


def test_the_shipped_glossary_writes_out_the_corpus_shorthand() -> None:
    glossary = Glossary.load(SHIPPED_CORPUS)
    assert glossary.apply("How many LAs refer u18s under s.26?") == (
        "How many local authorities refer under 18s under section 26?"
    )
    # Entries with capitals match only as written; the possessive 's before a year is no section.
    assert glossary.apply("Is la in Las Vegas? What was HMICFRS's 2020 finding?") == (
        "Is la in Las Vegas? What was HMICFRS's 2020 finding?"
    )


def test_a_corpus_without_a_glossary_rewrites_nothing_of_its_own(tmp_path: Path) -> None:
    glossary = Glossary.load(tmp_path)
    assert glossary == Glossary()
    question = "How many people live in Las Vegas, LA?"
    assert in_corpus_words(question, "Las Vegas is in Nevada.", lambda term: True, glossary) == question


def test_language_shorthand_applies_to_any_corpus() -> None:
    known = {"year", "end"}.__contains__
    assert in_corpus_words("how many ppl in the y/e march 24?", "", known) == (
        "how many people in the year ending march 2024?"
    )


def test_the_glossary_is_not_indexed() -> None:
    assert (SHIPPED_CORPUS / GLOSSARY_FILE).is_file()
    assert all(path.name != GLOSSARY_FILE for path in discover_files(SHIPPED_CORPUS))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[terms\n", "not a readable TOML glossary"),
        ("[terms]\nLA = 3\n", "[terms] must map words to their written-out words"),
        ("[words]\nLA = 'local authority'\n", "unknown table(s) words"),
    ],
)
def test_a_malformed_glossary_is_an_error_naming_the_file(tmp_path: Path, text: str, reason: str) -> None:
    (tmp_path / GLOSSARY_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Glossary.load(tmp_path)
    assert str(caught.value).startswith(str(tmp_path / GLOSSARY_FILE))
    assert reason in str(caught.value)


def test_an_assistant_applies_its_own_corpus_glossary_only(
    make_corpus: Callable[..., Corpus], make_assistant: Callable[..., Assistant]
) -> None:
    text = "# Councils\n\nA local authority chairs the panel in its own area.\n"
    with_glossary = make_corpus({"sources/councils.md": text})
    (with_glossary.root / GLOSSARY_FILE).write_text('[terms]\n"LA" = "local authority"\n', encoding="utf-8")
    without = make_corpus({"sources/councils.md": text})
    glossed = make_assistant(with_glossary.root).composer().in_corpus_words("Which LA chairs?", [])
    plain = make_assistant(without.root).composer().in_corpus_words("Which LA chairs?", [])
    assert glossed == "Which local authority chairs?"
    assert plain == "Which LA chairs?"
