"""ctassist: a document assistant whose every sentence points to the passage it came from.

Everything a caller gets back from :class:`Assistant` (answers, passages, citations,
agendas, index reports, stored documents) and every error it raises is importable from
here and listed in ``__all__``.
"""

from ctassist._version import version as _installed_version
from ctassist.agenda import Agenda, AgendaError, AgendaItem, AgendaRequest, ItemKind
from ctassist.assistant import AnswerStream, Assistant
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
    NoteProblem,
    QuestionError,
    WriteError,
)
from ctassist.index import FileRecord, IndexReport, IndexWait, SkippedFile
from ctassist.intake import AddedDocument, RemovedDocument
from ctassist.load import Action, Attendee, Decision, Heading, LoadedDocument, NoteHeader, PageSpan
from ctassist.query import Turn
from ctassist.records import RecordBook
from ctassist.retrieve import CtassistRetriever, Filters
from ctassist.types import Answer, AnswerMode, Citation, Passage

#: The installed distribution's version (``pyproject.toml``'s in a source checkout).
__version__: str = _installed_version()

__all__ = [
    "Action",
    "AddedDocument",
    "Agenda",
    "AgendaError",
    "AgendaItem",
    "AgendaRequest",
    "Answer",
    "AnswerMode",
    "AnswerStream",
    "Assistant",
    "Attendee",
    "Citation",
    "ConfigError",
    "CtassistError",
    "CtassistRetriever",
    "Decision",
    "FileRecord",
    "Filters",
    "Heading",
    "IndexBusyError",
    "IndexChangedError",
    "IndexMismatchError",
    "IndexReport",
    "IndexUnavailableError",
    "IndexWait",
    "ItemKind",
    "LoadError",
    "LoadedDocument",
    "NoteFormatError",
    "NoteHeader",
    "NoteProblem",
    "PageSpan",
    "Passage",
    "QuestionError",
    "RecordBook",
    "RemovedDocument",
    "Settings",
    "SkippedFile",
    "Turn",
    "WriteError",
    "__version__",
]
