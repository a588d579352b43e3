"""Index: keep the Chroma collection (and the lexical index beside it) in step with the corpus."""

from ctassist.index._indexer import (
    Indexer,
    IndexReport,
    ProgressCallback,
    SkippedFile,
    chunk_metadata,
    embedding_text,
)
from ctassist.index._lock import IndexWait, LockHolder, WaitCallback
from ctassist.index._store import ChunkStore, FileRecord, StoredChunk, chunk_id

__all__ = [
    "ChunkStore",
    "FileRecord",
    "IndexReport",
    "IndexWait",
    "Indexer",
    "LockHolder",
    "ProgressCallback",
    "SkippedFile",
    "StoredChunk",
    "WaitCallback",
    "chunk_id",
    "chunk_metadata",
    "embedding_text",
]
