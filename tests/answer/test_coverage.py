"""Answerability checks beyond relevance: specific terms, answer types, unmet conditions.

The corpus vocabulary here is the real one of the shipped corpus (stemmed content words of
every document), as the lexical index holds it.
"""

from __future__ import annotations

import pytest

from ctassist.answer._coverage import (
    asks_what_was_said,
    condition_terms,
    fails_conditions,
    lacks_answer_type,
    missing_terms,
    negated_terms,
    specific_terms,
    unmet_conditions,
    unmet_negations,
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
    # Counts and aspectual verbs frame the question too.
    terms = condition_terms("When did the two reviews start?", {"two", "review", "start"}.__contains__)
    assert terms == ["review"]


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
        # "When will ...?" looks ahead: a past date answers another question.
        (
            "When will HMICFRS publish its next report?",
            ["HMICFRS published a report in 2020."],
            "future date",
        ),
        ("When will HMICFRS publish its next report?", ["HMICFRS will publish it in 2027."], None),
        ("When is the review expected to end?", ["The review ended in 2023."], "future date"),
        # Names the question does not already give.
        ("What are the names of the group's members?", ["The group was attended by academics."], "names"),
        (
            "What are the names of the members of the Prevent group?",
            ["Members of the Prevent Group attended."],
            "names",
        ),
        ("What is the name of the reviewer?", ["The review was led by William Shawcross."], None),
        (
            "What are the names of the reports?",
            ['HMICFRS published "Counter-terrorism policing: an inspection".'],
            None,
        ),
        (
            "Name the three groups referrals fall into.",
            ["Referrals fall into three groups: a, b and c."],
            None,
        ),
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


@pytest.mark.parametrize(
    ("question", "passage", "lacking"),
    [
        (
            "What were the eight recommendations of the inspection?",
            "The inspection made eight recommendations. Forces welcomed them.",
            "list of eight",
        ),
        (
            "What are the four strands of CONTEST?",
            "CONTEST has four strands. They are Prevent, Pursue, Protect and Prepare.",
            None,
        ),
        (
            "Which are the 3 objectives of Prevent?",
            "Prevent has three objectives:\n- tackle ideology\n- support people\n- enable partners",
            None,
        ),
        ("What were the two findings?", "The inspection had findings.", "list of two"),
        # The things can follow the count, a sentence each.
        (
            "What are the three groups referrals fall into?",
            "Referrals fall into three groups. Some go to Channel. Some stay with the police. The rest close.",
            None,
        ),
        (
            "What were the eight recommendations?",
            "The inspection made eight recommendations.\n\nSource: https://example.org/report",
            "list of eight",
        ),
    ],
)
def test_a_question_for_n_things_needs_them_listed(question: str, passage: str, lacking: str | None) -> None:
    sentence = passage.split(". ")[0]
    assert lacks_answer_type(question, [sentence], passage) == lacking


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("What was said at the Prevent user reference group meeting?", True),
        ("What did they say at the meeting?", True),
        ("Which concerns were raised at the last meeting?", True),
        ("What did the group agree at its meeting in March?", True),
        ("Who attended the meeting?", False),  # the notes' attendees, but also any source
        ("What did the Shawcross review say about Prevent?", False),  # no meeting
        ("What did the user reference group say about training?", True),
        ("Which body presides over the local meetings that decide on support?", False),  # meetings in general
        ("How many referrals were discussed at a Channel panel?", False),
    ],
)
def test_what_was_said_at_a_meeting(question: str, asks: bool) -> None:
    assert asks_what_was_said(question) is asks


def test_a_negated_word_is_met_only_by_a_negation() -> None:
    known = {"complet", "publish", "form", "recommend"}.__contains__
    assert negated_terms("Which recommendations were incomplete?", known) == [("incomplet", "complet")]
    assert negated_terms("Which reports were unpublished?", known) == [("unpublish", "publish")]
    # Not a negation: a short base ("in|form"), or a negated form the corpus uses itself.
    assert negated_terms("How did forces inform partners?", known) == []
    assert negated_terms("Which were incomplete?", {"complet", "incomplet"}.__contains__) == []
    negated = [("incomplet", "complet")]
    assert unmet_negations(negated, ["30 of the 34 recommendations were complete."]) == ["incomplet"]
    assert unmet_negations(negated, ["Four recommendations were not yet complete."]) == []
    assert unmet_negations(negated, ["Four recommendations remain incomplete."]) == []


def test_a_negated_word_the_evidence_answers_positively_is_a_near_miss() -> None:
    known = {"shawcross", "review", "recommend", "complet", "februari"}.__contains__
    evidence = ["By 20 February 2024, 30 of the 34 recommendations of the Shawcross review were complete."]
    question = "Which of the Shawcross review's recommendations were incomplete in February 2024?"
    assert fails_conditions(question, evidence, known) == ["incomplet"]
    assert fails_conditions(question.replace("incomplete", "complete"), evidence, known) == []
