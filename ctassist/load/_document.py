"""Value objects for a loaded document."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, get_args

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


#: The reference groups whose meeting notes the corpus holds: the one place they are named.
Group = Literal["public", "user"]
GROUPS: tuple[Group, ...] = get_args(Group)

#: The states of an action recorded in a note.
Status = Literal["open", "done"]
STATUSES: tuple[Status, ...] = get_args(Status)


@dataclass(frozen=True)
class NoteLines:
    """Where a record of a note's front matter is in the file.

    ``text[start:end]`` (``text`` being :attr:`LoadedDocument.text`, the file's own text)
    quotes the record verbatim: its lines from the first non-blank character of the first
    to the end of the last, without the final line break. A record written in flow style
    (``attendees: ["Chair", "Academic"]``) shares its line with its neighbours.

    Attributes:
        first_line: Its first line in the file, counted from 1.
        last_line: Its last line (the same as ``first_line`` for a one-line record).
        start: Character offset where the quote starts.
        end: Character offset where it ends.
    """

    first_line: int
    last_line: int
    start: int
    end: int


@dataclass(frozen=True)
class Attendee:
    """An attendee of a meeting, recorded by role (``"Chair (HMICFRS)"``)."""

    role: str
    lines: NoteLines


@dataclass(frozen=True)
class ActionLines:
    """Where each field of an action is in the file (``due`` is ``None`` when it has none)."""

    action: NoteLines
    owner: NoteLines
    status: NoteLines
    due: NoteLines | None


@dataclass(frozen=True)
class Action:
    """An action recorded in a meeting note.

    ``lines`` covers the whole action (all its fields); ``field_lines`` each field's line.
    """

    action: str
    owner: str
    status: Status
    due: str | None = None
    lines: NoteLines = field(kw_only=True)
    field_lines: ActionLines = field(kw_only=True)


@dataclass(frozen=True)
class Decision:
    """A decision recorded in a meeting note's front matter."""

    text: str
    lines: NoteLines


@dataclass(frozen=True)
class HeaderLines:
    """Where the front matter and its single-valued fields are in the file."""

    front_matter: NoteLines
    group: NoteLines
    date: NoteLines
    title: NoteLines


@dataclass(frozen=True)
class NoteHeader:
    """The front matter of a reference-group meeting note (format: ``corpus/notes/README.md``).

    Every record keeps its lines in the file, so that it can be quoted verbatim.
    """

    group: Group
    date: str
    title: str
    attendees: tuple[Attendee, ...]
    actions: tuple[Action, ...]
    decisions: tuple[Decision, ...]
    lines: HeaderLines


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
        index = bisect.bisect_right(self._heading_starts, offset) - 1
        return self._heading_paths[index] if index >= 0 else ()

    def page_at(self, offset: int) -> int | None:
        """The PDF page number holding ``offset``, or ``None`` for other formats."""
        index = bisect.bisect_right(self._page_starts, offset) - 1
        if index >= 0 and offset < self.pages[index].end:
            return self.pages[index].number
        return self.pages[-1].number if self.pages and offset >= self.pages[-1].end else None

    # Looked up once per chunk: a scan of every heading or page each time made a file of
    # many short sections quadratic (5,000 headings: 2.6 s; 500,000: hours).
    @cached_property
    def _heading_starts(self) -> list[int]:
        return [heading.start for heading in self.headings]

    @cached_property
    def _heading_paths(self) -> list[tuple[str, ...]]:
        paths: list[tuple[str, ...]] = []
        path: list[tuple[int, str]] = []
        for heading in self.headings:
            while path and path[-1][0] >= heading.level:
                path.pop()
            path.append((heading.level, heading.title))
            paths.append(tuple(title for _, title in path))
        return paths

    @cached_property
    def _page_starts(self) -> list[int]:
        return [span.start for span in self.pages]
