"""The CI gate: ctassist's numbers against ``evals/thresholds.toml`` and the baselines."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

THRESHOLDS: Final = Path(__file__).with_name("thresholds.toml")
#: Tolerance for float rounding when comparing means.
EPSILON: Final = 1e-9
SYSTEM: Final = "ctassist"
#: Systems that are ctassist itself, not baselines.
NOT_BASELINES: Final = frozenset({"ctassist", "ctassist-llm"})


class ThresholdsError(ValueError):
    """``thresholds.toml`` is malformed; the message says where."""


@dataclass(frozen=True)
class Thresholds:
    """What ctassist must reach.

    Attributes:
        minimums: Metric → the lowest acceptable value.
        beat_baselines: Metrics on which ctassist must be at least as good as the best
            baseline.
    """

    minimums: dict[str, float]
    beat_baselines: tuple[str, ...]


@dataclass(frozen=True)
class GateCheck:
    """One condition of the gate and its outcome."""

    name: str
    metric: str
    value: float
    required: float
    passed: bool

    def describe(self) -> str:
        """One line: ``PASS|FAIL name: value vs required``."""
        verdict = "PASS" if self.passed else "FAIL"
        return f"{verdict} {self.name}: {self.value:.3f} (required ≥ {self.required:.3f})"


def load_thresholds(path: Path = THRESHOLDS, known: frozenset[str] | None = None) -> Thresholds:
    """Reads the thresholds file.

    Args:
        path: The TOML file: a ``[ctassist]`` table of metric minimums and an optional
            ``[baselines]`` table with ``at_least_best_on = [metric, ...]``.
        known: Metric names that may appear; anything else is an error.

    Raises:
        ThresholdsError: The file cannot be read or names an unknown metric.
    """
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ThresholdsError(f"{path}: {exc}") from None
    minimums: dict[str, float] = {}
    for metric, value in data.get("ctassist", {}).items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ThresholdsError(f"{path}: [ctassist] {metric} must be a number, got {value!r}")
        minimums[metric] = float(value)
    beat = data.get("baselines", {}).get("at_least_best_on", [])
    if not isinstance(beat, list) or not all(isinstance(m, str) for m in beat):
        raise ThresholdsError(f"{path}: [baselines] at_least_best_on must be a list of metric names")
    if known is not None:
        unknown = sorted((set(minimums) | set(beat)) - known)
        if unknown:
            raise ThresholdsError(
                f"{path}: unknown metric(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
    return Thresholds(minimums, tuple(beat))


def check(summaries: Mapping[str, Mapping[str, float | int]], thresholds: Thresholds) -> list[GateCheck]:
    """Applies the gate to the run's summaries.

    Args:
        summaries: Per system, its summary metrics; must include ``ctassist``.
        thresholds: The minimums and the metrics on which baselines must not win.

    Returns:
        Every condition with its outcome; the gate passes when all pass.
    """
    ours = summaries[SYSTEM]
    checks = [
        GateCheck(
            f"{metric} ≥ threshold",
            metric,
            float(ours[metric]),
            required,
            float(ours[metric]) >= required - EPSILON,
        )
        for metric, required in thresholds.minimums.items()
    ]
    baselines = {name: s for name, s in summaries.items() if name not in NOT_BASELINES}
    for metric in thresholds.beat_baselines:
        if not baselines:
            continue
        best_name = max(baselines, key=lambda n: float(baselines[n][metric]))
        best = float(baselines[best_name][metric])
        checks.append(
            GateCheck(
                f"{metric} ≥ best baseline ({best_name})",
                metric,
                float(ours[metric]),
                best,
                float(ours[metric]) >= best - EPSILON,
            )
        )
    return checks
