"""The suite end to end on a tiny subset, and its input errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from evals.__main__ import main
from tests.helpers import REPO


def test_gate_runs_end_to_end_on_a_tiny_subset(tmp_path: Path) -> None:
    out = tmp_path / "report"
    # The repository's targets, with a regression floor for fact recall.
    thresholds = tmp_path / "thresholds.toml"
    thresholds.write_text(
        (REPO / "evals" / "thresholds.toml")
        .read_text(encoding="utf-8")
        .replace("\n[floors]\n", "\n[floors]\nfact_recall = 0.5\n"),
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


def test_the_out_of_domain_track_runs_on_its_own_corpus(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "evals", "--track", "ood", "--limit", "4", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["meta"]["corpus"].endswith("evals/ood/corpus")
    assert report["meta"]["questions"] == 4
    assert all(q["gold_docs"][0].startswith("sources/") for q in report["questions"] if q["gold_docs"])


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
