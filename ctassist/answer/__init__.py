"""Answer: resolve follow-ups, compose a cited answer from passages, or abstain."""

from ctassist._safety import looks_like_instruction
from ctassist.answer._abstain import NOT_COVERED, abstention_text
from ctassist.answer._extractive import Composition, ExtractiveComposer, compound_parts
from ctassist.answer._followup import ResolvedQuestion, Turn, normalise_history, resolve_follow_up

__all__ = [
    "NOT_COVERED",
    "Composition",
    "ExtractiveComposer",
    "ResolvedQuestion",
    "Turn",
    "abstention_text",
    "compound_parts",
    "looks_like_instruction",
    "normalise_history",
    "resolve_follow_up",
]
