"""The Chroma collection that holds the chunks: embedded under ``index/`` or on a server.

The collection is the single source of truth. What was indexed from which file, and
whether a run was cut short, is read back from the chunks' own metadata, so that several
processes (or machines, in server mode) share one consistent view.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from ctassist.config import Settings
from ctassist.errors import IndexMismatchError, IndexUnavailableError

# Chroma's own telemetry would try to reach the internet.
logging.getLogger("chromadb.telemetry").setLevel(logging.CRITICAL)

_PAGE = 5000


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as held in the index."""

    id: str
    text: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class FileRecord:
    """What the index holds of one document.

    ``versions`` maps each content hash present to the number of chunks stored for it.
    A healthy record has exactly one version with all of its ``expected`` chunks.
    """

    doc_id: str
    title: str
    kind: str
    versions: dict[str, int]
    expected: dict[str, int]
    indexed_at: str
    group: str = ""
    date: str = ""

    @property
    def content_hash(self) -> str:
        """The newest complete version's hash, or ``""``."""
        complete = [h for h, n in self.versions.items() if n == self.expected.get(h)]
        return complete[0] if len(complete) == 1 else ""

    @property
    def healthy(self) -> bool:
        return len(self.versions) == 1 and bool(self.content_hash)

    @property
    def chunks(self) -> int:
        return sum(self.versions.values())


def chunk_id(doc_id: str, content_hash: str, index: int) -> str:
    """A chunk's id: the same chunk of the same file version always gets the same id, so
    writing it again replaces it instead of duplicating it."""
    return hashlib.sha256(f"{doc_id}\0{content_hash}\0{index}".encode()).hexdigest()[:40]


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class ChunkStore:
    """Reads and writes chunks in the Chroma collection.

    Args:
        settings: Where the index lives (``index_dir`` or ``chroma_url``) and its name.
        model_name: The embedding model the caller will use.
        dimension: That model's vector size.
        check_model: Refuse a collection built with another model. ``False`` only to open
            an index for a rebuild: :meth:`reset` then records the configured model.

    Raises:
        IndexMismatchError: The collection was built with another embedding model.
        IndexUnavailableError: The Chroma server cannot be reached.
    """

    def __init__(
        self, settings: Settings, *, model_name: str, dimension: int, check_model: bool = True
    ) -> None:
        self.settings = settings
        self.model_name = model_name
        self.dimension = dimension
        self.client = _client(settings)
        self.collection = self._open_collection(check_model=check_model)

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.settings.index_dir / "chroma")

    def _open_collection(self, *, check_model: bool = True) -> Any:
        # embedding_function=None: vectors always come from our encoder, never from
        # Chroma's default function (which would download a model).
        try:
            collection = self.client.get_or_create_collection(
                self.settings.collection,
                embedding_function=None,
                metadata={"embedding_model": self.model_name, "embedding_dim": self.dimension},
                configuration={"hnsw": {"space": "cosine"}},
            )
        except Exception as exc:
            raise IndexUnavailableError(f"cannot open the index at {self.location}: {exc}") from exc
        recorded = collection.metadata or {}
        model, dim = recorded.get("embedding_model"), recorded.get("embedding_dim")
        if check_model and (model != self.model_name or dim != self.dimension):
            raise IndexMismatchError(
                f"the index at {self.location} was built with embedding model {model!r} "
                f"(dimension {dim}), but the configured model is {self.model_name!r} "
                f"(dimension {self.dimension}). Rebuild it with `ctassist index --rebuild`, "
                "or set CTASSIST_EMBEDDING_MODEL back to the model it was built with."
            )
        return collection

    def reset(self) -> None:
        """Drops every chunk (for a rebuild) and records the current model."""
        with contextlib.suppress(Exception):  # absent already: nothing to drop
            self.client.delete_collection(self.settings.collection)
        self.collection = self._open_collection()

    def count(self) -> int:
        return int(self.collection.count())

    def upsert(
        self, ids: Sequence[str], texts: Sequence[str], embeddings: Any, metadatas: Sequence[dict[str, Any]]
    ) -> None:
        step = self.client.get_max_batch_size()
        for start in range(0, len(ids), step):
            stop = start + step
            self.collection.upsert(
                ids=list(ids[start:stop]),
                documents=list(texts[start:stop]),
                embeddings=embeddings[start:stop],
                metadatas=list(metadatas[start:stop]),
            )

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        step = self.client.get_max_batch_size()
        for start in range(0, len(ids), step):
            self.collection.delete(ids=ids[start : start + step])

    def ids(self) -> list[str]:
        """Every chunk id in the collection."""
        ids: list[str] = []
        while True:
            page = self.collection.get(include=[], limit=_PAGE, offset=len(ids))
            ids.extend(page["ids"])
            if len(page["ids"]) < _PAGE:
                return ids

    def iter_metadata(self) -> Iterator[tuple[str, dict[str, Any]]]:
        offset = 0
        while True:
            page = self.collection.get(include=["metadatas"], limit=_PAGE, offset=offset)
            for chunk_id_, metadata in zip(page["ids"], page["metadatas"] or [], strict=True):
                yield chunk_id_, dict(metadata or {})
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE

    def iter_chunks(self) -> Iterator[StoredChunk]:
        """Every chunk with its text and metadata (for the lexical index)."""
        offset = 0
        while True:
            page = self.collection.get(include=["metadatas", "documents"], limit=_PAGE, offset=offset)
            for chunk_id_, text, metadata in zip(
                page["ids"], page["documents"] or [], page["metadatas"] or [], strict=True
            ):
                yield StoredChunk(chunk_id_, text or "", dict(metadata or {}))
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE

    def get(self, ids: Sequence[str]) -> list[StoredChunk]:
        if not ids:
            return []
        page = self.collection.get(ids=list(ids), include=["metadatas", "documents"])
        found = {
            cid: StoredChunk(cid, text or "", dict(md or {}))
            for cid, text, md in zip(
                page["ids"], page["documents"] or [], page["metadatas"] or [], strict=True
            )
        }
        return [found[i] for i in ids if i in found]

    def file_records(self) -> tuple[dict[str, FileRecord], dict[str, list[str]]]:
        """What the index holds, per document, and the chunk ids of each document version.

        Returns:
            ``(records, ids)``: ``records[doc_id]`` and ``ids[f"{doc_id}\\0{hash}"]``.
        """
        versions: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        expected: dict[str, dict[str, int]] = defaultdict(dict)
        info: dict[str, dict[str, Any]] = {}
        ids: dict[str, list[str]] = defaultdict(list)
        for cid, md in self.iter_metadata():
            doc_id, content = str(md.get("doc_id", "")), str(md.get("content_hash", ""))
            versions[doc_id][content] += 1
            expected[doc_id][content] = int(md.get("n_chunks", 0))
            ids[f"{doc_id}\0{content}"].append(cid)
            if md.get("indexed_at", "") >= info.get(doc_id, {}).get("indexed_at", ""):
                info[doc_id] = md
        records = {
            doc_id: FileRecord(
                doc_id=doc_id,
                title=str(info[doc_id].get("title", doc_id)),
                kind=str(info[doc_id].get("kind", "source")),
                versions=dict(versions[doc_id]),
                expected=expected[doc_id],
                indexed_at=str(info[doc_id].get("indexed_at", "")),
                group=str(info[doc_id].get("group", "")),
                date=str(info[doc_id].get("date", "")),
            )
            for doc_id in versions
        }
        return records, dict(ids)


def _client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise IndexUnavailableError(
                f"cannot reach the Chroma server at {settings.chroma_url} (CTASSIST_CHROMA_URL): {exc}"
            ) from exc
    path = settings.index_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
