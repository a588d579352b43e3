"""Finds the files of a corpus and loads each into a :class:`LoadedDocument`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from ctassist.errors import LoadError
from ctassist.load._document import Kind, LoadedDocument
from ctassist.load._formats import READERS
from ctassist.load._notes import parse_front_matter, parse_note_header, split_front_matter
from ctassist.load._zip import ZIP_FORMATS, check_zip

NOTES_FOLDER = "notes"
SUPPORTED_EXTENSIONS = tuple(sorted(READERS))
#: Documentation of the corpus folders themselves, never indexed.
IGNORED_NAMES = frozenset({"README.md", ".gitkeep"})


def discover_files(corpus_dir: Path) -> Iterator[Path]:
    """Yields every candidate file under ``corpus_dir`` in a stable order.

    Hidden files and folders (``.name``), names starting with ``_`` and the folders'
    ``README.md`` are passed over. Files of unsupported types are yielded, so that the
    indexer can report them.
    """
    for path in sorted(corpus_dir.rglob("*")):
        relative = path.relative_to(corpus_dir)
        if any(part.startswith((".", "_")) for part in relative.parts):
            continue
        if path.name in IGNORED_NAMES or not path.is_file():
            continue
        yield path


def document_id(path: Path, corpus_dir: Path) -> str:
    """The document id: the path relative to the corpus folder, with ``/`` separators.

    Symbolic links are not followed: a link's id is where the link is in the corpus.
    """
    return path.absolute().relative_to(corpus_dir.absolute()).as_posix()


def kind_of(doc_id: str) -> Kind:
    return "notes" if doc_id.split("/", 1)[0] == NOTES_FOLDER else "source"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_document(path: Path, corpus_dir: Path, *, max_file_mb: float = 20.0) -> LoadedDocument:
    """Loads one file of the corpus.

    Args:
        path: The file.
        corpus_dir: The corpus folder; the document id is ``path`` relative to it.
        max_file_mb: Larger files are refused.

    Returns:
        The document's text and structure.

    Raises:
        LoadError: The file is empty, too large (or unpacks to too much), of an
            unsupported type, corrupt,
            encrypted, binary, not UTF-8, has no extractable text, or is a meeting note
            with a bad header, or links to a file outside the corpus. The message names
            the file and the reason.

    Example:
        >>> doc = load_document(Path("corpus/sources/channel.md"), Path("corpus"))
        >>> doc.kind
        'source'
    """
    doc_id = document_id(path, corpus_dir)
    if not path.resolve().is_relative_to(corpus_dir.resolve()):
        raise LoadError(doc_id, "a link to a file outside the corpus folder; copy the file into the corpus")
    extension = path.suffix.lower()
    reader = READERS.get(extension)
    if reader is None:
        shown = extension or "(none)"
        raise LoadError(
            doc_id, f"unsupported file type {shown}; supported: {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    size = path.stat().st_size
    if size > max_file_mb * 1024 * 1024:
        raise LoadError(
            doc_id,
            f"file is {size / 1024 / 1024:.3g} MB, over the limit of {max_file_mb:g} MB "
            "(CTASSIST_MAX_FILE_MB)",
        )
    data = path.read_bytes()
    if not data.strip():
        raise LoadError(doc_id, "empty file")
    return load_bytes(doc_id, data, max_file_mb=max_file_mb)


def load_bytes(doc_id: str, data: bytes, *, max_file_mb: float = 20.0) -> LoadedDocument:
    """Loads a document from its bytes; ``doc_id``'s extension picks the reader."""
    extension = Path(doc_id).suffix.lower()
    reader = READERS.get(extension)
    if reader is None:
        raise LoadError(doc_id, f"unsupported file type {extension or '(none)'}")
    if extension in ZIP_FORMATS:
        check_zip(doc_id, data, max_file_mb)
    extracted = reader(doc_id, data)
    kind = kind_of(doc_id)
    text = extracted.text
    note = None
    body_start = 0
    title = extracted.title
    if kind == "notes":
        if extension not in {".md", ".markdown"}:
            raise LoadError(doc_id, "meeting notes must be Markdown (.md) with a front-matter header")
        note, body_start = parse_note_header(doc_id, text)
        title = note.title
    elif extension in {".md", ".markdown"}:
        raw, body_start = split_front_matter(text)
        front = parse_front_matter(doc_id, raw)
        title = str(front.get("title") or title)
    if not text[body_start:].strip():
        raise LoadError(doc_id, "no text to index (the file holds only a header or markup)")
    if not title:
        title = Path(doc_id).stem.replace("-", " ").replace("_", " ").strip().capitalize()
    return LoadedDocument(
        doc_id=doc_id,
        title=title,
        kind=kind,
        text=text,
        content_hash=content_hash(data),
        body_start=body_start,
        headings=tuple(h for h in extracted.headings if h.start >= body_start),
        pages=tuple(extracted.pages),
        note=note,
    )
