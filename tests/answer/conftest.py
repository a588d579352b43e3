"""Fixtures of the answer tests: one indexed test corpus per module."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from ctassist.load import discover_files
from ctassist.text import content_terms
from tests.helpers import SHIPPED_CORPUS
from tests.retrieve.testcorpus import chunk_passages


def corpus_idf(corpus: Path = SHIPPED_CORPUS) -> Callable[[str], float]:
    """Inverse chunk frequency of each stemmed term of a corpus, as the lexical index gives it
    (``LexicalIndex.idf``), from its chunks without an index."""
    chunks = [
        set(content_terms(f"{p.title}\n{p.section}\n{p.text}"))
        for path in discover_files(corpus)
        for p in chunk_passages(path.relative_to(corpus).as_posix(), corpus)
    ]
    frequency = Counter(term for terms in chunks for term in terms)

    def idf(term: str) -> float:
        found = frequency.get(term, 0)
        return math.log(1 + (len(chunks) - found + 0.5) / (found + 0.5)) if found else 0.0

    return idf


@pytest.fixture(scope="session")
def idf() -> Callable[[str], float]:
    """The shipped corpus's inverse chunk frequencies."""
    return corpus_idf()
