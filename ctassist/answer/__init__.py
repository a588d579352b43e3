"""Answer: compose a cited answer from passages, or abstain, by one learned decision."""

from ctassist._safety import looks_like_instruction
from ctassist.answer._abstain import NOT_COVERED, abstention_text
from ctassist.answer._decision import AnswerDecision, shipped_decision
from ctassist.answer._extractive import Composition, ExtractiveComposer, PartDecision, compound_parts
from ctassist.answer._features import FEATURE_NAMES
from ctassist.answer._followup import ResolvedQuestion, Turn, normalise_history, resolve_follow_up
from ctassist.answer._rewrite import GLOSSARY_FILE, Glossary

__all__ = [
    "FEATURE_NAMES",
    "GLOSSARY_FILE",
    "NOT_COVERED",
    "AnswerDecision",
    "Composition",
    "ExtractiveComposer",
    "Glossary",
    "PartDecision",
    "ResolvedQuestion",
    "Turn",
    "abstention_text",
    "compound_parts",
    "looks_like_instruction",
    "normalise_history",
    "resolve_follow_up",
    "shipped_decision",
]
