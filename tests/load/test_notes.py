"""Meeting-note front matter: the format of corpus/notes/README.md and its error messages."""

from __future__ import annotations

import time

import pytest

from ctassist import LoadError, NoteFormatError
from ctassist.errors import SHOWN_CHARS
from ctassist.load import Action, load_bytes, parse_note_header
from ctassist.load._notes import ALIASES_REFUSED, MAX_DEPTH, parse_front_matter, split_front_matter
from tests.helpers import BILLION_LAUGHS, SHIPPED_CORPUS, note_text


def test_valid_note_header() -> None:
    text = note_text()
    header, body_start = parse_note_header("notes/2024-03-05.md", text)
    assert header.group == "public"
    assert header.date == "2024-03-05"
    assert header.title == "Prevent public reference group: meeting 1"
    assert header.attendees == ("Chair (HMICFRS)", "Academic")
    assert header.actions == (
        Action(
            action="Circulate the terms of reference", owner="Secretariat", status="open", due="2024-04-01"
        ),
    )
    assert text[body_start:].startswith("\n## Discussion")


def test_empty_attendees_and_actions_are_allowed() -> None:
    header, _ = parse_note_header("notes/a.md", note_text(group="user", attendees=" []", actions=" []"))
    assert (header.group, header.attendees, header.actions) == ("user", (), ())


def test_action_without_due_date() -> None:
    actions = '\n  - action: "Write to the Home Office"\n    owner: "Chair (HMICFRS)"\n    status: done'
    header, _ = parse_note_header("notes/a.md", note_text(actions=actions))
    assert header.actions == (Action("Write to the Home Office", "Chair (HMICFRS)", "done", None),)


def _without_line(text: str, prefix: str) -> str:
    return "\n".join(line for line in text.split("\n") if not line.startswith(prefix))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (_without_line(note_text(), "group:"), "field 'group' is missing"),
        (note_text(group="private"), "field 'group' must be 'public' or 'user', got 'private'"),
        (note_text(group='""'), "field 'group' must be non-empty text"),
        (_without_line(note_text(), "date:"), "field 'date' is missing (YYYY-MM-DD)"),
        (note_text(date="05/03/2024"), "field 'date' must be a date as YYYY-MM-DD, got '05/03/2024'"),
        (note_text(date="2024-3-5"), "field 'date' must be a date as YYYY-MM-DD, got '2024-3-5'"),
        (note_text(date="March 2024"), "field 'date' must be a date as YYYY-MM-DD, got 'March 2024'"),
        (note_text(date="2024-13-01"), "field 'date' must be a date as YYYY-MM-DD, got '2024-13-01'"),
        (note_text(date="2024-02-30"), "field 'date' must be a date as YYYY-MM-DD, got '2024-02-30'"),
        (_without_line(note_text(), "title:"), "field 'title' is missing"),
        (_without_line(note_text(attendees=" []"), "attendees:"), "field 'attendees' is missing"),
        (note_text(attendees=" Chair"), "field 'attendees' must be a list of roles"),
        (note_text(attendees='\n  - ""'), "field 'attendees' must be a list of roles"),
        (note_text(actions=" later"), "field 'actions' must be a list"),
        (
            note_text(actions="\n  - just text"),
            "field 'actions[1]' must be a mapping with action, owner, status",
        ),
        (
            note_text(actions='\n  - action: "Write a report"\n    status: open'),
            "field 'actions[1].owner' is missing",
        ),
        (
            note_text(actions='\n  - action: "Write a report"\n    owner: ""\n    status: open'),
            "field 'actions[1].owner' must be non-empty text",
        ),
        (
            note_text(actions='\n  - owner: "Secretariat"\n    status: open'),
            "field 'actions[1].action' is missing",
        ),
        (
            note_text(
                actions='\n  - action: "A"\n    owner: "Secretariat"\n    status: open'
                '\n  - action: "B"\n    owner: "Secretariat"\n    status: closed'
            ),
            "field 'actions[2].status' must be 'open' or 'done', got 'closed'",
        ),
        (
            note_text(actions='\n  - action: "A"\n    owner: "Secretariat"\n    status: open\n    due: soon'),
            "field 'actions[1].due' must be a date as YYYY-MM-DD, got 'soon'",
        ),
        (
            note_text(
                actions='\n  - action: "A"\n    owner: "Secretariat"\n    status: open\n    due: 2024-04-31'
            ),
            "field 'actions[1].due' must be a date as YYYY-MM-DD, got '2024-04-31'",
        ),
        ("## Discussion\n\nNo header at all.\n", "meeting notes must start with a front-matter header"),
        ("---\ngroup: [public\n---\n\nBody.\n", "front matter is not valid YAML"),
        ("---\n- a list\n---\n\nBody.\n", "front matter must be a mapping of field: value"),
    ],
)
def test_malformed_header_names_the_field(text: str, reason: str) -> None:
    with pytest.raises(NoteFormatError) as caught:
        parse_note_header("notes/2024-03-05.md", text)
    assert caught.value.path == "notes/2024-03-05.md"
    assert caught.value.reason.startswith(reason), caught.value.reason
    assert str(caught.value) == f"notes/2024-03-05.md: {caught.value.reason}"


def test_note_format_error_is_a_load_error() -> None:
    with pytest.raises(LoadError):
        load_bytes("notes/bad.md", note_text(group="everyone").encode())


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


def test_readme_example_is_a_valid_note() -> None:
    readme = (SHIPPED_CORPUS / "notes" / "README.md").read_text()
    example = readme.split("```markdown\n", 1)[1].split("```\n", 1)[0]
    header, _ = parse_note_header("notes/example.md", example)
    assert header.group == "public"
    assert header.date == "2000-01-01"
    assert [a.status for a in header.actions] == ["open", "done"]


# --- hostile front matter -----------------------------------------------------------------


def test_billion_laughs_in_a_note_is_refused_at_once() -> None:
    text = note_text(date="*i").replace("---\n", f"---\n{BILLION_LAUGHS}", 1)
    assert len(text.split("\n---\n")[0]) < 700
    started = time.perf_counter()
    with pytest.raises(NoteFormatError) as caught:
        load_bytes("notes/laughs.md", text.encode())
    assert time.perf_counter() - started < 1
    assert caught.value.reason == ALIASES_REFUSED
    assert str(caught.value) == f"notes/laughs.md: {ALIASES_REFUSED}"


def test_billion_laughs_in_a_source_file_is_refused() -> None:
    with pytest.raises(LoadError) as caught:
        load_bytes("sources/laughs.md", f"---\n{BILLION_LAUGHS}title: *i\n---\n\nBody text.\n".encode())
    assert caught.value.reason == "front matter uses YAML aliases/anchors, which are not allowed"


@pytest.mark.parametrize(
    "front",
    [
        "title: &t Hello\nother: *t\n",  # a plain alias
        "title: &t Hello\n",  # an anchor alone
        "base: &b {group: public}\nmeeting:\n  <<: *b\n",  # a merge key is an alias too
        "title: *undefined\n",
    ],
)
def test_any_alias_or_anchor_is_refused(front: str) -> None:
    with pytest.raises(NoteFormatError) as caught:
        parse_front_matter("sources/a.md", front)
    assert caught.value.reason == ALIASES_REFUSED


@pytest.mark.parametrize(("depth", "ok"), [(MAX_DEPTH - 1, True), (MAX_DEPTH, False), (5000, False)])
def test_nesting_is_limited(depth: int, ok: bool) -> None:
    # The top-level mapping is one level, each list one more.
    block = "x: " + "[" * depth + "]" * depth + "\n"
    if ok:
        assert parse_front_matter("sources/deep.md", block)["x"] is not None
        return
    with pytest.raises(NoteFormatError) as caught:
        parse_front_matter("sources/deep.md", block)
    assert caught.value.reason == f"front matter is nested more than {MAX_DEPTH} levels deep"


def test_deep_block_nesting_is_refused_too() -> None:
    block = "".join(f"{'  ' * i}k{i}:\n" for i in range(5000)) + f"{'  ' * 5000}v\n"
    with pytest.raises(NoteFormatError) as caught:
        load_bytes("sources/deep.md", f"---\n{block}---\n\nBody text.\n".encode())
    assert caught.value.reason == f"front matter is nested more than {MAX_DEPTH} levels deep"


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("date", note_text(date="x" * 100_000)),
        ("date", note_text(date="[" + ", ".join(["lol"] * 10_000) + "]")),
        ("group", note_text(group="y" * 100_000)),
        (
            "actions[1].due",
            note_text(
                actions='\n  - action: "A"\n    owner: "B"\n    status: open\n    due: ' + "z" * 100_000
            ),
        ),
        (
            "actions[1].status",
            note_text(actions='\n  - action: "A"\n    owner: "B"\n    status: ' + "s" * 100_000),
        ),
    ],
)
def test_error_messages_show_at_most_an_excerpt_of_a_value(field: str, text: str) -> None:
    with pytest.raises(NoteFormatError) as caught:
        load_bytes("notes/long.md", text.encode())
    assert caught.value.reason.startswith(f"field '{field}' must be")
    assert "characters)" in caught.value.reason
    assert len(caught.value.reason) < SHOWN_CHARS + 120


def test_invalid_yaml_message_is_short() -> None:
    with pytest.raises(NoteFormatError) as caught:
        parse_front_matter("sources/a.md", "title: 'unclosed " + "q" * 100_000 + "\n")
    assert caught.value.reason.startswith("front matter is not valid YAML (")
    assert len(caught.value.reason) < SHOWN_CHARS + 120


def test_huge_integer_is_invalid_yaml_not_a_crash() -> None:
    with pytest.raises(NoteFormatError) as caught:
        parse_front_matter("sources/a.md", "n: " + "9" * 5000 + "\n")
    assert caught.value.reason.startswith("front matter is not valid YAML (")
