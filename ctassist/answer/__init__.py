"""Answer: the answer policy in one component (:class:`AnswerPipeline`), which composes a
cited answer from passages, or abstains, by one learned decision, and may generate one."""

from ctassist.answer._abstain import NOT_COVERED, abstention_text
from ctassist.answer._decision import DECISION_FILE, AnswerDecision, shipped_decision
from ctassist.answer._extractive import (
    Composition,
    ExtractiveComposer,
    PartDecision,
    Scorer,
    best_by_passage,
)
from ctassist.answer._features import FEATURE_NAMES
from ctassist.answer._generative import (
    GenerativeAnswerer,
    Streaming,
    describe_model,
    make_chat_model,
    streaming_to,
)
from ctassist.answer._pipeline import GENERATION_PASSAGES, AnswerPipeline
from ctassist.safety import looks_like_instruction

__all__ = [
    "DECISION_FILE",
    "FEATURE_NAMES",
    "GENERATION_PASSAGES",
    "NOT_COVERED",
    "AnswerDecision",
    "AnswerPipeline",
    "Composition",
    "ExtractiveComposer",
    "GenerativeAnswerer",
    "PartDecision",
    "Scorer",
    "Streaming",
    "abstention_text",
    "best_by_passage",
    "describe_model",
    "looks_like_instruction",
    "make_chat_model",
    "shipped_decision",
    "streaming_to",
]
