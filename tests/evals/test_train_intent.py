"""The records-intent training script's data reading and metric, and the shipped model."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctassist.config import Settings
from ctassist.records import INTENTS, shipped_intent
from evals.train_intent import DATA, macro_f1, read_rows


def test_the_shipped_data_reads_and_covers_every_intent() -> None:
    rows = read_rows(DATA)
    assert {r["intent"] for r in rows} == set(INTENTS)
    model = shipped_intent()
    assert set(model.labels) == set(INTENTS)
    assert model.weights.shape == (len(INTENTS), 384)
    assert model.embedding_model == Settings().embedding_model


def test_a_bad_row_is_refused_naming_its_line(tmp_path: Path) -> None:
    data = tmp_path / "intent.jsonl"
    data.write_text(
        '{"question": "a?", "intent": "other", "group": "g"}\n{"question": "b?", "intent": "x"}\n'
    )
    with pytest.raises(ValueError, match=r"intent\.jsonl line 2"):
        read_rows(data)


def test_macro_f1() -> None:
    score, per_label = macro_f1(["a", "a", "b"], ["a", "b", "b"], ("a", "b"))
    assert per_label == {"a": pytest.approx(2 / 3), "b": pytest.approx(2 / 3)}
    assert score == pytest.approx(2 / 3)
