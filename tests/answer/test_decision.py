"""The answer-or-abstain decision as stored: read, checked against the code's features, applied."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from ctassist.answer import FEATURE_NAMES, AnswerDecision, shipped_decision
from ctassist.answer._decision import DECISION_FILE
from ctassist.errors import ConfigError


def test_the_shipped_decision_matches_the_features_the_code_computes() -> None:
    decision = shipped_decision()
    assert decision.feature_names == FEATURE_NAMES
    assert 0.0 < decision.threshold < 1.0
    assert all(scale > 0 for scale in decision.scale)


def test_the_model_card_records_the_shipped_file_s_sha256() -> None:
    card = DECISION_FILE.with_name("DECISION_CARD.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(DECISION_FILE.read_bytes()).hexdigest()
    assert re.search(rf"SHA-256 `{digest}`", card)
    assert "CC BY-SA 4.0" in card  # the SQuAD data it was trained on must be credited


def test_a_better_cross_encoder_score_never_lowers_the_probability() -> None:
    decision = shipped_decision()
    base = list(decision.mean)
    best = FEATURE_NAMES.index("ce_best")
    probabilities = []
    for score in (-8.0, -4.0, 0.0, 4.0, 8.0):
        base[best] = score
        probabilities.append(decision.probability(base))
    assert probabilities == sorted(probabilities)
    assert probabilities[0] < decision.threshold < probabilities[-1]


def test_a_decision_over_other_features_is_refused_with_the_remedy() -> None:
    data = json.loads(DECISION_FILE.read_text(encoding="utf-8"))
    data["feature_names"] = ["ce_best"]
    with pytest.raises(ConfigError, match=r"retrain with `python -m evals.train_decision`"):
        AnswerDecision.from_dict(data, "old.json")
    with pytest.raises(ConfigError, match=r"^broken.json: not a stored answer decision"):
        AnswerDecision.from_dict({"mean": []}, "broken.json")


def test_the_stored_form_round_trips() -> None:
    decision = shipped_decision()
    assert AnswerDecision.from_dict(decision.to_dict()) == decision
