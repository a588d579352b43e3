"""A note's records (front matter) as JSON, to be stored with its first chunk in the index.

The index is the one place chat and the agenda read from; storing the parsed records there
(with the offsets of their lines, and the text of the front matter they quote) lets both
answer from the records without reading the notes folder again.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, cast

from ctassist.load._document import (
    GROUPS,
    STATUSES,
    Action,
    ActionLines,
    Attendee,
    Decision,
    Group,
    HeaderLines,
    LoadedDocument,
    NoteHeader,
    NoteLines,
    Status,
)

#: The metadata key of a note's first chunk holding its records.
RECORDS_KEY = "note_records"
#: Bumped when the stored layout changes; records of another version are not read.
LAYOUT = 1


def records_json(document: LoadedDocument) -> str:
    """The note's records and the text of its front matter, as JSON.

    Args:
        document: A loaded meeting note (``document.note`` is set).

    Returns:
        JSON text; :func:`records_from_json` reads it back.

    Raises:
        ValueError: The document is not a meeting note.
    """
    note = document.note
    if note is None:
        raise ValueError(f"{document.doc_id}: not a meeting note, it has no records")
    return json.dumps(
        {
            "layout": LAYOUT,
            "header": asdict(note),
            "header_text": document.text[: note.lines.front_matter.end],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def records_from_json(text: str) -> tuple[NoteHeader, str]:
    """The header and front-matter text stored by :func:`records_json`.

    Raises:
        ValueError: The JSON is not records of this layout (e.g. written by another version).
    """
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("layout") != LAYOUT:
        raise ValueError("stored note records are of another layout; re-index the notes")
    header = data["header"]
    return _header(header), str(data["header_text"])


def _lines(value: dict[str, Any]) -> NoteLines:
    return NoteLines(
        first_line=int(value["first_line"]),
        last_line=int(value["last_line"]),
        start=int(value["start"]),
        end=int(value["end"]),
    )


def _group(value: Any) -> Group:
    if value not in GROUPS:
        raise ValueError(f"stored note records name an unknown group {value!r}")
    return cast(Group, value)


def _status(value: Any) -> Status:
    if value not in STATUSES:
        raise ValueError(f"stored note records name an unknown status {value!r}")
    return cast(Status, value)


def _header(value: dict[str, Any]) -> NoteHeader:
    lines = value["lines"]
    return NoteHeader(
        group=_group(value["group"]),
        date=str(value["date"]),
        title=str(value["title"]),
        attendees=tuple(Attendee(str(a["role"]), _lines(a["lines"])) for a in value["attendees"]),
        actions=tuple(
            Action(
                action=str(a["action"]),
                owner=str(a["owner"]),
                status=_status(a["status"]),
                due=None if a["due"] is None else str(a["due"]),
                lines=_lines(a["lines"]),
                field_lines=ActionLines(
                    action=_lines(a["field_lines"]["action"]),
                    owner=_lines(a["field_lines"]["owner"]),
                    status=_lines(a["field_lines"]["status"]),
                    due=None if a["field_lines"]["due"] is None else _lines(a["field_lines"]["due"]),
                ),
            )
            for a in value["actions"]
        ),
        decisions=tuple(Decision(str(d["text"]), _lines(d["lines"])) for d in value["decisions"]),
        lines=HeaderLines(
            front_matter=_lines(lines["front_matter"]),
            group=_lines(lines["group"]),
            date=_lines(lines["date"]),
            title=_lines(lines["title"]),
        ),
    )
