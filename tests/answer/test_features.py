"""The decision's features: generic reads of a question and its evidence, for any corpus."""

from __future__ import annotations

import pytest

from ctassist.answer import FEATURE_NAMES
from ctassist.answer._features import (
    EvidenceView,
    features,
    holds_answer_type,
    missing_figures,
    missing_names,
    profile_question,
)


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("When was the Battle of Hastings?", "date"),
        ("In which year did the duty begin?", "date"),
        ("How many people live in Las Vegas?", "number"),
        ("What percentage of referrals came from education?", "number"),
        ("Who did Emma marry?", "agent"),
        ("Why did HMICFRS start the programme?", "reason"),
        ("Which force holds atoms together?", None),
        ("What is Prevent?", None),
        ("Who chairs the panel, and when was it set up?", "agent"),
    ],
)
def test_the_kind_of_answer_asked_for(question: str, asks: str | None) -> None:
    assert profile_question(question).asks == asks


@pytest.mark.parametrize(
    ("question", "sentence", "held"),
    [
        # A year of any era is a date.
        ("When was the Battle of Hastings?", "The battle was fought in 1066.", True),
        ("When did the Roman Empire fall?", "It fell in the 5th century.", True),
        ("When did the duty begin?", "It began on 1 July 2015.", True),
        ("When did the duty begin?", "It applies to schools and councils.", False),
        # The question's own year answers no "when".
        ("When was the 2020 inspection published?", "The 2020 inspection made eight recommendations.", False),
        ("How many people live in Las Vegas?", "About 641,903 people live in Las Vegas.", True),
        ("How many people live in Las Vegas?", "Las Vegas is in Nevada.", False),
        ("How many recommendations were there?", "It made eight recommendations.", True),
        ("Why did the review happen?", "It was commissioned because of concerns.", True),
        ("Why did the review happen?", "The review was published in 2023.", False),
        ("Who did Emma marry?", "Emma married Mr Knightley.", True),
        ("What is Prevent?", "Prevent is a strategy.", True),
    ],
)
def test_the_evidence_holds_the_kind_of_answer(question: str, sentence: str, held: bool) -> None:
    assert holds_answer_type(profile_question(question), sentence) is held


def test_figures_are_values_not_bounds() -> None:
    profile = profile_question("How many cases were there before 2019 in 2020, for under 18s?")
    assert profile.figures == ("2020",)


def test_a_small_figure_is_met_by_its_word() -> None:
    profile = profile_question("What are the 4 strands of the 2011 strategy?")
    assert missing_figures(profile, "The four strands of the 2011 strategy are ...") == []
    assert missing_figures(profile, "The four strands of the strategy are ...") == ["2011"]


def test_an_acronym_is_met_by_the_words_it_abbreviates() -> None:
    profile = profile_question("What does section 26 of the CTSA require?")
    assert (
        missing_names(profile, "Section 26 of the Counter-Terrorism and Security Act 2015 requires ...") == []
    )
    assert missing_names(profile, "Section 26 requires ...") == ["CTSA"]


def test_features_are_in_the_stored_order_and_finite() -> None:
    profile = profile_question("When did the Prevent duty begin?")
    view = EvidenceView(
        scores=(4.2, 1.0, -3.0),
        sentence="The Prevent Duty. The duty began on 1 July 2015.",
        passage="The Prevent Duty\n\nThe duty began on 1 July 2015. It applies to schools.",
        passage_scores=(4.2, -3.0),
        passage_rank=1,
    )
    idf = {"prevent": 0.5, "duti": 1.5, "begin": 2.0}.get
    values = dict(zip(FEATURE_NAMES, features(profile, view, lambda t: idf(t) or 0.0), strict=True))
    assert values["ce_best"] == 4.2
    assert values["ce_margin"] == pytest.approx(3.2)
    assert values["ce_support"] == -3.0
    assert values["retrieval_rank"] == 0.5
    assert (values["type_asked"], values["type_found"]) == (1.0, 1.0)
    assert values["specifics_missing"] == 0.0
    # "began" stems to "began", not "begin": the rarest word is not in the evidence.
    assert 0.0 < values["sentence_coverage"] < 1.0
    assert values["unknown_terms"] == 0.0
