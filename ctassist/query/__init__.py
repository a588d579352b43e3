"""Query: what a question asks, before anything is retrieved — follow-ups read in their
conversation, compound questions split into their parts, the scope a question names (a
group, a period, a kind of document), the corpus's shorthand spelled out, acronyms, and the
language data that says what kind of answer a question wants."""

from ctassist.query._acronyms import spelled_out, spells_out
from ctassist.query._compound import compound_parts
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
from ctassist.query._scope import Scope, ScopeWords, asked_scope, parse_scope, scope_words

__all__ = [
    "GLOSSARY_FILE",
    "Glossary",
    "History",
    "Language",
    "ResolvedQuestion",
    "Scope",
    "ScopeWords",
    "Turn",
    "asked_scope",
    "compound_parts",
    "english",
    "in_corpus_words",
    "normalise_history",
    "parse_scope",
    "readings",
    "resolve_follow_up",
    "scope_words",
    "spelled_out",
    "spells_out",
]
