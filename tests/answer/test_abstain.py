"""Abstention: when nothing in the corpus supports an answer, say so and name the closest
documents."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ctassist import Assistant
from ctassist.answer import NOT_COVERED, abstention_text
from ctassist.cite import Passage
from tests.helpers import Corpus
from tests.retrieve.testcorpus import chunk_passages, corpus_files

#: On topic (Prevent, Channel, policing) but not covered by any document.
ON_TOPIC_UNCOVERED = [
    "What is the annual budget for Prevent?",
    "How long does a Channel support plan usually last?",
    "What is the average salary of a Prevent officer?",
    "How many Prevent officers does the Metropolitan Police employ?",
    "Which software do forces use to record Prevent referrals?",
]

#: Nothing to do with the corpus.
OFF_TOPIC = [
    "What is the capital of France?",
    "How do I reset my email password?",
    "What is the recipe for a Victoria sponge cake?",
    "Who won the 2022 FIFA World Cup?",
    "Which planet is closest to the sun?",
    "How many goals did England score at Euro 2024?",
    "What is the speed limit on a motorway?",
    "What time does the staff canteen open?",
]

CLOSEST = re.compile(r"The closest documents are: (.+)\.$")


@pytest.mark.parametrize("question", ON_TOPIC_UNCOVERED + OFF_TOPIC)
def test_unanswerable_questions_abstain(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.abstained, answer.text
    assert answer.mode == "abstained"
    assert answer.citations == ()
    assert answer.text.startswith(NOT_COVERED)
    assert "[1]" not in answer.text
    # The closest documents are named, with their ids, and they are real documents.
    assert 1 <= len(answer.closest) <= 3
    match = CLOSEST.search(answer.text)
    assert match, answer.text
    assert match.group(1).split("; ") == list(answer.closest)
    known = set(corpus_files(assistant.settings.corpus_dir))
    titles = {p.doc_id: p.title for p in answer.passages}
    for label in answer.closest:
        doc_id = label.rsplit(" (", 1)[1].rstrip(")")
        assert doc_id in known
        assert label == f"{titles[doc_id]} ({doc_id})"
    # In order of retrieval: the first named document holds the best passage.
    assert answer.closest[0].endswith(f"({answer.passages[0].doc_id})")


def test_the_same_questions_are_answered_when_the_corpus_covers_them(assistant: Assistant) -> None:
    # Abstention is a judgement on the evidence, not a refusal of the topic: a covered
    # question next to the uncovered ones is answered.
    answer = assistant.ask("How long does the initial police assessment of a Prevent referral usually take?")
    assert not answer.abstained
    assert "about 5 days" in answer.text


def test_abstention_text_names_at_most_three_distinct_documents() -> None:
    passages = [
        *chunk_passages("sources/channel.md"),
        *chunk_passages("sources/prevent-duty.md"),
        *chunk_passages("sources/contest-and-prevent.md"),
        *chunk_passages("sources/independent-review-of-prevent.md"),
    ]
    text, closest = abstention_text(passages)
    assert closest == (
        "Channel: Counter-Terrorism and Security Act 2015, Sections 36 to 41 (sources/channel.md)",
        "The Prevent Duty: Counter-Terrorism and Security Act 2015, Section 26 (sources/prevent-duty.md)",
        "CONTEST and Prevent: The UK Counter-Terrorism Strategy (sources/contest-and-prevent.md)",
    )
    assert text == f"{NOT_COVERED}. The closest documents are: {'; '.join(closest)}."


def test_abstention_text_gives_the_reason_when_there_is_one() -> None:
    passages = chunk_passages("sources/channel.md")
    text, closest = abstention_text(passages, reason="the closest passages give no date")
    assert text.startswith(f"{NOT_COVERED}: the closest passages give no date. The closest documents are: ")
    assert closest


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("How many Channel cases were there in 2019?", "nothing in the closest passages mentions “2019”"),
        ("On what date did the Prevent user reference group meet?", "the closest passages give no date"),
        (
            "What percentage of Prevent referrals did the health sector make in the year to March 2024?",
            "the closest passages do not mention “health”",
        ),
        (
            "Which police force made 28% of the Prevent referrals in the year to March 2024?",
            "the closest passages give no name",
        ),
        (
            "Which police force made the most Prevent referrals in the year to March 2024?",
            "the closest passages give no ranking",
        ),
        (
            "How much did the Independent Review of Prevent cost?",
            "the closest passages give no amount of money",
        ),
        (
            "How many police officers were interviewed for the HMICFRS 2020 Prevent inspection?",
            "the closest passages give no number of officers",
        ),
        (
            "Were there more referrals to Prevent in the year to March 2024 than in the previous year?",
            "the closest passages give no change over time",
        ),
        (
            "What day in October 2018 did fieldwork for the 2020 Prevent inspection begin?",
            "the closest passages give no day",
        ),
        # The counts are of other reports; HMIC's 2009 report is in another passage.
        (
            "How many recommendations did HMIC's 2009 Prevent report make?",
            "the passage that answers best does not mention “HMIC's” or “2009”",
        ),
    ],
)
def test_the_abstention_says_what_the_evidence_lacks(
    assistant: Assistant, question: str, reason: str
) -> None:
    answer = assistant.ask(question)
    assert answer.abstained
    assert answer.text.startswith(f"{NOT_COVERED}: {reason}. The closest documents are: "), answer.text


def test_abstention_text_without_passages() -> None:
    no_passages: list[Passage] = []
    assert abstention_text(no_passages) == (f"{NOT_COVERED}.", ())
    text, closest = abstention_text(no_passages, empty_index=True)
    assert text.startswith(NOT_COVERED)
    assert "index is empty" in text
    assert "ctassist index" in text
    assert closest == ()


def test_an_empty_index_says_so(
    make_corpus: Callable[..., Corpus], make_assistant: Callable[..., Assistant], tmp_path: Path
) -> None:
    empty = make_assistant(make_corpus({}).root)
    answer = empty.ask("Who chairs a Channel panel?")
    assert answer.abstained
    assert "index is empty" in answer.text
    assert answer.closest == ()
