"""``ctassist ask``: the JSON contract (exactly one object), the readable answer with numbered
sources, filters, and errors, run as a real subprocess on a tmp corpus and index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ctassist.embed import Encoder
from tests.helpers import run_cli
from tests.retrieve.testcorpus import USER_NOTE_ID, close, indexed_assistant

ANSWERABLE = "Who chairs a Channel panel?"
UNANSWERABLE = "What is the capital of France?"
NOTES_QUESTION = "What did the group say about Prevent referrals?"


class Workspace:
    """An indexed tmp corpus and the in-process answers to compare the CLI with."""

    def __init__(self, root: Path, encoder: Encoder) -> None:
        assistant = indexed_assistant(root, encoder)
        try:
            self.expected = {q: assistant.ask(q) for q in (ANSWERABLE, UNANSWERABLE)}
            self.expected_notes = assistant.ask(NOTES_QUESTION, filters={"kind": "notes", "group": "user"})
        finally:
            close(assistant)  # the CLI opens the index in its own process
        self.corpus = root / "corpus"
        self.index = root / "index"

    def ask(self, *args: str) -> tuple[int, str, str]:
        done = run_cli("ask", "--corpus", str(self.corpus), "--index", str(self.index), *args, timeout=600)
        return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Workspace]:
    yield Workspace(tmp_path_factory.mktemp("cli"), encoder)


def _check_contract(data: Any, corpus: Path) -> None:
    """The issue's contract, with strict types."""
    assert isinstance(data, dict)
    assert {"answer", "abstained", "citations"} <= set(data)
    assert type(data["answer"]) is str and data["answer"]
    assert type(data["abstained"]) is bool
    assert type(data["citations"]) is list
    for citation in data["citations"]:
        assert type(citation) is dict
        assert {"n", "doc", "title", "section", "page", "quote"} <= set(citation)
        assert type(citation["n"]) is int
        assert type(citation["doc"]) is str
        assert type(citation["title"]) is str
        assert citation["section"] is None or type(citation["section"]) is str
        assert citation["page"] is None or type(citation["page"]) is int
        assert type(citation["quote"]) is str and citation["quote"]
        # doc is the path relative to corpus/, with forward slashes.
        doc = citation["doc"]
        assert not Path(doc).is_absolute() and ".." not in Path(doc).parts and "\\" not in doc
        assert doc.split("/", 1)[0] in {"sources", "notes"}
        assert citation["quote"] in (corpus / doc).read_text(encoding="utf-8")
    numbers = [c["n"] for c in data["citations"]]
    assert numbers == list(range(1, len(numbers) + 1))


def test_json_prints_exactly_one_object(workspace: Workspace) -> None:
    code, stdout, stderr = workspace.ask("--json", ANSWERABLE)
    assert code == 0, stderr
    data = json.loads(stdout)  # the whole of stdout is one JSON document ...
    assert stdout.strip().count("\n") == 0  # ... on one line
    _check_contract(data, workspace.corpus)
    expected = workspace.expected[ANSWERABLE]
    assert data["abstained"] is False
    assert data["answer"] == expected.text
    assert data["citations"] == [c.to_dict() for c in expected.citations]
    assert data["citations"][0]["doc"] in {"sources/channel.md", "sources/police-role-and-referrals.md"}
    assert "The local authority chairs" in data["answer"]


def test_json_for_an_unanswerable_question(workspace: Workspace) -> None:
    code, stdout, stderr = workspace.ask("--json", UNANSWERABLE)
    assert code == 0, stderr
    data = json.loads(stdout)
    _check_contract(data, workspace.corpus)
    assert data["abstained"] is True
    assert data["citations"] == []
    assert data["answer"] == workspace.expected[UNANSWERABLE].text
    assert data["answer"].startswith("The corpus does not cover this question")
    # The closest passages are there to judge, each located verbatim in its document.
    assert 1 <= len(data["closest"]) <= 3
    for quote in data["closest"]:
        assert set(quote) == {"doc", "title", "quote", "start", "end"}
        text = (workspace.corpus / quote["doc"]).read_text(encoding="utf-8")
        assert text[quote["start"] : quote["end"]] == quote["quote"]


def test_json_with_filters(workspace: Workspace) -> None:
    code, stdout, stderr = workspace.ask("--json", "--kind", "notes", "--group", "user", NOTES_QUESTION)
    assert code == 0, stderr
    data = json.loads(stdout)
    _check_contract(data, workspace.corpus)
    assert data["citations"]
    assert {c["doc"] for c in data["citations"]} == {USER_NOTE_ID}
    assert data["answer"] == workspace.expected_notes.text


def test_readable_answer_with_numbered_sources(workspace: Workspace) -> None:
    code, stdout, stderr = workspace.ask(ANSWERABLE)
    assert code == 0, stderr
    expected = workspace.expected[ANSWERABLE]
    lines = stdout.rstrip("\n").split("\n")
    assert stdout.startswith(expected.text + "\n\nSources:\n")
    for citation in expected.citations:
        where = f"{citation.doc}, {citation.section}" if citation.section else citation.doc
        header = f"[{citation.n}] {citation.title} ({where})"
        assert header in lines
        assert lines[lines.index(header) + 1] == f'    "{citation.quote}"'
    with pytest.raises(json.JSONDecodeError):
        json.loads(stdout)


@pytest.mark.parametrize("question", ["", "   "])
def test_an_empty_question_exits_2_with_a_message(workspace: Workspace, question: str) -> None:
    code, stdout, stderr = workspace.ask(question)
    assert code == 2
    assert stdout == ""
    assert "ctassist: error:" in stderr
    assert "question: empty" in stderr


def test_a_question_over_the_limit_exits_2_and_json_still_prints_one_object(workspace: Workspace) -> None:
    question = "Who chairs a Channel panel? " * 400  # 11,200 characters
    code, stdout, stderr = workspace.ask("--json", question)
    assert code == 2
    assert json.loads(stdout) == {
        "error": "question: 11,200 characters, over the limit of 8,000; ask it in fewer words"
    }
    assert "over the limit of 8,000" in stderr
    code, stdout, stderr = workspace.ask(question)
    assert (code, stdout) == (2, "")
    assert "ctassist: error: question: 11,200 characters" in stderr


@pytest.mark.parametrize(("option", "value"), [("--kind", "emails"), ("--group", "private")])
def test_bad_filter_options_exit_2(workspace: Workspace, option: str, value: str) -> None:
    code, stdout, stderr = workspace.ask("--json", option, value, ANSWERABLE)
    assert code == 2
    assert stdout == ""
    assert option in stderr and "invalid choice" in stderr


def test_a_reader_that_goes_away_ends_the_output_quietly(workspace: Workspace) -> None:
    import subprocess
    import sys

    from tests.helpers import clean_env

    # `ctassist ask ... | head -c 0`: the pipe is closed before ctassist writes a byte.
    command = [sys.executable, "-m", "ctassist.cli", "ask", "--corpus", str(workspace.corpus)]
    command += ["--index", str(workspace.index), "--json", ANSWERABLE]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(), text=True
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=600) == 141
    assert "Traceback" not in stderr
    assert "internal error" not in stderr
