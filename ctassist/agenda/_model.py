"""The agenda's value objects and their JSON form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ctassist.errors import ConfigError
from ctassist.types import Citation

ItemKind = Literal["welcome", "apologies", "declarations", "minutes", "discussion", "aob", "next_meeting"]


class AgendaError(ConfigError):
    """An agenda cannot be drafted as asked (bad group, date, time or length, or nothing to
    discuss); the message names the argument and says what would work.

    Args:
        reason: What is wrong and what would work, in plain words.
        field: The argument at fault (``"duration_minutes"``, ``"date"``, ...), or ``None``
            when the corpus or index is at fault. The message starts with it, so that a
            user interface can name the field in its own words from ``field`` and ``reason``.
    """

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class AgendaItem:
    """One numbered item of the agenda.

    Attributes:
        number: Position on the agenda, from 1.
        kind: ``welcome``, ``apologies``, ``declarations``, ``minutes``, ``discussion``,
            ``aob`` or ``next_meeting``.
        title: The item's title; for a default discussion item, the question as worded in
            the source document.
        start: Start time, ``HH:MM``.
        minutes: Time allocated.
        prompts: Facilitator prompts and notes; ``[n]`` markers refer to ``citations``.
        citations: The sources behind the item, numbered across the whole agenda.
        source: For a discussion question taken from the corpus, the ``n`` of the
            citation of the question itself.
    """

    number: int
    kind: ItemKind
    title: str
    start: str
    minutes: int
    prompts: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()
    source: int | None = None

    @property
    def end(self) -> str:
        """End time, ``HH:MM``."""
        return add_minutes(self.start, self.minutes)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of an item (plus ``end``, ``kind`` and ``source``)."""
        return {
            "number": self.number,
            "title": self.title,
            "start": self.start,
            "end": self.end,
            "minutes": self.minutes,
            "kind": self.kind,
            "prompts": list(self.prompts),
            "citations": [c.to_dict() for c in self.citations],
            "source": self.source,
        }


@dataclass(frozen=True)
class Agenda:
    """A drafted reference-group agenda.

    Attributes:
        group: ``"public"`` or ``"user"``.
        group_name: E.g. ``"Prevent user reference group"``.
        date: Meeting date ``YYYY-MM-DD``, or ``None`` when still open.
        start_time: ``HH:MM``.
        duration_minutes: Length of the meeting; the items' minutes add up to it.
        chair: The chair's name or role, or ``None``.
        chatham_house: Whether the meeting is held under the Chatham House Rule.
        items: The items in order.
        notes: Drafting notes for the secretariat (what was found, what was not).

    Example:
        >>> agenda = assistant.draft_agenda(group="user", date="2026-12-10", duration_minutes=90)
        >>> sum(item.minutes for item in agenda.items)
        90
    """

    group: str
    group_name: str
    date: str | None
    start_time: str
    duration_minutes: int
    chair: str | None
    chatham_house: bool
    items: tuple[AgendaItem, ...]
    notes: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return f"{self.group_name}: agenda"

    @property
    def end_time(self) -> str:
        return add_minutes(self.start_time, self.duration_minutes)

    @property
    def sources(self) -> tuple[Citation, ...]:
        """Every citation of the agenda once, by number."""
        unique = {c.n: c for item in self.items for c in item.citations}
        return tuple(unique[n] for n in sorted(unique))

    @property
    def date_label(self) -> str:
        """E.g. ``"Thursday 10 December 2026"``, or ``"to be confirmed"``."""
        return date_label(self.date)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: ``group, date, duration_minutes, chair, items, notes`` (and more).

        Example:
            >>> sorted(agenda.to_dict())[:4]
            ['chair', 'chatham_house', 'date', 'duration_minutes']
        """
        return {
            "group": self.group,
            "group_name": self.group_name,
            "title": self.title,
            "date": self.date,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "duration_minutes": self.duration_minutes,
            "chair": self.chair,
            "chatham_house": self.chatham_house,
            "items": [item.to_dict() for item in self.items],
            "notes": list(self.notes),
        }

    def to_markdown(self, *, drafting_notes: bool = False) -> str:
        """The agenda as Markdown: title block, timetable, items with prompts, sources.

        Args:
            drafting_notes: Also give each source's document path and the drafting notes
                (for the secretariat); without them the text is fit to circulate.
        """
        from ctassist.agenda._render import to_markdown

        return to_markdown(self, drafting_notes=drafting_notes)

    def to_docx(
        self,
        path: str | Path,
        *,
        drafting_notes: bool = False,
        author: str | None = None,
        marking: str | None = None,
    ) -> Path:
        """Writes the agenda as a Word document fit to circulate: A4, the protective marking
        in the header, "Page x of y" in the footer, and the document's title, author and
        date in its properties.

        Args:
            path: The ``.docx`` file to write (replaced whole, never half-written).
            drafting_notes: Also give each source's document path and the drafting notes
                (a version for the secretariat, not for circulation).
            author: The author in the document's properties; default the
                ``agenda_author`` setting (``CTASSIST_AGENDA_AUTHOR``).
            marking: The protective marking; default the ``agenda_marking`` setting
                (``CTASSIST_AGENDA_MARKING``).

        Returns:
            The path written.

        Raises:
            WriteError: The file cannot be written (the message says why).
        """
        from ctassist.agenda._render import to_docx

        if author is None or marking is None:
            from ctassist.config import Settings

            settings = Settings.from_env()
            author = settings.agenda_author if author is None else author
            marking = settings.agenda_marking if marking is None else marking
        return to_docx(self, Path(path), drafting_notes=drafting_notes, author=author, marking=marking)


def add_minutes(clock: str, minutes: int) -> str:
    """``add_minutes("10:50", 25) == "11:15"`` (times within one day)."""
    hours, mins = (int(part) for part in clock.split(":"))
    total = hours * 60 + mins + minutes
    return f"{total // 60:02d}:{total % 60:02d}"


def date_label(date: str | None) -> str:
    """A ``YYYY-MM-DD`` date as an agenda writes it, or ``"to be confirmed"`` for ``None``.

    Example:
        >>> date_label("2026-12-10"), date_label(None)
        ('Thursday 10 December 2026', 'to be confirmed')
    """
    if date is None:
        return "to be confirmed"
    day = dt.date.fromisoformat(date)
    return f"{day:%A} {day.day} {day:%B %Y}"
