"""Hybrid retrieval: dense + BM25 candidates fused by reciprocal rank, optionally re-ranked."""

from __future__ import annotations

import pytest

from ctassist import Assistant
from ctassist.retrieve import Filters, HybridRetriever, reciprocal_rank_fusion
from ctassist.retrieve._hybrid import RERANK_POOL

QUESTION = "Who gives consent to Channel support for a person under the age of 18?"


def test_passages_are_reranked_best_first(assistant: Assistant) -> None:
    retriever = assistant.retriever
    reranking = HybridRetriever(retriever.store, retriever.dense, retriever.lexical, assistant.reranker)
    timings: dict[str, float] = {}
    passages = reranking.run(QUESTION, k=4, timings=timings)
    assert len(passages) == 4
    assert {"dense", "lexical", "rerank"} <= set(timings)
    assert all(seconds >= 0 for seconds in timings.values())
    assert all(p.rerank is not None for p in passages)
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    assert passages[0].doc_id == "sources/channel.md"
    assert "parent or guardian" in passages[0].text
    assert passages[0].rerank is not None and passages[0].rerank > 0
    assert len({p.chunk_id for p in passages}) == 4


def test_passages_carry_their_place_in_the_document(assistant: Assistant) -> None:
    for passage in assistant.retriever.run("Prevent referrals from schools", k=8):
        document = assistant.document(passage.doc_id)
        assert document.text[passage.start : passage.end] == passage.text
        assert passage.title == document.title
        assert passage.kind == document.kind
        assert passage.page is None  # no PDFs in the test corpus


def test_fused_scores_are_the_rrf_of_both_rankings(assistant: Assistant) -> None:
    retriever = assistant.retriever
    query = "When was the Independent Review of Prevent published?"
    dense = retriever.dense.search(query, Filters(), retriever.candidates)
    lexical = retriever.lexical.search(query, Filters(), retriever.candidates)
    expected = reciprocal_rank_fusion([[h[0] for h in dense], [h[0] for h in lexical]])
    passages = retriever.run(query, k=RERANK_POOL)
    assert len(passages) == RERANK_POOL
    best_fused = sorted(expected, key=lambda cid: expected[cid], reverse=True)[:RERANK_POOL]
    assert {p.chunk_id for p in passages} == set(best_fused)  # the re-ranker's pool
    lexical_scores = dict(lexical)
    for passage in passages:
        assert passage.fused == pytest.approx(expected[passage.chunk_id])
        assert passage.lexical == pytest.approx(lexical_scores.get(passage.chunk_id, 0.0))


def test_without_the_reranker_the_fused_order_stands(assistant: Assistant) -> None:
    plain = HybridRetriever(
        assistant.store, assistant.retriever.dense, assistant.retriever.lexical, None, candidates=30
    )
    timings: dict[str, float] = {}
    passages = plain.run(QUESTION, k=5, timings=timings)
    assert len(passages) == 5
    assert "rerank" not in timings
    assert all(p.rerank is None for p in passages)
    assert [p.score for p in passages] == sorted((p.fused for p in passages), reverse=True)


def test_a_lexical_only_candidate_is_fetched_from_the_store(assistant: Assistant) -> None:
    """With few candidates per retriever, an exact identifier that only BM25 ranks highly
    still reaches the answer pool, its text read back from the collection."""
    narrow = HybridRetriever(
        assistant.store, assistant.retriever.dense, assistant.retriever.lexical, None, candidates=2
    )
    query = "HC 1072"
    dense_ids = {h[0] for h in narrow.dense.search(query, Filters(), 2)}
    passages = narrow.run(query, k=4)
    lexical_only = [p for p in passages if p.chunk_id not in dense_ids]
    assert lexical_only, "BM25 contributed no candidate of its own"
    for passage in lexical_only:
        assert passage.dense == 0.0
        assert passage.lexical > 0
        assert assistant.document(passage.doc_id).text[passage.start : passage.end] == passage.text
    assert any("HC 1072" in p.text for p in passages)


def test_k_and_filters(assistant: Assistant) -> None:
    assert len(assistant.retriever.run(QUESTION, k=1)) == 1
    notes = assistant.retriever.run(QUESTION, filters=Filters(kind="notes"), k=20)
    assert notes and all(p.kind == "notes" for p in notes)
    assert len(notes) <= sum(1 for c in assistant.store.iter_chunks() if c.metadata["kind"] == "notes")


def test_the_assistant_retrieves_with_its_settings(assistant: Assistant) -> None:
    passages = assistant.retrieve(QUESTION)
    assert len(passages) == assistant.settings.top_k
    assert assistant.retrieve(QUESTION, k=2) == passages[:2]
