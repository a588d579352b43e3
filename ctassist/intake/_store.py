"""Storing uploads and meeting notes in the corpus: validated first, named by ctassist,
written atomically, never overwriting, then indexed at once."""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from ctassist.config import Settings
from ctassist.errors import ConfigError, CtassistError, LoadError, NoteFormatError, NoteProblem
from ctassist.index import IndexReport
from ctassist.intake._names import name_warnings
from ctassist.load import (
    SUPPORTED_EXTENSIONS,
    Kind,
    LoadedDocument,
    discover_files,
    document_id,
    load_bytes,
    parse_front_matter,
    split_front_matter,
)


class IntakeAssistant(Protocol):
    """What storing a document uses of :class:`ctassist.Assistant`: its settings (the corpus
    folder, the size limit) and indexing (a protocol, so that intake does not depend on the
    assistant, which stores documents through it)."""

    @property
    def settings(self) -> Settings: ...

    def index(self) -> IndexReport: ...


#: ``kind`` argument → folder of the corpus.
_FOLDERS: dict[str, tuple[Kind, str]] = {
    "source": ("source", "sources"),
    "sources": ("source", "sources"),
    "notes": ("notes", "notes"),
    "note": ("notes", "notes"),
}
_NOTE_EXTENSIONS = (".md", ".markdown")
_SLUG_MAX = 40
_UNSAFE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class AddedDocument:
    """A document stored in the corpus by :func:`add_document` or :func:`add_note`.

    Attributes:
        doc_id: Its id, the path relative to the corpus folder (``notes/...`` or ``sources/...``).
        path: The file written.
        kind: ``"source"`` or ``"notes"``.
        title: The document's title (for a note, its ``title`` field).
        report: The indexing run that followed.
        warnings: For a note, what was stored but looks wrong (an attendee or owner that
            looks like a personal name), each with its line and field.
        detected: Stored as a meeting note because ``kind="auto"`` found its front matter.
    """

    doc_id: str
    path: Path
    kind: Kind
    title: str
    report: IndexReport
    warnings: tuple[NoteProblem, ...] = ()
    detected: bool = False


@dataclass(frozen=True)
class CheckedNote:
    """A meeting note that passed :func:`check_note`.

    Attributes:
        document: The note as it would be indexed (``document.note`` holds its records).
        warnings: What does not stop it but looks wrong, each with its line and field.
    """

    document: LoadedDocument
    warnings: tuple[NoteProblem, ...]


def add_document(
    assistant: IntakeAssistant, data: bytes, *, kind: str = "source", filename: str | None = None
) -> AddedDocument:
    """Validates an upload, stores it under a generated name and indexes it.

    Nothing of ``filename`` but its extension and a slug of its stem is used, so a client
    name such as ``../../evil.md`` cannot choose where the file goes. The bytes are fully
    validated (type, size, readable text, a note's front matter) before anything is
    written; the file is written to a hidden temporary file in the target folder and then
    hard-linked to its final name, which fails rather than replace an existing file.

    Args:
        assistant: The assistant whose corpus and index receive the document.
        data: The file's bytes.
        kind: ``"source"`` (stored under ``sources/``), ``"notes"`` (under ``notes/``) or
            ``"auto"``: a note if it is Markdown whose front matter names a ``group``
            (see :func:`looks_like_note`), else a source document.
        filename: The client's file name; its lower-cased extension picks the reader.

    Returns:
        Where it was stored, its title and the (incremental) indexing report.

    Raises:
        ConfigError: ``kind`` is not ``"auto"``, ``"source"`` or ``"notes"``.
        LoadError: The file cannot be used, or is already in the corpus; the message
            names the file and says why. Nothing is written.
        NoteFormatError: A note's front matter is missing a field or has a bad value.

    Example:
        >>> added = add_document(assistant, Path("brief.md").read_bytes(), filename="brief.md")
        >>> added.doc_id
        'sources/20261210-3f2a9c1b07-brief.md'
    """
    return _add(assistant, data, kind=kind, filename=filename, shown=_basename(filename) or "(upload)")


def add_note(assistant: IntakeAssistant, path: Path) -> AddedDocument:
    """Stores a meeting note (Markdown with front matter) under ``notes/`` and indexes it.

    Args:
        assistant: The assistant whose corpus and index receive the note.
        path: The note's file.

    Returns:
        Where it was stored and the indexing report.

    Raises:
        LoadError: The file is missing, unreadable, too large, not Markdown, or the same
            note is already in the corpus (the message names the existing file).
        NoteFormatError: The front matter is missing a field or has a bad value; the
            message names ``path`` and the field.

    Example:
        >>> add_note(assistant, Path("2026-12-10-user.md")).doc_id
        'notes/20261210-9b1e04d2aa-2026-12-10-user.md'
    """
    shown = str(path)
    data = _read(path, shown, assistant.settings.max_file_mb)
    return _add(assistant, data, kind="notes", filename=path.name, shown=shown)


def _read(path: Path, shown: str, max_file_mb: float) -> bytes:
    if not path.exists():
        raise LoadError(shown, "no such file")
    if not path.is_file():
        raise LoadError(shown, "not a file")
    _check_size(shown, path.stat().st_size, max_file_mb)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LoadError(shown, f"cannot read the file ({exc.strerror or exc})") from None


def check_note(path: Path, *, max_file_mb: float = 20.0, today: dt.date | None = None) -> CheckedNote:
    """Validates a meeting note as :func:`add_note` does, without storing anything.

    Args:
        path: The note's file.
        max_file_mb: Larger files are refused.
        today: The day the meeting must not be after (default: today's local date).

    Returns:
        The note and its warnings.

    Raises:
        LoadError: The file is missing, unreadable, too large or not Markdown.
        NoteFormatError: The front matter has problems; ``problems`` holds all of them,
            each with its line and field.

    Example:
        >>> [str(w) for w in check_note(Path("2026-11-12-user.md")).warnings]
        ["line 7: field 'attendees[2]' looks like a personal name: 'Jane Smith'; notes record roles, ..."]
    """
    shown = str(path)
    data = _read(path, shown, max_file_mb)
    return _checked_note(shown, data, _extension(shown, path.name, data, "notes"), max_file_mb, today)


def stored_name(*, day: dt.date, data: bytes, filename: str | None, extension: str, fallback: str) -> str:
    """The generated file name: ``<yyyymmdd>-<content hash prefix>-<slug><extension>``.

    The slug keeps only ``[a-z0-9-]`` of the client's file stem (at most 40 characters),
    so no path component of the client's name survives.

    Example:
        >>> stored_name(day=dt.date(2026, 12, 10), data=b"x", filename="../../Evil Note.md",
        ...             extension=".md", fallback="note")
        '20261210-2d711642b7-evil-note.md'
    """
    stem = PurePosixPath(_basename(filename) or "").stem
    slug = _UNSAFE.sub("-", stem.lower()).strip("-")[:_SLUG_MAX].strip("-") or fallback
    digest = hashlib.sha256(data).hexdigest()[:10]
    return f"{day:%Y%m%d}-{digest}-{slug}{extension}"


def _add(
    assistant: IntakeAssistant, data: bytes, *, kind: str, filename: str | None, shown: str
) -> AddedDocument:
    detected = kind == "auto"
    if detected:
        kind = "notes" if looks_like_note(data, filename) else "source"
    if kind not in _FOLDERS:
        raise ConfigError(f"kind: must be 'auto', 'source' or 'notes', got {kind!r}")
    doc_kind, folder = _FOLDERS[kind]
    settings = assistant.settings
    extension = _extension(shown, filename, data, doc_kind)
    warnings: tuple[NoteProblem, ...] = ()
    if doc_kind == "notes":
        checked = _checked_note(shown, data, extension, settings.max_file_mb, None)
        document, warnings = checked.document, checked.warnings
    else:
        _check_size(shown, len(data), settings.max_file_mb)
        document = _validate(shown, f"{folder}/upload{extension}", data)
    if doc_kind == "notes" and document.note is not None:
        day = dt.date.fromisoformat(document.note.date)  # the meeting's date orders the folder
        extension = ".md"
    else:
        day = dt.datetime.now(dt.UTC).date()
    name = stored_name(
        day=day,
        data=data,
        filename=filename,
        extension=extension,
        fallback="note" if doc_kind == "notes" else "document",
    )
    corpus = settings.corpus_dir
    target_dir = corpus / folder
    existing = _same_content(target_dir, data, extension)
    if existing is not None:
        what = "note" if doc_kind == "notes" else "document"
        raise LoadError(
            shown, f"this {what} is already in the corpus as {existing.relative_to(corpus).as_posix()}"
        )
    path = _write_new(target_dir, name, data, shown)
    report = assistant.index()
    return AddedDocument(
        doc_id=f"{folder}/{name}",
        path=path,
        kind=doc_kind,
        title=document.title,
        report=report,
        warnings=warnings,
        detected=detected and doc_kind == "notes",
    )


def looks_like_note(data: bytes, filename: str | None) -> bool:
    """Whether an upload is a meeting note: Markdown whose front matter names a ``group``.

    Every note has one (``corpus/notes/README.md``); a source document's front matter, if it
    has any, does not. Front matter that is not valid YAML is not taken for a note: it is
    then read as a source document, whose loader reports the YAML problem with its line.

    Example:
        >>> looks_like_note(b"---\\ngroup: user\\ndate: 2026-11-12\\n---\\n# Notes\\n", "n.md")
        True
    """
    suffix = PurePosixPath(_basename(filename)).suffix.lower() if filename else ".md"
    if suffix not in _NOTE_EXTENSIONS:
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    raw, _ = split_front_matter(text.replace("\r\n", "\n"))
    if raw is None:
        return False
    try:
        front = parse_front_matter("upload", raw)
    except CtassistError:
        return False
    return "group" in front


def _checked_note(
    shown: str, data: bytes, extension: str, max_file_mb: float, today: dt.date | None
) -> CheckedNote:
    """The note's checks: those of indexing, a meeting not in the future, then the warnings."""
    _check_size(shown, len(data), max_file_mb)
    document = _validate(shown, f"notes/upload{extension}", data, today=today or dt.date.today())
    assert document.note is not None  # a note that loads has its header
    return CheckedNote(document=document, warnings=name_warnings(document.note))


def _basename(filename: str | None) -> str:
    """The last component of a client's file name, whichever separator it used."""
    if not filename:
        return ""
    return filename.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].strip()


def _extension(shown: str, filename: str | None, data: bytes, kind: Kind) -> str:
    suffix = PurePosixPath(_basename(filename)).suffix.lower() if filename else ""
    if not suffix:
        suffix = ".md" if kind == "notes" else _sniff(data)
    if kind == "notes" and suffix not in _NOTE_EXTENSIONS:
        raise LoadError(shown, "meeting notes must be Markdown (.md) with a front-matter header")
    if suffix not in SUPPORTED_EXTENSIONS:
        raise LoadError(
            shown, f"unsupported file type {suffix}; supported: {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    return suffix


def _sniff(data: bytes) -> str:
    """An extension for a nameless upload, from its first bytes."""
    head = data[:2048].lstrip().lower()
    if head.startswith(b"%pdf-"):
        return ".pdf"
    if head.startswith(b"pk\x03\x04") and b"word/" in data[:65536]:
        return ".docx"
    if head.startswith((b"<!doctype html", b"<html")):
        return ".html"
    return ".txt"


def _check_size(shown: str, size: int, max_file_mb: float) -> None:
    if size > max_file_mb * 1024 * 1024:
        raise LoadError(
            shown,
            f"file is {size / 1024 / 1024:.3g} MB, over the limit of {max_file_mb:g} MB (CTASSIST_MAX_FILE_MB)",
        )


def _validate(shown: str, doc_id: str, data: bytes, *, today: dt.date | None = None) -> LoadedDocument:
    """Loads the bytes as the indexer will; errors name the client's file, not ours."""
    if not data.strip():
        raise LoadError(shown, "empty file")
    try:
        return load_bytes(doc_id, data, today=today)
    except NoteFormatError as exc:
        raise NoteFormatError(shown, exc.reason, problems=exc.problems) from None
    except LoadError as exc:
        raise type(exc)(shown, exc.reason) from None


#: Formats compared by their words, not their bytes, to find a document already stored.
_TEXT_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".html", ".htm"})


def _content_key(data: bytes, suffix: str) -> bytes:
    """What makes two files the same document: their bytes, or for text their words in order
    (a note saved again with an extra space or other line endings is the same note)."""
    if suffix.lower() in _TEXT_SUFFIXES:
        try:
            return hashlib.sha256(" ".join(data.decode("utf-8-sig").split()).encode()).digest()
        except UnicodeDecodeError:
            pass
    return hashlib.sha256(data).digest()


def _same_content(folder: Path, data: bytes, suffix: str) -> Path | None:
    """An existing file of ``folder`` holding the same document (see :func:`_content_key`)."""
    if not folder.is_dir():
        return None
    key = _content_key(data, suffix)
    for path in sorted(folder.rglob("*")):
        if path.name.startswith((".", "_")) or not path.is_file():
            continue
        try:
            if _content_key(path.read_bytes(), path.suffix) == key:
                return path
        except OSError:
            continue
    return None


def _write_new(folder: Path, name: str, data: bytes, shown: str) -> Path:
    """Writes ``data`` to ``folder/name`` atomically, refusing to replace an existing file."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if target.resolve().parent != folder.resolve():
        raise LoadError(shown, "the generated name leaves the corpus folder")  # defence in depth
    # A hidden name: an indexing run in between never picks the half-written file up.
    handle, temporary = tempfile.mkstemp(prefix=".incoming-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            # mkstemp makes the file private (0600); a stored document reads like any other
            # file of the corpus.
            os.fchmod(out.fileno(), _new_file_mode())
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, target)  # atomic, and fails if the name exists
        except FileExistsError:
            raise LoadError(
                shown, f"{target.name} already exists in {folder}; nothing was overwritten"
            ) from None
        except OSError:
            _replace_reserved(temporary, target, shown)
        _sync_folder(folder)
    finally:
        with contextlib.suppress(FileNotFoundError):
            Path(temporary).unlink()
    return target


def _new_file_mode() -> int:
    """The mode ``open()`` gives a new file here: 0o666 less the process's umask, read without
    changing it (``os.umask`` would, for every thread at once)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o644


def _replace_reserved(temporary: str, target: Path, shown: str) -> None:
    """For file systems without hard links: reserve the name exclusively, then swap the
    complete file in with an atomic rename over the (empty) reservation."""
    try:
        with open(target, "xb"):
            pass
    except FileExistsError:
        raise LoadError(shown, f"{target.name} already exists; nothing was overwritten") from None
    Path(temporary).replace(target)


def _sync_folder(folder: Path) -> None:
    """Makes the new directory entry durable (best effort: not every platform allows it)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


@dataclass(frozen=True)
class RemovedDocument:
    """A document taken out of the corpus by :func:`remove_document`.

    Attributes:
        doc_id: The id it had.
        kept: Where the file was moved to (under the index folder's ``deleted/``), so a
            deletion by mistake can be undone by moving it back.
        report: The indexing run that followed.
    """

    doc_id: str
    kept: Path
    report: IndexReport


def remove_document(assistant: IntakeAssistant, doc_id: str) -> RemovedDocument:
    """Takes a document out of the corpus and the index.

    The file is moved, not deleted, to ``<index folder>/deleted/<time>-<name>``; the index is
    then brought in step, which drops its passages.

    Args:
        assistant: The assistant whose corpus and index lose the document.
        doc_id: The document's id (``sources/...`` or ``notes/...``), as listed by
            ``documents()``.

    Returns:
        The id, where the file was kept and the indexing report.

    Raises:
        LoadError: ``doc_id`` names no file of the corpus; the message lists close ids.

    Example:
        >>> remove_document(assistant, "sources/old-brief.md").kept.name
        '20261203T101500123456Z-old-brief.md'
    """
    settings = assistant.settings
    corpus = settings.corpus_dir.resolve()
    known = {document_id(path, corpus): path for path in discover_files(corpus)}
    path = known.get(doc_id)
    if path is None:
        close = difflib.get_close_matches(doc_id, list(known), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise LoadError(doc_id, f"no such document in the corpus{hint}")
    bin_folder = settings.index_dir / "deleted"
    bin_folder.mkdir(parents=True, exist_ok=True)
    kept = bin_folder / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%fZ}-{path.name}"
    try:
        shutil.move(path, kept)
    except OSError as exc:
        raise LoadError(doc_id, f"cannot move the file out of the corpus ({exc.strerror or exc})") from None
    return RemovedDocument(doc_id=doc_id, kept=kept, report=assistant.index())
