"""The CI gate: ctassist's numbers against ``evals/thresholds.toml`` and the baselines."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
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
        minimums: Metric → the lowest acceptable value: the targets.
        beat_baselines: Metrics on which ctassist must be at least as good as the best
            baseline.
        floors: Metric → the level of the accepted release, for targets not reached
            yet: below it a change is a regression. CI gates on the floors
            (:meth:`at_floors`) until every target is met.
    """

    minimums: dict[str, float]
    beat_baselines: tuple[str, ...]
    floors: dict[str, float] = field(default_factory=dict)

    def at_floors(self) -> Thresholds:
        """The gate with each floored metric's floor in place of its target."""
        return Thresholds({**self.minimums, **self.floors}, self.beat_baselines)


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
        path: The TOML file: a ``[ctassist]`` table of metric minimums (the targets), an
            optional ``[baselines]`` table with ``at_least_best_on = [metric, ...]`` and an
            optional ``[floors]`` table of regression floors, each below its target.
        known: Metric names that may appear; anything else is an error.

    Raises:
        ThresholdsError: The file cannot be read or names an unknown metric.
    """
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ThresholdsError(f"{path}: {exc}") from None
    minimums = _numbers(path, data, "ctassist")
    floors = _numbers(path, data, "floors")
    for metric, floor in floors.items():
        if floor > minimums.get(metric, floor):
            raise ThresholdsError(
                f"{path}: [floors] {metric} = {floor} is above its target {minimums[metric]}; "
                "a met target needs no floor"
            )
    beat = data.get("baselines", {}).get("at_least_best_on", [])
    if not isinstance(beat, list) or not all(isinstance(m, str) for m in beat):
        raise ThresholdsError(f"{path}: [baselines] at_least_best_on must be a list of metric names")
    if known is not None:
        unknown = sorted((set(minimums) | set(floors) | set(beat)) - known)
        if unknown:
            raise ThresholdsError(
                f"{path}: unknown metric(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
    return Thresholds(minimums, tuple(beat), floors)


def _numbers(path: Path, data: dict[str, Any], table: str) -> dict[str, float]:
    numbers: dict[str, float] = {}
    for metric, value in data.get(table, {}).items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ThresholdsError(f"{path}: [{table}] {metric} must be a number, got {value!r}")
        numbers[metric] = float(value)
    return numbers


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
