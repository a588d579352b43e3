"""Cite: citations, answers, and the check that a cited passage supports a sentence."""

from ctassist.cite._citation import Answer, AnswerMode, Citation, Passage

__all__ = ["Answer", "AnswerMode", "Citation", "Passage"]
