"""Errors that ctassist raises to its callers. Each message names the file, field or
setting at fault and says why, so that the CLI and the UI can show it as it is."""

from __future__ import annotations

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
    """Base class of every error ctassist raises on purpose."""


class ConfigError(CtassistError):
    """A setting has a value that cannot be used."""


class LoadError(CtassistError):
    """A file could not be turned into text.

    Args:
        path: The file, as shown to the user.
        reason: Why it was skipped, in plain words.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class NoteFormatError(LoadError):
    """A meeting note's front matter is missing a field or has a bad value."""


class IndexMismatchError(CtassistError):
    """The index was built with another embedding model than the one configured."""


class IndexUnavailableError(CtassistError):
    """The index cannot be opened or reached (e.g. the Chroma server is down)."""


class QuestionError(CtassistError, ValueError):
    """A question cannot be asked as given (empty, no words, too long, not text)."""
