"""Compound questions: "When did X begin, and when was Y published?" asks two questions.

Read once per reading of a question (``ResolvedQuestion.parts``), before retrieval: each
part is retrieved for and answered on its own, so a part the corpus covers is answered even
when the other is not. The words that join two questions are language data
(``data/english.toml``).
"""

from __future__ import annotations

from ctassist.query._language import english


def compound_parts(question: str) -> list[str]:
    """The questions a compound question joins with "and" plus a question word.

    Example:
        >>> compound_parts("When did the duty begin, and when was the review published?")
        ['When did the duty begin?', 'when was the review published?']
        >>> compound_parts("What did CT1 and CT2 examine?")
        ['What did CT1 and CT2 examine?']
    """
    match = english().compound.match(question.strip())
    if match is None:
        return [question]
    first = match.group("first").rstrip(" ,;")
    return [f"{first}?", *compound_parts(match.group("second"))]
