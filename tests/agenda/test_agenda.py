"""Agendas drafted from the shipped sources plus test notes, with the real models and Chroma.

One corpus, index and Assistant serve the whole module; each agenda is drafted once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn

from ctassist import Assistant, ConfigError, Settings
from ctassist.agenda import CHATHAM_HOUSE, Agenda, AgendaError, AgendaRequest, minimum_minutes
from ctassist.embed import Encoder
from tests.helpers import SHIPPED_CORPUS

MEETING = "2026-12-10"
STANDARD_BEFORE = ["welcome", "apologies", "declarations", "minutes"]
STANDARD_AFTER = ["aob", "next_meeting"]


def note(group: str, date: str, actions: list[tuple[str, str, str, str | None]], body: str) -> str:
    lines = ["---", f"group: {group}", f"date: {date}", f'title: "Prevent {group} reference group: {date}"']
    lines += ["attendees:", '  - "Chair (HMICFRS)"', "actions:"]
    for action, owner, status, due in actions:
        lines += [f'  - action: "{action}"', f'    owner: "{owner}"', f"    status: {status}"]
        if due:
            lines.append(f"    due: {due}")
    return "\n".join([*lines, "---", "", body, ""])


NOTES = {
    # An older user meeting: its open action was superseded by the later notes.
    "notes/2026-06-01-user.md": note(
        "user",
        "2026-06-01",
        [("Draft the terms of reference", "Secretariat", "open", "2026-06-30")],
        "## Discussion\n\nThe Department for Education said that schools rarely hear back from the police "
        "after making a Prevent referral.\n",
    ),
    # The latest user meeting before the planned date: two open actions, one done.
    "notes/2026-09-01-user.md": note(
        "user",
        "2026-09-01",
        [
            ("Write to the NPCC about Prevent training records", "Chair (HMICFRS)", "open", "2026-10-15"),
            (
                "Summarise partner feedback on Channel panels",
                "Department of Health and Social Care",
                "open",
                None,
            ),
            ("Book the venue for the next meeting", "Secretariat", "done", None),
        ],
        "## Discussion\n\nThe Department of Health and Social Care said that health staff found vetting "
        "requirements a barrier to sharing information with the police.\n",
    ),
    # Held on the planned date: not a "previous" meeting for that date.
    "notes/2026-12-10-user.md": note(
        "user",
        MEETING,
        [("Circulate the same-day summary", "Secretariat", "open", None)],
        "## Discussion\n\nThe group heard a same-day update on Prevent training for officers.\n",
    ),
    "notes/2026-08-15-public.md": note(
        "public",
        "2026-08-15",
        [
            ("Invite a parent-representative to present", "Secretariat", "open", "2026-11-01"),
            ("Publish the meeting summary", "Chair (HMICFRS)", "done", None),
        ],
        "## Discussion\n\nAn academic said that families often do not know what happens after a referral.\n",
    ),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("agenda") / "corpus"
    shutil.copytree(SHIPPED_CORPUS / "sources", root / "sources")
    for relative, text in NOTES.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def assistant(corpus: Path, encoder: Encoder) -> Iterator[Assistant]:
    settings = Settings.from_env(environ={}, corpus_dir=corpus, index_dir=corpus.parent / "index")
    made = Assistant(settings=settings, encoder=encoder)
    report = made.index()
    assert report.ok and len(report.added) == 8 + len(NOTES)
    yield made
    if made._store is not None:
        made._store.client.close()


@pytest.fixture(scope="module")
def agendas(assistant: Assistant) -> dict[str, Agenda]:
    return {
        "user": assistant.draft_agenda(
            group="user", date=MEETING, duration_minutes=90, chair="Chair (HMICFRS)"
        ),
        "public": assistant.draft_agenda(
            group="public", date=MEETING, duration_minutes=120, start_time="14:00"
        ),
    }


def source_questions() -> list[str]:
    """The four questions, read from the shipped file (the agenda must find them itself)."""
    text = (SHIPPED_CORPUS / "sources" / "counter-terrorism-inspections.txt").read_text(encoding="utf-8")
    return [line.strip().lstrip("• ").strip() for line in text.splitlines() if line.strip().startswith("•")]


def check_citations(assistant: Assistant, corpus: Path, agenda: Agenda) -> None:
    """Every quote is verbatim ``document.text[start:end]``, found in the file itself, and
    one number always means one quote."""
    seen: dict[int, tuple[str, int, int]] = {}
    for item in agenda.items:
        for citation in item.citations:
            document = assistant.document(citation.doc)
            assert document.text[citation.start : citation.end] == citation.quote
            assert citation.quote in (corpus / citation.doc).read_text(encoding="utf-8")
            assert seen.setdefault(citation.n, (citation.doc, citation.start, citation.end)) == (
                citation.doc,
                citation.start,
                citation.end,
            )
        numbers = {c.n for c in item.citations}
        for prompt in item.prompts:
            assert {int(n) for n in re.findall(r"\[(\d+)\]", prompt)} <= numbers, prompt
    assert sorted(seen) == list(range(1, len(seen) + 1))
    assert [c.n for c in agenda.sources] == sorted(seen)


@pytest.mark.parametrize("group", ["user", "public"])
def test_standard_items_in_order_and_the_four_questions(agendas: dict[str, Agenda], group: str) -> None:
    agenda = agendas[group]
    kinds = [item.kind for item in agenda.items]
    assert kinds == [*STANDARD_BEFORE, *["discussion"] * 4, *STANDARD_AFTER]
    assert [item.number for item in agenda.items] == list(range(1, 11))
    titles = [item.title for item in agenda.items]
    assert titles[:4] == [
        "Welcome and introductions",
        "Apologies",
        "Declarations of interest",
        "Minutes of the last meeting and matters arising",
    ]
    assert titles[4:8] == source_questions()
    assert titles[8:] == ["Any other business", "Date of the next meeting"]


@pytest.mark.parametrize("group", ["user", "public"])
def test_discussion_items_are_cited_verbatim(
    assistant: Assistant, corpus: Path, agendas: dict[str, Agenda], group: str
) -> None:
    agenda = agendas[group]
    check_citations(assistant, corpus, agenda)
    discussion = [item for item in agenda.items if item.kind == "discussion"]
    for item in discussion:
        assert 2 <= len(item.prompts) <= 4, item.prompts
        assert item.source is not None
        origin = next(c for c in item.citations if c.n == item.source)
        assert origin.quote == item.title and origin.doc == "sources/counter-terrorism-inspections.txt"
        evidence = [c for c in item.citations if c.n != item.source]
        assert evidence, f"no evidence cited for {item.title!r}"
        for citation in evidence:
            assert not citation.quote.endswith("?")
            assert any(f"“{citation.quote}” [{citation.n}]" in p for p in item.prompts)
    # Items are spread over the corpus rather than all quoting one sentence.
    first_evidence = {next(c.n for c in i.citations if c.n != i.source) for i in discussion}
    assert len(first_evidence) >= 3


def test_prompts_are_fitted_to_the_group(agendas: dict[str, Agenda]) -> None:
    def questions(agenda: Agenda) -> list[str]:
        return [
            re.sub(r"^.*\[\d+\]\s*", "", prompt)
            for item in agenda.items
            if item.kind == "discussion"
            for prompt in item.prompts
        ]

    user, public = (list(filter(None, questions(agendas[g]))) for g in ("user", "public"))
    assert len(user) >= 8 and len(public) >= 8
    assert not set(user) & set(public)
    assert all(re.search(r"\byour (staff|sector|organisation)\b|\bpartner", q) for q in user), user
    assert all(re.search(r"\b(public|communit|famil|parent|people)", q) for q in public), public


@pytest.mark.parametrize("group", ["user", "public"])
def test_timings_add_up_to_the_duration(agendas: dict[str, Agenda], group: str) -> None:
    agenda = agendas[group]
    assert sum(item.minutes for item in agenda.items) == agenda.duration_minutes
    clock = agenda.start_time
    for item in agenda.items:
        assert item.start == clock
        clock = item.end
    assert clock == agenda.end_time == {"user": "11:30", "public": "16:00"}[group]
    discussion = sum(item.minutes for item in agenda.items if item.kind == "discussion")
    assert discussion > agenda.duration_minutes * 0.6


def test_user_matters_arising_are_the_open_actions_of_the_latest_notes(agendas: dict[str, Agenda]) -> None:
    item = agendas["user"].items[3]
    text = "\n".join(item.prompts)
    actions = [p for p in item.prompts if p.startswith("Open action:")]
    assert len(actions) == 2
    assert (
        "Write to the NPCC about Prevent training records (owner: Chair (HMICFRS); due 2026-10-15)"
        in actions[0]
    )
    assert (
        "Summarise partner feedback on Channel panels (owner: Department of Health and Social Care)"
        in actions[1]
    )
    for absent in (
        "Book the venue",  # done
        "Draft the terms of reference",  # an older meeting
        "Circulate the same-day summary",  # not before the planned date
        "Invite a parent-representative",  # the other group
    ):
        assert absent not in text
    assert "“Prevent user reference group: 2026-09-01”" in text
    assert "notes/2026-09-01-user.md" not in text  # the path is for the secretariat: a drafting note
    assert any("notes/2026-09-01-user.md" in n for n in agendas["user"].notes)
    assert {c.doc for c in item.citations} == {"notes/2026-09-01-user.md"}


def test_public_matters_arising(agendas: dict[str, Agenda]) -> None:
    item = agendas["public"].items[3]
    actions = [p for p in item.prompts if p.startswith("Open action:")]
    assert actions == [
        f"Open action: Invite a parent-representative to present (owner: Secretariat; due 2026-11-01) "
        f"[{item.citations[0].n}]"
    ]
    assert "Publish the meeting summary" not in "\n".join(item.prompts)


def test_notes_of_the_other_group_or_later_dates_are_never_cited(agendas: dict[str, Agenda]) -> None:
    for group, agenda in agendas.items():
        docs = {c.doc for item in agenda.items for c in item.citations if c.doc.startswith("notes/")}
        assert all(d.endswith(f"-{group}.md") for d in docs), docs
        assert "notes/2026-12-10-user.md" not in docs


def test_welcome_describes_the_group_and_the_rule(agendas: dict[str, Agenda]) -> None:
    user, public = agendas["user"].items[0], agendas["public"].items[0]
    assert "Welcome from the chair (HMICFRS)." in user.prompts
    assert re.search(r"education and health", " ".join(user.prompts))
    assert re.search(r"academics, think tanks, and parent-representatives", " ".join(public.prompts))
    assert CHATHAM_HOUSE in user.prompts and CHATHAM_HOUSE in public.prompts
    assert user.citations and public.citations


def test_to_dict_is_the_json_contract(agendas: dict[str, Agenda]) -> None:
    data = json.loads(json.dumps(agendas["user"].to_dict()))
    assert (data["group"], data["date"], data["duration_minutes"], data["chair"]) == (
        "user",
        MEETING,
        90,
        "Chair (HMICFRS)",
    )
    for item in data["items"]:
        assert isinstance(item["number"], int) and isinstance(item["minutes"], int)
        assert re.fullmatch(r"\d\d:\d\d", item["start"])
        assert all(isinstance(p, str) for p in item["prompts"])
        for citation in item["citations"]:
            assert {"n", "doc", "title", "quote"} <= set(citation)
    assert isinstance(data["notes"], list) and all(isinstance(n, str) for n in data["notes"])


@pytest.mark.parametrize("group", ["user", "public"])
def test_docx_reopens_with_the_same_items(agendas: dict[str, Agenda], group: str, tmp_path: Path) -> None:
    agenda = agendas[group]
    document = docx.Document(str(agenda.to_docx(tmp_path / f"{group}.docx")))
    rows = document.tables[0].rows
    assert [r.cells[2].text for r in rows[1:]] == [item.title for item in agenda.items]
    assert [r.cells[1].text for r in rows[1:]] == [f"{i.start}–{i.end}" for i in agenda.items]
    assert [int(r.cells[3].text) for r in rows[1:]] == [i.minutes for i in agenda.items]
    texts = [p.text for p in document.paragraphs]
    assert f"Group: {agenda.group_name}" in texts
    assert "Date: Thursday 10 December 2026" in texts
    assert "Sources" in texts
    for citation in agenda.sources:
        assert f"“{citation.quote}”" in texts


def test_markdown_lists_every_item_and_source(agendas: dict[str, Agenda]) -> None:
    agenda = agendas["public"]
    text = agenda.to_markdown(drafting_notes=True)
    for item in agenda.items:
        assert f"## {item.number}. {item.title}" in text
    for citation in agenda.sources:
        assert f"[{citation.n}] {citation.title} ({citation.doc}" in text
    assert "**Time:** 14:00–16:00 (120 minutes)" in text


def test_focus_topics_and_a_topic_the_corpus_lacks(assistant: Assistant, corpus: Path) -> None:
    agenda = assistant.draft_agenda(
        group="user",
        date=MEETING,
        duration_minutes=60,
        focus=["Information sharing between partners and the police", "Lunar mining licences"],
        chatham_house=False,
    )
    check_citations(assistant, corpus, agenda)
    sharing, lunar = (item for item in agenda.items if item.kind == "discussion")
    assert sharing.title == "Information sharing between partners and the police"
    assert sharing.citations and sharing.source is None
    assert any("information sharing" in c.quote for c in sharing.citations)
    assert lunar.citations == () and len(lunar.prompts) >= 2
    assert not any("[" in p for p in lunar.prompts)
    assert any("holds no sources for “Lunar mining licences”" in n for n in agenda.notes)
    assert CHATHAM_HOUSE not in agenda.to_markdown()
    assert sum(i.minutes for i in agenda.items) == 60


def test_notes_of_the_group_feed_the_discussion(assistant: Assistant, corpus: Path) -> None:
    agenda = assistant.draft_agenda(
        group="user",
        date=MEETING,
        duration_minutes=60,
        focus="Do schools hear back from the police after a referral?",
    )
    check_citations(assistant, corpus, agenda)
    item = next(i for i in agenda.items if i.kind == "discussion")
    notes = [c for c in item.citations if c.doc.startswith("notes/")]
    assert [c.doc for c in notes] == ["notes/2026-06-01-user.md"]
    assert any(p.startswith("The notes of the 2026-06-01 meeting record: “") for p in item.prompts)


def test_without_previous_notes_says_so(assistant: Assistant) -> None:
    agenda = assistant.draft_agenda(
        group="public", date="2026-01-01", duration_minutes=45, focus="Public confidence"
    )
    item = agenda.items[3]
    message = "No previous meeting notes on record for the public reference group."
    assert item.prompts == (message,)
    assert message in agenda.notes


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"group": "private"}, r"^group: must be 'public' or 'user'"),
        ({"group": "user", "date": "10/12/2026"}, r"^date: must be a date as YYYY-MM-DD"),
        ({"group": "user", "start_time": "25:00"}, r"^start_time: "),
        ({"group": "user", "duration_minutes": 0}, r"^duration_minutes: must be a positive"),
        (
            {"group": "user", "duration_minutes": 10},
            r"^duration_minutes: 10 minutes is too short .* minimum is \d+ minutes",
        ),
        ({"group": "public", "duration_minutes": 20, "focus": "Channel"}, r"minimum is \d+ minutes"),
    ],
)
def test_impossible_requests_are_clear_errors(
    assistant: Assistant, kwargs: dict[str, Any], pattern: str
) -> None:
    with pytest.raises(AgendaError, match=pattern) as caught:
        assistant.draft_agenda(**kwargs)
    assert isinstance(caught.value, ConfigError)


def test_an_empty_index_is_a_clear_error(corpus: Path, encoder: Encoder, tmp_path: Path) -> None:
    settings = Settings.from_env(environ={}, corpus_dir=corpus, index_dir=tmp_path / "empty-index")
    empty = Assistant(settings=settings, encoder=encoder)
    try:
        with pytest.raises(AgendaError, match="the index is empty: run `ctassist index` first"):
            empty.draft_agenda(group="user", focus="Channel")
    finally:
        if empty._store is not None:
            empty._store.client.close()


def _docx_texts(document: Any) -> list[str]:
    """Every paragraph of the body, the tables, the headers and the footers."""
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        texts += [p.text for p in (*section.header.paragraphs, *section.footer.paragraphs)]
    return texts


def _field_codes(part: Any) -> list[str]:
    return [node.text.strip() for node in part._element.iter(qn("w:instrText"))]


@pytest.mark.parametrize("group", ["user", "public"])
def test_docx_is_fit_to_circulate(agendas: dict[str, Agenda], group: str, tmp_path: Path) -> None:
    agenda = agendas[group]
    before = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    path = agenda.to_docx(
        tmp_path / "agenda.docx", author="HMICFRS Prevent team", marking="OFFICIAL-SENSITIVE"
    )
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    document = docx.Document(str(path))

    for section in document.sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
        assert [p.text for p in section.header.paragraphs if p.text] == ["OFFICIAL-SENSITIVE"]
        assert [p.text for p in section.footer.paragraphs if p.text] == ["Page 1 of 1"]  # until Word updates
        assert _field_codes(section.footer) == ["PAGE", "NUMPAGES"]

    properties = document.core_properties
    assert properties.title == agenda.title
    assert properties.author == properties.last_modified_by == "HMICFRS Prevent team"
    created = properties.created.replace(tzinfo=None)
    assert before <= created <= after
    assert properties.modified.replace(tzinfo=None) == created
    template = " ".join(
        str(getattr(properties, name) or "")
        for name in ("author", "comments", "keywords", "last_modified_by", "subject", "title")
    )
    assert "python-docx" not in template

    texts = _docx_texts(document)
    joined = "\n".join(texts)
    assert "sources/" not in joined and "notes/" not in joined  # no file paths ...
    assert "Drafting notes" not in texts and not any(n in joined for n in agenda.notes)  # ... nor notes
    for citation in agenda.sources:  # the sources are still named and quoted
        assert f"“{citation.quote}”" in texts
        assert any(t.startswith(f"[{citation.n}] {citation.title}") for t in texts)


def test_docx_with_drafting_notes_keeps_paths_and_notes(agendas: dict[str, Agenda], tmp_path: Path) -> None:
    agenda = agendas["user"]
    assert agenda.notes
    document = docx.Document(str(agenda.to_docx(tmp_path / "notes.docx", drafting_notes=True)))
    texts = _docx_texts(document)
    joined = "\n".join(texts)
    assert "Drafting notes" in texts
    assert all(note in texts for note in agenda.notes)
    assert all(citation.doc in joined for citation in agenda.sources)
    # Author and marking default to the settings' defaults.
    assert document.core_properties.author == "HMICFRS"
    assert [p.text for p in document.sections[0].header.paragraphs if p.text] == ["OFFICIAL"]


def test_docx_author_and_marking_come_from_the_settings(
    agendas: dict[str, Agenda], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CTASSIST_AGENDA_AUTHOR", "Prevent inspection secretariat")
    monkeypatch.setenv("CTASSIST_AGENDA_MARKING", "OFFICIAL-SENSITIVE")
    document = docx.Document(str(agendas["public"].to_docx(tmp_path / "a.docx")))
    assert document.core_properties.author == "Prevent inspection secretariat"
    assert [p.text for p in document.sections[0].header.paragraphs if p.text] == ["OFFICIAL-SENSITIVE"]
    monkeypatch.setenv("CTASSIST_AGENDA_MARKING", "")
    with pytest.raises(ConfigError, match="CTASSIST_AGENDA_MARKING: must be one line"):
        agendas["public"].to_docx(tmp_path / "b.docx")
    assert not (tmp_path / "b.docx").exists()


@pytest.mark.parametrize("group", ["user", "public"])
def test_no_facilitator_question_is_asked_twice(agendas: dict[str, Agenda], group: str) -> None:
    asked = [
        question
        for item in agendas[group].items
        if item.kind == "discussion"
        for prompt in item.prompts
        if (question := re.sub(r"^.*\[\d+\]\s*", "", prompt))
    ]
    assert len(asked) >= 8
    assert len(asked) == len(set(asked)), asked


@pytest.mark.parametrize("group", ["user", "public"])
def test_no_word_is_doubled_in_the_agenda_s_own_words(agendas: dict[str, Agenda], group: str) -> None:
    agenda = agendas[group]
    quotes = [c.quote for c in agenda.sources]
    own = [
        text
        for item in agenda.items
        for text in (item.title, *item.prompts)
        if not any(quote in text for quote in quotes)
    ]
    assert own
    for text in own:
        assert not re.search(r"\b(\w+)\b[\s,;:]+\b\1\b", text, re.IGNORECASE), text


@pytest.mark.parametrize(
    ("group", "date", "focus"),
    [("user", MEETING, None), ("public", "2026-01-01", ["Public confidence", "Channel"])],
)
def test_minimum_minutes_is_the_shortest_meeting_accepted(
    assistant: Assistant, group: str, date: str, focus: list[str] | None
) -> None:
    minimum = minimum_minutes(assistant, AgendaRequest(group=group, date=date, focus=tuple(focus or ())))
    with pytest.raises(AgendaError, match=rf"the minimum is {minimum} minutes") as caught:
        assistant.draft_agenda(group=group, date=date, duration_minutes=minimum - 1, focus=focus)
    assert caught.value.field == "duration_minutes"
    assert caught.value.reason.startswith(f"{minimum - 1} minutes is too short")
    agenda = assistant.draft_agenda(group=group, date=date, duration_minutes=minimum, focus=focus)
    assert sum(item.minutes for item in agenda.items) == minimum
