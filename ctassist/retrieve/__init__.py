"""Retrieve: dense and lexical search, fused, filtered and re-ranked."""

from ctassist.retrieve._dense import DenseRetriever
from ctassist.retrieve._filters import Filters
from ctassist.retrieve._fusion import reciprocal_rank_fusion
from ctassist.retrieve._hybrid import HybridRetriever, to_passage
from ctassist.retrieve._langchain import CtassistRetriever, to_document
from ctassist.retrieve._lexical import LexicalIndex
from ctassist.retrieve._rerank import CachedScorer, CrossEncoderReranker, packaged_reranker_dir
from ctassist.text import content_terms, words

__all__ = [
    "CachedScorer",
    "CrossEncoderReranker",
    "CtassistRetriever",
    "DenseRetriever",
    "Filters",
    "HybridRetriever",
    "LexicalIndex",
    "content_terms",
    "packaged_reranker_dir",
    "reciprocal_rank_fusion",
    "to_document",
    "to_passage",
    "words",
]
