"""Cite: the check that a cited passage supports a sentence (the values cited are in
:mod:`ctassist.types`)."""

from ctassist.cite._verify import (
    CheckedSentence,
    Support,
    SupportVerifier,
    markers_inside,
    split_cited_sentences,
)

__all__ = [
    "CheckedSentence",
    "Support",
    "SupportVerifier",
    "markers_inside",
    "split_cited_sentences",
]
