"""The report: ``report.md`` for people, ``report.json`` for tools, ``report.png`` at a glance."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evals._dataset import TYPES
from evals._run import LABELS, METRICS

#: The metrics drawn in the chart.
CHART_METRICS = (
    "recall_at_5",
    "mrr_at_10",
    "ndcg_at_10",
    "fact_recall",
    "citation_precision",
    "citation_recall",
    "cited_on_gold_doc",
    "abstention_f1",
)

_LATENCY = {"latency_p50_s", "latency_p95_s"}


def rank(summaries: Mapping[str, Mapping[str, float | int]], metric: str) -> list[tuple[str, float]]:
    """Systems ordered best first on ``metric`` (ascending for latencies), ties by name."""
    higher = METRICS.get(metric, True)
    values = [(name, float(s[metric])) for name, s in summaries.items()]
    return sorted(values, key=lambda item: (-item[1] if higher else item[1], item[0]))


def _fmt(metric: str, value: float | int | None) -> str:
    if value is None:
        return "–"
    if metric in _LATENCY or metric.endswith("_s"):
        return f"{value:.3f}"
    if isinstance(value, int):
        return str(value)
    return f"{value:.3f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _load_line(load: Mapping[str, Any] | None) -> str:
    if not load or load.get("start") is None:
        return ""
    return (
        f"Machine load (1-min average) {load['start']} at the start, {load['end']} at the end, on "
        f"{load['cpus']} CPUs: judge the latencies by it."
    )


def markdown(report: Mapping[str, Any]) -> str:
    """Renders the report dict (as written to ``report.json``) as Markdown."""
    meta = report["meta"]
    summaries: dict[str, dict[str, Any]] = report["summary"]
    systems = list(summaries)
    lines = [
        "# ctassist evaluation report",
        "",
        f"Run {meta['started']} on `{meta['corpus']}` ({meta['index_chunks']} chunks); "
        f"{meta['questions']} questions ({', '.join(f'{n} {t}' for t, n in meta['types'].items() if n)}); "
        f"{meta['seconds']:.0f} s in all.",
        f"Settings: top_k={meta['settings']['top_k']}, candidates={meta['settings']['candidates']}, "
        f"rerank={meta['settings']['rerank']}, decision_threshold={meta['settings'].get('decision_threshold')}.",
        _load_line(meta.get("load_average")),
        "",
    ]
    for note in meta.get("notes", []):
        lines.append(f"- Note: {note}")
    if meta.get("notes"):
        lines.append("")

    lines += ["## Summary", ""]
    shown = [m for m in METRICS if m in summaries[systems[0]]]
    lines += _table(
        ["system", *[LABELS[m] for m in shown]],
        [[name, *[_fmt(m, summaries[name][m]) for m in shown]] for name in systems],
    )
    lines += [
        "",
        "Retrieval metrics and fact recall are over the answerable questions (every type but "
        "unanswerable); citation metrics over the answers that were given (not abstentions); "
        "abstention metrics over all questions, abstaining being the positive class. "
        "Latency is warm, per question, measured side by side in this run. "
        "'citations on gold doc' (not an ALCE metric) is the share of citations on answerable "
        "questions that point into a gold document.",
        "",
        "## Ranking per metric",
        "",
    ]
    ranking_rows = []
    for metric in shown:
        ordered = rank(summaries, metric)
        cells = []
        for i, (name, value) in enumerate(ordered):
            tie = i > 0 and _fmt(metric, value) == _fmt(metric, ordered[i - 1][1])
            cells.append(f"{'= ' if tie else ''}{name} ({_fmt(metric, value)})")
        ranking_rows.append([LABELS[metric], *cells])
    lines += _table(["metric", *[f"#{i}" for i in range(1, len(systems) + 1)]], ranking_rows)
    lines += ["", "Best first (fastest first for latency); '=' marks a tie with the system before."]

    lines += ["", "## Index build time", ""]
    build_rows = [
        [name, f"{info['seconds']:.2f}", str(info["chunks"]), info["what"]]
        for name, info in report["build"].items()
    ]
    lines += _table(["system", "seconds", "chunks", "what was timed"], build_rows)

    lines += ["", "## By question type", ""]
    per_type: dict[str, dict[str, dict[str, Any]]] = report["per_type"]
    for metric, label in (
        ("recall_at_5", "recall@5"),
        ("fact_recall", "fact recall"),
        ("abstain_rate", "share of questions abstained on"),
        ("citation_precision", "citation precision"),
    ):
        kinds = [t for t in TYPES if any(t in per_type[s] and metric in per_type[s][t] for s in systems)]
        if not kinds:
            continue
        lines += [f"### {label}", ""]
        header = ["type", "n", *systems]
        rows = []
        for kind in kinds:
            n = next(per_type[s][kind]["n"] for s in systems if kind in per_type[s])
            rows.append(
                [kind, str(n), *[_fmt(metric, per_type[s].get(kind, {}).get(metric)) for s in systems]]
            )
        lines += _table(header, rows)
        lines.append("")

    for name, failed in report["failures"].items():
        lines += [f"## Questions {name} got wrong ({len(failed)})", ""]
        if not failed:
            lines += ["None.", ""]
        for item in failed:
            answer = " ".join(str(item["answer"]).split())
            if len(answer) > 400:
                answer = answer[:400] + " …"
            lines += [
                f"- **{item['id']}** ({item['type']}) {item['question']}",
                f"  - why: {item['why']}",
                f"  - gold docs: {', '.join(item['gold_docs']) or '(none)'}; top docs: {', '.join(item['top_docs'])}",
                f"  - answer: {answer}",
            ]
        lines.append("")

    gate = report.get("gate")
    if gate:
        lines += ["## Gate", "", f"**{'PASSED' if gate['passed'] else 'FAILED'}** ({gate['thresholds']})", ""]
        lines += [f"- {c}" for c in gate["checks"]]
        lines.append("")
        if gate.get("floor_checks"):
            verdict = "PASSED" if gate["floors_passed"] else "FAILED"
            lines += [
                f"Regression floors, for the targets not met yet (what CI gates on): **{verdict}**",
                "",
                *[f"- {c}" for c in gate["floor_checks"]],
                "",
            ]

    lines += ["## Systems and methods", ""]
    for name, description in meta["systems"].items():
        lines.append(f"- **{name}**: {description}")
    lines += ["", *[f"- {m}" for m in meta["methods"]], ""]
    return "\n".join(lines)


def chart(summaries: Mapping[str, Mapping[str, float | int]], path: Path) -> None:
    """Writes a grouped bar chart of :data:`CHART_METRICS` per system (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = list(summaries)
    metrics = [m for m in CHART_METRICS if all(m in s for s in summaries.values())]
    width = 0.8 / max(len(systems), 1)
    fig, ax = plt.subplots(figsize=(12, 5.5), dpi=110)
    for i, name in enumerate(systems):
        xs = [j + (i - (len(systems) - 1) / 2) * width for j in range(len(metrics))]
        values = [float(summaries[name][m]) for m in metrics]
        bars = ax.bar(xs, values, width, label=name)
        for bar, value in zip(bars, values, strict=True):
            ax.annotate(
                f"{value:.2f}",
                (bar.get_x() + bar.get_width() / 2, value),
                ha="center",
                va="bottom",
                fontsize=6.5,
                xytext=(0, 1),
                textcoords="offset points",
            )
    ax.set_xticks(range(len(metrics)), [LABELS[m] for m in metrics], rotation=15)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("score (higher is better)")
    ax.set_title("ctassist evaluation: systems compared")
    ax.legend(ncol=len(systems), loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write(report: Mapping[str, Any], out_dir: Path) -> list[Path]:
    """Writes ``report.md``, ``report.json`` and ``report.png`` to ``out_dir``.

    Returns:
        The paths written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    md, js, png = out_dir / "report.md", out_dir / "report.json", out_dir / "report.png"
    js.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md.write_text(markdown(report), encoding="utf-8")
    chart(report["summary"], png)
    return [md, js, png]
