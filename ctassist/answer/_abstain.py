"""What the assistant says when the corpus does not hold the answer."""

from __future__ import annotations

from ctassist.types import Citation

NOT_COVERED = "The corpus does not cover this question"


def abstention_text(closest: tuple[Citation, ...], *, empty_index: bool = False, reason: str = "") -> str:
    """The abstention message.

    Args:
        closest: The best sentences found, which may not answer the question.
        empty_index: Nothing is indexed yet.
        reason: Why the evidence does not answer, when a check said so in words.

    Example:
        >>> abstention_text((), reason="nothing in the closest passages mentions “2019”")
        'The corpus does not cover this question: nothing in the closest passages mentions “2019”.'
    """
    if empty_index:
        return f"{NOT_COVERED}: the index is empty. Add documents and run `ctassist index`."
    opening = f"{NOT_COVERED}: {reason}" if reason else NOT_COVERED
    if not closest:
        return f"{opening}."
    documents = list(dict.fromkeys(f"{c.title} ({c.doc})" for c in closest))
    return f"{opening}. The closest passages, which may not answer it, are in: {'; '.join(documents)}."
