"""Answerability checks beyond relevance: specific terms, answer types, unmet conditions.

The corpus vocabulary here is the real one of the shipped corpus (stemmed content words of
every document), as the lexical index holds it.
"""

from __future__ import annotations

import pytest

from ctassist.answer._coverage import (
    condition_terms,
    fails_conditions,
    lacks_answer_type,
    missing_terms,
    specific_terms,
    unmet_conditions,
    without_term,
)


def test_specific_terms_are_numbers_and_names() -> None:
    assert specific_terms("How many Channel cases were there in 2019?") == ["Channel", "2019"]
    # A capital opening the question (or a sentence of it) is not a name.
    assert specific_terms("Which sectors does the duty apply to?") == []


def test_missing_terms_checks_the_evidence() -> None:
    evidence = ["In the year to March 2024, 512 referrals were adopted as Channel cases."]
    assert missing_terms("How many Channel cases were there in 2019?", evidence) == ["2019"]
    assert missing_terms("How many Channel cases were there in the year to March 2024?", evidence) == []


def test_condition_terms_leave_out_framing_question_and_unknown_words(vocabulary: set[str]) -> None:
    terms = condition_terms(
        "In which year did the police make the most referrals to Prevent?", vocabulary.__contains__
    )
    assert "polic" in terms and "referr" in terms
    # "year" names the answer type, "make" is a light verb, "which" asks.
    assert not {"year", "make", "which"} & set(terms)
    assert "zeppelin" not in condition_terms("Did a zeppelin attend?", vocabulary.__contains__)


def test_unmet_conditions_match_irregular_forms_by_prefix() -> None:
    assert unmet_conditions(["give", "consent"], ["Consent is given by a parent."]) == []
    assert unmet_conditions(["health", "referr"], ["The police made 28% of the referrals."]) == ["health"]


def test_a_near_miss_fails_its_conditions(vocabulary: set[str]) -> None:
    evidence = [
        "The Police Role in Prevent — Referral figures. The police made 28% of the referrals to Prevent in the year to March 2024."
    ]
    known = vocabulary.__contains__
    assert fails_conditions(
        "Which police force made the most Prevent referrals in the year to March 2024?", evidence, known
    ) == ["forc"]
    assert "health" in fails_conditions(
        "What percentage of Prevent referrals did the health sector make in the year to March 2024?",
        evidence,
        known,
    )
    assert (
        fails_conditions(
            "What percentage of Prevent referrals did the police make in the year to March 2024?",
            evidence,
            known,
        )
        == []
    )


def test_a_paraphrase_is_left_to_the_models(vocabulary: set[str]) -> None:
    # Most of the question's words are unmatched: it is worded differently, not a near miss.
    evidence = ["Channel — Channel panels. The local authority chairs the Channel panel in its own area."]
    question = "Which body presides over the local meetings that decide on support for an individual?"
    assert len(unmet_conditions(condition_terms(question, vocabulary.__contains__), evidence)) > 1
    assert fails_conditions(question, evidence, vocabulary.__contains__) == []


@pytest.mark.parametrize(
    ("question", "sentences", "lacking"),
    [
        ("When did the Prevent duty begin?", ["The Prevent duty began on 1 July 2015."], None),
        ("On what date did the user group meet?", ["The user group was attended by departments."], "date"),
        (
            "Since when has the guidance been in force?",
            ["It has been in force since 31 December 2023."],
            None,
        ),
        ("In which year was the programme commissioned?", ["The programme was commissioned in 2015."], None),
        (
            "How many recommendations did the inspection make?",
            ["The inspection made eight recommendations."],
            None,
        ),
        ("How many officers work in Prevent roles?", ["Forces have specialist Prevent officers."], "number"),
        (
            "What percentage of referrals came from schools?",
            ["The education sector made 40% of referrals."],
            None,
        ),
        ("How often does a Channel panel meet?", ["A Channel panel usually meets once a month."], None),
        ("When may a panel meet?", ["A panel may meet where it chooses."], "date"),  # "may" is not a month
        ("Who chairs a Channel panel?", ["The local authority chairs it."], None),
    ],
)
def test_the_answer_type_must_be_in_the_answer(
    question: str, sentences: list[str], lacking: str | None
) -> None:
    assert lacks_answer_type(question, sentences) == lacking


def test_without_term_leaves_out_every_form_of_the_word() -> None:
    assert (
        without_term("Which police force made the most referrals?", "forc")
        == "Which police made the most referrals?"
    )
    assert (
        without_term("Who chaired the group, and does the chair vote?", "chair")
        == "Who the group, and does the vote?"
    )
    assert without_term("Who chairs a panel?", "zebra") == "Who chairs a panel?"
