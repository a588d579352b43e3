"""The ``ctassist`` commands as a user meets them: ``serve`` on a port in use, ``documents``,
``ask`` with an unknown ``--doc``, the interactive session's commands, ``--help`` of every
subcommand and ``ask --json`` on an empty question. Real subprocesses, a real index."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ctassist.cli import INTERACTIVE_HELP, main
from ctassist.embed import Encoder
from tests.helpers import CHANNEL_MD, Corpus, clean_env, run_cli, run_index
from tests.retrieve.testcorpus import close, indexed_assistant

QUESTION = "Who chairs a Channel panel?"
FOLLOW_UP = "And who can refer a person to it?"


class Workspace:
    """An indexed tmp corpus, and the in-process answers to compare the CLI's with."""

    def __init__(self, root: Path, encoder: Encoder) -> None:
        assistant = indexed_assistant(root, encoder)
        try:
            self.doc_ids = [record.doc_id for record in assistant.documents()]
            first = assistant.ask(QUESTION)
            self.first = first.text
            self.follow_up_alone = assistant.ask(FOLLOW_UP).text
            self.follow_up_after = assistant.ask(FOLLOW_UP, history=[(QUESTION, first.text)]).text
        finally:
            close(assistant)  # the CLI opens the index in its own process
        self.corpus = root / "corpus"
        self.index = root / "index"

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "ctassist.cli", *args[:1]]
        command += ["--corpus", str(self.corpus), "--index", str(self.index), *args[1:]]
        return subprocess.run(
            command, input=stdin, capture_output=True, text=True, env=clean_env(), timeout=600, check=False
        )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Workspace]:
    yield Workspace(tmp_path_factory.mktemp("cli-commands"), encoder)


def test_serve_on_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(
            "serve", "--corpus", str(tmp_path), "--index", str(tmp_path / "index"), "--port", str(port),
            timeout=120,
        )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"ctassist: error: port {port} is already in use on 127.0.0.1")
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr and "serving on" not in result.stderr
    assert result.stdout == ""


def test_documents_on_an_empty_index_says_so(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    result = run_cli("documents", "--corpus", str(tmp_path / "corpus"), "--index", str(tmp_path / "index"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "document\tkind\tchunks\tindexed at\ttitle",
        "no documents indexed (run `ctassist index`)",
    ]


def test_documents_counts_chunks_in_words(make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus({"sources/channel.md": CHANNEL_MD, "sources/short.md": "# Short\n\nOne sentence.\n"})
    code, _, stderr = run_index(corpus, "--no-progress")
    assert code == 0, stderr
    result = run_cli("documents", "--corpus", str(corpus.root), "--index", str(corpus.root.parent / "index"))
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert header == "document\tkind\tchunks\tindexed at\ttitle"
    chunks = {line.split("\t")[0]: line.split("\t")[2] for line in lines}
    assert chunks["sources/short.md"] == "1 chunk"
    count, word = chunks["sources/channel.md"].split()
    assert int(count) > 1 and word == "chunks"


def test_an_unknown_doc_is_an_error_naming_close_matches(workspace: Workspace) -> None:
    known = next(d for d in workspace.doc_ids if d.endswith("channel.md"))
    misspelt = known.replace("channel", "chanel")
    result = workspace.run("ask", "--doc", misspelt, QUESTION)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"ctassist: error: --doc {misspelt}: no such document in the index; did you mean {known}?\n"
    )
    nowhere = workspace.run("ask", "--json", "--doc", "sources/nonexistent.md", QUESTION)
    assert nowhere.returncode == 2
    error = json.loads(nowhere.stdout)["error"]
    assert error.startswith("--doc sources/nonexistent.md: no such document in the index")
    assert "`ctassist documents` lists them" in error


def test_a_known_doc_still_answers(workspace: Workspace) -> None:
    known = next(d for d in workspace.doc_ids if d.endswith("channel.md"))
    result = workspace.run("ask", "--json", "--doc", known, QUESTION)
    assert result.returncode == 0, result.stderr
    assert {c["doc"] for c in json.loads(result.stdout)["citations"]} == {known}


def test_interactive_commands_behave_and_never_repeat_an_answer(workspace: Workspace) -> None:
    assert workspace.follow_up_alone != workspace.follow_up_after  # else /clear could not be seen
    session = "\n".join(["help", QUESTION, "help", "/nonsense", "/clear", FOLLOW_UP, "/quit", QUESTION, ""])
    result = workspace.run("ask", stdin=session)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count(INTERACTIVE_HELP) == 2
    assert out.count(workspace.first) == 1  # "help" does not re-print it
    # After /clear the follow-up is asked afresh, not as a follow-up of the first question.
    assert workspace.follow_up_alone in out and workspace.follow_up_after not in out
    assert "(new conversation)" in out
    assert "ctassist: unknown command /nonsense; type help for the commands" in result.stderr
    # /quit ended the session: the question after it was never asked, nor another line read.
    assert out.count("> ") == 7


@pytest.mark.parametrize(
    "command",
    [
        ["index"],
        ["documents"],
        ["ask"],
        ["agenda"],
        ["notes"],
        ["notes", "add"],
        ["notes", "check"],
        ["serve"],
        ["eval"],
    ],
)
def test_every_help_names_ctassist(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: ctassist {' '.join(command)}"), out[:200]
    assert "python -m" not in out


def test_eval_help_as_a_process() -> None:
    result = run_cli("eval", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: ctassist eval")
    assert "python -m evals" not in result.stdout


@pytest.mark.parametrize("question", ["", "   "])
def test_ask_json_on_an_empty_question_prints_one_error_object(workspace: Workspace, question: str) -> None:
    result = workspace.run("ask", "--json", question)
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert list(data) == ["error"] and "question" in data["error"] and "empty" in data["error"]
    assert result.stdout.count("\n") == 1
    assert "Traceback" not in result.stderr
