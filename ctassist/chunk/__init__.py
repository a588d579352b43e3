"""Chunk: split loaded documents into passages along headings and sentences."""

from ctassist.chunk._chunker import HEADING_SEPARATOR, Chunk, chunk_document
from ctassist.chunk._sentences import sentence_spans

__all__ = ["HEADING_SEPARATOR", "Chunk", "chunk_document", "sentence_spans"]
