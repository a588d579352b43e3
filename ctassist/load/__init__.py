"""Load: turn the files of a corpus into text with structure (headings, pages, notes)."""

from ctassist.load._document import Action, Heading, Kind, LoadedDocument, NoteHeader, PageSpan
from ctassist.load._loader import (
    SUPPORTED_EXTENSIONS,
    check_file,
    content_hash,
    discover_files,
    display_id,
    document_id,
    kind_of,
    load_bytes,
    load_document,
)
from ctassist.load._notes import parse_note_header

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "Action",
    "Heading",
    "Kind",
    "LoadedDocument",
    "NoteHeader",
    "PageSpan",
    "check_file",
    "content_hash",
    "discover_files",
    "display_id",
    "document_id",
    "kind_of",
    "load_bytes",
    "load_document",
    "parse_note_header",
]
