"""Reciprocal rank fusion."""

from __future__ import annotations

import math

import pytest

from ctassist.retrieve import reciprocal_rank_fusion


def test_score_is_the_sum_of_reciprocal_ranks() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]], k=60)
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["b"] == pytest.approx(1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert set(fused) == {"a", "b", "c"}


def test_agreement_beats_a_single_top_rank() -> None:
    # "b" is second in both lists; "a" is first in one list only.
    fused = reciprocal_rank_fusion([["a", "b"], ["x", "b"]])
    assert fused["b"] > fused["a"] > fused["x"] * 0.99
    assert max(fused, key=lambda item: fused[item]) == "b"


def test_k_damps_the_advantage_of_the_top_ranks() -> None:
    rankings = [["a", "b", "c", "d"]]
    sharp = reciprocal_rank_fusion(rankings, k=1)
    flat = reciprocal_rank_fusion(rankings, k=1000)
    assert sharp["a"] / sharp["d"] > flat["a"] / flat["d"]
    assert flat["a"] / flat["d"] == pytest.approx(1004 / 1001)


def test_order_within_one_list_is_kept() -> None:
    ranking = [f"id{i}" for i in range(50)]
    fused = reciprocal_rank_fusion([ranking])
    assert sorted(fused, key=lambda item: fused[item], reverse=True) == ranking


def test_empty_inputs() -> None:
    assert reciprocal_rank_fusion([]) == {}
    assert reciprocal_rank_fusion([[], []]) == {}


def test_a_list_contributes_once_per_occurrence() -> None:
    fused = reciprocal_rank_fusion([["a"], ["a"], ["a"]], k=0)
    assert math.isclose(fused["a"], 3.0)
