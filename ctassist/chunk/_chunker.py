"""Chunks that follow headings and sentence boundaries."""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass

from ctassist.chunk._sentences import sentence_spans
from ctassist.load import LoadedDocument

HEADING_SEPARATOR = " > "
#: No chunk is longer, whatever ``chunk_size`` says: the encoder reads only the first few
#: hundred words of a passage, and a citation must show its chunk whole. Sentences are cut
#: to ``MAX_SENTENCE_CHARS``, so a chunk of one long sentence stays within it too.
MAX_CHUNK_CHARS = 4000


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: ``document.text[start:end]``."""

    doc_id: str
    index: int
    start: int
    end: int
    text: str
    heading_path: tuple[str, ...]
    page: int | None
    sentences: tuple[tuple[int, int], ...]

    @property
    def section(self) -> str:
        """The heading path as one string, e.g. ``"Channel > Referrals"``."""
        return HEADING_SEPARATOR.join(self.heading_path)

    @property
    def chunk_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def chunk_document(document: LoadedDocument, *, chunk_size: int = 700, overlap: int = 1) -> list[Chunk]:
    """Splits a document into chunks of whole sentences that never cross a heading or a PDF page.

    Args:
        document: The loaded document.
        chunk_size: Target length in characters. A chunk grows sentence by sentence up to
            this length (at most :data:`MAX_CHUNK_CHARS`); a single longer sentence becomes
            a chunk of its own.
        overlap: Sentences from the end of one chunk repeated at the start of the next
            chunk of the same section, so that no sentence loses its context.

    Returns:
        The chunks, in document order, numbered from 0.

    Example:
        >>> chunks = chunk_document(doc, chunk_size=500)
        >>> doc.text[chunks[0].start:chunks[0].end] == chunks[0].text
        True
    """
    chunks: list[Chunk] = []
    size = min(chunk_size, MAX_CHUNK_CHARS)
    for section_start, section_end in _sections(document):
        sentences = sentence_spans(document.text, section_start, section_end)
        for group in _pack(sentences, size, overlap):
            start, end = group[0][0], group[-1][1]
            chunks.append(
                Chunk(
                    doc_id=document.doc_id,
                    index=len(chunks),
                    start=start,
                    end=end,
                    text=document.text[start:end],
                    heading_path=_without_title(document.heading_path_at(start), document.title),
                    page=document.page_at(start),
                    sentences=tuple(group),
                )
            )
    return chunks


def _without_title(path: tuple[str, ...], title: str) -> tuple[str, ...]:
    """The document's own title heading says nothing a citation does not already say."""
    return path[1:] if path and path[0] == title else path


def _sections(document: LoadedDocument) -> list[tuple[int, int]]:
    """The stretches of text between headings (heading lines themselves excluded), also
    cut where a PDF page starts: a chunk's ``page`` must hold every sentence of it."""
    bounds: list[tuple[int, int]] = []
    cursor = document.body_start
    for heading in document.headings:
        if heading.start > cursor:
            bounds.append((cursor, heading.start))
        cursor = max(cursor, heading.end)
    bounds.append((cursor, len(document.text)))
    page_starts = [span.start for span in document.pages]
    cut: list[tuple[int, int]] = []
    for a, b in bounds:
        # Only the pages that start inside the section: a scan of every page for every
        # section was quadratic in a PDF of many pages and headings.
        first = bisect.bisect_right(page_starts, a)
        last = bisect.bisect_left(page_starts, b)
        for page_start in page_starts[first:last]:
            cut.append((a, page_start))
            a = page_start
        cut.append((a, b))
    return [(a, b) for a, b in cut if document.text[a:b].strip()]


def _pack(sentences: list[tuple[int, int]], size: int, overlap: int) -> list[list[tuple[int, int]]]:
    groups: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    fresh = 0  # sentences in ``current`` not already in the previous chunk
    for sentence in sentences:
        if current and sentence[1] - current[0][0] > size and fresh:
            groups.append(current)
            carried = current[-overlap:] if overlap else []
            # Overlap only while it leaves room for new text.
            while carried and sentence[1] - carried[0][0] > size:
                carried = carried[1:]
            current, fresh = list(carried), 0
        current.append(sentence)
        fresh += 1
    if fresh:
        groups.append(current)
    return groups
