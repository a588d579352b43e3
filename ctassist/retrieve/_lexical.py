"""BM25 over the chunks, persisted beside the index and kept in step with it."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ctassist.index import ChunkStore
from ctassist.retrieve._filters import Filters
from ctassist.text import content_terms


@dataclass(frozen=True)
class _Snapshot:
    fingerprint: str
    ids: list[str]
    metadatas: list[dict[str, Any]]
    model: Any  # bm25s.BM25, or None for an empty index


class LexicalIndex:
    """BM25 (``bm25s``) over every chunk's title, section and text.

    The index is derived from the Chroma collection: :meth:`sync` compares a fingerprint
    of the collection's chunk ids with the one saved on disk and rebuilds only when they
    differ, so that every process (and every machine, in server mode) searches the same
    chunks as the dense index.

    Args:
        directory: Where the BM25 files are kept.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._snapshot = _Snapshot("", [], [], None)
        self._lock = threading.Lock()

    @property
    def fingerprint(self) -> str:
        return self._snapshot.fingerprint

    def sync(self, store: ChunkStore) -> bool:
        """Brings the lexical index in step with ``store``.

        Returns:
            True when it had to be rebuilt.
        """
        with self._lock:
            fingerprint = _fingerprint(store.ids())
            if fingerprint == self._snapshot.fingerprint:
                return False
            loaded = self._load(fingerprint)
            if loaded is not None:
                self._snapshot = loaded
                return False
            self._snapshot = self._build(store, fingerprint)
            return True

    def knows(self, term: str) -> bool:
        """Whether any chunk contains ``term`` (a stemmed content word, see ``content_terms``)."""
        model = self._snapshot.model
        return bool(term) and model is not None and term in model.vocab_dict

    def idf(self, term: str) -> float:
        """Inverse document frequency of ``term`` (a stemmed content word) over the chunks,
        as BM25 weighs it; 0.0 for a term no chunk contains."""
        model = self._snapshot.model
        if model is None or term not in model.vocab_dict:
            return 0.0
        scores = model.scores
        column = model.vocab_dict[term]
        # bm25s keeps scores as a sparse matrix by term: a term's stored entries are its chunks.
        frequency = int(scores["indptr"][column + 1] - scores["indptr"][column])
        if frequency == 0:
            return 0.0
        chunks = int(scores["num_docs"])
        return math.log(1 + (chunks - frequency + 0.5) / (frequency + 0.5))

    def search(self, query: str, filters: Filters, k: int) -> list[tuple[str, float]]:
        """The ``k`` best chunk ids for ``query`` with their BM25 scores (zero scores dropped)."""
        snapshot = self._snapshot
        terms = content_terms(query)
        if snapshot.model is None or not terms:
            return []
        scores = np.asarray(snapshot.model.get_scores(terms), dtype=np.float64)
        if not filters.empty:
            mask = np.fromiter(
                (filters.matches(md) for md in snapshot.metadatas), dtype=bool, count=len(scores)
            )
            scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores, kind="stable")[:k]
        return [(snapshot.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def _build(self, store: ChunkStore, fingerprint: str) -> _Snapshot:
        import bm25s

        ids: list[str] = []
        metadatas: list[dict[str, Any]] = []
        corpus: list[list[str]] = []
        for chunk in store.iter_chunks():
            md = chunk.metadata
            ids.append(chunk.id)
            metadatas.append({k: md[k] for k in ("doc_id", "kind", "group") if k in md})
            corpus.append(content_terms(f"{md.get('title', '')}\n{md.get('section', '')}\n{chunk.text}"))
        model = None
        if ids:
            model = bm25s.BM25()
            model.index(corpus, show_progress=False)
        snapshot = _Snapshot(_fingerprint(ids), ids, metadatas, model)
        if snapshot.fingerprint == fingerprint:
            # Saving only spares the next process a rebuild: when another process saves the
            # same index at the same moment, its copy serves as well.
            with contextlib.suppress(OSError):
                self._save(snapshot)
        return snapshot

    def _save(self, snapshot: _Snapshot) -> None:
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".lexical-", dir=self.directory.parent))
        try:
            if snapshot.model is not None:
                snapshot.model.save(str(staging / "bm25"), show_progress=False)
            (staging / "chunks.json").write_text(
                json.dumps({"ids": snapshot.ids, "metadatas": snapshot.metadatas})
            )
            # Written last: a folder without it is incomplete and never loaded.
            (staging / "fingerprint").write_text(snapshot.fingerprint)
            old = self.directory.with_name(self.directory.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.directory.exists():
                self.directory.rename(old)
            staging.rename(self.directory)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _load(self, fingerprint: str) -> _Snapshot | None:
        marker = self.directory / "fingerprint"
        try:
            if marker.read_text() != fingerprint:
                return None
            data = json.loads((self.directory / "chunks.json").read_text())
            model = None
            if data["ids"]:
                import bm25s

                model = bm25s.BM25.load(str(self.directory / "bm25"), show_progress=False)
        except (OSError, ValueError, KeyError):
            return None  # missing or damaged: rebuilt from the collection
        return _Snapshot(fingerprint, data["ids"], data["metadatas"], model)


def _fingerprint(ids: list[str]) -> str:
    digest = hashlib.sha256()
    for chunk_id in sorted(ids):
        digest.update(chunk_id.encode())
        digest.update(b"\n")
    return digest.hexdigest()
