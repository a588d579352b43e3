"""Fixtures of the answer tests: one indexed test corpus per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ctassist import Assistant
from ctassist.embed import Encoder
from tests.retrieve.testcorpus import close, indexed_assistant


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Assistant]:
    """The shipped corpus plus the test notes and injection source, indexed once per module."""
    built = indexed_assistant(tmp_path_factory.mktemp("answer"), encoder)
    yield built
    close(built)
