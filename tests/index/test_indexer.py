"""Indexing runs: incremental add / change / delete, skipped files, repair after a crash."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from ctassist import LoadError, Settings
from ctassist.chunk import Chunk, chunk_document
from ctassist.embed import Encoder
from ctassist.index import ChunkStore, Indexer, IndexReport, SkippedFile
from ctassist.load import LoadedDocument, load_document
from tests.helpers import (
    BILLION_LAUGHS,
    CHANNEL_MD,
    HTML_PAGE,
    PREVENT_TXT,
    SHIPPED_CORPUS,
    Corpus,
    assert_index_matches_corpus,
    clean_env,
    docx_bytes,
    docx_with,
    docx_with_corrupt_stream,
    generated_markdown,
    note_text,
    pdf_bytes,
    pdf_with_filter,
    run_index,
    scanned_pdf_bytes,
)

MakeCorpus = Callable[..., Corpus]
MakeIndexer = Callable[..., Indexer]


def _small_corpus() -> dict[str, str | bytes]:
    return {
        "sources/channel.md": CHANNEL_MD,
        "sources/prevent.txt": PREVENT_TXT,
        "sources/stats.html": HTML_PAGE,
        "sources/guidance.docx": docx_bytes(),
        "sources/report.pdf": pdf_bytes(
            [
                "Page one says Prevent has three objectives. " * 12,
                "Page two says Channel is voluntary. " * 12,
            ],
            title="Prevent report",
        ),
        "notes/2024-03-05.md": note_text(),
    }


SMALL_IDS = sorted(_small_corpus())


def _ids_by_doc(store: ChunkStore) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for cid, metadata in store.iter_metadata():
        found.setdefault(metadata["doc_id"], set()).add(cid)
    return found


def _metadata(store: ChunkStore) -> dict[str, dict[str, Any]]:
    return dict(store.iter_metadata())


# --- a first run and what it stores -------------------------------------------------------


def test_first_run_indexes_every_file(make_corpus: MakeCorpus, make_indexer: MakeIndexer) -> None:
    corpus = make_corpus(_small_corpus())
    indexer = make_indexer(corpus.root)
    report = indexer.run()
    assert sorted(report.added) == SMALL_IDS
    assert (report.updated, report.removed, report.unchanged, report.repaired, report.skipped) == (
        [],
        [],
        [],
        [],
        [],
    )
    assert report.ok
    total = assert_index_matches_corpus(indexer.store, indexer.settings)
    assert report.chunks_embedded == report.chunks_total == total
    assert report.summary().startswith(
        f"files: 6 added, 0 updated, 0 removed, 0 unchanged, 0 skipped; chunks: {total} embedded, {total} in the index;"
    )
    assert report.to_dict()["added"] == report.added


def test_chunk_metadata(make_corpus: MakeCorpus, make_indexer: MakeIndexer) -> None:
    corpus = make_corpus(_small_corpus())
    indexer = make_indexer(corpus.root)
    indexer.run()
    documents = {i: load_document(corpus.path(i), corpus.root) for i in SMALL_IDS}
    chunks = {i: chunk_document(d) for i, d in documents.items()}
    for chunk in indexer.store.iter_chunks():
        md = chunk.metadata
        document = documents[md["doc_id"]]
        expected = chunks[md["doc_id"]][md["chunk_index"]]
        assert chunk.text == document.text[md["start"] : md["end"]] == expected.text
        assert (md["start"], md["end"], md["section"]) == (expected.start, expected.end, expected.section)
        assert md["title"] == document.title
        assert md["kind"] == document.kind
        assert md["chunk_hash"] == hashlib.sha256(chunk.text.encode()).hexdigest()
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", md["indexed_at"])
        if md["doc_id"].endswith(".pdf"):
            assert md["page"] == document.page_at(md["start"])
        else:
            assert "page" not in md
        if md["kind"] == "notes":
            assert (md["group"], md["date"]) == ("public", "2024-03-05")
        else:
            assert "group" not in md
            assert "date" not in md
    pdf_pages = sorted(md["page"] for md in _metadata(indexer.store).values() if "page" in md)
    assert pdf_pages == [1, 2]
    titles = {md["doc_id"]: md["title"] for md in _metadata(indexer.store).values()}
    assert titles["sources/report.pdf"] == "Prevent report"
    assert titles["sources/prevent.txt"] == "Prevent duty guidance"
    assert titles["notes/2024-03-05.md"] == "Prevent public reference group: meeting 1"


def test_vectors_are_the_encoders(
    make_corpus: MakeCorpus, make_indexer: MakeIndexer, encoder: Encoder
) -> None:
    corpus = make_corpus(_small_corpus())
    indexer = make_indexer(corpus.root)
    indexer.run()
    query = encoder.embed_query("Who can refer a person to a Channel panel?")
    found = indexer.store.collection.query(
        query_embeddings=[query], n_results=3, include=["metadatas", "documents"]
    )
    assert found["metadatas"][0][0]["doc_id"] == "sources/channel.md"
    assert [d for d in found["documents"][0] if "Only the police can refer" in d]
    notes_only = indexer.store.collection.query(
        query_embeddings=[query], n_results=3, where={"group": "public"}, include=["metadatas"]
    )
    assert {md["doc_id"] for md in notes_only["metadatas"][0]} == {"notes/2024-03-05.md"}


# --- incremental runs ---------------------------------------------------------------------


def test_second_run_on_unchanged_corpus_embeds_nothing(
    make_corpus: MakeCorpus, make_indexer: MakeIndexer
) -> None:
    corpus = make_corpus(_small_corpus())
    indexer = make_indexer(corpus.root)
    first = indexer.run()
    before = _metadata(indexer.store)
    second = indexer.run()
    assert sorted(second.unchanged) == SMALL_IDS
    assert (second.added, second.updated, second.removed, second.repaired, second.skipped) == (
        [],
        [],
        [],
        [],
        [],
    )
    assert second.chunks_embedded == 0
    assert second.chunks_total == first.chunks_total
    assert _metadata(indexer.store) == before  # not even indexed_at changed


def test_changed_file_replaces_its_chunks(make_corpus: MakeCorpus, make_indexer: MakeIndexer) -> None:
    corpus = make_corpus(_small_corpus())
    indexer = make_indexer(corpus.root)
    indexer.run()
    old_hash = hashlib.sha256(corpus.path("sources/channel.md").read_bytes()).hexdigest()
    others_before = {k: v for k, v in _ids_by_doc(indexer.store).items() if k != "sources/channel.md"}
    changed = CHANNEL_MD.replace("requires consent.", "requires informed consent.") + (
        "\n## Review\n\nThe programme is reviewed every year. " + "A review sentence follows. " * 40 + "\n"
    )
    corpus.write("sources/channel.md", changed)
    new_document = load_document(corpus.path("sources/channel.md"), corpus.root)
    new_chunks = chunk_document(new_document, chunk_size=700, overlap=1)

    report = indexer.run()
    assert report.updated == ["sources/channel.md"]
    assert sorted(report.unchanged) == [i for i in SMALL_IDS if i != "sources/channel.md"]
    assert report.added == report.removed == report.repaired == []
    assert report.chunks_embedded == len(new_chunks)
    metadata = _metadata(indexer.store).values()
    assert not [md for md in metadata if md["content_hash"] == old_hash]
    channel = [md for md in metadata if md["doc_id"] == "sources/channel.md"]
    assert len(channel) == len(new_chunks)
    assert {md["content_hash"] for md in channel} == {new_document.content_hash}
    assert {k: v for k, v in _ids_by_doc(indexer.store).items() if k != "sources/channel.md"} == others_before
    assert_index_matches_corpus(indexer.store, indexer.settings)


def test_deleted_file_loses_its_chunks(make_corpus: MakeCorpus, make_indexer: MakeIndexer) -> None:
    corpus = make_corpus(_small_corpus())
    indexer = make_indexer(corpus.root)
    first = indexer.run()
    deleted = len(_ids_by_doc(indexer.store)["sources/stats.html"])
    corpus.remove("sources/stats.html")
    report = indexer.run()
    assert report.removed == ["sources/stats.html"]
    assert report.chunks_embedded == 0
    assert report.chunks_total == first.chunks_total - deleted
    assert "sources/stats.html" not in _ids_by_doc(indexer.store)
    assert_index_matches_corpus(indexer.store, indexer.settings)


def test_added_file_is_the_only_one_embedded(make_corpus: MakeCorpus, make_indexer: MakeIndexer) -> None:
    corpus = make_corpus(_small_corpus())
    indexer = make_indexer(corpus.root)
    first = indexer.run()
    corpus.write("sources/sub/new.md", "# New\n\nA new document about Prevent. It has two sentences.\n")
    report = indexer.run()
    assert report.added == ["sources/sub/new.md"]
    assert sorted(report.unchanged) == SMALL_IDS
    assert report.chunks_embedded == 1
    assert report.chunks_total == first.chunks_total + 1
    assert_index_matches_corpus(indexer.store, indexer.settings)


def test_rebuild_embeds_everything_again(make_corpus: MakeCorpus, make_indexer: MakeIndexer) -> None:
    corpus = make_corpus(_small_corpus())
    indexer = make_indexer(corpus.root)
    first = indexer.run()
    ids = set(_metadata(indexer.store))
    rebuilt = indexer.run(rebuild=True)
    assert sorted(rebuilt.added) == SMALL_IDS
    assert rebuilt.unchanged == []
    assert rebuilt.chunks_embedded == rebuilt.chunks_total == first.chunks_total
    assert set(_metadata(indexer.store)) == ids


def test_changed_settings_are_picked_up_by_rebuild(
    make_corpus: MakeCorpus, make_indexer: MakeIndexer
) -> None:
    corpus = make_corpus({"sources/review.md": generated_markdown(1)})
    index_dir = corpus.root.parent / "index-sizes"
    first = make_indexer(corpus.root, index_dir, chunk_size=700).run()
    smaller = make_indexer(corpus.root, index_dir, chunk_size=200)
    assert smaller.run().unchanged == ["sources/review.md"]
    report = smaller.run(rebuild=True)
    assert report.chunks_total > first.chunks_total
    assert_index_matches_corpus(smaller.store, smaller.settings)


def test_progress_counts_a_file_only_once_it_is_in_the_index(
    make_corpus: MakeCorpus, make_indexer: MakeIndexer
) -> None:
    corpus = make_corpus({**_small_corpus(), "sources/tool.exe": "MZ"})
    indexer = make_indexer(corpus.root)
    calls: list[tuple[int, int, str, int]] = []

    def record(done: int, total: int, what: str) -> None:
        calls.append((done, total, what, indexer.store.count()))

    indexer.run(progress=record)
    assert {c[1] for c in calls} == {7}
    assert [c[0] for c in calls] == sorted(c[0] for c in calls) and calls[-1][0] == 7
    finished = [c for c in calls if not c[2].startswith("embedding ")]
    assert [c[0] for c in finished] == list(range(1, 8))  # one step a file, never 100 % early
    skipped = [c[2] for c in finished if c[2].startswith("skipped ")]
    assert len(skipped) == 1 and skipped[0].startswith("skipped sources/tool.exe: unsupported file type .exe")
    indexed = sorted(
        c[2].split(":")[0].removeprefix("indexed ") for c in finished if c[2].startswith("indexed ")
    )
    assert indexed == SMALL_IDS
    # "Indexed" is told only when the file's passages are in the index.
    embedding = [c for c in calls if c[2].startswith("embedding ")]
    assert embedding and all(c[3] == 0 for c in embedding)
    assert all(c[3] > 0 for c in calls if c[2].startswith("indexed "))

    again: list[str] = []
    indexer.run(progress=lambda done, total, what: again.append(what))
    assert sorted(w for w in again if w.startswith("unchanged ")) == [f"unchanged {d}" for d in SMALL_IDS]
    others = [w for w in again if not w.startswith("unchanged ")]
    assert len(others) == 1 and others[0].startswith("skipped sources/tool.exe: ")


# --- bad input ----------------------------------------------------------------------------

BAD_FILES: dict[str, tuple[bytes, str]] = {
    "sources/empty.md": (b"", "empty file"),
    "sources/corrupt.pdf": (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog" + b"\x00\xff" * 200,
        "corrupt or unreadable PDF (",
    ),
    "sources/locked.pdf": (
        pdf_bytes(["Secret text."], user_password="secret"),
        "encrypted PDF (password-protected); save an unprotected copy",
    ),
    "sources/scan.pdf": (
        scanned_pdf_bytes(),
        "no extractable text in 1 page(s): a scanned PDF without a text layer? Run OCR on it first",
    ),
    "sources/binary.txt": (
        # Never starting with FF FE or FE FF, which would be read as a UTF-16 byte-order mark.
        b"\x01" + os.urandom(2048).replace(b"\x00", b"\x01") + b"\x00",
        "binary content in a text file",
    ),
    "sources/latin1.txt": (
        "Réunion du groupe de référence.\n".encode("latin-1"),
        "not valid UTF-8 (byte 0xe9 at offset 1)",
    ),
    "sources/big.md": (
        b"# Big\n\n" + b"A long line of text for the size limit. " * 1400,
        "file is 0.0534 MB, over the limit of 0.05 MB",
    ),
    "sources/data.xyz": (
        b"whatever",
        "unsupported file type .xyz; supported: .docx, .htm, .html, .markdown, .md, .pdf, .txt",
    ),
    "notes/2024-01-01.md": (
        note_text(group="everyone").encode(),
        "line 2: field 'group' must be 'public' or 'user'",
    ),
    "notes/2024-01-02.md": (
        note_text(date="2024-13-01").encode(),
        "line 3: field 'date' must be a date as YYYY-MM-DD",
    ),
    "notes/2024-01-03.md": (
        note_text(actions='\n  - action: "Write to the Home Office"\n    status: open').encode(),
        "lines 9-10: field 'actions[1].owner' is missing",
    ),
    "sources/headings-only.md": (b"# Title\n\n## Section\n", "no text to index"),
}


def _assert_skipped(skipped: Sequence[SkippedFile], expected: Iterable[str]) -> None:
    reasons = {s.path: s.reason for s in skipped}
    assert sorted(reasons) == sorted(expected)
    for path in expected:
        assert reasons[path].startswith(BAD_FILES[path][1]), (path, reasons[path])


def test_bad_files_are_skipped_with_path_and_reason(
    make_corpus: MakeCorpus, make_indexer: MakeIndexer
) -> None:
    files: dict[str, str | bytes] = {
        **_small_corpus(),
        **{path: data for path, (data, _) in BAD_FILES.items()},
    }
    corpus = make_corpus(files)
    indexer = make_indexer(corpus.root, max_file_mb=0.05)
    report = indexer.run()
    assert not report.ok
    _assert_skipped(report.skipped, BAD_FILES)
    assert sorted(report.added) == SMALL_IDS
    assert_index_matches_corpus(indexer.store, indexer.settings)
    summary = report.summary().splitlines()
    assert summary[0].startswith(
        f"files: 6 added, 0 updated, 0 removed, 0 unchanged, {len(BAD_FILES)} skipped;"
    )
    assert sorted(summary[1:]) == sorted(f"skipped {s.path}: {s.reason}" for s in report.skipped)
    assert report.to_dict()["skipped"] == [{"path": s.path, "reason": s.reason} for s in report.skipped]
    # They are reported again on the next run, and nothing else happens.
    again = indexer.run()
    _assert_skipped(again.skipped, BAD_FILES)
    assert sorted(again.unchanged) == SMALL_IDS
    assert again.added == again.updated == again.removed == again.repaired == []
    assert again.chunks_embedded == 0


def test_file_that_turns_bad_loses_its_chunks(make_corpus: MakeCorpus, make_indexer: MakeIndexer) -> None:
    corpus = make_corpus(_small_corpus())
    indexer = make_indexer(corpus.root, max_file_mb=0.05)
    indexer.run()
    corpus.write("sources/report.pdf", BAD_FILES["sources/corrupt.pdf"][0])
    corpus.write("sources/prevent.txt", "Prevent réunion".encode("latin-1"))
    corpus.write("sources/channel.md", CHANNEL_MD * 100)  # now over the size limit
    report = indexer.run()
    reasons = {s.path: s.reason for s in report.skipped}
    assert sorted(reasons) == ["sources/channel.md", "sources/prevent.txt", "sources/report.pdf"]
    assert reasons["sources/report.pdf"].startswith("corrupt or unreadable PDF")
    assert reasons["sources/prevent.txt"].startswith("not valid UTF-8")
    assert "over the limit of 0.05 MB" in reasons["sources/channel.md"]
    assert sorted(_ids_by_doc(indexer.store)) == [
        "notes/2024-03-05.md",
        "sources/guidance.docx",
        "sources/stats.html",
    ]
    assert report.removed == []
    assert_index_matches_corpus(indexer.store, indexer.settings)


def test_link_to_a_file_outside_the_corpus_is_skipped(
    make_corpus: MakeCorpus, make_indexer: MakeIndexer
) -> None:
    corpus = make_corpus({"sources/channel.md": CHANNEL_MD})
    outside = corpus.root.parent / "outside.md"
    outside.write_text(CHANNEL_MD)
    corpus.path("sources/link.md").symlink_to(outside)
    indexer = make_indexer(corpus.root)
    report = indexer.run()
    assert report.added == ["sources/channel.md"]
    assert report.skipped == [
        SkippedFile(
            "sources/link.md", "a link to a file outside the corpus folder; copy the file into the corpus"
        )
    ]


def test_files_that_break_a_reader_are_skipped_and_the_rest_is_indexed(
    make_corpus: MakeCorpus, make_indexer: MakeIndexer
) -> None:
    corpus = make_corpus(
        {
            **_small_corpus(),
            "sources/malformed.docx": docx_with({"word/document.xml": b"<w:document><w:body>"}),
            "sources/stream.docx": docx_with_corrupt_stream(),
            "sources/filter.pdf": pdf_with_filter("NoSuchDecode"),
            "sources/laughs.md": f"---\n{BILLION_LAUGHS}title: *i\n---\n\nBody.\n",
        }
    )
    (corpus.root / os.fsdecode(b"sources/caf\xe9.md")).write_text("# Café\n\nA fine text, a bad name.\n")
    os.mkfifo(corpus.path("sources/pipe.md"))
    corpus.path("sources/same.md").symlink_to(corpus.path("sources/channel.md"))
    calls: list[str] = []
    report = make_indexer(corpus.root).run(progress=lambda done, total, what: calls.append(what))
    assert sorted(report.added) == SMALL_IDS
    reasons = {s.path: s.reason for s in report.skipped}
    assert sorted(reasons) == [
        "sources/caf\\xe9.md",
        "sources/filter.pdf",
        "sources/laughs.md",
        "sources/malformed.docx",
        "sources/pipe.md",
        "sources/same.md",
        "sources/stream.docx",
    ]
    assert reasons["sources/caf\\xe9.md"] == "the file name is not valid UTF-8; rename the file"
    assert reasons["sources/filter.pdf"].startswith("could not be read: NotImplementedError: ")
    assert (
        reasons["sources/laughs.md"]
        == "line 2: front matter uses YAML aliases/anchors, which are not allowed"
    )
    assert reasons["sources/malformed.docx"].startswith("could not be read: lxml.etree.XMLSyntaxError: ")
    assert reasons["sources/pipe.md"] == "not a regular file: a named pipe (FIFO)"
    assert reasons["sources/same.md"] == "symlink to sources/channel.md (indexed there)"
    assert reasons["sources/stream.docx"].startswith("could not be read: zlib.error: ")
    # Every id that reaches a progress bar or a report can be printed as it is.
    report.summary().encode("utf-8")
    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")
    assert any(call.startswith("skipped sources/caf\\xe9.md: ") for call in calls)
    "".join(calls).encode("utf-8")


def test_an_error_past_the_loader_skips_only_its_file(
    make_corpus: MakeCorpus, make_indexer: MakeIndexer, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = make_corpus(_small_corpus())
    indexer = make_indexer(corpus.root)
    indexer.run()

    def chunker(document: LoadedDocument, **kwargs: Any) -> list[Chunk]:
        if document.doc_id == "sources/channel.md":
            raise RuntimeError("the chunker tripped\nover a second line")
        return chunk_document(document, **kwargs)

    monkeypatch.setattr("ctassist.index._indexer.chunk_document", chunker)
    corpus.write("sources/channel.md", CHANNEL_MD + "\nA new last sentence.\n")
    corpus.write("sources/prevent.txt", PREVENT_TXT + "\nA new last sentence.\n")
    report = indexer.run()
    assert report.skipped == [
        SkippedFile("sources/channel.md", "could not be read: RuntimeError: the chunker tripped")
    ]
    assert report.updated == ["sources/prevent.txt"]
    # The file that can no longer be read loses its old chunks, as any unreadable file does.
    assert "sources/channel.md" not in _ids_by_doc(indexer.store)


def test_cli_report_prints_a_name_that_is_not_utf8(make_corpus: MakeCorpus) -> None:
    corpus = make_corpus({"sources/channel.md": CHANNEL_MD})
    (corpus.root / os.fsdecode(b"sources/\xff-name.md")).write_text("# Name\n\nA fine text.\n")
    os.mkfifo(corpus.path("sources/pipe.md"))
    code, stdout, stderr = run_index(corpus)  # asserts that no traceback is printed
    assert code == 1, stderr
    assert stdout.splitlines()[1:] == [
        "skipped sources/pipe.md: not a regular file: a named pipe (FIFO)",
        "skipped sources/\\xff-name.md: the file name is not valid UTF-8; rename the file",
    ]


def test_missing_corpus_folder_is_an_error(tmp_path: Path, make_indexer: MakeIndexer) -> None:
    with pytest.raises(LoadError) as caught:
        make_indexer(tmp_path / "no-such-corpus").run()
    assert (
        str(caught.value) == f"{tmp_path / 'no-such-corpus'}: corpus folder not found (CTASSIST_CORPUS_DIR)"
    )


def test_shipped_corpus_indexes_cleanly(tmp_path: Path, make_indexer: MakeIndexer) -> None:
    indexer = make_indexer(SHIPPED_CORPUS, tmp_path / "shipped-index")
    report = indexer.run()
    assert report.skipped == []
    sources = sorted(p.relative_to(SHIPPED_CORPUS).as_posix() for p in (SHIPPED_CORPUS / "sources").iterdir())
    assert set(sources) <= set(report.added)
    assert not [i for i in report.added if i.endswith("README.md")]
    chunks_per_doc = _ids_by_doc(indexer.store)
    assert all(chunks_per_doc.get(source) for source in sources)
    assert_index_matches_corpus(indexer.store, indexer.settings)


# --- repair after a crash -----------------------------------------------------------------


class _Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing may catch it."""


class _CrashingStore(ChunkStore):
    """The real store, which "dies" at a chosen point of the indexer's writes."""

    crash_on: str = ""  # "delete": after a document's new chunks are in, before its old go
    #                      "upsert": half-way through a document's chunks

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if self.crash_on == "delete" and ids:
            raise _Crash
        super().delete(ids)

    def upsert(
        self, ids: Sequence[str], texts: Sequence[str], embeddings: Any, metadatas: Sequence[dict[str, Any]]
    ) -> None:
        if self.crash_on == "upsert":
            half = len(ids) // 2
            super().upsert(ids[:half], texts[:half], embeddings[:half], metadatas[:half])
            raise _Crash
        super().upsert(ids, texts, embeddings, metadatas)


def _crashing_indexer(corpus: Corpus, index_dir: Path, encoder: Encoder, crash_on: str) -> Indexer:
    settings = Settings(corpus_dir=corpus.root, index_dir=index_dir)
    store = _CrashingStore(settings, model_name=encoder.model_name, dimension=encoder.dimension)
    store.crash_on = crash_on
    return Indexer(settings, store, encoder)


def _long_corpus(version: int) -> dict[str, str | bytes]:
    return {f"sources/doc-{n}.md": generated_markdown(n, 12, version=version) for n in range(3)}


def test_crash_between_new_and_old_chunks_is_repaired(
    make_corpus: MakeCorpus, make_indexer: MakeIndexer, encoder: Encoder
) -> None:
    corpus = make_corpus(_long_corpus(version=1))
    index_dir = corpus.root.parent / "index-crash"
    make_indexer(corpus.root, index_dir).run()
    for relative, content in _long_corpus(version=2).items():
        corpus.write(relative, content)
    crashing = _crashing_indexer(corpus, index_dir, encoder, "delete")
    with pytest.raises(_Crash):
        crashing.run()
    records, _ = crashing.store.file_records()
    assert len(records["sources/doc-0.md"].versions) == 2  # old and new side by side
    assert records["sources/doc-1.md"].healthy
    crashing.store.client.close()

    indexer = make_indexer(corpus.root, index_dir)
    report = indexer.run()
    assert report.repaired == ["sources/doc-0.md"]
    assert sorted(report.updated) == ["sources/doc-1.md", "sources/doc-2.md"]
    assert_index_matches_corpus(indexer.store, indexer.settings)
    assert indexer.run().unchanged == sorted(_long_corpus(1))


@pytest.mark.parametrize("changed", [False, True], ids=["fresh-build", "changed-files"])
def test_crash_half_way_through_a_document_is_repaired(
    make_corpus: MakeCorpus, make_indexer: MakeIndexer, encoder: Encoder, changed: bool
) -> None:
    corpus = make_corpus(_long_corpus(version=1))
    index_dir = corpus.root.parent / "index-crash"
    if changed:
        make_indexer(corpus.root, index_dir).run()
        for relative, content in _long_corpus(version=2).items():
            corpus.write(relative, content)
    crashing = _crashing_indexer(corpus, index_dir, encoder, "upsert")
    with pytest.raises(_Crash):
        crashing.run()
    record = crashing.store.file_records()[0]["sources/doc-0.md"]
    assert not record.healthy
    crashing.store.client.close()

    indexer = make_indexer(corpus.root, index_dir)
    report = indexer.run()
    assert report.repaired == ["sources/doc-0.md"]
    outcome = report.updated if changed else report.added
    assert sorted(outcome) == ["sources/doc-1.md", "sources/doc-2.md"]
    assert_index_matches_corpus(indexer.store, indexer.settings)


# --- kill -9 of a real `ctassist index` and repair ----------------------------------------

KILL_FILES = 40
_PROGRESS = re.compile(rb"(\d+)/(\d+) \[")


def _write_kill_corpus(corpus: Corpus, version: int) -> None:
    for n in range(KILL_FILES):
        corpus.write(f"sources/gen-{n:02d}.md", generated_markdown(n, 20, version=version))


def _index_then_kill(corpus: Corpus, index_dir: Path, after_files: int) -> bool:
    """Runs ``ctassist index`` and SIGKILLs it once its progress bar shows ``after_files``
    files done (each progress step follows a batch written to the index).

    Returns:
        True when it was killed; False when it finished first.
    """
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ctassist.cli",
            "index",
            "--corpus",
            str(corpus.root),
            "--index",
            str(index_dir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=clean_env(CTASSIST_EMBEDDING_BATCH_SIZE="8", PYTHONUNBUFFERED="1"),
    )
    assert process.stderr is not None
    killed = threading.Event()

    def kill_on_progress() -> None:
        assert process.stderr is not None
        seen = b""
        while chunk := os.read(process.stderr.fileno(), 4096):
            seen = (seen + chunk)[-200:]
            done = [int(m.group(1)) for m in _PROGRESS.finditer(seen)]
            if done and max(done) >= after_files and not killed.is_set():
                killed.set()
                process.send_signal(signal.SIGKILL)

    reader = threading.Thread(target=kill_on_progress, daemon=True)
    reader.start()
    try:
        returncode = process.wait(timeout=600)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(timeout=10)
        process.stderr.close()
    if killed.is_set():
        assert returncode == -signal.SIGKILL
        return True
    assert returncode == 0
    return False


def _kill_mid_run(
    corpus: Corpus, index_dir: Path, prepare: Callable[[int], None], encoder: Encoder
) -> tuple[int, int]:
    """Kills ``ctassist index`` part-way; retries earlier if a run finished before the kill.

    Returns:
        The number of documents whose current file version was complete in the index at
        the kill, and the number of documents the index held anything of.
    """
    for attempt, after_files in enumerate((16, 6)):
        prepare(attempt)
        if _index_then_kill(corpus, index_dir, after_files):
            break
    else:
        pytest.fail("every `ctassist index` run finished before it could be killed")
    settings = Settings(corpus_dir=corpus.root, index_dir=index_dir)
    store = ChunkStore(settings, model_name=encoder.model_name, dimension=encoder.dimension)
    try:
        records, _ = store.file_records()
    finally:
        store.client.close()
    current = 0
    for doc_id, record in records.items():
        file_hash = hashlib.sha256(corpus.path(doc_id).read_bytes()).hexdigest()
        if record.versions.get(file_hash, 0) == record.expected.get(file_hash, -1):
            current += 1
    # Part-way: some files are in at their current version, others are not.
    assert 0 < current < KILL_FILES
    return current, len(records)


def _repair_and_compare_with_rebuild(
    make_indexer: MakeIndexer, corpus: Corpus, index_dir: Path
) -> IndexReport:
    indexer = make_indexer(corpus.root, index_dir)
    report = indexer.run()
    assert report.skipped == []
    assert report.removed == []
    assert sorted(report.unchanged + report.added + report.updated + report.repaired) == [
        f"sources/gen-{n:02d}.md" for n in range(KILL_FILES)
    ]
    assert report.unchanged  # the files written before the kill are kept
    total = assert_index_matches_corpus(indexer.store, indexer.settings)
    ids = {cid for cid, _ in indexer.store.iter_metadata()}
    rebuilt = indexer.run(rebuild=True)
    assert rebuilt.chunks_total == total == report.chunks_total
    assert {cid for cid, _ in indexer.store.iter_metadata()} == ids
    return report


def test_killed_fresh_build_is_repaired(
    make_corpus: MakeCorpus, make_indexer: MakeIndexer, encoder: Encoder
) -> None:
    corpus = make_corpus()
    index_dir = corpus.root.parent / "index-killed"

    def fresh(attempt: int) -> None:
        _write_kill_corpus(corpus, version=1)
        shutil.rmtree(index_dir, ignore_errors=True)

    current, held = _kill_mid_run(corpus, index_dir, fresh, encoder)
    assert current <= held < KILL_FILES
    report = _repair_and_compare_with_rebuild(make_indexer, corpus, index_dir)
    assert len(report.unchanged) == current
    assert report.updated == []


def test_killed_reindex_of_changed_files_is_repaired(
    make_corpus: MakeCorpus, make_indexer: MakeIndexer, encoder: Encoder
) -> None:
    corpus = make_corpus()
    index_dir = corpus.root.parent / "index-killed"
    _write_kill_corpus(corpus, version=1)
    first = make_indexer(corpus.root, index_dir)
    first.run()
    first.store.client.close()  # the killed run below writes the same folder

    def new_version(attempt: int) -> None:
        _write_kill_corpus(corpus, version=2 + attempt)

    current, held = _kill_mid_run(corpus, index_dir, new_version, encoder)
    assert held == KILL_FILES  # every file is in, at its old or its new version
    report = _repair_and_compare_with_rebuild(make_indexer, corpus, index_dir)
    assert len(report.unchanged) == current
    assert report.added == []
    assert len(report.updated) + len(report.repaired) == KILL_FILES - current
