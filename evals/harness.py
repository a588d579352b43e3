"""The evals' harness for other tools (the benchmarks): the question set, the runs over a
scratch index, the systems compared and the SQuAD articles.

A module of its own so that ``import evals`` stays light for ``python -m evals``.
"""

from evals._dataset import load_questions
from evals._run import DocumentTexts, run_all, summarise, workspace
from evals._squad import HELD_OUT_ARTICLES, Article, load_articles
from evals._systems import CtassistSystem

__all__ = [
    "HELD_OUT_ARTICLES",
    "Article",
    "CtassistSystem",
    "DocumentTexts",
    "load_articles",
    "load_questions",
    "run_all",
    "summarise",
    "workspace",
]
