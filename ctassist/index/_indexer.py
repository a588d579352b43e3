"""``ctassist index``: bring the index in step with the corpus, incrementally.

A file is re-embedded only when its bytes changed. A changed file's new chunks are
written first, under ids derived from the new content hash, and only then are its old
chunks deleted. A run killed at any point therefore leaves either the old version, or
both versions, or an incomplete new version; the next run reads that from the chunks'
metadata and repairs it (see :meth:`Indexer.run`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ctassist.chunk import Chunk, chunk_document
from ctassist.config import Settings
from ctassist.embed import Encoder
from ctassist.errors import LoadError, could_not_read
from ctassist.index._lock import WaitCallback
from ctassist.index._store import ChunkStore, FileRecord, chunk_id, now_iso
from ctassist.load import (
    RECORDS_KEY,
    LoadedDocument,
    check_file,
    content_hash,
    discover_files,
    display_id,
    document_id,
    load_document,
    records_json,
)

#: ``progress(done, total, what)``: ``done`` of the run's ``total`` files are finished (in the
#: index, unchanged or skipped), and ``what`` says what just happened ("indexed sources/a.md:
#: 12 passages", "skipped sources/tool.exe: unsupported file type .exe", "unchanged …",
#: "embedding 1,024 passages of 40 files"). A file counts only once its passages are in the
#: index, so ``done == total`` only at the end of the run.
ProgressCallback = Callable[[int, int, str], None]

#: Encoder batches per group of files written to the index.
WRITE_GROUP = 16


@dataclass(frozen=True)
class SkippedFile:
    """A file that was not indexed, and why."""

    path: str
    reason: str


@dataclass
class IndexReport:
    """The outcome of one indexing run.

    ``added``, ``updated``, ``removed``, ``unchanged`` and ``repaired`` list document ids;
    ``skipped`` lists the files that could not be loaded, each with its reason.
    """

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_total: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no file was skipped."""
        return not self.skipped

    def summary(self) -> str:
        """A human-readable summary, one line of counts then one line per skipped file."""
        lines = [
            f"files: {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.removed)} removed, {len(self.unchanged)} unchanged, "
            f"{len(self.skipped)} skipped"
            + (f", {len(self.repaired)} repaired" if self.repaired else "")
            + f"; chunks: {self.chunks_embedded} embedded, {self.chunks_total} in the index; "
            f"{self.seconds:.1f} s"
        ]
        lines += [f"skipped {s.path}: {s.reason}" for s in self.skipped]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "repaired": self.repaired,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "chunks_embedded": self.chunks_embedded,
            "chunks_total": self.chunks_total,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class _Pending:
    document: LoadedDocument
    chunks: list[Chunk]
    stale_ids: list[str]
    outcome: list[str]  # the report list the document goes to once written


class Indexer:
    """Keeps a :class:`ChunkStore` in step with a corpus folder.

    Args:
        settings: Corpus folder, chunking and size limits.
        store: The collection to write.
        encoder: The embedding model.
    """

    def __init__(self, settings: Settings, store: ChunkStore, encoder: Encoder) -> None:
        self.settings = settings
        self.store = store
        self.encoder = encoder

    def run(
        self,
        *,
        rebuild: bool = False,
        progress: ProgressCallback | None = None,
        on_wait: WaitCallback | None = None,
    ) -> IndexReport:
        """Indexes the corpus, holding the index's writer lock (see :meth:`ChunkStore.writing`).

        Args:
            rebuild: Embed every file again into a new collection, which replaces the
                current one when the run ends; readers use the current one until then.
            progress: Told after each file is finished, and before each group of files
                is embedded (see :data:`ProgressCallback`).
            on_wait: Told when this run waits for another writer; a warning is logged
                when omitted.

        Returns:
            What was added, updated, removed, left unchanged, repaired and skipped.

        Raises:
            IndexBusyError: Another writer kept the index for ``index_lock_timeout`` seconds.
        """
        started = time.perf_counter()
        report = IndexReport()
        corpus = self.settings.corpus_dir
        if not corpus.is_dir():
            raise LoadError(str(corpus), "corpus folder not found (CTASSIST_CORPUS_DIR)")
        with self.store.writing(rebuild=rebuild, on_wait=on_wait) as store:
            records, ids_by_version = store.file_records()
            paths = list(discover_files(corpus))
            tell = _Progress(progress, len(paths))
            seen: set[str] = set()
            batch: list[_Pending] = []
            for path in paths:
                doc_id = document_id(path, corpus)
                seen.add(doc_id)
                skipped_before = len(report.skipped)
                pending = self._plan(store, path, doc_id, records.get(doc_id), ids_by_version, report)
                if pending is None:
                    if len(report.skipped) > skipped_before:
                        skipped = report.skipped[-1]
                        tell.finished(f"skipped {skipped.path}: {skipped.reason}")
                    else:
                        tell.finished(f"unchanged {display_id(doc_id)}")
                    continue
                batch.append(pending)
                # Files are encoded in groups of WRITE_GROUP batches: the encoder sorts a
                # group by length, and the larger the group, the less padding (with
                # 4 batches a group, indexing ran at 0.87 x the raw encoder; with 16,
                # 0.91 x). A kill loses at most one group's work.
                if sum(len(p.chunks) for p in batch) >= self.settings.embedding_batch_size * WRITE_GROUP:
                    self._write(store, batch, report, tell)
                    batch = []
            self._write(store, batch, report, tell)
            for doc_id in sorted(set(records) - seen):
                store.delete(_all_ids(doc_id, records[doc_id], ids_by_version))
                report.removed.append(doc_id)
            report.chunks_total = store.count()
        report.seconds = time.perf_counter() - started
        return report

    def _plan(
        self,
        store: ChunkStore,
        path: Path,
        doc_id: str,
        record: FileRecord | None,
        ids_by_version: dict[str, list[str]],
        report: IndexReport,
    ) -> _Pending | None:
        try:
            check_file(path, self.settings.corpus_dir)  # before hashing reads a named pipe forever
            data_hash = _file_hash(path, self.settings.max_file_mb)
            if record is not None and record.healthy and record.content_hash == data_hash:
                report.unchanged.append(doc_id)
                return None
            document = load_document(path, self.settings.corpus_dir, max_file_mb=self.settings.max_file_mb)
            chunks = chunk_document(
                document, chunk_size=self.settings.chunk_size, overlap=self.settings.chunk_overlap
            )
            if not chunks:
                # Nothing would be stored, so the next run would find no record and "add" it again.
                raise LoadError(doc_id, "no text to index (the file holds only headings or markup)")
        except OSError as exc:
            report.skipped.append(
                SkippedFile(display_id(doc_id), f"cannot read the file ({exc.strerror or exc})")
            )
            return None
        except Exception as exc:  # noqa: BLE001 - one file that breaks a reader or the chunker stops no run
            if isinstance(exc, LoadError):
                report.skipped.append(SkippedFile(exc.path, exc.reason))
            else:
                report.skipped.append(SkippedFile(display_id(doc_id), could_not_read(exc)))
            if record is not None:
                # The file can no longer be read: its old text must not be quoted.
                store.delete(_all_ids(doc_id, record, ids_by_version))
            return None
        stale: list[str] = []
        outcome = report.added
        if record is not None:
            stale = [
                cid
                for version in record.versions
                if version != document.content_hash
                for cid in ids_by_version.get(f"{doc_id}\0{version}", [])
            ]
            outcome = report.updated if record.healthy else report.repaired
        return _Pending(document, chunks, stale, outcome)

    def _write(self, store: ChunkStore, batch: list[_Pending], report: IndexReport, tell: _Progress) -> None:
        if not batch:
            return
        texts = [embedding_text(p.document, c) for p in batch for c in p.chunks]
        files = "file" if len(batch) == 1 else "files"
        tell.note(f"embedding {len(texts):,} passages of {len(batch)} {files}")
        vectors: Any = self.encoder.encode(texts) if texts else []
        offset = 0
        indexed_at = now_iso()
        for pending in batch:
            document, chunks = pending.document, pending.chunks
            count = len(chunks)
            if count:
                store.upsert(
                    ids=[chunk_id(document.doc_id, document.content_hash, c.index) for c in chunks],
                    texts=[c.text for c in chunks],
                    embeddings=vectors[offset : offset + count],
                    metadatas=[chunk_metadata(document, c, count, indexed_at) for c in chunks],
                )
            # Old chunks go only after the new ones are in: a kill in between leaves
            # both versions, which the next run detects and repairs.
            store.delete(pending.stale_ids)
            offset += count
            report.chunks_embedded += count
            pending.outcome.append(document.doc_id)
            tell.finished(
                f"indexed {display_id(document.doc_id)}: {count} passage{'' if count == 1 else 's'}"
            )


class _Progress:
    """Counts a run's finished files for the caller's progress callback, if any."""

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self._callback = callback
        self._total = total
        self._done = 0

    def finished(self, what: str) -> None:
        """One more file is finished."""
        self._done += 1
        self.note(what)

    def note(self, what: str) -> None:
        """Something is under way; no file is finished by it."""
        if self._callback is not None:
            self._callback(self._done, self._total, what)


def embedding_text(document: LoadedDocument, chunk: Chunk) -> str:
    """What is embedded for a chunk: its title and section give the passage its topic."""
    context = " — ".join(part for part in (document.title, chunk.section) if part)
    return f"{context}\n{chunk.text}" if context else chunk.text


def chunk_metadata(document: LoadedDocument, chunk: Chunk, n_chunks: int, indexed_at: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "doc_id": document.doc_id,
        "title": document.title,
        "kind": document.kind,
        "section": chunk.section,
        "start": chunk.start,
        "end": chunk.end,
        "content_hash": document.content_hash,
        "chunk_hash": chunk.chunk_hash,
        "chunk_index": chunk.index,
        "n_chunks": n_chunks,
        "indexed_at": indexed_at,
    }
    if chunk.page is not None:
        metadata["page"] = chunk.page
    if document.note is not None:
        metadata["group"] = document.note.group
        metadata["date"] = document.note.date
        if chunk.index == 0:
            metadata[RECORDS_KEY] = records_json(document)
    return metadata


def _all_ids(doc_id: str, record: FileRecord, ids_by_version: dict[str, list[str]]) -> list[str]:
    return [cid for version in record.versions for cid in ids_by_version.get(f"{doc_id}\0{version}", [])]


def _file_hash(path: Path, max_file_mb: float) -> str:
    if path.stat().st_size > max_file_mb * 1024 * 1024:
        return ""  # never equal to a stored hash: load_document reports the size
    return content_hash(path.read_bytes())
