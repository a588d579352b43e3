"""Matters arising: the open actions of the group's previous meeting, read from its notes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ctassist.errors import LoadError
from ctassist.load import Action, LoadedDocument, discover_files, load_document

NOTES_FOLDER = "notes"


@dataclass(frozen=True)
class CarriedAction:
    """An open action, with the note it was recorded in and where its text is in that note
    (``start``/``end`` are ``None`` when the header spells it differently, e.g. folded YAML)."""

    action: Action
    note: LoadedDocument
    start: int | None
    end: int | None


@dataclass(frozen=True)
class PreviousMeeting:
    """The latest meeting of a group on record.

    Attributes:
        date: Its date, ``YYYY-MM-DD``.
        notes: Its notes (normally one; several if more than one file records that date).
        open_actions: Actions still open, in the order recorded.
        done_actions: How many actions were recorded as done (not carried forward).
    """

    date: str
    notes: tuple[LoadedDocument, ...]
    open_actions: tuple[CarriedAction, ...]
    done_actions: int


def previous_meeting(
    corpus_dir: Path, group: str, *, before: str | None, max_file_mb: float
) -> tuple[PreviousMeeting | None, list[str]]:
    """Finds the latest notes of ``group`` (strictly before ``before`` when given).

    The notes folder is read directly, not the index, so a note added a moment ago counts.

    Args:
        corpus_dir: The corpus folder.
        group: ``"public"`` or ``"user"``.
        before: Only meetings before this date (the date of the meeting being planned).
        max_file_mb: Larger files are skipped.

    Returns:
        The previous meeting (or ``None``) and a message for each note that could not be
        read.
    """
    folder = corpus_dir / NOTES_FOLDER
    problems: list[str] = []
    ours: list[LoadedDocument] = []
    if folder.is_dir():
        for path in discover_files(folder):
            try:
                document = load_document(path, corpus_dir, max_file_mb=max_file_mb)
            except LoadError as exc:
                problems.append(f"Note {exc.path} was not read: {exc.reason}.")
                continue
            except OSError as exc:
                problems.append(f"Note {path.name} was not read: {exc.strerror or exc}.")
                continue
            note = document.note
            if note is None or note.group != group or (before is not None and note.date >= before):
                continue
            ours.append(document)
    if not ours:
        return None, problems
    latest = max(d.note.date for d in ours if d.note is not None)
    notes = tuple(
        sorted((d for d in ours if d.note is not None and d.note.date == latest), key=lambda d: d.doc_id)
    )
    carried: list[CarriedAction] = []
    seen: set[tuple[str, str]] = set()
    done = 0
    for document in notes:
        assert document.note is not None
        for action in document.note.actions:
            if action.status != "open":
                done += 1
                continue
            if (action.action, action.owner) in seen:
                continue  # the same meeting recorded twice
            seen.add((action.action, action.owner))
            start = document.text.find(action.action, 0, document.body_start)
            span = (start, start + len(action.action)) if start >= 0 else (None, None)
            carried.append(CarriedAction(action, document, *span))
    return PreviousMeeting(latest, notes, tuple(carried), done), problems
