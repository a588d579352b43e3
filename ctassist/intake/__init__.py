"""Intake: store uploads and meeting notes safely in the corpus and index them at once."""

from ctassist.intake._store import AddedDocument, add_document, add_note, stored_name

__all__ = ["AddedDocument", "add_document", "add_note", "stored_name"]
