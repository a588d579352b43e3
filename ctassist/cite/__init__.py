"""Cite: citations, answers, and the check that a cited passage supports a sentence."""

from ctassist.cite._citation import Answer, AnswerMode, Citation, Passage
from ctassist.cite._verify import CheckedSentence, Support, SupportVerifier, split_cited_sentences

__all__ = [
    "Answer",
    "AnswerMode",
    "CheckedSentence",
    "Citation",
    "Passage",
    "Support",
    "SupportVerifier",
    "split_cited_sentences",
]
