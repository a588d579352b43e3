"""Query: what a question asks, before anything is retrieved — follow-ups read in their
conversation, the corpus's shorthand spelled out, acronyms, and the language data that says
what kind of answer a question wants."""

from ctassist.query._acronyms import spelled_out, spells_out
from ctassist.query._followup import (
    History,
    ResolvedQuestion,
    Turn,
    normalise_history,
    readings,
    resolve_follow_up,
)
from ctassist.query._language import Language, english
from ctassist.query._rewrite import GLOSSARY_FILE, Glossary, in_corpus_words

__all__ = [
    "GLOSSARY_FILE",
    "Glossary",
    "History",
    "Language",
    "ResolvedQuestion",
    "Turn",
    "english",
    "in_corpus_words",
    "normalise_history",
    "readings",
    "resolve_follow_up",
    "spelled_out",
    "spells_out",
]
