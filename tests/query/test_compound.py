"""Compound questions are split into their parts once per reading of a question, for
retrieval and composition alike; the words that join two questions are language data."""

from __future__ import annotations

import pytest

from ctassist.query import ResolvedQuestion, compound_parts, english, readings, resolve_follow_up

COMPOUND = "When did the Prevent duty begin, and when was the Independent Review of Prevent published?"
PARTS = ("When did the Prevent duty begin?", "when was the Independent Review of Prevent published?")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (COMPOUND, list(PARTS)),
        (
            "Who chairs a Channel panel and what is the capital of France?",
            ["Who chairs a Channel panel?", "what is the capital of France?"],
        ),
        (
            "Who chairs a panel, and since when has the duty applied, and why?",
            ["Who chairs a panel?", "since when has the duty applied?", "why?"],
        ),
        # "and" between two names, not before a question word: one question.
        ("What did CT1 and CT2 examine?", ["What did CT1 and CT2 examine?"]),
        ("Who chairs a Channel panel?", ["Who chairs a Channel panel?"]),
    ],
)
def test_compound_parts_split_at_and_before_a_question_word(question: str, expected: list[str]) -> None:
    assert compound_parts(question) == expected


def test_the_joining_words_come_from_the_language_data() -> None:
    pattern = english().compound.pattern
    for word in ("and", "since", "who", "whose", "how"):
        assert word in pattern


def test_a_question_in_its_own_words_has_its_parts() -> None:
    resolved = resolve_follow_up(COMPOUND, None)
    assert resolved.parts == PARTS
    assert ResolvedQuestion("Who chairs a Channel panel?", "Who chairs a Channel panel?").parts == (
        "Who chairs a Channel panel?",
    )


def test_a_reading_with_the_earlier_question_appended_is_one_part() -> None:
    """The earlier question was answered already: a follow-up that carries it along is not
    split at the earlier question's "and when"."""
    history = [(COMPOUND, "...")]
    resolved = resolve_follow_up("And what about the other one?", history)
    assert resolved.is_follow_up and COMPOUND in resolved.standalone
    assert resolved.parts == (resolved.standalone,)


def test_every_reading_has_its_own_parts() -> None:
    history = [("What is the Independent Review of Prevent?", "...")]
    follow_up, own_words = readings("And when did the duty begin, and when was it published?", history)
    assert follow_up.parts == (follow_up.standalone,)
    # Read in its own words, the follow-up is two questions.
    assert own_words.parts == ("And when did the duty begin?", "when was it published?")
