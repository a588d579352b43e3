"""Intake keeps the notes honest: ``ctassist notes add`` / ``notes check`` and the UI refuse a
bad note with every problem (field and line) at once, and warn about names where roles belong.

Real note files go through the real CLI (its ``main`` in-process, and a real subprocess for
the full add), the real loader, and a real index with the session's encoder.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ctassist import Assistant, NoteFormatError, Settings
from ctassist.cli import main
from ctassist.embed import Encoder
from ctassist.intake import check_note, personal_name
from tests.helpers import SHIPPED_CORPUS, clean_env

NOTE = """---
group: user
date: 2026-11-12
title: "Prevent user reference group: meeting 3"
attendees:
  - "Chair (HMICFRS)"
  - "Department for Education representative"
  - "NHS England safeguarding lead"
actions:
  - action: "Write to forces about referral feedback letters"
    owner: "Chair (HMICFRS)"
    status: open
    due: 2026-12-15
  - action: "Book the venue"
    owner: "Secretariat"
    status: done
decisions:
  - "Ask forces for their feedback letter templates"
---

## Discussion

The NHS England safeguarding lead said that health staff rarely learn the outcome of a referral.
"""

WITH_NAMES = (
    NOTE.replace('  - "NHS England safeguarding lead"\n', '  - "Jane Smith"\n')
    .replace('    owner: "Secretariat"', '    owner: "Dr Patel"')
    .replace("The NHS England safeguarding lead said", "The Chair said")
)
ADVICE = (
    "notes record roles, not names (the groups meet under the Chatham House Rule); "
    "write the role instead, e.g. 'Home Office representative'"
)


def _future(days: int = 40) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[tuple[Path, Path]]:
    """A small corpus, indexed in-process with the session's encoder, closed again before any
    CLI run opens the index."""
    root = tmp_path_factory.mktemp("notes-intake")
    corpus, index = root / "corpus", root / "index"
    (corpus / "sources").mkdir(parents=True)
    (corpus / "notes").mkdir()
    shutil.copy(SHIPPED_CORPUS / "sources" / "channel.md", corpus / "sources" / "channel.md")
    assistant = Assistant(
        settings=Settings.from_env(environ={}, corpus_dir=corpus, index_dir=index), encoder=encoder
    )
    try:
        assert assistant.index().ok
    finally:
        if assistant._store is not None:
            assistant._store.client.close()
    yield corpus, index


def _stored(corpus: Path) -> list[str]:
    return sorted(p.name for p in (corpus / "notes").iterdir())


def _notes_add(
    dirs: tuple[Path, Path], path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    corpus, index = dirs
    code = main(["notes", "add", "--corpus", str(corpus), "--index", str(index), str(path)])
    out, err = capsys.readouterr()
    return code, out, err


# --- names and roles ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Jane Smith", "Jane Smith"),
        ("Dr Patel", "Dr Patel"),
        ("Dr. Patel", "Dr. Patel"),
        ("Mr John Smith", "Mr John Smith"),
        ("Professor Ann Jones (King's College London)", "Professor Ann Jones"),
        ("Inspector Jones", "Inspector Jones"),
        ("Chief Constable Smith", "Constable Smith"),
        ("PC Ahmed", "PC Ahmed"),
        ("J. Smith (Home Office)", "J. Smith"),
        ("Jane Smith, Department for Education", "Jane Smith"),
        ("Sarah O'Brien", "Sarah O'Brien"),
        ("Mary-Jane McDonald-Smith", "Mary-Jane McDonald-Smith"),
        ("Zoë Ødegaard", "Zoë Ødegaard"),
        ("Cllr Ahmed", "Cllr Ahmed"),
    ],
)
def test_personal_names_are_recognised(text: str, name: str) -> None:
    assert personal_name(text) == name


@pytest.mark.parametrize(
    "text",
    [
        "Department for Education representative",
        "NHS England safeguarding lead",
        "Chair (HMICFRS)",
        "Academic",
        "Secretariat",
        "Home Office",
        "Department for Education",
        "Chief Constable (NPCC lead for Prevent)",
        "Chief Inspector",
        "Lead Inspector (HMICFRS)",
        "Local authority Prevent coordinator",
        "Counter Terrorism Policing",
        "Counter Terrorism Policing North East",
        "Ofsted representative",
        "Parent representative",
        "Youth worker",
        "Prevent Education Officer",
        "Metropolitan Police Service",
        "Greater Manchester Police representative",
        "Head of Prevent, Home Office",
        "Channel panel chair",
        "Association of Colleges",
        "College of Policing",
        "Public Health England",
        "Tower Hamlets representative",
        "Head of Tower Hamlets Prevent",
        "Professor of criminology",
        "Think Tank researcher",
        "DfE Prevent lead",
    ],
)
def test_roles_are_not_taken_for_names(text: str) -> None:
    assert personal_name(text) is None


def test_check_note_warns_with_field_and_line_and_does_not_refuse(tmp_path: Path) -> None:
    path = tmp_path / "meeting.md"
    path.write_text(WITH_NAMES, encoding="utf-8")
    checked = check_note(path)
    assert [str(w) for w in checked.warnings] == [
        f"line 8: field 'attendees[3]' looks like a personal name: 'Jane Smith'; {ADVICE}",
        f"line 15: field 'actions[2].owner' looks like a personal name: 'Dr Patel'; {ADVICE}",
    ]
    assert checked.document.note is not None and checked.document.note.group == "user"
    path.write_text(NOTE, encoding="utf-8")
    assert check_note(path).warnings == ()


# --- notes add: every kind of error, with its field and line --------------------------------


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("group: user", "group: staff", "line 2: field 'group' must be 'public' or 'user', got 'staff'"),
        (
            "date: 2026-11-12",
            "date: 2999-01-01",
            "2 problems in the front matter:\n"
            "  - line 3: field 'date' is 2999-01-01, in the future: notes record meetings that have taken place\n"
            "  - line 13: field 'actions[1].due' is 2026-12-15, before the meeting's date (2999-01-01)",
        ),
        (
            "    due: 2026-12-15",
            "    due: 2026-11-11",
            "line 13: field 'actions[1].due' is 2026-11-11, before the meeting's date (2026-11-12)",
        ),
        ("date: 2026-11-12", "date: 12/11/2026", "line 3: field 'date' must be a date as YYYY-MM-DD, got '12/11/2026'"),
        ("title: \"Prevent user reference group: meeting 3\"\n", "", "lines 2-17: field 'title' is missing"),
        ('    owner: "Secretariat"\n', "", "lines 14-15: field 'actions[2].owner' is missing"),
        ("    status: done", "    status: closed", "line 16: field 'actions[2].status' must be 'open' or 'done', got 'closed'"),
        ("    due: 2026-12-15", "    due_date: 2026-12-15", "line 13: field 'actions[1].due_date' is not a field of an action (the fields are: action, owner, status, due)"),
        ("attendees:", "attendee:", "2 problems in the front matter:\n"
         "  - lines 2-18: field 'attendees' is missing (a list of roles; write [] if none were recorded)\n"
         "  - lines 5-8: field 'attendee' is not a field of a note (the fields are: group, date, title, attendees, actions, decisions)"),
        ("decisions:\n", "group: public\ndecisions:\n", "line 17: field 'group' is given twice (first on line 2); give it once"),
        ('  - "Ask forces for their feedback letter templates"', '  - ""', "line 18: field 'decisions[1]' must be non-empty text"),
    ],
)  # fmt: skip
def test_notes_add_refuses_each_kind_of_error_naming_field_and_line(
    dirs: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    problem: str,
) -> None:
    corpus, _ = dirs
    before = _stored(corpus)
    path = tmp_path / "meeting.md"
    assert old in NOTE
    path.write_text(NOTE.replace(old, new, 1), encoding="utf-8")
    code, out, err = _notes_add(dirs, path, capsys)
    assert (code, out, err) == (2, "", f"ctassist: error: {path}: {problem}\n")
    assert _stored(corpus) == before  # nothing written


def test_notes_add_reports_all_errors_of_a_file_at_once(
    dirs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, _ = dirs
    before = _stored(corpus)
    text = (
        NOTE.replace("group: user", "group: staff")
        .replace("date: 2026-11-12", f"date: {_future()}")
        .replace("    due: 2026-12-15", "    due: 2026-01-01")
        .replace('    owner: "Secretariat"\n', "")
        .replace("    status: done", "    status: finished")
        .replace('  - "NHS England safeguarding lead"', "  - Jane Smith")  # a warning, not shown
    )
    path = tmp_path / "many.md"
    path.write_text(text, encoding="utf-8")
    code, out, err = _notes_add(dirs, path, capsys)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"ctassist: error: {path}: 5 problems in the front matter:",
        "  - line 2: field 'group' must be 'public' or 'user', got 'staff'",
        f"  - line 3: field 'date' is {_future()}, in the future: notes record meetings that have taken place",
        f"  - line 13: field 'actions[1].due' is 2026-01-01, before the meeting's date ({_future()})",
        "  - lines 14-15: field 'actions[2].owner' is missing",
        "  - line 15: field 'actions[2].status' must be 'open' or 'done', got 'finished'",
    ]
    assert _stored(corpus) == before


def test_notes_add_lists_every_problem_however_many(
    dirs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    owners = "".join(f'  - action: "Task {i}"\n    owner: ""\n    status: open\n' for i in range(1, 31))
    path = tmp_path / "thirty.md"
    path.write_text(NOTE.replace("actions:\n", f"actions:\n{owners}", 1), encoding="utf-8")
    code, _, err = _notes_add(dirs, path, capsys)
    lines = err.splitlines()
    assert code == 2 and lines[0] == f"ctassist: error: {path}: 30 problems in the front matter:"
    assert lines[1:] == [
        f"  - line {11 + 3 * i}: field 'actions[{i + 1}].owner' must be non-empty text" for i in range(30)
    ]
    with pytest.raises(NoteFormatError) as caught:
        check_note(path)
    assert len(caught.value.reason) <= 560 and caught.value.reason.endswith(
        "more"
    )  # short in an index report


def test_notes_add_in_a_real_process_stores_warns_and_indexes(
    dirs: tuple[Path, Path], tmp_path: Path
) -> None:
    corpus, index = dirs
    path = tmp_path / "meeting-3.md"
    path.write_text(WITH_NAMES, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "ctassist.cli", "notes", "add", "--corpus", str(corpus), "--index", str(index), str(path)],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=600,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stored = [n for n in _stored(corpus) if n.endswith("-meeting-3.md")]
    assert len(stored) == 1 and (corpus / "notes" / stored[0]).read_text(encoding="utf-8") == WITH_NAMES
    assert result.stdout.startswith(f"stored {path} as notes/{stored[0]}\n") and "1 added" in result.stdout
    assert result.stderr.splitlines() == [
        f"ctassist: warning: {path}: line 8: field 'attendees[3]' looks like a personal name: 'Jane Smith'; {ADVICE}",
        f"ctassist: warning: {path}: line 15: field 'actions[2].owner' looks like a personal name: 'Dr Patel'; {ADVICE}",
    ]
    # The stored note's records quote the file verbatim, line by line.
    assistant = Assistant(settings=Settings.from_env(environ={}, corpus_dir=corpus, index_dir=index))
    document = assistant.document(f"notes/{stored[0]}")
    assert document.note is not None
    owner = document.note.actions[1].field_lines.owner
    assert (owner.first_line, document.text[owner.start : owner.end]) == (15, 'owner: "Dr Patel"')
    assert [d.text for d in document.note.decisions] == ["Ask forces for their feedback letter templates"]


def test_notes_check_needs_no_index_and_judges_each_file(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.md", tmp_path / "bad.md"
    good.write_text(WITH_NAMES, encoding="utf-8")
    bad.write_text(NOTE.replace("group: user", "group: everyone"), encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ctassist.cli",
            "notes",
            "check",
            str(good),
            str(bad),
            str(tmp_path / "none.md"),
        ],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stdout == f"ok {good}: Prevent user reference group: meeting 3\n"
    assert result.stderr.splitlines() == [
        f"ctassist: warning: {good}: line 8: field 'attendees[3]' looks like a personal name: 'Jane Smith'; {ADVICE}",
        f"ctassist: warning: {good}: line 15: field 'actions[2].owner' looks like a personal name: 'Dr Patel'; {ADVICE}",
        f"ctassist: error: {bad}: line 2: field 'group' must be 'public' or 'user', got 'everyone'",
        f"ctassist: error: {tmp_path / 'none.md'}: no such file",
    ]
    assert not (tmp_path / "index").exists() and not (tmp_path / "corpus").exists()


# --- the UI's messages after an upload -------------------------------------------------------


def test_ui_upload_shows_warnings_and_every_problem(
    dirs: tuple[Path, Path], tmp_path: Path, encoder: Encoder
) -> None:
    from ui._handlers import Handlers

    corpus, index = dirs
    assistant = Assistant(
        settings=Settings.from_env(environ={}, corpus_dir=corpus, index_dir=index), encoder=encoder
    )
    named = tmp_path / "named.md"
    named.write_text(WITH_NAMES.replace("meeting 3", "meeting 4"), encoding="utf-8")
    broken = tmp_path / "broken.md"
    broken.write_text(
        NOTE.replace("group: user", "group: staff").replace("    status: done", "    status: x"),
        encoding="utf-8",
    )
    try:
        result, _, _ = Handlers(assistant).upload([str(named), str(broken)], "notes")
    finally:
        if assistant._store is not None:
            assistant._store.client.close()
    lines = result.splitlines()
    assert re.match(
        r'- <span class="ct-badge ct-ok">Added</span> \*\*named\.md\*\* — stored as notes/\S+ and indexed',
        lines[0],
    )
    assert lines[1:3] == [
        "  - warning: line 8: field 'attendees\\[3\\]' looks like a personal name: 'Jane Smith'; " + ADVICE,
        "  - warning: line 15: field 'actions\\[2\\].owner' looks like a personal name: 'Dr Patel'; "
        + ADVICE,
    ]
    assert lines[3:] == [
        '- <span class="ct-badge ct-fail">Not added</span> **broken.md** — 2 problems in the front matter:',
        "  - line 2: field 'group' must be 'public' or 'user', got 'staff'",
        "  - line 16: field 'actions\\[2\\].status' must be 'open' or 'done', got 'x'",
    ]


# --- the notes README: every example is accepted, every counterexample says what it shows ----


def _readme_cases() -> list[tuple[str, str | None]]:
    """Each ``markdown`` example of the README, with the ``text`` block that follows it (the
    output it gives), or ``None`` when none does (an accepted note, with no warning)."""
    readme = (SHIPPED_CORPUS / "notes" / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```(\w+)\n(.*?)^```$", readme, flags=re.DOTALL | re.MULTILINE)
    cases: list[tuple[str, str | None]] = []
    for (kind, body), following in zip(blocks, [*blocks[1:], ("", "")], strict=True):
        if kind == "markdown":
            cases.append((body, following[1] if following[0] == "text" else None))
    return cases


def test_the_readme_has_examples_and_counterexamples() -> None:
    cases = _readme_cases()
    assert sum(out is None for _, out in cases) >= 4
    assert sum(out is not None and "error:" in out for _, out in cases) >= 2
    assert sum(out is not None and "warning:" in out for _, out in cases) >= 1


@pytest.mark.parametrize(
    ("note", "output"),
    [pytest.param(note, out, id=f"{i}-{'refused' if out and 'error:' in out else 'warned' if out else 'accepted'}")
     for i, (note, out) in enumerate(_readme_cases(), start=1)],
)  # fmt: skip
def test_every_readme_example_gives_what_the_readme_says(
    note: str,
    output: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "meeting.md").write_text(note, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = main(["notes", "check", "meeting.md"])
    out, err = capsys.readouterr()
    if output is None:
        title = check_note(tmp_path / "meeting.md").document.title
        assert (code, out, err) == (0, f"ok meeting.md: {title}\n", "")
        return
    command, *expected = output.rstrip("\n").split("\n")
    assert command == "$ ctassist notes check meeting.md"
    assert (out + err).splitlines() == expected
    assert code == (2 if "error:" in output else 0)
