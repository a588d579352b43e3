"""Intake: store uploads and meeting notes safely in the corpus and index them at once."""

from ctassist.intake._names import name_warnings, personal_name
from ctassist.intake._store import (
    AddedDocument,
    CheckedNote,
    IntakeAssistant,
    add_document,
    add_note,
    check_note,
    stored_name,
)

__all__ = [
    "AddedDocument",
    "CheckedNote",
    "IntakeAssistant",
    "add_document",
    "add_note",
    "check_note",
    "name_warnings",
    "personal_name",
    "stored_name",
]
