"""Records: the structured content of meeting notes (attendees, actions, decisions) and
answers from the records with citations of the note lines. The scope a question names is
read in ``ctassist.query`` (re-exported here, where the records use it)."""

from ctassist.query import Scope, parse_scope
from ctassist.query import scope_words as language
from ctassist.records._answer import RecordsReply, answer_from_records
from ctassist.records._book import ActionRecord, Encode, Meeting, Outstanding, RecordBook
from ctassist.records._intent import INTENTS, Intent, IntentKind, IntentModel, shipped_intent
from ctassist.records._intent import train as train_intent

__all__ = [
    "INTENTS",
    "ActionRecord",
    "Encode",
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
