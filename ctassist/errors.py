"""Errors that ctassist raises to its callers. Each message names the file, field or
setting at fault and says why, so that the CLI and the UI can show it as it is."""

from __future__ import annotations


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
