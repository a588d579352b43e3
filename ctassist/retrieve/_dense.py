"""Dense retrieval: the Chroma collection searched through LangChain's ``Chroma`` store."""

from __future__ import annotations

from typing import Any

from ctassist.embed import Encoder
from ctassist.index import ChunkStore
from ctassist.retrieve._filters import Filters


class DenseRetriever:
    """Nearest chunks by cosine similarity of all-MiniLM-L6-v2 embeddings.

    Args:
        store: The collection (embedded or on a Chroma server).
        encoder: The same model the index was built with.
    """

    def __init__(self, store: ChunkStore, encoder: Encoder) -> None:
        self.store = store
        self.encoder = encoder
        self._vectorstore: tuple[Any, Any] = (None, None)  # (collection, LangChain store on it)

    def vectorstore(self, collection: Any) -> Any:
        """LangChain's ``Chroma`` on ``collection``, the store's current one (a rebuild in
        another process replaces it)."""
        from langchain_chroma import Chroma

        known, vectorstore = self._vectorstore
        if known is not collection:
            vectorstore = Chroma(
                client=self.store.client,
                collection_name=collection.name,
                embedding_function=self.encoder,
                create_collection_if_not_exists=False,
            )
            self._vectorstore = (collection, vectorstore)
        return vectorstore

    def search(self, query: str, filters: Filters, k: int) -> list[tuple[str, float, str, dict[str, Any]]]:
        """The ``k`` nearest chunks as ``(id, similarity, text, metadata)``, best first."""
        vector = self.encoder.embed_query(query)
        with self.store.reading() as collection:
            found = self.vectorstore(collection).similarity_search_by_vector_with_relevance_scores(
                vector, k=k, filter=filters.to_chroma_where()
            )
        # The collection uses cosine distance; similarity = 1 - distance.
        return [
            (doc.id or "", 1.0 - float(distance), doc.page_content, dict(doc.metadata))
            for doc, distance in found
        ]
