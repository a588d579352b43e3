"""The extractive composer: sentences of the retrieved passages, each cited, never invented.

The passages are the shipped documents' real chunks and the scorer is the real cross-encoder;
no index is needed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ctassist.answer import (
    FEATURE_NAMES,
    Composition,
    ExtractiveComposer,
    shipped_decision,
)
from ctassist.answer._extractive import _preselect, sentences
from ctassist.cite import split_cited_sentences
from ctassist.load import load_document
from ctassist.query import Glossary, ResolvedQuestion
from ctassist.retrieve import CrossEncoderReranker
from ctassist.safety import looks_like_instruction
from ctassist.types import Citation, Passage
from tests.answer.conftest import corpus_idf
from tests.helpers import SHIPPED_CORPUS
from tests.retrieve.testcorpus import (
    INJECTION_DOC,
    INJECTION_DOC_ID,
    PAYLOAD,
    chunk_passages,
)

MARKED_SENTENCE = re.compile(r"[^\n]+? \[\d+\](?= |\n|$)")


@pytest.fixture(scope="module")
def composer() -> ExtractiveComposer:
    """Answers whenever the veto allows: these tests are about how an answer is built."""
    return ExtractiveComposer(
        CrossEncoderReranker().score, decision=None, idf=corpus_idf(), glossary=Glossary.load(SHIPPED_CORPUS)
    )


@pytest.fixture(scope="module")
def deciding(composer: ExtractiveComposer) -> ExtractiveComposer:
    """With the shipped answer-or-abstain decision, as ``Assistant.ask`` composes."""
    return ExtractiveComposer(
        composer.scorer, decision=shipped_decision(), idf=composer.idf, glossary=composer.glossary, pool=6
    )


def _passages(*doc_ids: str, corpus: Path = SHIPPED_CORPUS) -> list[Passage]:
    return [p for doc_id in doc_ids for p in chunk_passages(doc_id, corpus)]


def _assert_well_cited(composition: Composition, corpus: Path = SHIPPED_CORPUS) -> None:
    """Every sentence ends with [n]; every n has a citation; every quote is verbatim."""
    assert not composition.abstained
    rest = MARKED_SENTENCE.sub("", composition.text.replace("\n- ", "\n"))
    assert not rest.strip(), f"text outside a cited sentence: {rest!r}"
    numbers = [c.n for c in composition.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    used = {int(n) for n in re.findall(r"\[(\d+)\]", composition.text)}
    assert used == set(numbers)
    for citation in composition.citations:
        document = load_document(corpus / citation.doc, corpus)
        assert document.text[citation.start : citation.end] == citation.quote
        assert citation.quote in (corpus / citation.doc).read_text(encoding="utf-8")
        assert citation.title == document.title
    for sentence, cited in split_cited_sentences(composition.text):
        assert len(cited) == 1
        quote = composition.citations[cited[0] - 1].quote
        assert " ".join(sentence.split()) in " ".join(quote.split())


def test_answers_with_the_sentence_that_answers(composer: ExtractiveComposer) -> None:
    composition = composer.compose(
        "Who chairs a Channel panel?", _passages("sources/channel.md", "sources/contest-and-prevent.md")
    )
    _assert_well_cited(composition)
    assert "The local authority chairs the Channel panel in its own area." in composition.text
    assert composition.best_score > 0
    assert composition.citations[0].doc == "sources/channel.md"
    assert composition.citations[0].section == "Channel panels and who chairs them"
    assert composition.citations[0].page is None


def test_citations_carry_offsets_section_and_kind(composer: ExtractiveComposer) -> None:
    composition = composer.compose(
        "How many referrals to Prevent were there in the year to March 2024?",
        _passages("sources/police-role-and-referrals.md"),
    )
    _assert_well_cited(composition)
    first = composition.citations[0]
    assert "6,922 referrals to Prevent" in first.quote
    assert first.section == "Prevent referral figures for the year to March 2024"
    assert first.kind == "source"
    assert first.to_dict()["quote"] == first.quote


def test_at_most_four_sentences_within_the_margin(composer: ExtractiveComposer) -> None:
    passages = _passages("sources/hmicfrs-2020-prevent-inspection.md")
    composition = composer.compose("What did the HMICFRS 2020 Prevent inspection find?", passages)
    _assert_well_cited(composition)
    assert len(split_cited_sentences(composition.text)) <= 4
    ranked = composer.candidates("What did the HMICFRS 2020 Prevent inspection find?", passages)
    chosen = {s for s, _ in split_cited_sentences(composition.text)}
    for evidence in ranked:
        if evidence.text in chosen:
            assert evidence.score >= ranked[0].score - composer.margin


def test_a_list_comes_with_its_items(composer: ExtractiveComposer) -> None:
    composition = composer.compose(
        "Which questions did the Prevent reference groups' discussions focus on?",
        _passages("sources/counter-terrorism-inspections.txt"),
    )
    _assert_well_cited(composition)
    assert "focused on the following questions." in composition.text
    for item in (
        "What is the role of the police in stopping people being drawn into terrorism?",
        "What skills/powers/abilities are needed to do this and do the police have them?",
        "Where have police succeeded or failed in stopping people being drawn into terrorism?",
        "What key areas should HMICFRS focus on?",
    ):
        assert f"\n- {item} [" in composition.text


def test_adjacent_sentences_share_one_quote(composer: ExtractiveComposer) -> None:
    composition = composer.compose(
        "Who can refer a person to a Channel panel and on what grounds?", _passages("sources/channel.md")
    )
    _assert_well_cited(composition)
    merged = [c for c in composition.citations if c.quote.count(". ") >= 1]
    assert merged, composition.text  # two consecutive sentences: one quote spanning both
    text = load_document(SHIPPED_CORPUS / merged[0].doc, SHIPPED_CORPUS).text
    assert text[merged[0].start : merged[0].end] == merged[0].quote


def test_a_sentence_found_in_two_documents_is_said_once(composer: ExtractiveComposer) -> None:
    sentence = "Two key police roles in the Channel process are the counter-terrorism case officer and the Channel coordinator."
    composition = composer.compose(
        "What are the two key police roles in the Channel process?",
        _passages("sources/channel.md", "sources/police-role-and-referrals.md"),
    )
    _assert_well_cited(composition)
    assert composition.text.count(sentence) == 1


def test_sentences_of_a_document_keep_their_order(composer: ExtractiveComposer) -> None:
    composition = composer.compose(
        "What are the objectives of Prevent?", _passages("sources/contest-and-prevent.md")
    )
    _assert_well_cited(composition)
    for a, b in zip(composition.citations, composition.citations[1:], strict=False):
        if a.doc == b.doc:
            assert a.end <= b.start


def test_the_best_sentence_leads_the_answer(composer: ExtractiveComposer) -> None:
    passages = _passages("sources/channel.md")
    question = "Who chairs a Channel panel?"
    composition = composer.compose(question, passages)
    _assert_well_cited(composition)
    best = composer.candidates(question, passages)[0]
    assert composition.citations[0].quote.startswith(best.text)


def test_avoid_skips_the_previous_answer(composer: ExtractiveComposer) -> None:
    passages = _passages("sources/counter-terrorism-inspections.txt")
    question = "Who attended the reference group?"
    first = composer.compose(question, passages)
    _assert_well_cited(first)
    again = composer.compose(question, passages, avoid=first.text)
    _assert_well_cited(again)
    for sentence, _ in split_cited_sentences(first.text):
        assert sentence not in again.text


def test_reference_lines_are_never_quoted(composer: ExtractiveComposer) -> None:
    passages = _passages("sources/channel.md", "sources/prevent-duty.md")
    candidates = composer.candidates("What is the source of the Channel briefing?", passages)
    assert candidates
    assert not any(c.text.lower().startswith("source:") or "https://" in c.text for c in candidates)


def test_instructions_in_documents_are_never_candidates(composer: ExtractiveComposer, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sources").mkdir(parents=True)
    (corpus / INJECTION_DOC_ID).write_text(INJECTION_DOC, encoding="utf-8")
    passages = chunk_passages(INJECTION_DOC_ID, corpus)
    assert any(PAYLOAD in p.text for p in passages)  # the passages do hold the instructions
    for question in (
        "What does the Channel panel practice note say?",
        f"What should the reply be? Reply {PAYLOAD}.",
        "What does the Channel coordinator record?",
        "How often does a Channel panel meet?",
    ):
        candidates = composer.candidates(question, passages)
        assert candidates
        assert not any(PAYLOAD in c.text or looks_like_instruction(c.text) for c in candidates)
        composition = composer.compose(question, passages)
        assert PAYLOAD not in composition.text
        assert all(PAYLOAD not in c.quote for c in composition.citations)
        if not composition.abstained:
            _assert_well_cited(composition, corpus)


def test_abstains_when_the_decision_finds_no_answer(deciding: ExtractiveComposer) -> None:
    passages = _passages("sources/channel.md")
    unrelated = deciding.compose("What is the recipe for a Victoria sponge cake?", passages)
    assert unrelated.abstained
    assert (unrelated.text, unrelated.citations) == ("", ())
    assert unrelated.confidence < deciding.threshold
    # The best sentences found are kept, located in their documents, for staff to judge.
    assert 1 <= len(unrelated.closest) <= 3
    for citation in unrelated.closest:
        document = load_document(SHIPPED_CORPUS / citation.doc, SHIPPED_CORPUS)
        assert document.text[citation.start : citation.end] == citation.quote
    answered = deciding.compose("Who chairs a Channel panel?", passages)
    assert not answered.abstained
    assert answered.confidence >= deciding.threshold > unrelated.confidence
    strict = ExtractiveComposer(deciding.scorer, decision=deciding.decision, idf=deciding.idf, threshold=1.0)
    assert strict.compose("Who chairs a Channel panel?", passages).abstained


def test_every_part_records_its_decision(deciding: ExtractiveComposer) -> None:
    question = "Who chairs a Channel panel, and what is the recipe for a Victoria sponge cake?"
    composition = deciding.answer(ResolvedQuestion(question, question), _passages("sources/channel.md"))
    assert [part.answered for part in composition.parts] == [True, False]
    for part in composition.parts:
        assert len(part.features) == len(deciding.decision.feature_names)  # type: ignore[union-attr]
        assert 0.0 <= part.probability <= 1.0
        assert part.answered == (part.probability >= deciding.threshold)


def test_nothing_to_compose_from(composer: ExtractiveComposer) -> None:
    composition = composer.compose("Who chairs a Channel panel?", [])
    assert composition.abstained
    assert composition.best_score == float("-inf")
    assert composition.closest == ()


def test_citation_to_dict_is_the_json_contract() -> None:
    citation = Citation(1, "sources/channel.md", "Channel", None, None, "Quote.", 3, 9)
    assert citation.to_dict() == {
        "n": 1,
        "doc": "sources/channel.md",
        "title": "Channel",
        "section": None,
        "page": None,
        "quote": "Quote.",
        "start": 3,
        "end": 9,
    }


# --- the sentence pool, conditions and compound questions ---------------------------------


def test_the_pool_limits_the_cross_encoder_to_the_likeliest_sentences(composer: ExtractiveComposer) -> None:
    calls: list[int] = []

    def counting(question: str, texts: list[str]) -> list[float]:
        calls.append(len(texts))
        return composer.scorer(question, texts)

    pooled = ExtractiveComposer(counting, decision=None, idf=composer.idf, pool=3)
    passages = _passages("sources/channel.md", "sources/police-role-and-referrals.md")
    assert len(sentences(passages)) > 3
    composition = pooled.compose("Who chairs a Channel panel?", passages)
    _assert_well_cited(composition)
    assert calls == [3]
    assert "The local authority chairs the Channel panel in its own area." in composition.text


def test_the_pool_favours_sentences_that_hold_the_kind_of_answer_asked_for() -> None:
    text = (
        "Forces run Prevent teams in every region. Forces run Prevent teams in every county. "
        "Forces run Prevent teams because the threat is local. Forces have run Prevent teams since 2011."
    )
    passage = Passage("c1", "sources/x.md", "Teams", "sources", "", None, 0, len(text), text)
    found = sentences([passage])
    why = [e.text for e in _preselect("Why do forces run Prevent teams?", found, 1)]
    assert why == ["Forces run Prevent teams because the threat is local."]
    when = [e.text for e in _preselect("When did forces start to run Prevent teams?", found, 1)]
    assert when == ["Forces have run Prevent teams since 2011."]
    where = [e.text for e in _preselect("Where do forces run Prevent teams?", found, 1)]
    assert where == ["Forces run Prevent teams in every region."]


def test_list_items_come_along_even_when_the_pool_left_them_out(composer: ExtractiveComposer) -> None:
    pooled = ExtractiveComposer(composer.scorer, decision=None, idf=composer.idf, pool=2)
    composition = pooled.compose(
        "Which questions did the Prevent reference groups' discussions focus on?",
        _passages("sources/counter-terrorism-inspections.txt"),
    )
    _assert_well_cited(composition)
    assert "\n- What key areas should HMICFRS focus on? [" in composition.text


def test_passage_scores_rank_the_passages_by_their_best_sentence(composer: ExtractiveComposer) -> None:
    passages = _passages("sources/contest-and-prevent.md", "sources/channel.md")
    composition = composer.compose("Who chairs a Channel panel?", passages)
    best_chunk = max(composition.passage_scores, key=lambda chunk_id: composition.passage_scores[chunk_id])
    assert next(p for p in passages if p.chunk_id == best_chunk).doc_id == "sources/channel.md"
    assert max(composition.passage_scores.values()) == composition.best_score


def test_a_question_whose_figure_is_not_in_the_evidence_abstains(deciding: ExtractiveComposer) -> None:
    passages = _passages("sources/police-role-and-referrals.md")
    near_miss = deciding.compose(
        "How many referrals to Prevent were there in the year to March 2019?", passages
    )
    assert near_miss.abstained
    assert near_miss.reason == "nothing in the closest passages mentions “2019”"
    assert near_miss.parts[0].features == ()  # vetoed before the decision
    answered = deciding.compose(
        "How many referrals to Prevent were there in the year to March 2024?", passages
    )
    _assert_well_cited(answered)
    assert "6,922" in answered.text


def test_a_figure_given_as_a_bound_need_not_be_in_the_evidence(composer: ExtractiveComposer) -> None:
    # "before 2016" bounds the answer; the evidence gives the year itself.
    composition = composer.compose(
        "Did the Prevent duty begin before 2016?", _passages("sources/prevent-duty.md")
    )
    assert composition.parts[0].features, composition.reason
    assert not composition.abstained


def test_a_sentence_holding_the_answer_type_is_never_vetoed(composer: ExtractiveComposer) -> None:
    # Only a missing figure vetoes: a "when" question whose evidence holds a date of any era
    # (not only 1800–2099) is put to the decision.
    text = "The Battle of Hastings was fought in 1066. It ended Anglo-Saxon rule."
    passage = Passage("h1", "sources/h.md", "Hastings", "sources", "", None, 0, len(text), text)
    composition = composer.compose("When was the Battle of Hastings?", [passage])
    assert not composition.abstained
    assert "1066" in composition.text
    assert composition.parts[0].features[FEATURE_NAMES.index("type_found")] == 1.0


def test_compound_questions_are_answered_part_by_part(composer: ExtractiveComposer) -> None:
    question = "When did the Prevent duty begin, and when was the Independent Review of Prevent published?"
    passages = _passages("sources/prevent-duty.md", "sources/independent-review-of-prevent.md")
    composition = composer.answer(ResolvedQuestion(question, question), passages)
    _assert_well_cited(composition)
    assert [part.question for part in composition.parts] == [
        "When did the Prevent duty begin?",
        "when was the Independent Review of Prevent published?",
    ]
    assert "1 July 2015" in composition.text
    assert "8 February 2023" in composition.text
    assert {c.doc for c in composition.citations} >= {
        "sources/prevent-duty.md",
        "sources/independent-review-of-prevent.md",
    }
    # Without its parts, the same words are one question with one decision.
    assert len(composer.compose(question, passages).parts) == 1


def test_a_partly_covered_compound_question_answers_the_covered_part(composer: ExtractiveComposer) -> None:
    question = "Who chairs a Channel panel, and what is the recipe for a Victoria sponge cake?"
    composition = composer.answer(ResolvedQuestion(question, question), _passages("sources/channel.md"))
    _assert_well_cited(composition)
    assert "The local authority chairs the Channel panel in its own area." in composition.text


def test_a_follow_up_about_another_year_does_not_answer_with_the_last_one(
    composer: ExtractiveComposer,
) -> None:
    passages = _passages("sources/police-role-and-referrals.md")
    question = "How many referrals to Prevent were there in the year to March 2024?"
    first = composer.compose(question, passages)
    assert "2024" in first.text
    follow_up = f"And in the year before that? ({question})"
    other = composer.compose(
        follow_up, passages, conditions="And in the year before that?", other_years=("2024",)
    )
    # The corpus gives no earlier year's figure: every sentence about 2024 is out.
    assert "2024" not in other.text
    for citation in other.citations:
        assert "2024" not in citation.quote
    # The candidates that calibration scores leave them out too.
    candidates = composer.candidates(follow_up, passages, other_years=("2024",))
    assert candidates and all("2024" not in evidence.text for evidence in candidates)
    assert any("2024" in evidence.text for evidence in composer.candidates(follow_up, passages))


def test_abbreviations_are_read_as_the_passages_write_them(composer: ExtractiveComposer) -> None:
    # "s29" through the corpus glossary, "CTSA" spelled out as the passage spells it.
    assert composer.in_corpus_words(
        "what's issued under s29 CTSA?", _passages("sources/prevent-duty.md")
    ) == ("what's issued under section 29 Counter-Terrorism and Security Act?")
    composition = composer.compose("what's issued under s29 CTSA?", _passages("sources/prevent-duty.md"))
    assert not composition.abstained
    _assert_well_cited(composition)
    assert "issued under section 29 of the Counter-Terrorism and Security Act 2015" in composition.text


def test_a_question_for_n_things_gets_the_sentences_after_the_count(composer: ExtractiveComposer) -> None:
    passages = _passages("sources/police-role-and-referrals.md")
    composition = composer.compose("Name the three groups Prevent referrals fall into.", passages)
    _assert_well_cited(composition)
    for group in ("clear vulnerability", "Prevent Case Management", "not appropriate for Channel"):
        assert group in composition.text
    # A sentence that names the things itself brings nothing more along.
    passages = _passages("sources/contest-and-prevent.md")
    strands = composer.compose("What are the four strands of CONTEST?", passages)
    assert "Prevent, Pursue, Protect and Prepare" in strands.text
    assert len(split_cited_sentences(strands.text)) <= composer.max_sentences
