"""The gate: thresholds and the best-baseline rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals._gate import THRESHOLDS, Thresholds, ThresholdsError, check, load_thresholds
from evals._run import METRICS


def _summaries(ours: float, best_baseline: float) -> dict[str, dict[str, float | int]]:
    return {
        "bm25": {"recall_at_5": best_baseline, "fact_recall": 0.5},
        "dense": {"recall_at_5": 0.5, "fact_recall": 0.5},
        "ctassist": {"recall_at_5": ours, "fact_recall": 0.9},
        "ctassist-llm": {"recall_at_5": 1.0, "fact_recall": 1.0},  # not a baseline
    }


def test_the_shipped_thresholds_load() -> None:
    thresholds = load_thresholds(THRESHOLDS, known=frozenset(METRICS))
    assert thresholds.minimums == {
        "recall_at_5": 0.9,
        "fact_recall": 0.85,
        "citation_precision": 0.95,
        "abstention_f1": 0.85,
    }
    assert thresholds.beat_baselines == ("recall_at_5",)
    # Each floor guards a target not met yet, below that target.
    assert set(thresholds.floors) <= set(thresholds.minimums)
    assert all(floor < thresholds.minimums[m] for m, floor in thresholds.floors.items())


def test_the_floor_gate_takes_each_floor_in_place_of_its_target() -> None:
    thresholds = Thresholds({"recall_at_5": 0.9, "fact_recall": 0.85}, ("recall_at_5",), {"fact_recall": 0.8})
    summaries = _summaries(0.95, 0.95)
    summaries["ctassist"]["fact_recall"] = 0.82
    assert [c.name for c in check(summaries, thresholds) if not c.passed] == ["fact_recall ≥ threshold"]
    assert all(c.passed for c in check(summaries, thresholds.at_floors()))
    summaries["ctassist"]["fact_recall"] = 0.79  # a regression fails the floor gate too
    assert [c.name for c in check(summaries, thresholds.at_floors()) if not c.passed] == [
        "fact_recall ≥ threshold"
    ]
    # Metrics without a floor keep their target and the baseline rule.
    summaries["ctassist"]["recall_at_5"] = 0.85
    failed = [c.name for c in check(summaries, thresholds.at_floors()) if not c.passed]
    assert sorted(failed) == [
        "fact_recall ≥ threshold",
        "recall_at_5 ≥ best baseline (bm25)",
        "recall_at_5 ≥ threshold",
    ]


def test_gate_passes_and_fails() -> None:
    thresholds = Thresholds({"recall_at_5": 0.9, "fact_recall": 0.85}, ("recall_at_5",))
    assert all(c.passed for c in check(_summaries(0.95, 0.95), thresholds))  # a tie with the best passes
    failed = [c for c in check(_summaries(0.95, 0.97), thresholds) if not c.passed]
    assert [c.name for c in failed] == ["recall_at_5 ≥ best baseline (bm25)"]
    failed = [c for c in check(_summaries(0.85, 0.5), thresholds) if not c.passed]
    assert [c.name for c in failed] == ["recall_at_5 ≥ threshold"]
    assert failed[0].describe() == "FAIL recall_at_5 ≥ threshold: 0.850 (required ≥ 0.900)"


def test_unknown_metric_and_bad_values_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text("[ctassist]\nrecal_at_5 = 0.9\n")
    with pytest.raises(ThresholdsError, match="unknown metric"):
        load_thresholds(path, known=frozenset(METRICS))
    path.write_text('[ctassist]\nrecall_at_5 = "high"\n')
    with pytest.raises(ThresholdsError, match="must be a number"):
        load_thresholds(path)
    path.write_text("[ctassist]\nfact_recall = 0.85\n[floors]\nfact_recall = 0.9\n")
    with pytest.raises(ThresholdsError, match=r"\[floors\] fact_recall = 0.9 is above its target"):
        load_thresholds(path)
    path.write_text("[floors]\nfact_recal = 0.8\n")
    with pytest.raises(ThresholdsError, match="unknown metric"):
        load_thresholds(path, known=frozenset(METRICS))
    path.write_text("[ctassist\n")
    with pytest.raises(ThresholdsError, match=str(path)):
        load_thresholds(path)
