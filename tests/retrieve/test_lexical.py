"""The BM25 index: derived from the collection, persisted beside it, rebuilt only when the
collection changes, reloaded from disk by a new instance without rebuilding."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ctassist import Assistant
from ctassist.retrieve import Filters, LexicalIndex
from ctassist.text import content_terms
from tests.helpers import CHANNEL_MD, PREVENT_TXT, Corpus, note_text

MakeCorpus = Callable[..., Corpus]
MakeAssistant = Callable[..., Assistant]

CONSENT_QUESTION = "Who gives consent for a person under 18?"


def _indexed(make_corpus: MakeCorpus, make_assistant: MakeAssistant) -> tuple[Corpus, Assistant]:
    corpus = make_corpus(
        {
            "sources/channel.md": CHANNEL_MD,
            "sources/prevent.txt": PREVENT_TXT,
            "notes/2024-03-05.md": note_text(),
        }
    )
    assistant = make_assistant(corpus.root)
    assert assistant.index().ok
    return corpus, assistant


def _doc_ids(assistant: Assistant, hits: list[tuple[str, float]]) -> set[str]:
    return {str(c.metadata["doc_id"]) for c in assistant.store.get([chunk_id for chunk_id, _ in hits])}


def test_builds_once_then_only_when_the_collection_changes(
    make_corpus: MakeCorpus, make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    corpus, assistant = _indexed(make_corpus, make_assistant)
    lexical = LexicalIndex(tmp_path / "lexical")
    assert lexical.fingerprint == ""
    assert lexical.sync(assistant.store) is True  # built from the collection
    marker = tmp_path / "lexical" / "fingerprint"
    assert marker.read_text() == lexical.fingerprint
    saved_at = marker.stat().st_mtime_ns
    assert lexical.sync(assistant.store) is False  # same collection: nothing to do
    assert marker.stat().st_mtime_ns == saved_at

    corpus.write(
        "sources/extra.md", "# Extra\n\nThe Channel coordinator writes the quarterly panel report.\n"
    )
    assert assistant.index().added == ["sources/extra.md"]
    before = lexical.fingerprint
    assert lexical.sync(assistant.store) is True  # the collection changed: rebuilt
    assert lexical.fingerprint != before
    assert marker.read_text() == lexical.fingerprint
    hits = lexical.search("quarterly panel report", Filters(), 3)
    assert _doc_ids(assistant, hits[:1]) == {"sources/extra.md"}

    corpus.remove("sources/extra.md")
    assert assistant.index().removed == ["sources/extra.md"]
    assert lexical.sync(assistant.store) is True
    hits = lexical.search("quarterly panel report", Filters(), 10)
    assert "sources/extra.md" not in _doc_ids(assistant, hits)
    assert lexical.fingerprint == before  # the same chunk ids as before the addition


def test_a_new_instance_reloads_from_disk_without_rebuilding(
    make_corpus: MakeCorpus, make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    _, assistant = _indexed(make_corpus, make_assistant)
    first = LexicalIndex(tmp_path / "lexical")
    assert first.sync(assistant.store) is True
    saved_at = (tmp_path / "lexical" / "fingerprint").stat().st_mtime_ns
    expected = first.search(CONSENT_QUESTION, Filters(), 5)
    assert expected

    second = LexicalIndex(tmp_path / "lexical")
    assert second.fingerprint == ""
    assert second.sync(assistant.store) is False  # loaded, not rebuilt
    assert second.fingerprint == first.fingerprint
    assert (tmp_path / "lexical" / "fingerprint").stat().st_mtime_ns == saved_at
    assert second.search(CONSENT_QUESTION, Filters(), 5) == expected


def test_a_damaged_copy_on_disk_is_rebuilt(
    make_corpus: MakeCorpus, make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    _, assistant = _indexed(make_corpus, make_assistant)
    assert LexicalIndex(tmp_path / "lexical").sync(assistant.store) is True
    (tmp_path / "lexical" / "chunks.json").write_text("{not json")
    repaired = LexicalIndex(tmp_path / "lexical")
    assert repaired.sync(assistant.store) is True
    assert repaired.search(CONSENT_QUESTION, Filters(), 3)
    assert LexicalIndex(tmp_path / "lexical").sync(assistant.store) is False  # saved again, whole


def test_a_stale_copy_on_disk_is_not_loaded(
    make_corpus: MakeCorpus, make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    corpus, assistant = _indexed(make_corpus, make_assistant)
    assert LexicalIndex(tmp_path / "lexical").sync(assistant.store) is True
    corpus.write("sources/extra.md", "# Extra\n\nPanels publish an annual summary of their work.\n")
    assistant.index()
    fresh = LexicalIndex(tmp_path / "lexical")
    assert fresh.sync(assistant.store) is True  # the saved fingerprint no longer matches
    assert _doc_ids(assistant, fresh.search("annual summary", Filters(), 1)) == {"sources/extra.md"}


def test_the_assistant_keeps_its_lexical_index_beside_the_dense_one(
    make_corpus: MakeCorpus, make_assistant: MakeAssistant
) -> None:
    corpus, assistant = _indexed(make_corpus, make_assistant)
    folder = assistant.settings.index_dir / "lexical"
    marker = folder / "fingerprint"
    assert marker.is_file()  # written by index()
    saved_at = marker.stat().st_mtime_ns

    # A second assistant (another process, say) on the same index loads it as it is.
    other = make_assistant(corpus.root, index_dir=assistant.settings.index_dir)
    passages = other.retrieve(CONSENT_QUESTION, k=3)
    assert passages
    assert other._lexical is not None
    assert other._lexical.fingerprint == marker.read_text()
    assert marker.stat().st_mtime_ns == saved_at

    # Indexing a change brings the lexical index in step at once.
    corpus.write("sources/extra.md", "# Extra\n\nThe Prevent coordinator audits every closed case.\n")
    assert assistant.index().added == ["sources/extra.md"]
    assert marker.stat().st_mtime_ns != saved_at
    lexical_hits = assistant.retriever.lexical.search("audits every closed case", Filters(), 1)
    assert _doc_ids(assistant, lexical_hits) == {"sources/extra.md"}


def test_search_scores_filters_and_limits(make_corpus: MakeCorpus, make_assistant: MakeAssistant) -> None:
    _, assistant = _indexed(make_corpus, make_assistant)
    lexical = assistant.retriever.lexical
    hits = lexical.search("Channel panel consent parent", Filters(), 3)
    assert 0 < len(hits) <= 3
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(score > 0 for score in scores)
    assert _doc_ids(assistant, hits[:1]) == {"sources/channel.md"}

    notes_only = lexical.search("Prevent referrals schools", Filters(kind="notes"), 10)
    assert notes_only
    assert _doc_ids(assistant, notes_only) == {"notes/2024-03-05.md"}
    assert lexical.search("Prevent referrals schools", Filters(group="user"), 10) == []
    assert lexical.search("Prevent", Filters(docs=("sources/prevent.txt",)), 10)
    assert _doc_ids(assistant, lexical.search("Prevent", Filters(docs=("sources/prevent.txt",)), 10)) == {
        "sources/prevent.txt"
    }


def test_queries_without_matching_terms_return_nothing(
    make_corpus: MakeCorpus, make_assistant: MakeAssistant
) -> None:
    _, assistant = _indexed(make_corpus, make_assistant)
    lexical = assistant.retriever.lexical
    assert lexical.search("what is it that they were?", Filters(), 5) == []  # stopwords only
    assert lexical.search("zebra xylophone", Filters(), 5) == []  # zero scores are dropped
    assert lexical.search("", Filters(), 5) == []


def test_knows_the_stemmed_words_of_the_chunks(
    make_corpus: MakeCorpus, make_assistant: MakeAssistant
) -> None:
    _, assistant = _indexed(make_corpus, make_assistant)
    lexical = assistant.retriever.lexical
    assert lexical.knows("panel")
    assert lexical.knows(content_terms("referrals")[0])  # stemmed, as the question's terms are
    assert not lexical.knows("referrals")  # unstemmed forms are not in the vocabulary
    assert not lexical.knows("zebra")
    assert not lexical.knows("")


def test_an_empty_collection(make_corpus: MakeCorpus, make_assistant: MakeAssistant, tmp_path: Path) -> None:
    corpus = make_corpus({})
    assistant = make_assistant(corpus.root)
    assistant.index()
    lexical = LexicalIndex(tmp_path / "lexical")
    lexical.sync(assistant.store)
    assert lexical.search("Channel panel", Filters(), 5) == []
    assert not lexical.knows("panel")
    assert LexicalIndex(tmp_path / "lexical").sync(assistant.store) is False
