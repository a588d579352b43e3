"""Dense retrieval over the Chroma collection."""

from __future__ import annotations

import numpy as np
import pytest

from ctassist import Assistant
from ctassist.chunk import chunk_document
from ctassist.index import embedding_text
from ctassist.retrieve import Filters


def test_hits_are_best_first_and_limited_to_k(assistant: Assistant) -> None:
    hits = assistant.retriever.dense.search("Who chairs a Channel panel?", Filters(), 5)
    assert len(hits) == 5
    similarities = [similarity for _, similarity, _, _ in hits]
    assert similarities == sorted(similarities, reverse=True)
    assert all(-1.0 <= s <= 1.0 for s in similarities)
    assert len({chunk_id for chunk_id, _, _, _ in hits}) == 5
    top_docs = {metadata["doc_id"] for _, _, _, metadata in hits[:2]}
    assert top_docs & {"sources/channel.md", "sources/police-role-and-referrals.md"}


def test_similarity_is_the_cosine_of_query_and_embedded_chunk(assistant: Assistant) -> None:
    """``1 - distance`` of a cosine collection: recomputed here from the same encoder."""
    query = "How many referrals to Prevent were there in the year to March 2024?"
    hits = assistant.retriever.dense.search(query, Filters(), 3)
    query_vector = np.asarray(assistant.encoder.embed_query(query))
    for chunk_id, similarity, text, metadata in hits:
        document = assistant.document(metadata["doc_id"])
        chunk = chunk_document(document)[int(metadata["chunk_index"])]
        assert chunk.text == text
        chunk_vector = np.asarray(assistant.encoder.embed_documents([embedding_text(document, chunk)])[0])
        assert similarity == pytest.approx(float(query_vector @ chunk_vector), abs=1e-3), chunk_id


def test_hit_text_and_offsets_index_the_document(assistant: Assistant) -> None:
    for chunk_id, _, text, metadata in assistant.retriever.dense.search("Prevent duty", Filters(), 10):
        document = assistant.document(metadata["doc_id"])
        assert document.text[metadata["start"] : metadata["end"]] == text, chunk_id
        assert metadata["kind"] in {"source", "notes"}


def test_k_larger_than_the_collection(assistant: Assistant) -> None:
    total = assistant.store.count()
    hits = assistant.retriever.dense.search("Prevent", Filters(), total + 50)
    assert len(hits) == total


def test_filters_go_to_chroma(assistant: Assistant) -> None:
    hits = assistant.retriever.dense.search("meeting", Filters(kind="notes", group="user"), 10)
    assert hits
    assert {(m["kind"], m["group"]) for _, _, _, m in hits} == {("notes", "user")}
