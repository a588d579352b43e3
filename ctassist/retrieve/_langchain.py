"""ctassist's hybrid retrieval as a LangChain ``BaseRetriever``."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from ctassist.retrieve._filters import Filters
from ctassist.types import Passage


class CtassistRetriever(BaseRetriever):
    """Hybrid retrieval (dense + BM25, fused, ordered by their best sentence) for LangChain chains.

    Each ``Document`` holds a passage's exact text; its metadata carries the document id
    (``doc_id``, the path relative to ``corpus/``), ``title``, ``kind``, ``section``,
    ``page``, the ``start``/``end`` offsets of the passage in the document, and ``score``.

    Args:
        assistant: The :class:`~ctassist.Assistant` whose index is searched.
        k: Documents returned; a ``k=`` keyword on ``invoke`` overrides it.
        filters: e.g. ``{"kind": "notes", "group": "user"}``.

    Example:
        >>> retriever = assistant.as_retriever(k=3)
        >>> docs = retriever.invoke("Who chairs a Channel panel?")
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Any
    k: int = 6
    filters: dict[str, Any] | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        k = int(kwargs.get("k") or self.k)
        filters = Filters.coerce(kwargs.get("filters", self.filters))
        passages = self.assistant.retrieve(query, filters=filters, k=k)
        return [to_document(p) for p in passages[:k]]


def to_document(passage: Passage) -> Document:
    metadata: dict[str, Any] = {
        "doc_id": passage.doc_id,
        "title": passage.title,
        "kind": passage.kind,
        "section": passage.section,
        "page": passage.page,
        "start": passage.start,
        "end": passage.end,
        "score": passage.score,
    }
    return Document(id=passage.chunk_id, page_content=passage.text, metadata=metadata)
