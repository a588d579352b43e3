"""ctassist: a document assistant whose every sentence points to the passage it came from."""

from ctassist.assistant import Assistant
from ctassist.config import Settings
from ctassist.errors import (
    ConfigError,
    CtassistError,
    IndexBusyError,
    IndexChangedError,
    IndexMismatchError,
    IndexUnavailableError,
    LoadError,
    NoteFormatError,
    QuestionError,
)
from ctassist.index import IndexReport, SkippedFile

__all__ = [
    "Assistant",
    "ConfigError",
    "CtassistError",
    "IndexBusyError",
    "IndexChangedError",
    "IndexMismatchError",
    "IndexReport",
    "IndexUnavailableError",
    "LoadError",
    "NoteFormatError",
    "QuestionError",
    "Settings",
    "SkippedFile",
]
