"""The shared text helpers: negation and numbers, read the same way by every stage."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from ctassist.text import has_negation, numbers, words

ENGLISH = tomllib.loads(resources.files("ctassist").joinpath("data/english.toml").read_text("utf-8"))[
    "english"
]


@pytest.mark.parametrize("word", ENGLISH["negations"])
def test_every_negation_word_of_the_data_negates_in_any_case(word: str) -> None:
    assert has_negation(f"The panel {word} meets.")
    assert has_negation(f"{word.upper()} panel meets.")


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("Police do not share it.", True),
        ("Police don't share it.", True),
        ("Police don’t share it.", True),
        ("Referrals without consent.", True),
        ("Nothing is known about it.", False),  # not a listed word
        ("Nonetheless, it met.", False),  # "none" only as a whole word
        ("A knot of cases.", False),
        ("The panel meets monthly.", False),
    ],
)
def test_negation_is_whole_words_or_a_contraction(text: str, negated: bool) -> None:
    assert has_negation(text) is negated


def test_numbers_are_the_numbers_words_gives() -> None:
    text = "In 2023-24 there were 6,922 referrals, 1.5% more; 3 went to Channel."
    assert numbers(text) == ["2023", "24", "6922", "1.5", "3"]
    assert numbers(text) == [w for w in words(text) if w[0].isdigit()]
    assert numbers("No figures here.") == []
