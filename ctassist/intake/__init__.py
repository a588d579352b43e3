"""Intake: store uploads and meeting notes safely in the corpus and index them at once."""

from ctassist.intake._names import name_warnings, personal_name
from ctassist.intake._store import (
    AddedDocument,
    CheckedNote,
    IntakeAssistant,
    RemovedDocument,
    add_document,
    add_note,
    check_note,
    looks_like_note,
    remove_document,
    stored_name,
)

__all__ = [
    "AddedDocument",
    "CheckedNote",
    "IntakeAssistant",
    "RemovedDocument",
    "add_document",
    "add_note",
    "check_note",
    "looks_like_note",
    "name_warnings",
    "personal_name",
    "remove_document",
    "stored_name",
]
