"""Every citation's quote is found verbatim in the cited document: over many questions, in the
loaded text at the citation's offsets and, for .md and .txt files, in the file itself."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ctassist import Assistant
from ctassist.chunk import HEADING_SEPARATOR
from ctassist.types import Answer, Citation
from tests.retrieve.testcorpus import INJECTION_DOC_ID, PUBLIC_NOTE_ID, USER_NOTE_ID

Ask = tuple[str, list[tuple[str, str]] | None, dict[str, Any] | None]

QUESTIONS: list[str] = [
    # Channel
    "Who chairs a Channel panel?",
    "Who can refer a person to a Channel panel?",
    "Who gives consent to Channel support for a person under the age of 18?",
    "Where are the partners of a Channel panel listed?",
    "What happens if a Channel panel does not offer support to a person?",
    "What are the two key police roles in the Channel process?",
    # CONTEST and Prevent
    "When was the CONTEST strategy first published?",
    "What are the four strands of CONTEST?",
    "What does the Prepare strand of CONTEST aim to do?",
    "What are Prevent's three objectives?",
    # referrals
    "How many referrals to Prevent were there in the year to March 2024?",
    "What share of Prevent referrals came from the education sector?",
    "On what form do Prevent referrals reach Counter Terrorism Policing?",
    "How long does the initial police assessment of a Prevent referral usually take?",
    "What do specialist Prevent officers and staff do?",
    # HMICFRS 2020 inspection
    "When did HMICFRS publish its inspection of the police's contribution to Prevent?",
    "Which police forces did the 2020 Prevent inspection cover?",
    "What did the HMICFRS 2020 Prevent inspection find about training?",
    "What did partner organisations think about information sharing with the police?",
    "How many recommendations did the HMICFRS 2020 Prevent inspection make?",
    # programme and attacks
    "What was the title of HMIC's 2009 report on Prevent?",
    "What did the CT2 inspection examine?",
    "How many people were killed in the Manchester Arena attack?",
    # Independent Review
    "When was William Shawcross appointed as the independent reviewer of Prevent?",
    "What are the main themes of the Shawcross review?",
    "How many of the Independent Review of Prevent's recommendations were complete by 20 February 2024?",
    # Prevent duty
    "When did the Counter-Terrorism and Security Act 2015 receive Royal Assent?",
    "Which sectors does the Prevent duty apply to?",
    "Since when has the 2023 Prevent duty guidance been in force?",
    # counter-terrorism-inspections.txt
    "Which questions did the Prevent reference groups' discussions focus on?",
    "Why does HMICFRS run counter-terrorism inspections?",
    # paraphrase and multi-document
    "What proportion of referrals in the twelve months to March 2024 came from schools and universities?",
    "Which section creates the Prevent duty, and which section requires Channel panel partners to co-operate?",
    # the test notes and the injection source
    "What did the Department for Education say about specialist Prevent officers?",
    "What did the public reference group agree?",
    "How often does a Channel panel meet?",
]

#: (question, history, filters) asks beyond plain questions: follow-ups and filters.
MORE: list[Ask] = [
    (
        "And who attended the other group?",
        [("Who attended the public reference group?", "The public reference group was attended by ... [1]")],
        None,
    ),
    ("When was it published?", [("What is the Independent Review of Prevent?", "...")], None),
    ("What did the group agree?", None, {"kind": "notes", "group": "user"}),
    ("What is said about Prevent referrals?", None, {"docs": [PUBLIC_NOTE_ID, "sources/channel.md"]}),
]


@pytest.fixture(scope="module")
def answers(assistant: Assistant) -> dict[str, Answer]:
    """Every question asked once; the tests below read the answers."""
    asked = {question: assistant.ask(question) for question in QUESTIONS}
    for question, history, filters in MORE:
        asked[f"{question} | {history} | {filters}"] = assistant.ask(question, history, filters)
    return asked


def _check_citation(assistant: Assistant, citation: Citation) -> None:
    document = assistant.document(citation.doc)
    assert document.text[citation.start : citation.end] == citation.quote, citation
    assert citation.quote.strip() == citation.quote and citation.quote
    raw = (assistant.settings.corpus_dir / citation.doc).read_text(encoding="utf-8")
    assert citation.quote in raw  # .md and .txt: the loaded text is the file's own text
    assert raw[citation.start : citation.end] == citation.quote  # ... at the same offsets
    assert citation.title == document.title
    heading = HEADING_SEPARATOR.join(
        t for t in document.heading_path_at(citation.start) if t != document.title
    )
    assert citation.section == (heading or None)
    assert citation.page is None
    assert citation.kind == document.kind


def test_many_questions_are_answered(answers: dict[str, Answer]) -> None:
    answered = [a for a in answers.values() if not a.abstained]
    assert len(answers) >= 40
    assert len(answered) >= 36, [a.question for a in answers.values() if a.abstained]
    assert sum(len(a.citations) for a in answered) >= 50


@pytest.mark.parametrize("index", range(len(QUESTIONS) + len(MORE)))
def test_every_quote_is_verbatim_in_its_document(
    assistant: Assistant, answers: dict[str, Answer], index: int
) -> None:
    answer = list(answers.values())[index]
    for citation in answer.citations:
        _check_citation(assistant, citation)


@pytest.mark.parametrize("index", range(len(QUESTIONS) + len(MORE)))
def test_every_sentence_carries_a_citation(answers: dict[str, Answer], index: int) -> None:
    answer = list(answers.values())[index]
    if answer.abstained:
        assert answer.citations == ()
        return
    numbers = [c.n for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)} == set(numbers)
    # Each line (list item) or sentence ends with its marker.
    for piece in re.split(r"(?<=\])\s+", answer.text.replace("\n- ", "\n")):
        assert re.search(r"\[\d+\]$", piece.strip()), piece
    if answer.mode == "records":
        # Worded from the notes' records, not quoted: each line names the record its
        # citation quotes (checked field by field in tests/records).
        return
    # The text holds each quote's sentences, in order, with nothing invented.
    bare = re.sub(r" \[\d+\]", "", answer.text).replace("\n- ", " ")
    quotes = " ".join(" ".join(c.quote.split()) for c in answer.citations)
    for sentence in re.split(r"(?<=[.?!])\s+", bare):
        assert " ".join(sentence.split()) in quotes, sentence


def test_answers_come_from_the_documents_asked_about(answers: dict[str, Answer]) -> None:
    def cited(question: str) -> set[str]:
        return {c.doc for c in answers[question].citations}

    assert "sources/channel.md" in cited(
        "Who gives consent to Channel support for a person under the age of 18?"
    )
    assert cited("When was the CONTEST strategy first published?") == {"sources/contest-and-prevent.md"}
    assert USER_NOTE_ID in cited(
        "What did the Department for Education say about specialist Prevent officers?"
    )
    assert INJECTION_DOC_ID in cited("How often does a Channel panel meet?")
    assert cited("How many people were killed in the Manchester Arena attack?") == {
        "sources/hmicfrs-counter-terrorism-programme.md"
    }


def test_answer_to_dict_is_the_json_contract(answers: dict[str, Answer]) -> None:
    answer = answers["Who chairs a Channel panel?"]
    data = answer.to_dict()
    assert data["answer"] == answer.text
    assert data["abstained"] is False
    assert data["mode"] == "extractive"
    assert data["citations"] == [c.to_dict() for c in answer.citations]
    for item in data["citations"]:
        assert {"n", "doc", "title", "section", "page", "quote"} <= set(item)
    assert set(data["timings"]) >= {"dense", "lexical", "compose", "total"}
    assert answer.retrieval_scores == [p.score for p in answer.passages]
    assert answer.retrieval_scores == sorted(answer.retrieval_scores, reverse=True)
