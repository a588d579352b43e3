"""Load check of the chat UI: concurrent chat sessions through the Gradio API (issue #6).

Starts the real app (``ui.app.build_app`` + ``ui.app.start``) on a free **loopback** port over
a temporary copy of the corpus with its own index, then runs N chat sessions at once, each a
``gradio_client.Client`` of its own (so each has its own conversation state) asking one or
two questions (the second a follow-up). It reports errors (must be 0) and p50/p95 latency
per question, and, as a baseline, the same questions answered one after another in-process
by the library (``Assistant.ask``), side by side.

Bounded: at most ``--sessions`` (≤ 50) sessions of ≤ 2 questions, and a wall-clock limit
(``--time-limit``) after which unfinished questions count as errors. Nothing listens beyond
127.0.0.1 and nothing leaves this machine.

Run:
    .venv/bin/python benchmarks/bench_ui_load.py                 # 20 sessions
    .venv/bin/python benchmarks/bench_ui_load.py --sessions 5    # a quick smoke run

Exit code: 0 when every question was answered without error, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

RESULTS = REPO / "benchmarks" / "results"
MAX_SESSIONS = 50

#: (first question, follow-up): the sessions cycle through them; odd sessions ask only the first.
CONVERSATIONS: tuple[tuple[str, str], ...] = (
    ("Who can refer a person to a Channel panel?", "And who chairs it?"),
    ("What did the HMICFRS 2020 Prevent inspection find?", "How many recommendations did it make?"),
    (
        "How many referrals to Prevent were there in the year to March 2024?",
        "What share came from education?",
    ),
    ("What is the Prevent duty?", "Which sectors does it apply to?"),
    ("What are the four strands of CONTEST?", "What does the Protect strand aim to do?"),
    ("What did the Independent Review of Prevent recommend?", "Who led it?"),
    ("What do specialist Prevent officers and staff do?", "And how is a referral handled?"),
    ("Does Channel support need consent?", "What about for a person under 18?"),
)


@dataclass
class Result:
    """The outcome of one question."""

    session: int
    turn: int
    question: str
    seconds: float
    error: str = ""


@dataclass
class Run:
    """All results of one way of asking (through the UI, or in-process)."""

    name: str
    results: list[Result] = field(default_factory=list)
    wall: float = 0.0

    @property
    def latencies(self) -> list[float]:
        return [r.seconds for r in self.results if not r.error]

    @property
    def errors(self) -> list[Result]:
        return [r for r in self.results if r.error]


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100), linear between closest ranks; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def plan(sessions: int) -> list[list[str]]:
    """The questions of each session: even sessions ask a follow-up too (1–2 questions)."""
    out = []
    for i in range(sessions):
        first, follow_up = CONVERSATIONS[i % len(CONVERSATIONS)]
        out.append([first, follow_up] if i % 2 == 0 else [first])
    return out


def reply_error(messages: Any) -> str:
    """An error shown in the last chat message (the UI's "Could not answer"), else ``""``."""
    try:
        last = messages[-1]
        content = last["content"]
        text = (
            " ".join(part.get("text", "") for part in content) if isinstance(content, list) else str(content)
        )
    except (IndexError, KeyError, TypeError):
        return f"unexpected reply: {str(messages)[:200]}"
    if last.get("role") != "assistant":
        return "no assistant message"
    if "ct-error-label" in text:
        return f"the UI reported an error: {text[:200]}"
    if "ct-sources" not in text and "ct-abstain-label" not in text:
        return f"neither sources nor an abstention: {text[:200]}"
    return ""


def run_ui(url: str, questions: list[list[str]], deadline: float) -> Run:
    """Every session at once, each with its own Gradio client (its own state)."""
    from gradio_client import Client

    run = Run("UI, concurrent")
    lock = threading.Lock()
    barrier = threading.Barrier(len(questions))

    def session(index: int, asks: list[str]) -> None:
        try:
            client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
        except Exception as exc:  # noqa: BLE001 - every failure is a counted error
            with lock:
                run.results += [Result(index, t, q, 0.0, f"connect: {exc!r}") for t, q in enumerate(asks)]
            barrier.abort()
            return
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=120)  # all sessions start asking together
        for turn, question in enumerate(asks):
            started = time.perf_counter()
            error = ""
            if time.monotonic() > deadline:
                error = "time limit reached before asking"
            else:
                try:
                    job = client.submit(question, "all", api_name="/ask")
                    messages, _ = job.result(timeout=max(1.0, deadline - time.monotonic()))
                    error = reply_error(messages)
                except Exception as exc:  # noqa: BLE001 - every failure is a counted error
                    error = repr(exc)[:300]
            with lock:
                run.results.append(Result(index, turn, question, time.perf_counter() - started, error))
        client.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(questions), thread_name_prefix="session") as pool:
        futures = [pool.submit(session, i, asks) for i, asks in enumerate(questions)]
        wait(futures, timeout=max(1.0, deadline - time.monotonic()) + 30)
    run.wall = time.perf_counter() - started
    return run


def run_library(assistant: Any, questions: list[list[str]]) -> Run:
    """The same questions, one after another, in-process (the baseline)."""
    run = Run("library, sequential")
    started = time.perf_counter()
    for index, asks in enumerate(questions):
        history: list[tuple[str, str]] = []
        for turn, question in enumerate(asks):
            began = time.perf_counter()
            answer = assistant.ask(question, history=history)
            run.results.append(Result(index, turn, question, time.perf_counter() - began))
            history.append((question, answer.text))
    run.wall = time.perf_counter() - started
    return run


def table(ui: Run, library: Run) -> str:
    """The side-by-side table of both runs."""
    rows = [
        ("questions", len(ui.results), len(library.results), "{:d}"),
        ("errors", len(ui.errors), len(library.errors), "{:d}"),
        ("p50 latency (s)", percentile(ui.latencies, 50), percentile(library.latencies, 50), "{:.2f}"),
        ("p95 latency (s)", percentile(ui.latencies, 95), percentile(library.latencies, 95), "{:.2f}"),
        (
            "max latency (s)",
            max(ui.latencies, default=float("nan")),
            max(library.latencies, default=float("nan")),
            "{:.2f}",
        ),
        ("mean latency (s)", _mean(ui.latencies), _mean(library.latencies), "{:.2f}"),
        ("wall time (s)", ui.wall, library.wall, "{:.1f}"),
        ("throughput (questions/s)", _rate(ui), _rate(library), "{:.2f}"),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{'':<{width}}  {ui.name:>20}  {library.name:>20}  {'ratio':>7}"]
    for label, a, b, fmt in rows:
        ratio = f"{a / b:.2f}" if isinstance(a, float) and isinstance(b, float) and b else ""
        lines.append(f"{label:<{width}}  {fmt.format(a):>20}  {fmt.format(b):>20}  {ratio:>7}")
    return "\n".join(lines)


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def _rate(run: Run) -> float:
    return len(run.latencies) / run.wall if run.wall else float("nan")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument(
        "--sessions", type=int, default=20, help=f"concurrent chat sessions (1–{MAX_SESSIONS})"
    )
    parser.add_argument(
        "--corpus", type=Path, default=REPO / "corpus", help="corpus to copy (default: shipped)"
    )
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds for the concurrent run")
    parser.add_argument("--no-baseline", action="store_true", help="skip the sequential in-process baseline")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be between 1 and {MAX_SESSIONS}")

    from ctassist import Assistant, Settings
    from ui.app import CONCURRENCY, build_app, start, warm

    command = " ".join(
        [".venv/bin/python", "benchmarks/bench_ui_load.py", f"--sessions {args.sessions}"]
        + ([f"--corpus {args.corpus}"] if args.corpus != REPO / "corpus" else [])
        + ([f"--time-limit {args.time_limit:g}"] if args.time_limit != 600.0 else [])
        + (["--no-baseline"] if args.no_baseline else [])
    )
    questions = plan(args.sessions)
    with tempfile.TemporaryDirectory(prefix="ctassist-bench-ui-") as scratch:
        corpus = Path(scratch) / "corpus"
        shutil.copytree(args.corpus, corpus)
        settings = Settings.from_env(environ={}, corpus_dir=corpus, index_dir=Path(scratch) / "index")
        assistant = Assistant(settings=settings)
        began = time.perf_counter()
        report = assistant.index()
        indexed = time.perf_counter() - began
        warmed = warm(assistant)
        print(
            f"indexed {len(assistant.documents())} documents in {indexed:.1f} s; models warm in {warmed:.1f} s"
        )

        app = build_app(assistant)
        url = start(
            app, host="127.0.0.1", port=free_port(), max_file_mb=settings.max_file_mb, block=False, quiet=True
        )
        try:
            print(
                f"app on {url} (loopback); {args.sessions} sessions, {sum(map(len, questions))} questions ..."
            )
            ui = run_ui(url, questions, deadline=time.monotonic() + args.time_limit)
        finally:
            app.close()
        library = Run("library, sequential") if args.no_baseline else run_library(assistant, questions)
        if assistant._store is not None:
            assistant._store.client.close()

    print()
    print(table(ui, library))
    for r in ui.errors[:10]:
        print(f"error: session {r.session} turn {r.turn} ({r.question!r}): {r.error}")
    print()
    print(
        f"Gradio queue: default_concurrency_limit={CONCURRENCY}; machine: {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; index: {report.chunks_total} passages"
    )
    print(f"reproduce: {command}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"ui-load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    summary = {
        "command": command,
        "sessions": args.sessions,
        "concurrency_limit": CONCURRENCY,
        "cpus": os.cpu_count(),
        "runs": {
            run.name: {
                "questions": len(run.results),
                "errors": [r.__dict__ for r in run.errors],
                "p50": percentile(run.latencies, 50),
                "p95": percentile(run.latencies, 95),
                "max": max(run.latencies, default=None),
                "wall": run.wall,
            }
            for run in (ui, library)
        },
    }
    out.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    print(f"results: {out.relative_to(REPO)}")
    expected = sum(map(len, questions))
    return 0 if not ui.errors and len(ui.results) == expected else 1


if __name__ == "__main__":
    raise SystemExit(main())
