"""Value objects for a loaded document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["source", "notes"]


@dataclass(frozen=True)
class Heading:
    """A heading found in a document's extracted text."""

    start: int
    end: int
    level: int
    title: str


@dataclass(frozen=True)
class PageSpan:
    """The characters ``[start, end)`` of the extracted text came from PDF page ``number``."""

    start: int
    end: int
    number: int


@dataclass(frozen=True)
class Action:
    """An action recorded in a meeting note."""

    action: str
    owner: str
    status: Literal["open", "done"]
    due: str | None = None


@dataclass(frozen=True)
class NoteHeader:
    """The front matter of a reference-group meeting note."""

    group: Literal["public", "user"]
    date: str
    title: str
    attendees: tuple[str, ...]
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class LoadedDocument:
    """A document turned into text, with the structure the chunker needs.

    ``text`` is the document's extracted text; every offset ctassist reports (headings,
    pages, chunks, citations) indexes into it. For ``.md`` and ``.txt`` files it is the
    file's own text (line endings normalised to ``\\n``), so a quote can be checked
    against the file itself.
    """

    doc_id: str
    title: str
    kind: Kind
    text: str
    content_hash: str
    body_start: int = 0
    headings: tuple[Heading, ...] = ()
    pages: tuple[PageSpan, ...] = ()
    note: NoteHeader | None = None

    def heading_path_at(self, offset: int) -> tuple[str, ...]:
        """The titles of the headings that enclose ``offset``, outermost first."""
        path: list[tuple[int, str]] = []
        for heading in self.headings:
            if heading.start > offset:
                break
            while path and path[-1][0] >= heading.level:
                path.pop()
            path.append((heading.level, heading.title))
        return tuple(title for _, title in path)

    def page_at(self, offset: int) -> int | None:
        """The PDF page number holding ``offset``, or ``None`` for other formats."""
        for span in self.pages:
            if span.start <= offset < span.end:
                return span.number
        return self.pages[-1].number if self.pages and offset >= self.pages[-1].end else None
