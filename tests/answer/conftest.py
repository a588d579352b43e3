"""Fixtures of the answer tests: one indexed test corpus per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ctassist import Assistant
from ctassist._text import content_terms
from ctassist.embed import Encoder
from ctassist.load import discover_files, load_document
from tests.helpers import SHIPPED_CORPUS
from tests.retrieve.testcorpus import close, indexed_assistant


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Assistant]:
    """The shipped corpus plus the test notes and injection source, indexed once per module."""
    built = indexed_assistant(tmp_path_factory.mktemp("answer"), encoder)
    yield built
    close(built)


@pytest.fixture(scope="session")
def vocabulary() -> set[str]:
    """The stemmed content words of the shipped corpus, as the lexical index holds them."""
    terms: set[str] = set()
    for path in discover_files(SHIPPED_CORPUS):
        document = load_document(path, SHIPPED_CORPUS)
        terms.update(content_terms(f"{document.title}\n{document.text}"))
    return terms
