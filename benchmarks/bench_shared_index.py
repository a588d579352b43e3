"""A shared index under load from another process: questions asked while it writes.

Scenarios (each on an embedded index and on a Chroma server started here):

- ``rebuild``: an ``Assistant`` in this process answers one question over and over while
  ``ctassist index --rebuild`` runs in another process on a corpus whose files were all
  replaced (``old-NN.md`` → ``new-NN.md``). Each answer is classed by where its passages
  come from: the old index, the new one, or both (a half-built or mixed view).
- ``note``: the same, while ``ctassist notes add`` stores and indexes a meeting note; each
  answer to a question about the note is classed as citing the note or not.
- ``writers``: ``ctassist index`` and ``ctassist index --rebuild`` started 4 s apart, in
  both orders: their exit codes and the first line the second one prints.

Questions are counted, not timed: the point is how many fail and what they see.

Run:
    .venv/bin/python benchmarks/bench_shared_index.py                 # all scenarios, both modes
    .venv/bin/python benchmarks/bench_shared_index.py --mode embedded --scenario rebuild
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ctassist import Assistant  # noqa: E402
from tests.helpers import chroma_server, clean_env, generated_markdown, note_text  # noqa: E402

QUESTION = "What does paragraph 3 of document 7 note?"
NOTE_QUESTION = "What did the Academic say about Prevent referrals from schools?"
#: Answers asked after the writer ended, to see what the reader settled on.
AFTER = 5


def _write_files(corpus: Path, name: str, files: int, version: int) -> None:
    sources = corpus / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    for path in sources.glob("*.md"):
        path.unlink()
    for n in range(files):
        (sources / f"{name}-{n:02d}.md").write_text(generated_markdown(n, 20, version=version))


def _cli(*arguments: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ctassist.cli", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@contextlib.contextmanager
def _index_location(mode: str, root: Path) -> Iterator[str]:
    if mode == "server":
        with chroma_server(root / "chroma-data") as url:
            yield url
    else:
        yield ""


def _classify(scenario: str, answer: Any) -> str:
    if scenario == "note":
        cited = any(c.doc.startswith("notes/") for c in answer.citations)
        return "note cited" if cited else "note not cited"
    origins = {p.doc_id.split("/")[-1].split("-")[0] for p in answer.passages}
    return "+".join(sorted(origins)) or "no passage"


def run_reader(mode: str, scenario: str, files: int) -> dict[str, Any]:
    """Questions in this process while another process rebuilds or adds a note."""
    root = Path(tempfile.mkdtemp(prefix="bench-shared-"))
    corpus, index = root / "corpus", root / "index"
    try:
        _write_files(corpus, "old", files, version=1)
        with _index_location(mode, root) as url:
            env = clean_env(CTASSIST_EMBEDDING_BATCH_SIZE="8", CTASSIST_CHROMA_URL=url)
            assistant = Assistant(corpus_dir=corpus, index_dir=index, chroma_url=url or None)
            assistant.index()
            question = NOTE_QUESTION if scenario == "note" else QUESTION
            assistant.ask(question)  # models loaded before the writer starts
            where = ["--corpus", str(corpus), "--index", str(index)]
            if scenario == "note":
                note = root / "meeting.md"
                note.write_text(note_text())
                writer = _cli("notes", "add", str(note), *where, env=env)
            else:
                _write_files(corpus, "new", files, version=2)
                writer = _cli("index", "--rebuild", "--no-progress", *where, env=env)
            seen: collections.Counter[str] = collections.Counter()
            errors: collections.Counter[str] = collections.Counter()
            after = 0
            while after < AFTER:
                when = "during" if writer.poll() is None else "after"
                after += when == "after"
                try:
                    seen[f"{when}: {_classify(scenario, assistant.ask(question))}"] += 1
                except Exception as exc:  # noqa: BLE001 - counted: the number this benchmark reports
                    errors[f"{type(exc).__name__}: {str(exc)[:100]}"] += 1
            _, stderr = writer.communicate()
            if assistant._store is not None:
                assistant._store.client.close()
        asked = sum(seen.values()) + sum(errors.values())
        return {
            "mode": mode,
            "scenario": scenario,
            "writer_exit": writer.returncode,
            "writer_stderr": stderr.strip().splitlines()[-1:],
            "asked": asked,
            "failed": sum(errors.values()),
            "answers": dict(seen),
            "errors": dict(errors),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_writers(mode: str, files: int) -> dict[str, Any]:
    """Two writers at once, in each order: exit codes and the second one's first line."""
    root = Path(tempfile.mkdtemp(prefix="bench-writers-"))
    corpus = root / "corpus"
    runs = []
    try:
        with _index_location(mode, root) as url:
            env = clean_env(CTASSIST_EMBEDDING_BATCH_SIZE="8", CTASSIST_CHROMA_URL=url)
            where = ["--no-progress", "--corpus", str(corpus), "--index", str(root / "index")]
            for version, (first, second) in enumerate(((["--rebuild"], []), ([], ["--rebuild"])), start=1):
                _write_files(corpus, "doc", files, version=version)
                one = _cli("index", *where, *first, env=env)
                time.sleep(4)
                two = _cli("index", *where, *second, env=env)
                _, one_err = one.communicate()
                _, two_err = two.communicate()
                runs.append(
                    {
                        "first": " ".join(["index", *first]),
                        "second": " ".join(["index", *second]),
                        "exits": [one.returncode, two.returncode],
                        "first_stderr": one_err.strip().splitlines()[-1:],
                        "second_said": two_err.strip().splitlines()[:1],
                    }
                )
        return {"mode": mode, "scenario": "writers", "runs": runs}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["embedded", "server", "both"], default="both")
    parser.add_argument("--scenario", choices=["rebuild", "note", "writers", "all"], default="all")
    parser.add_argument("--files", type=int, default=40, help="generated files of 20 paragraphs")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    modes = ["embedded", "server"] if args.mode == "both" else [args.mode]
    scenarios = ["rebuild", "note", "writers"] if args.scenario == "all" else [args.scenario]
    results = []
    for mode in modes:
        for scenario in scenarios:
            result = (
                run_writers(mode, 30) if scenario == "writers" else run_reader(mode, scenario, args.files)
            )
            print(json.dumps(result, indent=1), flush=True)
            results.append(result)
    out = REPO / "benchmarks" / "results" / f"shared-index-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
