"""The ``Example:`` blocks of the pure (model-free) modules run as doctests, so the
documentation cannot drift from the code."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

import ctassist.answer._abstain
import ctassist.answer._features
import ctassist.answer._generative
import ctassist.answer._lists
import ctassist.config
import ctassist.errors
import ctassist.index._store
import ctassist.intake._names
import ctassist.query._acronyms
import ctassist.query._compound
import ctassist.query._rewrite
import ctassist.query._scope
import ctassist.text
import evals._metrics
import ui._serving


@pytest.mark.parametrize(
    "module",
    [
        ctassist.text,
        ctassist.answer._abstain,
        ctassist.query._acronyms,
        ctassist.answer._features,
        ctassist.answer._generative,
        ctassist.answer._lists,
        ctassist.query._rewrite,
        ctassist.query._compound,
        ctassist.query._scope,
        ctassist.config,
        ctassist.errors,
        ctassist.index._store,
        ctassist.intake._names,
        evals._metrics,
        ui._serving,
    ],
    ids=lambda m: m.__name__,
)
def test_examples_hold(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
