"""Reciprocal rank fusion."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = 60) -> dict[str, float]:
    """Fuses ranked lists of ids: ``score(id) = sum(1 / (k + rank))`` over the lists.

    Args:
        rankings: Each list holds ids, best first.
        k: Damping constant; 60 is the value of Cormack et al. (2009).

    Returns:
        Fused scores by id (higher is better).

    Example:
        >>> reciprocal_rank_fusion([["a", "b"], ["b", "c"]])["b"] > 1 / 61
        True
    """
    scores: dict[str, float] = defaultdict(float)
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] += 1.0 / (k + rank)
    return dict(scores)
