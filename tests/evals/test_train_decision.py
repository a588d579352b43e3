"""The decision's training: the logistic regression, AUROC, outcomes and the threshold."""

from __future__ import annotations

import numpy as np
import pytest

from evals.train_decision import (
    Part,
    Row,
    auroc,
    choose_threshold,
    fit,
    holds_fact,
    outcomes,
    summary,
    worth,
)


def test_auroc_counts_ordered_pairs_and_halves_ties() -> None:
    labels = np.array([1, 1, 0, 0])
    assert auroc(np.array([0.9, 0.8, 0.2, 0.1]), labels) == 1.0
    assert auroc(np.array([0.1, 0.2, 0.8, 0.9]), labels) == 0.0
    assert auroc(np.array([0.5, 0.5, 0.5, 0.5]), labels) == 0.5
    assert auroc(np.array([0.9, 0.3, 0.3, 0.1]), labels) == pytest.approx(0.875)


def test_fit_learns_a_separating_direction_and_is_calibrated_on_its_data() -> None:
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(1.0, 1.0, (400, 2)), rng.normal(-1.0, 1.0, (400, 2))])
    x[:, 1] = rng.normal(0.0, 1.0, 800)  # noise
    y = np.array([1.0] * 400 + [0.0] * 400)
    model = fit(x, y, np.ones(800))
    assert model.coef[0] > 1.0
    assert abs(model.coef[1]) < 0.3
    p = model.probability(x)
    assert auroc(p, y) > 0.9
    assert p.mean() == pytest.approx(0.5, abs=0.02)


def _row(domain: str, answerable: bool, sentence: str, label: int) -> Row:
    facts = (("1066",),) if answerable else ()
    return Row(domain, "g", "q", answerable, facts, (Part((0.0,), (sentence,), label),))


def test_outcomes_and_worth_count_right_and_wrong_answers() -> None:
    rows = [
        _row("a", True, "It was in 1066.", 1),
        _row("a", True, "It was long ago.", 0),
        _row("a", False, "Something else.", 0),
    ]
    everything = outcomes(rows, np.array([0.9, 0.9, 0.9]), 0.5)
    assert [r["right"] for r in everything] == [True, False, False]
    assert worth(everything) == pytest.approx(-1 / 3)
    cautious = outcomes(rows, np.array([0.9, 0.4, 0.3]), 0.5)
    assert worth(cautious) == pytest.approx(1 / 3)
    numbers = summary(cautious)
    assert (numbers["answered_right"], numbers["abstained_unanswerable"]) == (0.5, 1.0)
    assert numbers["abstention_f1"] == pytest.approx(2 / 3)


def test_the_threshold_separates_right_from_wrong_answers() -> None:
    rows = [_row("a", True, "In 1066.", 1)] * 5 + [_row("a", False, "No.", 0)] * 5
    probability = np.array([0.8] * 5 + [0.3] * 5)
    assert 0.3 < choose_threshold(rows, probability) <= 0.8


def test_a_fact_is_held_by_any_alternative_in_any_case() -> None:
    assert holds_fact("The Battle Of HASTINGS", [["hastings"], ["x"]])
    assert not holds_fact("The battle", [["hastings"]])
