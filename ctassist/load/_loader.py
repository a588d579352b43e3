"""Finds the files of a corpus and loads each into a :class:`LoadedDocument`."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from ctassist.errors import LoadError, could_not_read
from ctassist.load._document import Kind, LoadedDocument
from ctassist.load._formats import READERS, Reader
from ctassist.load._notes import parse_front_matter, parse_note_header, split_front_matter
from ctassist.load._zip import ZIP_FORMATS, check_zip

NOTES_FOLDER = "notes"
SUPPORTED_EXTENSIONS = tuple(sorted(READERS))
#: Documentation of the corpus folders themselves, never indexed.
IGNORED_NAMES = frozenset({"README.md", ".gitkeep", "glossary.toml"})


def discover_files(corpus_dir: Path) -> Iterator[Path]:
    """Yields every candidate file under ``corpus_dir`` in a stable order.

    Hidden files and folders (``.name``), names starting with ``_`` and the folders'
    ``README.md`` are passed over. Everything else that is not a folder is yielded (files
    of unsupported types, links, named pipes, sockets, devices), so that the indexer can
    report why it is not indexed; links to folders are yielded, not followed.
    """
    for path in sorted(corpus_dir.rglob("*")):
        if _passed_over(path.relative_to(corpus_dir)):
            continue
        if path.is_dir() and not path.is_symlink():
            continue
        yield path


def _passed_over(relative: Path) -> bool:
    return relative.name in IGNORED_NAMES or any(part.startswith((".", "_")) for part in relative.parts)


def document_id(path: Path, corpus_dir: Path) -> str:
    """The document id: the path relative to the corpus folder, with ``/`` separators.

    Symbolic links are not followed: a link's id is where the link is in the corpus.
    """
    return path.absolute().relative_to(corpus_dir.absolute()).as_posix()


def display_id(doc_id: str) -> str:
    """``doc_id`` as it can be printed: bytes of the file name that are not UTF-8 are shown
    as ``\\xNN`` (Python keeps them as lone surrogates, which no output stream accepts).

    Example:
        >>> display_id(os.fsdecode(b"sources/caf\\xe9.md"))
        'sources/caf\\\\xe9.md'
    """
    try:
        raw = os.fsencode(doc_id)
    except UnicodeEncodeError:  # a lone surrogate that no file name can hold, e.g. from an upload
        raw = doc_id.encode("utf-8", "backslashreplace")
    return raw.decode("utf-8", "backslashreplace")


def _check_name(doc_id: str) -> None:
    shown = display_id(doc_id)
    if shown != doc_id:
        raise LoadError(shown, "the file name is not valid UTF-8; rename the file")


_FILE_TYPES = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def check_file(path: Path, corpus_dir: Path) -> None:
    """Refuses what is not a file of its own in the corpus, before any byte of it is read.

    Args:
        path: A path that :func:`discover_files` yielded.
        corpus_dir: The corpus folder.

    Raises:
        LoadError: The file name is not UTF-8; or ``path`` is a named pipe, socket or
            device, or a link to a folder, to one of those, to nothing, to a file outside
            the corpus, or to a file of the corpus that is indexed under its own name.
    """
    doc_id = document_id(path, corpus_dir)
    _check_name(doc_id)
    link = path.is_symlink()
    try:
        mode = path.stat().st_mode  # follows a link: the target's type
    except FileNotFoundError:
        raise LoadError(doc_id, "a link to nothing (its target does not exist)") from None
    except OSError as exc:  # e.g. a loop of links
        raise LoadError(doc_id, f"cannot read the file ({exc.strerror or exc})") from None
    what = "a link to " if link else ""
    if stat.S_ISDIR(mode):
        raise LoadError(
            doc_id, f"{what}a folder; linked folders are not followed, move the files into the corpus"
        )
    if not stat.S_ISREG(mode):
        name = next((name for is_type, name in _FILE_TYPES if is_type(mode)), "a special file")
        # Reading a named pipe would wait forever for a writer, a device might never end.
        raise LoadError(doc_id, f"not a regular file: {what}{name}")
    if not link:
        return
    corpus = corpus_dir.resolve()
    target = path.resolve()
    if not target.is_relative_to(corpus):
        raise LoadError(doc_id, "a link to a file outside the corpus folder; copy the file into the corpus")
    relative = target.relative_to(corpus)
    if not _passed_over(relative):
        # The target is indexed under its own id; the link would be the same document twice.
        raise LoadError(doc_id, f"symlink to {display_id(relative.as_posix())} (indexed there)")


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
            unsupported type, corrupt, encrypted, binary, not UTF-8, has no extractable
            text, or is a meeting note with a bad header; or it is not a file of its own
            (see :func:`check_file`); or its reader failed in any other way. It is the only
            error raised; the message names the file and the reason.

    Example:
        >>> doc = load_document(Path("corpus/sources/channel.md"), Path("corpus"))
        >>> doc.kind
        'source'
    """
    doc_id = document_id(path, corpus_dir)
    check_file(path, corpus_dir)
    extension = path.suffix.lower()
    reader = READERS.get(extension)
    if reader is None:
        shown = extension or "(none)"
        raise LoadError(
            doc_id, f"unsupported file type {shown}; supported: {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    try:
        size = path.stat().st_size
        if size > max_file_mb * 1024 * 1024:
            raise LoadError(
                doc_id,
                f"file is {size / 1024 / 1024:.3g} MB, over the limit of {max_file_mb:g} MB "
                "(CTASSIST_MAX_FILE_MB)",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(doc_id, f"cannot read the file ({exc.strerror or exc})") from None
    if not data.strip():
        raise LoadError(doc_id, "empty file")
    return load_bytes(doc_id, data, max_file_mb=max_file_mb)


def load_bytes(
    doc_id: str, data: bytes, *, max_file_mb: float = 20.0, today: dt.date | None = None
) -> LoadedDocument:
    """Loads a document from its bytes; ``doc_id``'s extension picks the reader.

    ``today``, when given, refuses a meeting note dated after it (see
    :func:`~ctassist.load.parse_note_header`); intake passes it, indexing does not.

    Raises:
        LoadError: The file cannot be read, for any reason; the message names it.
    """
    _check_name(doc_id)
    extension = Path(doc_id).suffix.lower()
    reader = READERS.get(extension)
    if reader is None:
        raise LoadError(doc_id, f"unsupported file type {extension or '(none)'}")
    if extension in ZIP_FORMATS:
        check_zip(doc_id, data, max_file_mb)
    try:
        return _load(doc_id, data, reader, extension, today)
    except LoadError:
        raise
    except Exception as exc:  # whatever a reader trips over, one file stops no run
        raise LoadError(doc_id, could_not_read(exc)) from exc


#: The date and content-hash prefix of an uploaded file's stored name
#: (``ctassist.intake.stored_name``): not part of a title made from the name.
_STORED_PREFIX = re.compile(r"\A\d{8}-[0-9a-f]{10}-")


def _load(doc_id: str, data: bytes, reader: Reader, extension: str, today: dt.date | None) -> LoadedDocument:
    extracted = reader(doc_id, data)
    kind = kind_of(doc_id)
    text = extracted.text
    note = None
    body_start = 0
    title = extracted.title
    if kind == "notes":
        if extension not in {".md", ".markdown"}:
            raise LoadError(doc_id, "meeting notes must be Markdown (.md) with a front-matter header")
        note, body_start = parse_note_header(doc_id, text, today=today)
        title = note.title
    elif extension in {".md", ".markdown"}:
        raw, body_start = split_front_matter(text)
        front = parse_front_matter(doc_id, raw)
        title = str(front.get("title") or title)
    if not text[body_start:].strip():
        raise LoadError(doc_id, "no text to index (the file holds only a header or markup)")
    if not title:
        stem = _STORED_PREFIX.sub("", Path(doc_id).stem)
        title = stem.replace("-", " ").replace("_", " ").strip().capitalize()
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
