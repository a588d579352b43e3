"""The Chroma collection: chunk ids, model checks, reads and writes, per-file records."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctassist import IndexMismatchError, Settings
from ctassist.embed import Encoder
from ctassist.index import ChunkStore, FileRecord, chunk_id
from ctassist.index import _store as store_module


def _settings(tmp_path: Path) -> Settings:
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


def _open(settings: Settings, encoder: Encoder) -> ChunkStore:
    return ChunkStore(settings, model_name=encoder.model_name, dimension=encoder.dimension)


def _write(
    store: ChunkStore, encoder: Encoder, doc_id: str, version: str, texts: list[str], n_chunks: int
) -> list[str]:
    ids = [chunk_id(doc_id, version, i) for i in range(len(texts))]
    store.upsert(
        ids=ids,
        texts=texts,
        embeddings=encoder.encode(texts),
        metadatas=[
            {
                "doc_id": doc_id,
                "title": doc_id.upper(),
                "kind": "notes" if doc_id.startswith("notes/") else "source",
                "content_hash": version,
                "chunk_index": i,
                "n_chunks": n_chunks,
                "indexed_at": f"2024-01-0{1 + i}T00:00:00+00:00",
            }
            for i in range(len(texts))
        ],
    )
    return ids


def test_chunk_id_is_stable_and_distinct() -> None:
    assert chunk_id("sources/a.md", "h1", 0) == chunk_id("sources/a.md", "h1", 0)
    assert len(chunk_id("sources/a.md", "h1", 0)) == 40
    ids = {
        chunk_id("sources/a.md", "h1", 0),
        chunk_id("sources/a.md", "h1", 1),
        chunk_id("sources/a.md", "h2", 0),
        chunk_id("sources/b.md", "h1", 0),
    }
    assert len(ids) == 4


def test_file_record_health() -> None:
    healthy = FileRecord("a.md", "A", "source", {"h1": 3}, {"h1": 3}, "t")
    assert (healthy.healthy, healthy.content_hash, healthy.chunks) == (True, "h1", 3)
    partial = FileRecord("a.md", "A", "source", {"h1": 2}, {"h1": 3}, "t")
    assert (partial.healthy, partial.content_hash) == (False, "")
    both = FileRecord("a.md", "A", "source", {"old": 3, "new": 2}, {"old": 3, "new": 2}, "t")
    assert (both.healthy, both.content_hash, both.chunks) == (False, "", 5)
    old_and_partial_new = FileRecord("a.md", "A", "source", {"old": 3, "new": 1}, {"old": 3, "new": 2}, "t")
    assert (old_and_partial_new.healthy, old_and_partial_new.content_hash) == (False, "old")


def test_new_store_records_model_and_location(tmp_path: Path, encoder: Encoder) -> None:
    settings = _settings(tmp_path)
    store = _open(settings, encoder)
    try:
        assert store.count() == 0
        assert store.location == str(tmp_path / "index" / "chroma")
        assert (tmp_path / "index" / "chroma").is_dir()
        assert store.collection.metadata["embedding_model"] == "all-MiniLM-L6-v2"
        assert store.collection.metadata["embedding_dim"] == 384
        assert store.file_records() == ({}, {})
    finally:
        store.client.close()


def test_write_read_and_records(tmp_path: Path, encoder: Encoder) -> None:
    store = _open(_settings(tmp_path), encoder)
    try:
        a_ids = _write(store, encoder, "sources/a.md", "ha", ["Alpha one.", "Alpha two."], 2)
        b_ids = _write(store, encoder, "notes/b.md", "hb", ["Bravo one."], 1)
        assert store.count() == 3
        assert [c.text for c in store.get([b_ids[0], a_ids[1], "missing"])] == ["Bravo one.", "Alpha two."]
        assert store.get([]) == []
        assert sorted(c.text for c in store.iter_chunks()) == ["Alpha one.", "Alpha two.", "Bravo one."]
        records, ids = store.file_records()
        assert sorted(records) == ["notes/b.md", "sources/a.md"]
        a = records["sources/a.md"]
        assert (a.title, a.kind, a.versions, a.healthy, a.indexed_at) == (
            "SOURCES/A.MD",
            "source",
            {"ha": 2},
            True,
            "2024-01-02T00:00:00+00:00",
        )
        assert records["notes/b.md"].kind == "notes"
        assert sorted(ids["sources/a.md\0ha"]) == sorted(a_ids)
        # Writing the same ids again replaces them.
        _write(store, encoder, "sources/a.md", "ha", ["Alpha one, again.", "Alpha two."], 2)
        assert store.count() == 3
        assert store.get([a_ids[0]])[0].text == "Alpha one, again."
        store.delete(a_ids)
        assert store.count() == 1
        store.delete([])
        assert store.count() == 1
    finally:
        store.client.close()


def test_records_show_an_interrupted_update(tmp_path: Path, encoder: Encoder) -> None:
    store = _open(_settings(tmp_path), encoder)
    try:
        _write(store, encoder, "sources/a.md", "old", ["Old one.", "Old two."], 2)
        _write(store, encoder, "sources/a.md", "new", ["New one."], 3)  # 1 of 3 written
        records, ids = store.file_records()
        record = records["sources/a.md"]
        assert record.versions == {"old": 2, "new": 1}
        assert record.expected == {"old": 2, "new": 3}
        assert not record.healthy
        assert record.content_hash == "old"
        assert len(ids["sources/a.md\0old"]) == 2
        assert len(ids["sources/a.md\0new"]) == 1
    finally:
        store.client.close()


def test_reading_pages_through_the_collection(
    tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "_PAGE", 2)
    store = _open(_settings(tmp_path), encoder)
    try:
        texts = [f"Sentence number {i}." for i in range(5)]
        _write(store, encoder, "sources/a.md", "h", texts, 5)
        assert len(list(store.iter_metadata())) == 5
        assert sorted(c.text for c in store.iter_chunks()) == sorted(texts)
        records, _ = store.file_records()
        assert records["sources/a.md"].healthy
    finally:
        store.client.close()


def test_a_rebuild_is_written_aside_and_replaces_the_index_in_one_step(
    tmp_path: Path, encoder: Encoder
) -> None:
    settings = _settings(tmp_path)
    store = _open(settings, encoder)
    reader = _open(settings, encoder)  # another reader of the same index
    try:
        _write(store, encoder, "sources/a.md", "h", ["One.", "Two."], 2)
        assert (store.pointer.active, reader.pointer.active) == ("ctassist", "ctassist")
        with store.writing(rebuild=True) as aside:
            assert aside is not store
            assert aside.count() == 0
            _write(aside, encoder, "sources/b.md", "h", ["Three."], 1)
            # Until the rebuild ends, readers see the old index, whole.
            assert not reader.refresh()
            assert (store.count(), reader.count()) == (2, 2)
        assert store.pointer.active == "ctassist.g1"
        assert [c.text for c in store.iter_chunks()] == ["Three."]
        assert reader.refresh()
        assert reader.pointer == store.pointer
        assert [c.text for c in reader.iter_chunks()] == ["Three."]
        names = {c.name for c in store.client.list_collections()}
        assert names == {"ctassist.meta", "ctassist.g1"}  # the old one is gone
    finally:
        reader.client.close()
        store.client.close()


def test_a_failed_rebuild_leaves_the_index_as_it_was(tmp_path: Path, encoder: Encoder) -> None:
    settings = _settings(tmp_path)
    store = _open(settings, encoder)
    try:
        _write(store, encoder, "sources/a.md", "h", ["One.", "Two."], 2)
        with pytest.raises(RuntimeError, match="disk full"), store.writing(rebuild=True) as aside:
            _write(aside, encoder, "sources/b.md", "h", ["Three."], 1)
            raise RuntimeError("disk full")
        assert store.pointer.active == "ctassist"
        assert sorted(c.text for c in store.iter_chunks()) == ["One.", "Two."]
        assert {c.name for c in store.client.list_collections()} == {"ctassist.meta", "ctassist"}
    finally:
        store.client.close()


def test_index_persists_across_clients(tmp_path: Path, encoder: Encoder) -> None:
    settings = _settings(tmp_path)
    store = _open(settings, encoder)
    _write(store, encoder, "sources/a.md", "h", ["One.", "Two."], 2)
    store.client.close()
    reopened = _open(settings, encoder)
    try:
        assert reopened.count() == 2
    finally:
        reopened.client.close()


@pytest.mark.parametrize(("model_name", "dimension"), [("other-model", 384), ("all-MiniLM-L6-v2", 768)])
def test_index_of_another_model_is_refused(
    tmp_path: Path, encoder: Encoder, model_name: str, dimension: int
) -> None:
    settings = _settings(tmp_path)
    _open(settings, encoder).client.close()
    with pytest.raises(IndexMismatchError) as caught:
        ChunkStore(settings, model_name=model_name, dimension=dimension)
    message = str(caught.value)
    assert str(tmp_path / "index" / "chroma") in message
    assert "built with embedding model 'all-MiniLM-L6-v2' (dimension 384)" in message
    assert f"the configured model is {model_name!r} (dimension {dimension})" in message
    assert "Rebuild it with `ctassist index --rebuild`" in message


def test_index_of_another_model_can_be_opened_for_a_rebuild(tmp_path: Path, encoder: Encoder) -> None:
    settings = _settings(tmp_path)
    old = ChunkStore(settings, model_name="old-model", dimension=384)
    _write(old, encoder, "sources/a.md", "h", ["One.", "Two."], 2)
    old.client.close()
    with pytest.raises(IndexMismatchError):
        _open(settings, encoder)
    store = ChunkStore(
        settings, model_name=encoder.model_name, dimension=encoder.dimension, check_model=False
    )
    try:
        assert store.count() == 2
        with store.writing(rebuild=True) as aside:
            assert aside.count() == 0
        assert store.count() == 0
        assert store.collection.metadata["embedding_model"] == "all-MiniLM-L6-v2"
    finally:
        store.client.close()
    _open(settings, encoder).client.close()  # accepted now


def test_other_collection_names_are_separate(tmp_path: Path, encoder: Encoder) -> None:
    settings = _settings(tmp_path)
    store = _open(settings, encoder)
    _write(store, encoder, "sources/a.md", "h", ["One."], 1)
    other = ChunkStore(
        Settings(index_dir=settings.index_dir, collection="other"), model_name="other-model", dimension=384
    )
    try:
        assert other.count() == 0
        assert store.count() == 1
    finally:
        other.client.close()
        store.client.close()
