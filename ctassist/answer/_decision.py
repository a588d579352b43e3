"""The answer-or-abstain decision: a calibrated logistic regression over the features of
``_features``, trained by ``python -m evals.train_decision`` and shipped as
``data/decision.json`` (its model card is ``data/DECISION_CARD.md``).

It gives the probability that the best evidence answers the question correctly. The
composer answers when that probability reaches the threshold stored with the
coefficients, which the training chose by a stated cost (a wrong answer costs what a
right one gains); ``decision_threshold`` overrides it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ctassist.answer._features import FEATURE_NAMES
from ctassist.errors import ConfigError

DECISION_FILE = Path(__file__).with_name("data") / "decision.json"


@dataclass(frozen=True)
class AnswerDecision:
    """Standardised features, weighted and summed, through a sigmoid.

    Attributes:
        feature_names: The features the coefficients belong to, in order.
        mean: Each feature's mean on the training data.
        scale: Each feature's standard deviation on the training data.
        coef: The coefficients of the standardised features.
        intercept: The intercept.
        threshold: The probability from which the composer answers.
    """

    feature_names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "decision") -> AnswerDecision:
        """Reads the stored form (``decision.json``).

        Raises:
            ConfigError: The data is not a decision over today's features.
        """
        try:
            decision = cls(
                tuple(data["feature_names"]),
                tuple(float(v) for v in data["mean"]),
                tuple(float(v) for v in data["scale"]),
                tuple(float(v) for v in data["coef"]),
                float(data["intercept"]),
                float(data["threshold"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: not a stored answer decision ({exc})") from None
        if decision.feature_names != FEATURE_NAMES or not (
            len(decision.mean) == len(decision.scale) == len(decision.coef) == len(FEATURE_NAMES)
        ):
            raise ConfigError(
                f"{source}: trained on features {list(decision.feature_names)}, but the code computes "
                f"{list(FEATURE_NAMES)}; retrain with `python -m evals.train_decision`"
            )
        return decision

    def to_dict(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "feature_names": list(self.feature_names),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "threshold": self.threshold,
        }

    def probability(self, features: Sequence[float]) -> float:
        """The probability that the evidence these features describe answers the question."""
        z = self.intercept + sum(
            c * (x - m) / s for c, x, m, s in zip(self.coef, features, self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@cache
def shipped_decision() -> AnswerDecision:
    """The decision shipped with ctassist, read once."""
    data = json.loads(DECISION_FILE.read_text(encoding="utf-8"))
    return AnswerDecision.from_dict(data, str(DECISION_FILE))
