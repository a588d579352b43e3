"""Answer: compose a cited answer from passages, or abstain, by one learned decision."""

from ctassist.answer._abstain import NOT_COVERED, abstention_text
from ctassist.answer._decision import DECISION_FILE, AnswerDecision, shipped_decision
from ctassist.answer._extractive import (
    Composition,
    ExtractiveComposer,
    PartDecision,
    Scorer,
    best_by_passage,
    compound_parts,
)
from ctassist.answer._features import FEATURE_NAMES
from ctassist.answer._generative import (
    GenerativeAnswerer,
    Streaming,
    describe_model,
    make_chat_model,
    streaming_to,
)
from ctassist.safety import looks_like_instruction

__all__ = [
    "DECISION_FILE",
    "FEATURE_NAMES",
    "NOT_COVERED",
    "AnswerDecision",
    "Composition",
    "ExtractiveComposer",
    "GenerativeAnswerer",
    "PartDecision",
    "Scorer",
    "Streaming",
    "abstention_text",
    "best_by_passage",
    "compound_parts",
    "describe_model",
    "looks_like_instruction",
    "make_chat_model",
    "shipped_decision",
    "streaming_to",
]
