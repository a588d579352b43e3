"""``ctassist agenda`` and ``ctassist notes add`` as a user runs them (subprocesses)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest

from ctassist import Assistant, Settings
from ctassist.embed import Encoder
from tests.helpers import SHIPPED_CORPUS

NOTE = """---
group: user
date: 2026-09-01
title: "Prevent user reference group: meeting 2"
attendees:
  - "Chair (HMICFRS)"
actions:
  - action: "Write to the NPCC about Prevent training records"
    owner: "Chair (HMICFRS)"
    status: open
  - action: "Book the venue"
    owner: "Secretariat"
    status: done
---

## Discussion

The Department for Education said that sixth-form colleges wait about three weeks for police feedback on a Prevent referral.
"""


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[tuple[Path, Path]]:
    """A copy of the shipped sources, indexed in-process (the session's model) and closed
    again before any subprocess opens the index."""
    root = tmp_path_factory.mktemp("cli")
    corpus, index = root / "corpus", root / "index"
    shutil.copytree(SHIPPED_CORPUS / "sources", corpus / "sources")
    (corpus / "notes").mkdir()
    assistant = Assistant(
        settings=Settings.from_env(environ={}, corpus_dir=corpus, index_dir=index), encoder=encoder
    )
    try:
        assert assistant.index().ok
    finally:
        if assistant._store is not None:
            assistant._store.client.close()
    yield corpus, index


def ctassist(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTASSIST_")}
    return subprocess.run(
        [sys.executable, "-m", "ctassist.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def agenda(dirs: tuple[Path, Path], *args: str) -> subprocess.CompletedProcess[str]:
    """``ctassist agenda`` over the indexed copy of the corpus."""
    corpus, index = dirs
    return ctassist("agenda", "--corpus", str(corpus), "--index", str(index), *args)


def test_agenda_json_to_stdout(dirs: tuple[Path, Path]) -> None:
    corpus, index = dirs
    result = ctassist(
        "agenda", "--corpus", str(corpus), "--index", str(index), "--group", "user", "--date", "2030-03-14",
        "--minutes", "90", "--focus", "Information sharing between partners and the police", "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["group"], data["date"], data["duration_minutes"], data["chair"]) == (
        "user",
        "2030-03-14",
        90,
        None,
    )
    assert isinstance(data["notes"], list)
    assert sum(item["minutes"] for item in data["items"]) == 90
    assert [item["number"] for item in data["items"]] == list(range(1, len(data["items"]) + 1))
    for item in data["items"]:
        assert {"number", "title", "start", "minutes", "prompts", "citations"} <= set(item)
        for citation in item["citations"]:
            assert {"n", "doc", "title", "quote"} <= set(citation)
            text = (corpus / citation["doc"]).read_text(encoding="utf-8")
            assert text[citation["start"] : citation["end"]] == citation["quote"]
    discussion = [item for item in data["items"] if item["kind"] == "discussion"]
    assert [item["title"] for item in discussion] == ["Information sharing between partners and the police"]
    assert discussion[0]["citations"]


def test_agenda_docx_needs_and_writes_out(dirs: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, index = dirs
    common = [
        "agenda",
        "--corpus",
        str(corpus),
        "--index",
        str(index),
        "--group",
        "public",
        "--focus",
        "Channel",
    ]
    refused = ctassist(*common, "--format", "docx")
    assert refused.returncode == 2 and "--format docx needs --out FILE" in refused.stderr
    out = tmp_path / "agenda.docx"
    result = ctassist(
        *common, "--minutes", "60", "--format", "docx", "--out", str(out), "--chair", "Chair (HMICFRS)"
    )
    assert result.returncode == 0, result.stderr
    document = docx.Document(str(out))
    titles = [row.cells[2].text for row in document.tables[0].rows[1:]]
    assert titles[0] == "Welcome and introductions" and "Channel" in titles
    assert "Chair: Chair (HMICFRS)" in [p.text for p in document.paragraphs]
    circulated = "\n".join(p.text for p in document.paragraphs)
    assert "sources/" not in circulated and "Drafting notes" not in circulated
    assert round(document.sections[0].page_width.mm) == 210
    assert document.sections[0].header.paragraphs[0].text == "OFFICIAL"
    assert document.core_properties.author == "HMICFRS"

    noted = tmp_path / "agenda-with-notes.docx"
    result = ctassist(*common, "--minutes", "60", "--format", "docx", "--out", str(noted), "--drafting-notes")
    assert result.returncode == 0, result.stderr
    text = "\n".join(p.text for p in docx.Document(str(noted)).paragraphs)
    assert "Drafting notes" in text and "sources/" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--group", "private"], "ctassist: error: group: must be 'public' or 'user', got 'private'"),
        (["--group", "user", "--date", "10/12/2026"], "ctassist: error: date: must be a date as YYYY-MM-DD"),
        (["--group", "user", "--minutes", "10", "--focus", "Channel"], "minimum is"),
        (["--group", "user", "--start", "9.30"], "ctassist: error: start_time: must be a time as HH:MM"),
    ],
)
def test_agenda_bad_arguments(dirs: tuple[Path, Path], args: list[str], message: str) -> None:
    result = agenda(dirs, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_agenda_refuses_a_past_date_unless_allowed(dirs: tuple[Path, Path]) -> None:
    yesterday = dt.date.today() - dt.timedelta(days=1)
    common = ["--group", "user", "--focus", "Channel", "--date", yesterday.isoformat()]
    refused = agenda(dirs, *common)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith(f"ctassist: error: --date {yesterday.isoformat()}: ")
    assert f"{yesterday:%A} {yesterday.day} {yesterday:%B %Y} is in the past" in refused.stderr
    assert "--allow-past-date" in refused.stderr and "Traceback" not in refused.stderr
    allowed = agenda(dirs, *common, "--allow-past-date", "--format", "json")
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout)["date"] == yesterday.isoformat()


def test_notes_add_stores_indexes_and_never_overwrites(
    dirs: tuple[Path, Path], tmp_path: Path, encoder: Encoder
) -> None:
    corpus, index = dirs
    path = tmp_path / "meeting-2.md"
    path.write_text(NOTE, encoding="utf-8")
    result = ctassist("notes", "add", "--corpus", str(corpus), "--index", str(index), str(path))
    assert result.returncode == 0, result.stderr
    stored = sorted((corpus / "notes").iterdir())
    assert len(stored) == 1 and stored[0].read_text(encoding="utf-8") == NOTE
    doc_id = f"notes/{stored[0].name}"
    assert f"stored {path} as {doc_id}" in result.stdout
    assert "1 added" in result.stdout

    again = ctassist("notes", "add", "--corpus", str(corpus), "--index", str(index), str(path))
    assert again.returncode == 2
    assert f"already in the corpus as {doc_id}" in again.stderr and "Traceback" not in again.stderr
    assert sorted((corpus / "notes").iterdir()) == stored

    assistant = Assistant(
        settings=Settings.from_env(environ={}, corpus_dir=corpus, index_dir=index), encoder=encoder
    )
    try:
        answer = assistant.ask(
            "How long do sixth-form colleges wait for police feedback?", filters={"kind": "notes"}
        )
        assert [c.doc for c in answer.citations] == [doc_id]
        agenda = assistant.draft_agenda(group="user", duration_minutes=60, focus="Channel")
        matters = "\n".join(agenda.items[3].prompts)
        assert "Write to the NPCC about Prevent training records (owner: Chair (HMICFRS))" in matters
        assert "Book the venue" not in matters
    finally:
        if assistant._store is not None:
            assistant._store.client.close()


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("group: user", "group: staff", "line 2: field 'group' must be 'public' or 'user', got 'staff'"),
        ("date: 2026-09-01\n", "", "lines 2-12: field 'date' is missing (YYYY-MM-DD)"),
        (
            "    status: open",
            "    status: pending",
            "line 10: field 'actions[1].status' must be 'open' or 'done'",
        ),
    ],
)
def test_notes_add_malformed_header(
    dirs: tuple[Path, Path], tmp_path: Path, old: str, new: str, field: str
) -> None:
    corpus, index = dirs
    before = sorted((corpus / "notes").iterdir())
    path = tmp_path / "bad-note.md"
    path.write_text(NOTE.replace(old, new, 1), encoding="utf-8")
    result = ctassist("notes", "add", "--corpus", str(corpus), "--index", str(index), str(path))
    assert result.returncode == 2
    assert f"ctassist: error: {path}: {field}" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted((corpus / "notes").iterdir()) == before
