"""Abstention: when nothing in the corpus supports an answer, say so, give the reason only
when a check found one, and show the closest passages as possibly not answering."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ctassist import Assistant
from ctassist.answer import NOT_COVERED, abstention_text
from ctassist.types import Citation
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


@pytest.mark.parametrize("question", ON_TOPIC_UNCOVERED + OFF_TOPIC)
def test_unanswerable_questions_abstain(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.abstained, answer.text
    assert answer.mode == "abstained"
    assert answer.citations == ()
    assert answer.text.startswith(NOT_COVERED)
    assert "[1]" not in answer.text
    # The closest sentences are shown as quotes that may not answer, located in real documents.
    assert "which may not answer it" in answer.text
    assert 1 <= len(answer.closest) <= 3
    known = set(corpus_files(assistant.settings.corpus_dir))
    for quote in answer.closest:
        assert quote.doc in known
        assert assistant.document(quote.doc).text[quote.start : quote.end] == quote.quote
        assert f"{quote.title} ({quote.doc})" in answer.text


def test_the_same_questions_are_answered_when_the_corpus_covers_them(assistant: Assistant) -> None:
    # Abstention is a judgement on the evidence, not a refusal of the topic: a covered
    # question next to the uncovered ones is answered.
    answer = assistant.ask("How long does the initial police assessment of a Prevent referral usually take?")
    assert not answer.abstained
    assert "about 5 days" in answer.text


def _closest(*doc_ids: str) -> tuple[Citation, ...]:
    return tuple(
        Citation(n, p.doc_id, p.title, p.section, p.page, p.text[:40], p.start, p.start + 40)
        for n, p in enumerate((chunk_passages(doc_id)[0] for doc_id in doc_ids), start=1)
    )


def test_abstention_text_names_the_documents_of_the_closest_passages_once() -> None:
    closest = _closest("sources/channel.md", "sources/prevent-duty.md", "sources/channel.md")
    assert abstention_text(closest) == (
        f"{NOT_COVERED}. The closest passages, which may not answer it, are in: "
        "Channel: Counter-Terrorism and Security Act 2015, Sections 36 to 41 (sources/channel.md); "
        "The Prevent Duty: Counter-Terrorism and Security Act 2015, Section 26 (sources/prevent-duty.md)."
    )


def test_abstention_text_gives_the_reason_when_there_is_one() -> None:
    text = abstention_text(
        _closest("sources/channel.md"), reason="nothing in the closest passages mentions “2019”"
    )
    assert text.startswith(
        f"{NOT_COVERED}: nothing in the closest passages mentions “2019”. The closest passages"
    )


def test_the_reason_is_given_only_when_a_check_found_it(assistant: Assistant) -> None:
    vetoed = assistant.ask("How many Channel cases were there in 2019?")
    assert vetoed.abstained
    assert vetoed.text.startswith(f"{NOT_COVERED}: nothing in the closest passages mentions “2019”.")
    # A question the evidence is judged not to answer gets no invented reason.
    judged = assistant.ask("What is the recipe for a Victoria sponge cake?")
    assert judged.abstained
    assert judged.text.startswith(f"{NOT_COVERED}. The closest passages")


def test_abstention_text_without_passages() -> None:
    assert abstention_text(()) == f"{NOT_COVERED}."
    text = abstention_text((), empty_index=True)
    assert text.startswith(NOT_COVERED)
    assert "index is empty" in text
    assert "ctassist index" in text


def test_an_empty_index_says_so(
    make_corpus: Callable[..., Corpus], make_assistant: Callable[..., Assistant], tmp_path: Path
) -> None:
    empty = make_assistant(make_corpus({}).root)
    answer = empty.ask("Who chairs a Channel panel?")
    assert answer.abstained
    assert "index is empty" in answer.text
    assert answer.closest == ()
