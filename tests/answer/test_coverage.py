"""Answerability checks beyond relevance: specific terms, unmet conditions, negated words.

The corpus vocabulary here is the real one of the shipped corpus (stemmed content words of
every document), as the lexical index holds it.
"""

from __future__ import annotations

from ctassist.answer._coverage import (
    condition_terms,
    fails_conditions,
    in_corpus_words,
    missing_terms,
    negated_terms,
    specific_terms,
    unknown_kind,
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


def test_an_acronym_is_met_by_the_words_it_abbreviates() -> None:
    evidence = ["The partners are listed in Schedule 7 to the Counter-Terrorism and Security Act 2015."]
    assert missing_terms("What's in Schedule 7 of the CTSA 2015?", evidence) == []
    assert missing_terms("Was the MoD Police included?", ["It covered the Ministry of Defence Police."]) == []
    # Initials must follow one another: "Ministry" alone is not "MoD".
    assert missing_terms("Was the MoD Police included?", ["The Ministry and its Police were not."]) == ["MoD"]
    # The pieces of a hyphenated compound count in lower case too; loose words do not.
    assert missing_terms("Which CT units?", ["regional counter-terrorism units"]) == []
    assert missing_terms("Which CT units?", ["the cost to units"]) == ["CT"]


def test_abbreviations_the_corpus_does_not_use_are_written_out(vocabulary: set[str]) -> None:
    text = "Statutory guidance is issued under section 29 of the Counter-Terrorism and Security Act 2015."
    known = vocabulary.__contains__
    assert in_corpus_words("what's issued under s29 CTSA?", text, known) == (
        "what's issued under section 29 Counter-Terrorism and Security Act?"
    )
    # Abbreviations the corpus uses stay; possessives and words ending in "s" are no section.
    assert (
        in_corpus_words("What did HMICFRS's 2020 report say?", text, known)
        == "What did HMICFRS's 2020 report say?"
    )
    assert in_corpus_words("Were 2 forces inspected?", text, known) == "Were 2 forces inspected?"


def test_chat_shorthand_is_read_as_words() -> None:
    known = {"year", "referr"}.__contains__
    assert in_corpus_words("prevent referrals in y/e march 24?", "", known) == (
        "prevent referrals in year ending march 2024?"
    )
    assert (
        in_corpus_words("can a 16 yr old agree w/o a parent?", "", known)
        == "can a 16 year old agree w/o a parent?"
    )
    # A day stays a day, and shorthand inside other words or addresses stays as it is.
    assert in_corpus_words("did the group meet on March 24?", "", known) == "did the group meet on March 24?"
    assert (
        in_corpus_words("see gov.uk info on re-referrals", "", known)
        == "see gov.uk information on re-referrals"
    )
    # Public-sector shorthand.
    assert in_corpus_words("are LAs under the prevent duty", "", known) == (
        "are local authorities under the prevent duty"
    )
    assert in_corpus_words("u18s - who consents?", "", known) == "under 18s - who consents?"


def test_a_figure_is_met_by_its_number_word() -> None:
    assert missing_terms("Which of the 4 Ps is about stopping people?", ["the four Ps: Prevent, ..."]) == []
    assert missing_terms("Which of the 5 Ps?", ["the four Ps: Prevent, ..."]) == ["5"]


def test_a_figure_given_as_a_bound_is_met_by_any_figure_of_its_kind() -> None:
    founded = ["The CONTEST strategy was first published in 2003."]
    assert missing_terms("Did CONTEST exist before 2005?", founded) == []
    assert missing_terms("Was CONTEST revised after 2010?", founded) == []
    # A year asked as a value must be met as written.
    assert missing_terms("Was CONTEST revised in 2005?", founded) == ["2005"]
    # A bound year needs some year in the evidence, not any figure.
    assert missing_terms("Did CONTEST exist before 2005?", ["CONTEST has four strands."]) == ["2005"]
    # A bound on what is counted is a condition.
    cases = ["In the year to March 2024, 512 referrals were adopted as Channel cases."]
    assert missing_terms("How many Channel cases involved children under 15?", cases) == ["15"]


def test_a_figure_within_a_range_the_evidence_states_is_met() -> None:
    consent = [
        "For a person under the age of 18, consent to Channel support is given by a parent or guardian."
    ]
    assert missing_terms("Can a 16 year old consent to Channel support?", consent) == []
    assert missing_terms("Can a 19 year old consent to Channel support?", consent) == ["19"]
    assert missing_terms("Do 250 staff work there?", ["More than 200 staff work there."]) == []
    assert missing_terms("Do 150 staff work there?", ["More than 200 staff work there."]) == ["150"]


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
    # "take place" is one light verb; "title" names the answer type, as "name" does.
    known = {"attack", "place", "worship", "titl", "report"}.__contains__
    assert condition_terms("When did the attack take place?", known) == ["attack"]
    assert condition_terms("Was the place of worship attacked?", known) == ["place", "worship", "attack"]
    assert condition_terms("What was the title of the report?", known) == ["report"]
    # Placeholders for whoever or whatever is asked about set no condition either.
    known = {"peopl", "issu", "vet", "refer", "educ"}.__contains__
    assert condition_terms("Any issues with vetting?", known) == ["vet"]
    assert condition_terms(
        "What term does the Act use for such a body?", {"term", "act", "use", "bodi"}.__contains__
    ) == ["term", "act"]
    assert condition_terms("Who referred more people, education or the police?", known) == ["refer", "educ"]


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


def test_the_passage_around_the_evidence_meets_conditions_but_not_negations(vocabulary: set[str]) -> None:
    known = vocabulary.__contains__
    sentence = ["Specialist Prevent officers and staff give advice to police colleagues and communities."]
    passage = ["Police forces have specialist Prevent officers and staff. " + sentence[0]]
    question = "To whom do police forces' specialist Prevent officers give advice?"
    assert fails_conditions(question, sentence, known) == ["forc"]
    assert fails_conditions(question, sentence, known, context=passage) == []
    # "not" elsewhere in the passage does not make "incomplete" of "complete".
    complete = ["30 of the 34 recommendations were complete."]
    around = ["The review was not welcomed by all. 30 of the 34 recommendations were complete."]
    question = "Which of the review's recommendations were incomplete?"
    assert fails_conditions(question, complete, known, context=around) == ["incomplet"]


def test_an_acronym_condition_is_met_by_the_words_it_abbreviates(vocabulary: set[str]) -> None:
    evidence = [
        "The 2020 inspection examined consistency with regional counter-terrorism units and information sharing."
    ]
    question = "Did the 2020 inspection examine consistency with the regional CT units?"
    assert fails_conditions(question, evidence, vocabulary.__contains__) == []
    assert fails_conditions(
        "Did the 2020 inspection examine consistency with the regional CT units?",
        ["The 2020 inspection examined consistency with regional units and information sharing."],
        vocabulary.__contains__,
    ) == ["ct"]


def test_a_word_is_met_by_one_the_documents_use_for_it() -> None:
    assert unmet_conditions(["oblig", "council"], ["Every local authority must ensure a panel exists."]) == [
        "council"
    ]
    assert unmet_conditions(["oblig"], ["Section 38 requires Channel panel partners to co-operate."]) == []
    assert unmet_conditions(["creat"], ["No training had been designed for strategic leads."]) == []
    assert unmet_conditions(["identifi"], ["The inspection found that vetting was a barrier."]) == []
    # Only within a group: "designed" does not meet "found".
    assert unmet_conditions(["identifi"], ["No training had been designed for strategic leads."]) == [
        "identifi"
    ]


def test_placing_a_duty_on_someone_sets_no_condition_of_its_own() -> None:
    known = {"section", "oblig", "channel", "panel", "partner", "place", "worship", "attack"}.__contains__
    question = "Which section places an obligation on Channel panel partners?"
    assert condition_terms(question, known) == ["section", "oblig", "channel", "panel", "partner"]
    assert condition_terms("Was the place of worship attacked?", known) == ["place", "worship", "attack"]


def test_a_kind_of_thing_the_corpus_never_names_cannot_be_answered(vocabulary: set[str]) -> None:
    known = vocabulary.__contains__
    assert unknown_kind("Which software do forces use to record Prevent referrals?", known) == "software"
    assert unknown_kind("What penalty does a specified authority face?", known) == "penalty"
    # A kind the corpus names, a word that only shapes the answer, or a noun with more
    # words before the verb is left to the other checks.
    assert unknown_kind("Which sectors does the Prevent duty cover?", known) is None
    assert unknown_kind("On what basis must the police make a referral?", known) is None
    assert unknown_kind("What else had been delivered?", known) is None
    assert unknown_kind("Which software packages do forces use?", known) is None


def test_the_body_a_question_asks_for_sets_no_condition() -> None:
    known = {"bodi", "organis", "publish", "report", "partner", "channel", "panel"}.__contains__
    assert condition_terms("Which body published the report?", known) == ["publish", "report"]
    assert condition_terms("Which organisations are Channel panel partners?", known) == [
        "channel",
        "panel",
        "partner",
    ]


def test_words_that_shape_a_yes_no_question_set_no_condition() -> None:
    known = {"whether", "govern", "accept", "recommend", "rather", "pass", "case"}.__contains__
    assert condition_terms("Whether the government accepted the recommendations?", known) == [
        "govern",
        "accept",
        "recommend",
    ]
    assert condition_terms("Is the case managed rather than passed on?", known) == ["case", "pass"]
    # "Is it right that ...?" asks whether something is so.
    known = {"right", "true", "polic", "refer", "wing"}.__contains__
    assert condition_terms("Is it right that only the police refer?", known) == ["polic", "refer"]
    assert condition_terms("Is it true that only the police refer?", known) == ["polic", "refer"]
    assert condition_terms("Did the police refer the right wing?", known) == [
        "polic",
        "refer",
        "right",
        "wing",
    ]


def test_a_paraphrase_is_left_to_the_models(vocabulary: set[str]) -> None:
    # Most of the question's words are unmatched: it is worded differently, not a near miss.
    evidence = ["Channel — Channel panels. The local authority chairs the Channel panel in its own area."]
    question = "Which body presides over the local meetings that decide on support for an individual?"
    assert len(unmet_conditions(condition_terms(question, vocabulary.__contains__), evidence)) > 1
    assert fails_conditions(question, evidence, vocabulary.__contains__) == []


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
