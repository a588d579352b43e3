"""Matters arising: the open actions of the group's previous meeting, from the records of
the indexed notes (the same records chat answers "What actions are open?" from)."""

from __future__ import annotations

from typing import Protocol, cast

from ctassist.load import Group
from ctassist.records import Outstanding, RecordBook


class RecordsSource(Protocol):
    """What matters arising use of :class:`ctassist.Assistant`: the notes' records."""

    def records(self) -> RecordBook: ...


def previous_meeting(
    assistant: RecordsSource, group: str, *, before: str | None
) -> tuple[Outstanding | None, list[str]]:
    """The latest meeting of ``group`` on record (strictly before ``before`` when given).

    Args:
        assistant: Its index holds the notes' records.
        group: ``"public"`` or ``"user"``.
        before: Only meetings before this date (the date of the meeting being planned).

    Returns:
        The previous meeting and its open actions (or ``None``), and a message for each
        note indexed without its records.
    """
    book = assistant.records()
    problems = [
        f"Note {doc_id} is indexed without its records: run `ctassist index --rebuild` to read them."
        for doc_id in book.unreadable
    ]
    return book.outstanding(cast(Group, group), before=before), problems  # validated by the request
