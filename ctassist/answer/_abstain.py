"""What the assistant says when the corpus does not hold the answer."""

from __future__ import annotations

from ctassist.cite import Passage

NOT_COVERED = "The corpus does not cover this question"


def abstention_text(
    passages: list[Passage], *, empty_index: bool = False, reason: str = ""
) -> tuple[str, tuple[str, ...]]:
    """The abstention message and the titles of the closest documents.

    Args:
        passages: The retrieved passages, best first.
        empty_index: Nothing is indexed yet.
        reason: Why the evidence does not answer, in words, when a check said so.
    """
    if empty_index:
        return f"{NOT_COVERED}: the index is empty. Add documents and run `ctassist index`.", ()
    opening = f"{NOT_COVERED}: {reason}" if reason else NOT_COVERED
    closest: list[str] = []
    for passage in passages:
        label = f"{passage.title} ({passage.doc_id})"
        if label not in closest:
            closest.append(label)
    closest = closest[:3]
    if not closest:
        return f"{opening}.", ()
    return f"{opening}. The closest documents are: {'; '.join(closest)}.", tuple(closest)
