"""Meeting-note front matter through the real loader: the format of corpus/notes/README.md,
its records with their lines, and its error messages (field and line, all at once)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from ctassist import LoadError, NoteFormatError
from ctassist.errors import SHOWN_CHARS, NoteProblem
from ctassist.load import GROUPS, Action, LoadedDocument, load_bytes, load_document, parse_note_header
from ctassist.load._note_model import FIELDS
from ctassist.load._notes import ALIASES_REFUSED, MAX_DEPTH, parse_front_matter, split_front_matter
from tests.helpers import BILLION_LAUGHS, SHIPPED_CORPUS, note_text

#: A note with every kind of record, block and flow style, comments and a folded action.
FULL_NOTE = """---
group: user   # the user reference group
date: 2026-11-12
title: "Prevent user reference group: meeting 3"
attendees:
  - "Chair (HMICFRS)"
  - Department for Education representative
  - "NHS England safeguarding lead"
actions:
  - action: "Write to forces about referral feedback letters"
    owner: "Chair (HMICFRS)"
    status: open
    due: 2026-12-15
  # the venue was booked during the meeting
  - action: >-
      Circulate the draft inspection questions
      to both groups
    owner: Secretariat
    status: done
decisions: ["Meet again in February", "Invite Ofsted"]
---

## Discussion

The Department for Education representative said referral feedback letters were slow.
"""


def _load(tmp_path: Path, text: str, name: str = "2026-11-12-user.md") -> LoadedDocument:
    """The note written to a real file under notes/ and read by the real loader."""
    path = tmp_path / "corpus" / "notes" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return load_document(path, tmp_path / "corpus")


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(NoteFormatError) as caught:
        _load(tmp_path, text)
    assert caught.value.path == "notes/2026-11-12-user.md"
    return [str(p) for p in caught.value.problems]


def test_valid_note_header() -> None:
    text = note_text()
    header, body_start = parse_note_header("notes/2024-03-05.md", text)
    assert (header.group, header.date, header.title) == (
        "public",
        "2024-03-05",
        "Prevent public reference group: meeting 1",
    )
    assert [a.role for a in header.attendees] == ["Chair (HMICFRS)", "Academic"]
    assert [(a.action, a.owner, a.status, a.due) for a in header.actions] == [
        ("Circulate the terms of reference", "Secretariat", "open", "2024-04-01")
    ]
    assert header.decisions == ()
    assert text[body_start:].startswith("\n## Discussion")


def test_every_record_keeps_its_lines_and_quotes_the_file_verbatim(tmp_path: Path) -> None:
    document = _load(tmp_path, FULL_NOTE)
    note = document.note
    assert note is not None
    file_text = (tmp_path / "corpus" / document.doc_id).read_text(encoding="utf-8")
    file_lines = file_text.split("\n")

    def quote(lines: object) -> tuple[int, int, str]:
        assert hasattr(lines, "start")
        text = document.text[lines.start : lines.end]  # type: ignore[attr-defined]
        assert text in file_text  # verbatim in the file itself
        return lines.first_line, lines.last_line, text  # type: ignore[attr-defined]

    assert [(a.role, quote(a.lines)) for a in note.attendees] == [
        ("Chair (HMICFRS)", (6, 6, '- "Chair (HMICFRS)"')),
        ("Department for Education representative", (7, 7, "- Department for Education representative")),
        ("NHS England safeguarding lead", (8, 8, '- "NHS England safeguarding lead"')),
    ]
    first, second = note.actions
    assert quote(first.lines) == (
        10,
        13,
        '- action: "Write to forces about referral feedback letters"\n'
        '    owner: "Chair (HMICFRS)"\n    status: open\n    due: 2026-12-15',
    )
    assert quote(first.field_lines.owner) == (11, 11, 'owner: "Chair (HMICFRS)"')
    assert quote(first.field_lines.status) == (12, 12, "status: open")
    assert first.field_lines.due is not None and quote(first.field_lines.due) == (13, 13, "due: 2026-12-15")
    # The comment line before the second action is not part of the first.
    assert second.action == "Circulate the draft inspection questions to both groups"
    assert quote(second.lines) == (
        15,
        19,
        "- action: >-\n      Circulate the draft inspection questions\n      to both groups\n"
        "    owner: Secretariat\n    status: done",
    )
    assert quote(second.field_lines.action)[:2] == (15, 17) and second.field_lines.due is None
    # Flow-style records share their line.
    assert [(d.text, quote(d.lines)) for d in note.decisions] == [
        ("Meet again in February", (20, 20, 'decisions: ["Meet again in February", "Invite Ofsted"]')),
        ("Invite Ofsted", (20, 20, 'decisions: ["Meet again in February", "Invite Ofsted"]')),
    ]
    assert quote(note.lines.group) == (2, 2, "group: user   # the user reference group")
    assert quote(note.lines.date) == (3, 3, "date: 2026-11-12")
    assert quote(note.lines.title)[:2] == (4, 4)
    assert quote(note.lines.front_matter)[:2] == (2, 20)
    for record in (*note.attendees, *note.actions, *note.decisions):
        lines = record.lines
        assert (
            file_lines[lines.first_line - 1]
            .strip()
            .startswith(document.text[lines.start : lines.end].split("\n")[0])
        )


def test_lines_hold_with_windows_line_endings_and_a_byte_order_mark(tmp_path: Path) -> None:
    document = _load(tmp_path, "\ufeff" + FULL_NOTE.replace("\n", "\r\n"))
    assert document.note is not None
    owner = document.note.actions[0].field_lines.owner
    assert (owner.first_line, document.text[owner.start : owner.end]) == (11, 'owner: "Chair (HMICFRS)"')


def test_empty_attendees_and_actions_are_allowed() -> None:
    header, _ = parse_note_header("notes/a.md", note_text(group="user", attendees=" []", actions=" []"))
    assert (header.group, header.attendees, header.actions, header.decisions) == ("user", (), (), ())
    without_actions = "\n".join(
        line for line in note_text().split("\n") if not line.startswith(("actions:", "  -", "    "))
    )
    header, _ = parse_note_header("notes/a.md", without_actions.replace("attendees:", "attendees: []"))
    assert header.actions == ()


def test_action_without_due_date() -> None:
    actions = '\n  - action: "Write to the Home Office"\n    owner: "Chair (HMICFRS)"\n    status: done'
    header, _ = parse_note_header("notes/a.md", note_text(actions=actions))
    (action,) = header.actions
    assert isinstance(action, Action)
    assert (action.action, action.owner, action.status, action.due) == (
        "Write to the Home Office",
        "Chair (HMICFRS)",
        "done",
        None,
    )


def test_a_due_date_on_the_meeting_day_is_allowed() -> None:
    actions = '\n  - action: "A"\n    owner: "Secretariat"\n    status: open\n    due: 2024-03-05'
    header, _ = parse_note_header("notes/a.md", note_text(actions=actions))
    assert header.actions[0].due == "2024-03-05"


def _without_line(text: str, prefix: str) -> str:
    return "\n".join(line for line in text.split("\n") if not line.startswith(prefix))


ONE_ACTION = '\n  - action: "A"\n    owner: "Secretariat"\n    status: open'


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (_without_line(note_text(), "group:"), "lines 2-11: field 'group' is missing (public or user)"),
        (note_text(group="private"), "line 2: field 'group' must be 'public' or 'user', got 'private'"),
        (note_text(group='""'), "line 2: field 'group' must be non-empty text"),
        (_without_line(note_text(), "date:"), "lines 2-11: field 'date' is missing (YYYY-MM-DD)"),
        (note_text(date="05/03/2024"), "line 3: field 'date' must be a date as YYYY-MM-DD, got '05/03/2024'"),
        (note_text(date="2024-3-5"), "line 3: field 'date' must be a date as YYYY-MM-DD, got '2024-3-5'"),
        (note_text(date="March 2024"), "line 3: field 'date' must be a date as YYYY-MM-DD, got 'March 2024'"),
        (note_text(date="2024-13-01"), "line 3: field 'date' must be a date as YYYY-MM-DD, got '2024-13-01'"),
        (note_text(date="2024-02-30"), "line 3: field 'date' must be a date as YYYY-MM-DD, got '2024-02-30'"),
        (_without_line(note_text(), "title:"), "lines 2-11: field 'title' is missing"),
        (
            _without_line(note_text(attendees=" []"), "attendees:"),
            "lines 2-9: field 'attendees' is missing (a list of roles; write [] if none were recorded)",
        ),
        (
            note_text(attendees=""),
            "line 5: field 'attendees' has no value: list the attendees' roles, or write [] if none were recorded",
        ),
        (note_text(attendees=" Chair"), "line 5: field 'attendees' must be a list of roles"),
        (note_text(attendees='\n  - "Chair"\n  - ""'), "line 7: field 'attendees[2]' must be non-empty text"),
        (note_text(actions=" later"), "line 8: field 'actions' must be a list"),
        (
            note_text(actions="\n  - just text"),
            "line 9: field 'actions[1]' must be a mapping with action, owner, status",
        ),
        (
            note_text(actions='\n  - action: "Write a report"\n    status: open'),
            "lines 9-10: field 'actions[1].owner' is missing",
        ),
        (
            note_text(actions='\n  - action: "Write a report"\n    owner: ""\n    status: open'),
            "line 10: field 'actions[1].owner' must be non-empty text",
        ),
        (
            note_text(actions='\n  - owner: "Secretariat"\n    status: open'),
            "lines 9-10: field 'actions[1].action' is missing",
        ),
        (
            note_text(actions=ONE_ACTION + '\n  - action: "B"\n    owner: "Secretariat"\n    status: closed'),
            "line 14: field 'actions[2].status' must be 'open' or 'done', got 'closed'",
        ),
        (
            note_text(actions=ONE_ACTION + "\n    due: soon"),
            "line 12: field 'actions[1].due' must be a date as YYYY-MM-DD, got 'soon'",
        ),
        (
            note_text(actions=ONE_ACTION + "\n    due: 2024-04-31"),
            "line 12: field 'actions[1].due' must be a date as YYYY-MM-DD, got '2024-04-31'",
        ),
        (
            note_text(actions=ONE_ACTION + "\n    due: 2024-03-04"),
            "line 12: field 'actions[1].due' is 2024-03-04, before the meeting's date (2024-03-05)",
        ),
        (
            note_text(actions=ONE_ACTION + "\n    due_date: 2024-04-01"),
            "line 12: field 'actions[1].due_date' is not a field of an action "
            "(the fields are: action, owner, status, due)",
        ),
        (
            note_text(attendees=" []\nlocation: Room 4"),
            "line 6: field 'location' is not a field of a note "
            "(the fields are: group, date, title, attendees, actions, decisions)",
        ),
        (
            note_text(attendees=' []\ntitle: "u"'),
            "line 6: field 'title' is given twice (first on line 4); give it once",
        ),
        (note_text(attendees=" []\ndecisions: agreed"), "line 6: field 'decisions' must be a list"),
        (
            note_text(attendees=' []\ndecisions:\n  - ""'),
            "line 7: field 'decisions[1]' must be non-empty text",
        ),
        ("## Discussion\n\nNo header at all.\n", "meeting notes must start with a front-matter header"),
        (
            "---\ngroup: [public\n---\n\nBody.\n",
            "line 2: front matter is not valid YAML (expected ',' or ']', but got the end of the front matter)",
        ),
        ("---\n- a list\n---\n\nBody.\n", "line 2: front matter must be a mapping of field: value"),
        (
            note_text(title="a\x07b"),
            "line 4: front matter is not valid YAML (special characters are not allowed)",
        ),
    ],
)
def test_malformed_header_names_the_field_and_line(text: str, reason: str) -> None:
    with pytest.raises(NoteFormatError) as caught:
        load_bytes("notes/2024-03-05.md", text.encode())
    assert caught.value.path == "notes/2024-03-05.md"
    assert caught.value.reason.startswith(reason), caught.value.reason
    assert str(caught.value) == f"notes/2024-03-05.md: {caught.value.reason}"


def test_all_problems_of_a_file_come_together_in_file_order(tmp_path: Path) -> None:
    text = """---
group: staff
date: 2026-09-01
title: ""
attendees:
  - "Chair (HMICFRS)"
  - ""
colour: blue
actions:
  - action: "A"
    status: pending
    due: 2026-08-01
  - just text
  - action: B
    owner: C
    status: open
    due_date: 2026-10-01
date: 2026-09-02
---

Body.
"""
    problems = _problems(tmp_path, text)
    assert problems == [
        "line 2: field 'group' must be 'public' or 'user', got 'staff'",
        "line 4: field 'title' must be non-empty text",
        "line 7: field 'attendees[2]' must be non-empty text",
        "line 8: field 'colour' is not a field of a note "
        "(the fields are: group, date, title, attendees, actions, decisions)",
        "lines 10-12: field 'actions[1].owner' is missing",
        "line 11: field 'actions[1].status' must be 'open' or 'done', got 'pending'",
        "line 12: field 'actions[1].due' is 2026-08-01, before the meeting's date (2026-09-02)",
        "line 13: field 'actions[2]' must be a mapping with action, owner, status",
        "line 17: field 'actions[3].due_date' is not a field of an action (the fields are: action, owner, status, due)",
        "line 18: field 'date' is given twice (first on line 3); give it once",
    ]
    with pytest.raises(NoteFormatError) as caught:
        _load(tmp_path, text)
    listed = [f"  - {p}" for p in problems]
    assert caught.value.full_reason == "\n".join(["10 problems in the front matter:", *listed])
    # An index report's reason stays short: the first problems, then how many more.
    reason = caught.value.reason.split("\n")
    assert reason[0] == "10 problems in the front matter:" and len(caught.value.reason) <= 560
    assert reason[1:-1] == listed[: len(reason) - 2] and reason[-1] == f"  - and {12 - len(reason)} more"


def test_a_meeting_in_the_future_is_refused_only_when_today_is_given() -> None:
    text = note_text(date="2026-12-03", actions=ONE_ACTION + "\n    due: 2026-12-01")
    with pytest.raises(NoteFormatError) as caught:
        parse_note_header("notes/a.md", text, today=dt.date(2026, 12, 2))
    assert caught.value.problems == (
        NoteProblem(
            3, 3, "date", "is 2026-12-03, in the future: notes record meetings that have taken place"
        ),
        NoteProblem(12, 12, "actions[1].due", "is 2026-12-01, before the meeting's date (2026-12-03)"),
    )
    today = note_text(date="2026-12-02", actions=ONE_ACTION)
    header, _ = parse_note_header("notes/a.md", today, today=dt.date(2026, 12, 2))
    assert header.date == "2026-12-02"  # the day itself is not the future
    # Indexing passes no date: a note stored once is never dropped as time passes.
    assert (
        load_bytes("notes/a.md", note_text(date="2999-01-01", actions=ONE_ACTION).encode()).note is not None
    )


def test_note_format_error_is_a_load_error() -> None:
    with pytest.raises(LoadError):
        load_bytes("notes/bad.md", note_text(group="everyone").encode())


def test_the_known_groups_are_the_agenda_groups() -> None:
    from ctassist.agenda import GROUPS as AGENDA_GROUPS

    assert set(AGENDA_GROUPS) == set(GROUPS) == {"public", "user"}


def test_loaded_note_carries_header_and_skips_it_in_headings() -> None:
    document = load_bytes("notes/2024-03-05.md", note_text().encode())
    assert document.kind == "notes"
    assert document.note is not None
    assert document.note.group == "public"
    assert document.title == "Prevent public reference group: meeting 1"
    assert document.body_start > 0
    assert [h.title for h in document.headings] == ["Discussion", "Decisions"]
    assert all(h.start >= document.body_start for h in document.headings)


def test_notes_must_be_markdown() -> None:
    with pytest.raises(LoadError) as caught:
        load_bytes("notes/minutes.txt", b"Minutes of the meeting.\n")
    assert caught.value.reason == "meeting notes must be Markdown (.md) with a front-matter header"


def test_note_with_header_only_has_no_text_to_index() -> None:
    with pytest.raises(LoadError) as caught:
        load_bytes("notes/empty-body.md", note_text(body="").encode())
    assert caught.value.reason == "no text to index (the file holds only a header or markup)"


def test_front_matter_of_a_source_file_gives_its_title_and_may_hold_dates() -> None:
    text = "---\ntitle: Front-matter title\npublished: 2024-02-30\n---\n# Heading title\n\nBody text.\n"
    document = load_bytes("sources/a.md", text.encode())
    assert document.title == "Front-matter title"
    assert document.text[document.body_start :].startswith("# Heading title")


def test_split_front_matter() -> None:
    assert split_front_matter("no header\n") == (None, 0)
    raw, body = split_front_matter("---\na: 1\n---\nbody")
    assert (raw, body) == ("a: 1\n", 13)
    assert parse_front_matter("a.md", raw) == {"a": 1}
    assert parse_front_matter("a.md", None) == {}


def test_the_readme_documents_every_field() -> None:
    readme = (SHIPPED_CORPUS / "notes" / "README.md").read_text(encoding="utf-8")
    tables = readme.split("### Header fields", 1)[1].split("### Roles, not names", 1)[0]
    documented = [row.split("`")[1] for row in tables.splitlines() if row.startswith("| `")]
    assert documented == [*FIELDS["note"], *FIELDS["action"]]
    for group in GROUPS:
        assert f"`{group}`" in tables


# --- hostile front matter -----------------------------------------------------------------


def test_billion_laughs_in_a_note_is_refused_at_once() -> None:
    text = note_text(date="*i").replace("---\n", f"---\n{BILLION_LAUGHS}", 1)
    assert len(text.split("\n---\n")[0]) < 700
    started = time.perf_counter()
    with pytest.raises(NoteFormatError) as caught:
        load_bytes("notes/laughs.md", text.encode())
    assert time.perf_counter() - started < 1
    assert caught.value.reason == f"line 2: {ALIASES_REFUSED}"  # the first anchor, nothing expanded
    assert str(caught.value) == f"notes/laughs.md: line 2: {ALIASES_REFUSED}"


def test_billion_laughs_in_a_source_file_is_refused() -> None:
    with pytest.raises(LoadError) as caught:
        load_bytes("sources/laughs.md", f"---\n{BILLION_LAUGHS}title: *i\n---\n\nBody text.\n".encode())
    assert caught.value.reason == "line 2: front matter uses YAML aliases/anchors, which are not allowed"


@pytest.mark.parametrize(
    ("front", "line"),
    [
        ("title: Hello\nother: *t\n", 3),  # a plain alias
        ("title: &t Hello\n", 2),  # an anchor alone
        ("base: {group: public}\nmeeting:\n  <<: *b\n", 4),  # a merge key is an alias too
        ("title: *undefined\n", 2),
    ],
)
def test_any_alias_or_anchor_is_refused(front: str, line: int) -> None:
    with pytest.raises(NoteFormatError) as caught:
        parse_front_matter("sources/a.md", front)
    assert caught.value.reason == f"line {line}: {ALIASES_REFUSED}"


@pytest.mark.parametrize(("depth", "ok"), [(MAX_DEPTH - 1, True), (MAX_DEPTH, False), (5000, False)])
def test_nesting_is_limited(depth: int, ok: bool) -> None:
    # The top-level mapping is one level, each list one more.
    block = "x: " + "[" * depth + "]" * depth + "\n"
    if ok:
        assert parse_front_matter("sources/deep.md", block)["x"] is not None
        return
    with pytest.raises(NoteFormatError) as caught:
        parse_front_matter("sources/deep.md", block)
    assert caught.value.reason == f"line 2: front matter is nested more than {MAX_DEPTH} levels deep"


def test_deep_block_nesting_is_refused_too() -> None:
    block = "".join(f"{'  ' * i}k{i}:\n" for i in range(5000)) + f"{'  ' * 5000}v\n"
    with pytest.raises(NoteFormatError) as caught:
        load_bytes("sources/deep.md", f"---\n{block}---\n\nBody text.\n".encode())
    # Refused where the 21st level opens, before reading further.
    assert caught.value.reason == f"line 21: front matter is nested more than {MAX_DEPTH} levels deep"


@pytest.mark.parametrize(
    ("field", "line", "text"),
    [
        ("date", 3, note_text(date="x" * 100_000)),
        ("date", 3, note_text(date="[" + ", ".join(["lol"] * 10_000) + "]")),
        ("group", 2, note_text(group="y" * 100_000)),
        (
            "actions[1].due",
            12,
            note_text(
                actions='\n  - action: "A"\n    owner: "B"\n    status: open\n    due: ' + "z" * 100_000
            ),
        ),
        (
            "actions[1].status",
            11,
            note_text(actions='\n  - action: "A"\n    owner: "B"\n    status: ' + "s" * 100_000),
        ),
    ],
)
def test_error_messages_show_at_most_an_excerpt_of_a_value(field: str, line: int, text: str) -> None:
    with pytest.raises(NoteFormatError) as caught:
        load_bytes("notes/long.md", text.encode())
    assert caught.value.reason.startswith(f"line {line}: field '{field}' must be")
    assert "characters)" in caught.value.reason
    assert len(caught.value.reason) < SHOWN_CHARS + 120


def test_invalid_yaml_message_is_short() -> None:
    with pytest.raises(NoteFormatError) as caught:
        parse_front_matter("sources/a.md", "title: 'unclosed " + "q" * 100_000 + "\n")
    assert caught.value.reason.startswith("line 2: front matter is not valid YAML (")
    assert len(caught.value.reason) < SHOWN_CHARS + 120


def test_huge_integer_is_invalid_yaml_not_a_crash() -> None:
    with pytest.raises(NoteFormatError) as caught:
        parse_front_matter("sources/a.md", "n: " + "9" * 5000 + "\n")
    assert caught.value.reason.startswith("line 2: front matter is not valid YAML (")
