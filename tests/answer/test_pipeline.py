"""The answer policy as one component: ``AnswerPipeline`` built from narrow parts (the real
retriever over a real Chroma index, the real encoder and cross-encoder, the records of real
meeting notes), never from the ``Assistant``; and ``Assistant.ask`` delegates to it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ctassist import Assistant, Settings
from ctassist.answer import AnswerPipeline, GenerativeAnswerer, make_chat_model
from ctassist.cite import SupportVerifier
from ctassist.embed import Encoder
from ctassist.query import resolve_follow_up
from ctassist.records import RecordBook
from ctassist.retrieve import Filters
from tests.helpers import SHIPPED_CORPUS, free_port
from tests.retrieve.testcorpus import PUBLIC_NOTE_ID, USER_NOTE_ID

COMPOUND = "When did the Prevent duty begin, and when was the Independent Review of Prevent published?"


def _pipeline(
    assistant: Assistant, generator: Callable[[], GenerativeAnswerer] | None = None
) -> AnswerPipeline:
    """A pipeline of the assistant's parts, each passed on its own."""
    store = assistant.store
    return AnswerPipeline(
        assistant.retriever,
        assistant.composer,
        lambda: RecordBook.from_store(store),
        assistant.encoder.encode,
        store.count,
        top_k=assistant.settings.top_k,
        generator=generator,
    )


@pytest.fixture(scope="module")
def pipeline(assistant: Assistant) -> AnswerPipeline:
    return _pipeline(assistant)


def test_answers_from_the_sources_with_a_citation_for_every_sentence(pipeline: AnswerPipeline) -> None:
    answer = pipeline.run("Who chairs a Channel panel?")
    assert answer.mode == "extractive" and not answer.abstained
    assert answer.citations and answer.citations[0].doc == "sources/channel.md"
    for citation in answer.citations:
        assert citation.quote in (SHIPPED_CORPUS / citation.doc).read_text(encoding="utf-8")
    assert {"dense", "lexical", "compose", "total"} <= set(answer.timings)


def test_the_assistant_delegates_to_it(assistant: Assistant, pipeline: AnswerPipeline) -> None:
    question = "Who gives consent to Channel support for a person under the age of 18?"
    assert assistant.pipeline is assistant.pipeline
    assert assistant.ask(question).text == pipeline.run(question).text


def test_a_question_about_the_records_is_answered_from_them(pipeline: AnswerPipeline) -> None:
    answer = pipeline.run("Who attended the public reference group?")
    assert answer.mode == "records"
    assert {c.doc for c in answer.citations} == {PUBLIC_NOTE_ID}
    assert answer.scope["group"] == "public"


def test_the_scope_the_question_names_narrows_the_passages(pipeline: AnswerPipeline) -> None:
    answer = pipeline.run("What was said at the public reference group meeting?")
    assert answer.scope["group"] == "public"
    assert USER_NOTE_ID not in {p.doc_id for p in answer.passages}
    # The caller's filters hold too: sources only.
    sources = pipeline.run(
        "What was said at the public reference group meeting?", filters=Filters(kind="source")
    )
    assert sources.passages and all(p.kind == "source" for p in sources.passages)


def test_a_compound_question_is_retrieved_for_part_by_part(
    assistant: Assistant, pipeline: AnswerPipeline
) -> None:
    resolved = resolve_follow_up(COMPOUND, None)
    assert len(resolved.parts) == 2
    evidence = {p.chunk_id for p in pipeline.evidence(resolved)}
    k = assistant.settings.top_k
    for part in resolved.parts:
        assert assistant.retriever.run(part, k=k)[0].chunk_id in evidence
    answer = pipeline.run(COMPOUND)
    assert "1 July 2015" in answer.text and "8 February 2023" in answer.text


def test_a_reading_of_one_part_is_retrieved_once(assistant: Assistant, pipeline: AnswerPipeline) -> None:
    resolved = resolve_follow_up("When was it published?", [(COMPOUND, "...")])
    assert resolved.parts == (resolved.standalone,)
    expected = assistant.retriever.run(resolved.standalone, k=assistant.settings.top_k)
    assert [p.chunk_id for p in pipeline.evidence(resolved)] == [p.chunk_id for p in expected]


def test_an_abstention_says_so_and_shows_the_closest_sentences(pipeline: AnswerPipeline) -> None:
    answer = pipeline.run("What is the recipe for a Victoria sponge cake?")
    assert answer.abstained and answer.mode == "abstained"
    assert answer.closest and not answer.citations


def test_a_model_that_is_down_leaves_the_extractive_answer(
    assistant: Assistant, pipeline: AnswerPipeline, encoder: Encoder
) -> None:
    pytest.importorskip("langchain_openai")
    url = f"http://127.0.0.1:{free_port()}/v1"  # bound, then closed: nothing listens
    settings = Settings(llm="openai", llm_base_url=url)
    made: list[GenerativeAnswerer] = []

    def generator() -> GenerativeAnswerer:
        made.append(GenerativeAnswerer(make_chat_model(settings), SupportVerifier(encoder.encode)))
        return made[-1]

    generative = _pipeline(assistant, generator=generator)
    question = "Who chairs a Channel panel?"
    answer = generative.run(question)
    extractive = pipeline.run(question)
    assert made, "the generator was asked for"
    assert answer.mode == "extractive" and answer.fallback and "could not be reached" in answer.fallback
    assert answer.text == f"{extractive.text}\n\n{answer.fallback}"
    assert answer.citations == extractive.citations
    assert "generate" in answer.timings
