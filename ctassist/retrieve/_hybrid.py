"""Hybrid retrieval: dense + BM25, fused by reciprocal rank, optionally re-ranked."""

from __future__ import annotations

import time
from typing import Any

from ctassist.index import ChunkStore
from ctassist.retrieve._dense import DenseRetriever
from ctassist.retrieve._filters import Filters
from ctassist.retrieve._fusion import reciprocal_rank_fusion
from ctassist.retrieve._lexical import LexicalIndex
from ctassist.retrieve._rerank import CrossEncoderReranker
from ctassist.types import Passage

#: Fused candidates handed to the re-ranker.
RERANK_POOL = 12


class HybridRetriever:
    """Finds the passages that best answer a query.

    Args:
        store: The chunk collection.
        dense: Embedding search over it.
        lexical: BM25 over the same chunks.
        reranker: Cross-encoder for the final order; ``None`` keeps the fused order.
        candidates: Results each retriever contributes to the fusion.
    """

    def __init__(
        self,
        store: ChunkStore,
        dense: DenseRetriever,
        lexical: LexicalIndex,
        reranker: CrossEncoderReranker | None,
        *,
        candidates: int = 30,
    ) -> None:
        self.store = store
        self.dense = dense
        self.lexical = lexical
        self.reranker = reranker
        self.candidates = candidates

    def run(
        self,
        query: str,
        *,
        filters: Filters | None = None,
        k: int = 6,
        timings: dict[str, float] | None = None,
    ) -> list[Passage]:
        """Retrieves the ``k`` best passages for ``query``.

        Args:
            query: A standalone question.
            filters: Restrict to a kind, a group or documents.
            k: Passages returned.
            timings: If given, receives seconds spent per stage.

        Returns:
            Passages, best first, each with its dense, lexical, fused and (when the
            re-ranker ran) re-rank scores.
        """
        filters = filters or Filters()
        timings = timings if timings is not None else {}
        started = time.perf_counter()
        dense_hits = self.dense.search(query, filters, self.candidates)
        timings["dense"] = time.perf_counter() - started
        started = time.perf_counter()
        lexical_hits = self.lexical.search(query, filters, self.candidates)
        timings["lexical"] = time.perf_counter() - started

        fused = reciprocal_rank_fusion([[h[0] for h in dense_hits], [h[0] for h in lexical_hits]])
        pool = sorted(fused, key=lambda cid: fused[cid], reverse=True)
        pool = pool[: max(k, RERANK_POOL) if self.reranker is not None else k]
        dense_by_id = {h[0]: h for h in dense_hits}
        lexical_by_id = dict(lexical_hits)
        missing = [cid for cid in pool if cid not in dense_by_id]
        fetched = {c.id: (c.text, c.metadata) for c in self.store.get(missing)}
        passages = []
        for cid in pool:
            if cid in dense_by_id:
                _, similarity, text, metadata = dense_by_id[cid]
            elif cid in fetched:
                similarity, (text, metadata) = 0.0, fetched[cid]
            else:
                continue  # removed by a re-index since the lexical index was read
            passages.append(
                to_passage(
                    cid,
                    text,
                    metadata,
                    dense=similarity,
                    lexical=lexical_by_id.get(cid, 0.0),
                    fused=fused[cid],
                )
            )
        if self.reranker is not None and passages:
            started = time.perf_counter()
            passages = self.reranker.run(query, passages)
            timings["rerank"] = time.perf_counter() - started
        return passages[:k]


def to_passage(chunk_id: str, text: str, metadata: dict[str, Any], **scores: float) -> Passage:
    page = metadata.get("page")
    return Passage(
        chunk_id=chunk_id,
        doc_id=str(metadata.get("doc_id", "")),
        title=str(metadata.get("title", "")),
        kind=str(metadata.get("kind", "source")),
        section=str(metadata.get("section", "")),
        page=int(page) if page is not None else None,
        start=int(metadata.get("start", 0)),
        end=int(metadata.get("end", 0)),
        text=text,
        metadata=metadata,
        **scores,
    )
