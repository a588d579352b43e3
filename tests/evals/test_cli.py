"""The suite end to end on a tiny subset, and its input errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from evals.__main__ import main
from evals._dataset import Question
from evals.calibrate import Scored, calibrate
from tests.helpers import REPO


def test_gate_runs_end_to_end_on_a_tiny_subset(tmp_path: Path) -> None:
    out = tmp_path / "report"
    # The repository's targets, with a regression floor for fact recall.
    thresholds = tmp_path / "thresholds.toml"
    thresholds.write_text(
        (REPO / "evals" / "thresholds.toml").read_text(encoding="utf-8") + "\n[floors]\nfact_recall = 0.5\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "evals",
            "--limit",
            "5",
            "--out",
            str(out),
            "--check",
            "--floors",
            "--thresholds",
            str(thresholds),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert "gate: " in done.stdout
    assert "floor: " in done.stdout and "fact_recall" in done.stdout.split("floor: ", 1)[1]
    if done.returncode == 1:
        assert "floor gate (no regression) FAILED" in done.stderr
    else:
        assert "floor gate (no regression) passed" in done.stdout
    for name in ("report.md", "report.json", "report.png"):
        assert (out / name).stat().st_size > 0
    report = json.loads((out / "report.json").read_text())
    assert list(report["summary"]) == ["bm25", "dense", "langchain", "ctassist"]
    assert len(report["questions"]) == 5
    assert {q["type"] for q in report["questions"]} == {
        "answerable",
        "paraphrase",
        "multi_doc",
        "follow_up",
        "unanswerable",
    }
    for summary in report["summary"].values():
        assert 0.0 <= summary["recall_at_5"] <= 1.0
        assert summary["latency_p50_s"] > 0
    markdown = (out / "report.md").read_text()
    assert "## Ranking per metric" in markdown
    assert "## Gate" in markdown
    assert "Regression floors" in markdown


def test_a_malformed_question_set_exits_2_with_the_line(tmp_path: Path, capsys: object) -> None:
    bad = tmp_path / "q.jsonl"
    bad.write_text(
        '{"id": "u1", "question": "Budget?", "type": "unanswerable", "gold_docs": [], "gold_facts": []}\n{oops\n'
    )
    assert (
        main(["--", "--questions", str(bad), "--out", str(tmp_path)]) == 2
    )  # as `ctassist eval --` passes it
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert f"{bad}:2: not valid JSON" in err
    assert not (tmp_path / "report.md").exists()


def test_calibrate_splits_even_and_odd_positions() -> None:
    def scored(i: int, score: float, answerable: bool) -> Scored:
        kind = "answerable" if answerable else "unanswerable"
        docs, facts = (("d",), (("f",),)) if answerable else ((), ())
        return Scored(Question(f"q{i}", "?", kind, docs, facts, "x" if answerable else ""), i, score, "")

    rows = [
        scored(0, 5.0, True),
        scored(1, 4.0, True),
        scored(2, -3.0, False),
        scored(3, 2.0, False),  # held out, scores like an answerable one
        scored(4, 3.0, True),
        scored(5, -math.inf, False),
    ]
    result = calibrate(rows, current=0.0)
    # Tried: midway between consecutive scores of all questions; of the best on the
    # calibration split (5, -3, 3: any threshold between -3 and 3), the middle one.
    assert result["recommended_threshold"] == -0.5
    assert result["splits"]["calibration"]["n"] == 3
    assert result["splits"]["calibration"]["recommended"]["f1"] == 1.0
    assert result["splits"]["held_out"]["n"] == 3
    held = result["splits"]["held_out"]["recommended"]
    assert (held["tp"], held["fp"], held["fn"]) == (1, 0, 1)  # 2.0 >= -0.5 is answered


def test_calibrate_counts_the_composer_checks_and_wrong_answers() -> None:
    """Decisions per threshold (``abstains``) override the score rule, and an answer
    without the gold facts costs what a right answer gains."""

    def row(
        i: int, score: float, answerable: bool, abstains: dict[float, bool], facts: dict[float, float]
    ) -> Scored:
        kind = "answerable" if answerable else "unanswerable"
        docs, gold = (("d",), (("f",),)) if answerable else ((), ())
        question = Question(f"q{i}", "?", kind, docs, gold, "x" if answerable else "")
        return Scored(question, i, score, "", abstains, facts)

    rows = [
        row(0, 6.0, True, {1.0: False, 5.0: False}, {1.0: 1.0, 5.0: 1.0}),
        # Scores above both thresholds, but a check abstains once the threshold is 5.
        row(2, 7.0, False, {1.0: False, 5.0: True}, {1.0: 0.0, 5.0: 0.0}),
        # Answered at 1 but without its facts: worse than the abstention at 5.
        row(4, 2.0, True, {1.0: False, 5.0: True}, {1.0: 0.0, 5.0: 0.0}),
        # Half its facts: as good as abstaining.
        row(6, 2.0, True, {1.0: False, 5.0: True}, {1.0: 0.5, 5.0: 0.0}),
    ]
    assert [r.right_at(1.0) for r in rows] == [1.0, 0.0, -1.0, 0.0]
    assert [r.right_at(5.0) for r in rows] == [1.0, 1.0, 0.0, 0.0]
    assert rows[1].abstains_at(9.0)  # not tried: the score rule (7.0 < 9.0)
    result = calibrate(rows, current=1.0)
    assert result["recommended_threshold"] == 5.0
    assert result["splits"]["calibration"]["recommended"]["tp"] == 1
