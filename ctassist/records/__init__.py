"""Records: the structured content of meeting notes (attendees, actions, decisions), the
scope a question names, and answers from the records with citations of the note lines."""

from ctassist.records._answer import RecordsReply, answer_from_records
from ctassist.records._book import ActionRecord, Meeting, Outstanding, RecordBook
from ctassist.records._intent import INTENTS, Intent, IntentKind, IntentModel, shipped_intent
from ctassist.records._intent import train as train_intent
from ctassist.records._scope import Scope, language, parse_scope

__all__ = [
    "INTENTS",
    "ActionRecord",
    "Intent",
    "IntentKind",
    "IntentModel",
    "Meeting",
    "Outstanding",
    "RecordBook",
    "RecordsReply",
    "Scope",
    "answer_from_records",
    "language",
    "parse_scope",
    "shipped_intent",
    "train_intent",
]
