"""Agenda: draft Prevent reference-group meeting agendas from the corpus, with cited prompts."""

from ctassist.agenda._draft import AgendaRequest, draft_agenda, minimum_minutes
from ctassist.agenda._evidence import AgendaAssistant
from ctassist.agenda._groups import CHATHAM_HOUSE, GROUPS, GroupProfile
from ctassist.agenda._model import Agenda, AgendaError, AgendaItem, ItemKind
from ctassist.agenda._timing import Timing, allocate, minimum_duration

__all__ = [
    "CHATHAM_HOUSE",
    "GROUPS",
    "Agenda",
    "AgendaAssistant",
    "AgendaError",
    "AgendaItem",
    "AgendaRequest",
    "GroupProfile",
    "ItemKind",
    "Timing",
    "allocate",
    "draft_agenda",
    "minimum_duration",
    "minimum_minutes",
]
