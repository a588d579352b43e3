"""Follow-up questions are made standalone from the conversation before retrieval."""

from __future__ import annotations

from typing import Any

import pytest

from ctassist.query import Turn, normalise_history, resolve_follow_up

PUBLIC_Q = "Who attended the public reference group?"
PUBLIC_A = (
    "The public reference group was attended by people with some knowledge and understanding of "
    "Prevent, such as academics, think tanks, and parent-representatives. [1]"
)
REVIEW_Q = "What is the Independent Review of Prevent?"
HISTORY = [(PUBLIC_Q, PUBLIC_A)]


def test_without_history_nothing_changes() -> None:
    for history in (None, []):
        resolved = resolve_follow_up("And who attended the other group?", history)
        assert resolved.standalone == "And who attended the other group?"
        assert not resolved.is_follow_up
        assert not resolved.contrast


def test_the_other_group() -> None:
    resolved = resolve_follow_up("And who attended the other group?", HISTORY)
    assert resolved.is_follow_up
    assert resolved.standalone == f"And who attended the other group? ({PUBLIC_Q})"
    assert resolved.contrast  # "other": the last answer should not be repeated
    assert resolved.previous_answer == PUBLIC_A
    assert resolved.question == "And who attended the other group?"


@pytest.mark.parametrize(
    "question",
    [
        "And the Protect strand?",
        "But what about the police?",
        "Also, how many were adopted as Channel cases by local authorities in England?",
        "So which sectors were covered in the Prevent duty guidance for England and Wales?",
        "Then what happened next?",
        "What about the second objective?",
        "How about Channel?",
        "and when?",
        "Or the user reference group?",
    ],
)
def test_linking_words_make_a_follow_up(question: str) -> None:
    resolved = resolve_follow_up(question, [(REVIEW_Q, "...")])
    assert resolved.is_follow_up
    assert resolved.standalone == f"{question} ({REVIEW_Q})"


@pytest.mark.parametrize(
    "question",
    [
        "When was it published?",
        "How many of them were adopted?",
        "Who chaired it?",
        "What did they find?",
        "When did that happen?",
        "Who attended the other one?",
        "Is there anything else?",
        "Why?",
        "Dates?",
    ],
)
def test_references_back_with_few_own_words_make_a_follow_up(question: str) -> None:
    resolved = resolve_follow_up(question, [(REVIEW_Q, "...")])
    assert resolved.is_follow_up
    assert resolved.standalone.startswith(question)
    assert resolved.standalone.endswith(f"({REVIEW_Q})")


@pytest.mark.parametrize(
    "question",
    [
        "Who chairs a Channel panel?",
        "When was the Independent Review of Prevent published?",
        "How many referrals to Prevent were there in the year to March 2024?",
        # Refers back ("it") but names enough to be searched on its own.
        "When did the Counter-Terrorism and Security Act 2015 receive Royal Assent and what does it require?",
        # Words that merely start like a linking word.
        "Andover police referred how many people to Prevent panels in 2023?",
        "Sources of Prevent referrals in the education sector?",
        "Thence the Channel panel decides on support plans for referred people?",
    ],
)
def test_standalone_questions_stay_unchanged(question: str) -> None:
    resolved = resolve_follow_up(question, HISTORY)
    assert not resolved.is_follow_up
    assert resolved.standalone == question
    assert not resolved.contrast
    assert resolved.previous_answer == ""


def test_white_space_is_normalised() -> None:
    assert resolve_follow_up("  Who chairs\n a   Channel panel? ", HISTORY).standalone == (
        "Who chairs a Channel panel?"
    )


def test_a_chain_of_follow_ups_resolves_back_to_the_first_question() -> None:
    history = [(PUBLIC_Q, PUBLIC_A), ("And the other group?", "The Prevent user reference group ... [1]")]
    resolved = resolve_follow_up("When did it meet?", history)
    assert resolved.is_follow_up
    assert resolved.standalone == f"When did it meet? (And the other group? ({PUBLIC_Q}))"
    assert resolved.previous_answer == "The Prevent user reference group ... [1]"


def test_only_the_last_turn_is_used() -> None:
    history = [("Who chairs a Channel panel?", "..."), (REVIEW_Q, "...")]
    assert resolve_follow_up("When was it published?", history).standalone == (
        f"When was it published? ({REVIEW_Q})"
    )


def test_chat_messages_work_like_pairs() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": PUBLIC_Q},
        {"role": "assistant", "content": PUBLIC_A},
    ]
    assert resolve_follow_up("And the other group?", messages) == resolve_follow_up(
        "And the other group?", HISTORY
    )


def test_normalise_history_formats() -> None:
    assert normalise_history(None) == []
    assert normalise_history([]) == []
    assert normalise_history([("q1", "a1"), ["q2", "a2"]]) == [Turn("q1", "a1"), Turn("q2", "a2")]
    gradio = [
        {"role": "user", "content": [{"type": "text", "text": "q1"}]},
        {"role": "assistant", "content": "a1"},
        {"role": "assistant", "content": "stray answer without a question"},
        {"role": "user", "content": "q2"},
        {"role": "user", "content": "q3"},
    ]
    assert normalise_history(gradio) == [Turn("q1", "a1"), Turn("q2", ""), Turn("q3", "")]
    assert normalise_history([{"role": "user", "content": None}]) == [Turn("", "")]


def test_a_pending_question_counts_as_the_last_turn() -> None:
    messages = [{"role": "user", "content": REVIEW_Q}]
    resolved = resolve_follow_up("When was it published?", messages)
    assert resolved.standalone == f"When was it published? ({REVIEW_Q})"
    assert resolved.previous_answer == ""


def test_a_follow_up_about_another_time_names_the_years_to_leave_out() -> None:
    history = [
        ("How many referrals were there in the year to March 2024?", "In the year to March 2024, 6,922.")
    ]
    assert resolve_follow_up("And in the year before that?", history).other_years == ("2024",)
    assert resolve_follow_up("What about the previous year?", history).other_years == ("2024",)
    assert resolve_follow_up("And a year later?", history).other_years == ("2024",)
    # Same time, other subject: the last answer's years stay usable.
    assert resolve_follow_up("And how many were adopted?", history).other_years == ()
    # Another event, perhaps of the same year.
    attacks = [
        ("Which attack happened on 22 May 2017?", "The Manchester Arena attack on 22 May 2017 killed 22.")
    ]
    assert resolve_follow_up("And the attack before that?", attacks).other_years == ()
