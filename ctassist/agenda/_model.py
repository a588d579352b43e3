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
    discuss); the message names the argument and says what would work."""


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
        >>> agenda = assistant.draft_agenda("user", date="2026-12-10", duration_minutes=90)
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
        if self.date is None:
            return "to be confirmed"
        day = dt.date.fromisoformat(self.date)
        return f"{day:%A} {day.day} {day:%B %Y}"

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

    def to_markdown(self) -> str:
        """The agenda as Markdown: title block, timetable, items with prompts, sources."""
        from ctassist.agenda._render import to_markdown

        return to_markdown(self)

    def to_docx(self, path: str | Path) -> Path:
        """Writes the agenda as a Word document (title block, timetable, prompts, sources).

        Args:
            path: The ``.docx`` file to write.

        Returns:
            The path written.

        Raises:
            WriteError: The file cannot be written (the message says why).
        """
        from ctassist.agenda._render import to_docx

        return to_docx(self, Path(path))


def add_minutes(clock: str, minutes: int) -> str:
    """``add_minutes("10:50", 25) == "11:15"`` (times within one day)."""
    hours, mins = (int(part) for part in clock.split(":"))
    total = hours * 60 + mins + minutes
    return f"{total // 60:02d}:{total % 60:02d}"
