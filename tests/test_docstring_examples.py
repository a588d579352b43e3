"""The ``Example:`` blocks of the pure (model-free) modules run as doctests, so the
documentation cannot drift from the code."""

from __future__ import annotations

import doctest
from types import ModuleType

import ctassist.answer._answer_type
import ctassist.answer._coverage
import pytest

import ctassist._text
import ctassist.answer._extractive
import ctassist.errors
import evals._metrics


@pytest.mark.parametrize(
    "module",
    [
        ctassist._text,
        ctassist.answer._answer_type,
        ctassist.answer._coverage,
        ctassist.answer._extractive,
        ctassist.errors,
        evals._metrics,
    ],
    ids=lambda m: m.__name__,
)
def test_examples_hold(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
