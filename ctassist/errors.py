"""Errors that ctassist raises to its callers. Each message names the file, field or
setting at fault and says why, so that the CLI and the UI can show it as it is.

The errors are grouped by cause, and each is also the built-in exception that fits it, so
a caller may catch either :class:`CtassistError` (everything ctassist raises on purpose) or
the built-in:

- bad values: :class:`ConfigError` (settings, arguments), :class:`QuestionError`,
  :class:`IndexMismatchError` are :class:`ValueError`;
- files that cannot be read as documents: :class:`LoadError`, :class:`NoteFormatError`
  are :class:`ValueError` (the file is there, its content is at fault);
- the index or an output file out of reach: :class:`IndexUnavailableError` (and
  :class:`IndexBusyError`, :class:`IndexChangedError`), :class:`WriteError` are
  :class:`OSError`.

:class:`CtassistError` itself is never raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: How much of a value read from a file an error message shows: enough to recognise it,
#: never the megabytes a crafted file can hold.
SHOWN_CHARS = 200


def excerpt(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` cut to ``limit`` characters; a cut one ends with ``…`` and its full length.

    Example:
        >>> excerpt("x" * 1000, 5)
        'xxxxx… (1000 characters)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


def could_not_read(exc: Exception) -> str:
    """The reason given for a file whose reading raised ``exc`` unforeseen.

    Example:
        >>> could_not_read(ValueError("bad\\nthings"))
        'could not be read: ValueError: bad'
        >>> import zlib
        >>> could_not_read(zlib.error("invalid block type"))
        'could not be read: zlib.error: invalid block type'
    """
    kind = type(exc)
    # A library's exception is named with its module: "zlib.error" says more than "error".
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    lines = str(exc).strip().splitlines()
    return f"could not be read: {name}" + (f": {excerpt(lines[0])}" if lines else "")


class CtassistError(Exception):
    """Base class of every error ctassist raises on purpose; never raised itself."""


class ConfigError(CtassistError, ValueError):
    """A setting has a value that cannot be used."""


class LoadError(CtassistError, ValueError):
    """A file could not be turned into text.

    Args:
        path: The file, as shown to the user.
        reason: Why it was skipped, in plain words.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class NoteProblem:
    """A problem with a meeting note, where it is in the file: an error that stops the note,
    or a warning that does not.

    Attributes:
        line: The first line concerned, counted from 1.
        last_line: The last line concerned (the same as ``line`` for one line).
        field: The field, as ``group``, ``attendees[2]`` or ``actions[1].owner`` (counted
            from 1); ``None`` when the problem is not about one field.
        message: What is wrong, in plain words, after the field's name.

    Example:
        >>> str(NoteProblem(3, 3, "date", "is missing (YYYY-MM-DD)"))
        "line 3: field 'date' is missing (YYYY-MM-DD)"
    """

    line: int
    last_line: int
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.last_line == self.line else f"lines {self.line}-{self.last_line}"
        what = f"field '{self.field}' " if self.field else ""
        return f"{where}: {what}{self.message}"


class NoteFormatError(LoadError):
    """A meeting note's front matter is missing a field or has a bad value.

    Args:
        path: The note, as shown to the user.
        reason: Why it was refused; by default the problems, each with its line.
        problems: Every problem found in the note, in the order of the file.
    """

    def __init__(self, path: str, reason: str | None = None, *, problems: Sequence[NoteProblem] = ()) -> None:
        self.problems = tuple(problems)
        super().__init__(path, reason if reason is not None else describe_problems(self.problems))

    @property
    def full_reason(self) -> str:
        """The reason with every problem listed, however many (for the CLI and the UI)."""
        return describe_problems(self.problems, max_chars=None) if self.problems else self.reason


#: How long a note's reason gets in an index report: problems past it are counted, not
#: listed (:attr:`NoteFormatError.full_reason` lists them all).
REASON_CHARS = 560


def describe_problems(problems: Sequence[NoteProblem], *, max_chars: int | None = REASON_CHARS) -> str:
    """A note's problems as text: one on its own, several as a list under a count.

    Example:
        >>> print(describe_problems([NoteProblem(2, 2, "group", "is missing"),
        ...                          NoteProblem(5, 6, "actions[1].owner", "is missing")]))
        2 problems in the front matter:
          - line 2: field 'group' is missing
          - lines 5-6: field 'actions[1].owner' is missing
    """
    if len(problems) == 1:
        return str(problems[0])
    text = f"{len(problems)} problems in the front matter:"
    for shown, problem in enumerate(problems):
        line = f"\n  - {problem}"
        # Room is kept for the count of those left out.
        if max_chars is not None and shown and len(text) + len(line) > max_chars - 30:
            return text + f"\n  - and {len(problems) - shown} more"
        text += line
    return text


class IndexMismatchError(CtassistError, ValueError):
    """The index was built with another embedding model than the one configured."""


class IndexUnavailableError(CtassistError, OSError):
    """The index cannot be opened or reached (e.g. the Chroma server is down)."""


class IndexBusyError(IndexUnavailableError):
    """Another process kept writing the index for longer than this one would wait, or took
    over this writer's lock after it stopped renewing it."""


class IndexChangedError(IndexUnavailableError):
    """Another process replaced or rewrote the index while it was being read. A reader
    follows the index as it now is and tries again (see ``ChunkStore.refresh``)."""


class QuestionError(CtassistError, ValueError):
    """A question cannot be asked as given (empty, no words, too long, not text)."""


class WriteError(CtassistError, OSError):
    """A file ctassist was asked to write (e.g. an agenda's Word document) could not be written."""
