"""Questions about meeting records, through the real index, embedding model and classifier.

The notes of ``tests/records/notes`` (two user-group meetings, one public-group meeting)
are indexed with the shipped sources; every answer is checked by the note lines it cites.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ctassist import Assistant, Settings
from ctassist.cli import format_answer
from ctassist.embed import Encoder
from ctassist.types import Answer, Citation
from tests.helpers import SHIPPED_CORPUS

NOTES = Path(__file__).parent / "notes"
NOV, SEP, PUB = "notes/2026-11-12-user.md", "notes/2026-09-03-user.md", "notes/2026-10-08-public.md"
USER_NOTES = {NOV, SEP}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("records") / "corpus"
    shutil.copytree(SHIPPED_CORPUS / "sources", root / "sources")
    shutil.copytree(NOTES, root / "notes")
    return root


@pytest.fixture(scope="module")
def assistant(corpus: Path, encoder: Encoder) -> Iterator[Assistant]:
    settings = Settings.from_env(environ={}, corpus_dir=corpus, index_dir=corpus.parent / "index")
    made = Assistant(settings=settings, encoder=encoder)  # the session's model, loaded once
    assert made.index().ok
    yield made
    if made._store is not None:
        made._store.client.close()


def lines_of(corpus: Path, citation: Citation) -> tuple[str, int, int]:
    """The note and lines a citation quotes, checked to be the file's text verbatim."""
    text = (corpus / citation.doc).read_text(encoding="utf-8")
    assert text[citation.start : citation.end] == citation.quote
    return citation.doc, text.count("\n", 0, citation.start) + 1, text.count("\n", 0, citation.end) + 1


def cited(corpus: Path, answer: Answer) -> set[tuple[str, int, int]]:
    return {lines_of(corpus, c) for c in answer.citations}


def test_open_actions_of_the_readme_example(assistant: Assistant, corpus: Path) -> None:
    answer = assistant.ask("What actions are open?", filters={"kind": "notes", "group": "user"})
    assert answer.mode == "records" and not answer.abstained
    assert cited(corpus, answer) == {(NOV, 12, 15), (NOV, 16, 19), (SEP, 10, 13)}
    assert "Draft a template for referral feedback letters to schools" in answer.text
    assert answer.scope["group"] == "user"
    assert answer.scope_text == "Searched: notes of the Prevent user reference group"
    data = answer.to_dict()
    assert data["mode"] == "records" and data["scope"]["text"] == "notes of the Prevent user reference group"


def test_owner_and_due_date_of_an_action_found_by_its_topic(assistant: Assistant, corpus: Path) -> None:
    answer = assistant.ask("Who owns the action on referral feedback letters, and when is it due?")
    assert answer.mode == "records"
    assert cited(corpus, answer) == {(NOV, 12, 15)}
    assert "Home Office Prevent policy lead" in answer.text and "2027-01-29" in answer.text


def test_attendees_of_a_meeting_in_a_month(assistant: Assistant, corpus: Path) -> None:
    answer = assistant.ask("Who attended the user reference group meeting in November 2026?")
    assert answer.mode == "records"
    assert cited(corpus, answer) == {(NOV, 6, 10)}
    for role in ("Chair (HMICFRS)", "NHS England safeguarding lead", "Home Office Prevent policy lead"):
        assert role in answer.text
    assert answer.scope["period"] == "November 2026"
    assert answer.scope_text == "Searched: notes of the Prevent user reference group, November 2026"


def test_what_an_attendee_raised_is_answered_from_the_note(assistant: Assistant, corpus: Path) -> None:
    answer = assistant.ask("What did the NHS representative raise?")
    assert not answer.abstained
    text = (corpus / NOV).read_text(encoding="utf-8").splitlines()
    raised = text.index(next(line for line in text if "safeguarding lead raised" in line)) + 1
    assert any(doc == NOV and first <= raised <= last for doc, first, last in cited(corpus, answer))


def test_a_group_named_in_a_question_never_gets_the_other_groups_notes(assistant: Assistant) -> None:
    for question in (
        "What did the public reference group say about police training?",
        "What did the public group say about families?",
        "What did the public reference group discuss about referrals?",
    ):
        answer = assistant.ask(question)
        docs = {c.doc for c in (*answer.citations, *answer.closest)} | {p.doc_id for p in answer.passages}
        assert not docs & USER_NOTES, (question, docs)
        assert answer.scope["group"] == "public"


def test_a_group_with_no_open_actions_says_exactly_that(assistant: Assistant) -> None:
    answer = assistant.ask("What open actions does the public group have?")
    assert answer.mode == "records" and answer.citations == ()
    assert answer.text == "The public group's notes record no open actions."


def test_done_actions(assistant: Assistant, corpus: Path) -> None:
    answer = assistant.ask("Which actions of the user group have been completed?")
    assert cited(corpus, answer) == {(NOV, 20, 22), (SEP, 14, 16)}


def test_open_actions_of_an_owner(assistant: Assistant, corpus: Path) -> None:
    answer = assistant.ask("What open actions does the Secretariat own?")
    assert cited(corpus, answer) == {(NOV, 16, 19)}


def test_when_a_group_last_met(assistant: Assistant, corpus: Path) -> None:
    answer = assistant.ask("When did the public group last meet?")
    assert cited(corpus, answer) == {(PUB, 3, 3)}
    assert "2026-10-08" in answer.text


def test_decisions_of_a_month(assistant: Assistant, corpus: Path) -> None:
    answer = assistant.ask("What did the user group decide in November 2026?")
    assert cited(corpus, answer) == {(NOV, 24, 24), (NOV, 25, 25)}


def test_outstanding_from_the_last_meeting(assistant: Assistant, corpus: Path) -> None:
    answer = assistant.ask("What is still outstanding from the last meeting of the user group?")
    assert cited(corpus, answer) == {(NOV, 12, 15), (NOV, 16, 19)}


def test_attendees_of_the_last_meeting_written_in_flow_style(assistant: Assistant, corpus: Path) -> None:
    answer = assistant.ask("Who attended the public group's last meeting?")
    assert cited(corpus, answer) == {(PUB, 5, 5)}
    assert "Parent-representative" in answer.text


def test_actions_due_in_a_month(assistant: Assistant, corpus: Path) -> None:
    answer = assistant.ask("Which actions are due in December 2026?")
    assert cited(corpus, answer) == {(NOV, 16, 19)}
    assert answer.scope["by_due"] is True


def test_a_month_without_meetings_says_so(assistant: Assistant) -> None:
    answer = assistant.ask("Who attended the user group meeting in March 2026?")
    assert answer.text == "The user group's notes of March 2026 record no meeting."
    assert answer.citations == ()


def test_decisions_of_a_group(assistant: Assistant, corpus: Path) -> None:
    answer = assistant.ask("Which decisions did the public group make?")
    assert cited(corpus, answer) == {(PUB, 11, 11)}


def test_cli_shows_the_scope(assistant: Assistant) -> None:
    answer = assistant.ask("When did the public group last meet?")
    assert "Searched: notes of the Prevent public reference group, latest meeting" in format_answer(answer)


def test_agenda_matters_arising_are_chat_open_actions(assistant: Assistant, corpus: Path) -> None:
    agenda = assistant.draft_agenda(group="user", date="2026-12-10", duration_minutes=120)
    matters = next(item for item in agenda.items if item.kind == "minutes")
    agenda_lines = {lines_of(corpus, c) for c in matters.citations}
    chat = assistant.ask("What is still outstanding from the last meeting of the user group?")
    assert agenda_lines == cited(corpus, chat) == {(NOV, 12, 15), (NOV, 16, 19)}


def test_a_group_without_indexed_notes_says_so(make_corpus, make_assistant) -> None:  # type: ignore[no-untyped-def]
    corpus = make_corpus(
        {"notes/2026-11-12-user.md": (NOTES / "2026-11-12-user.md").read_text(encoding="utf-8")}
    )
    assistant = make_assistant(corpus.root)
    assistant.index()
    answer = assistant.ask("What open actions does the public group have?")
    assert answer.text == "No notes of the Prevent public reference group are indexed."
    assert answer.mode == "records" and answer.citations == ()


def test_notes_indexed_without_records_are_named(make_corpus, make_assistant) -> None:  # type: ignore[no-untyped-def]
    corpus = make_corpus(
        {"notes/2026-11-12-user.md": (NOTES / "2026-11-12-user.md").read_text(encoding="utf-8")}
    )
    assistant = make_assistant(corpus.root)
    assistant.index()
    # As an index written before records were stored holds it: the first chunk without them.
    store = assistant.store
    chunk_id, metadata = next(iter(store.iter_metadata(where={"chunk_index": 0})))
    metadata["note_records"] = None  # Chroma removes a key set to None
    store.collection.update(ids=[chunk_id], metadatas=[metadata])
    book = assistant.records()
    assert book.meetings == () and book.unreadable == ("notes/2026-11-12-user.md",)
    answer = assistant.ask("What open actions does the user group have?")
    assert answer.text == (
        "No notes of the Prevent user reference group are indexed. 1 note was indexed without "
        "their records: run `ctassist index --rebuild` to read them."
    )
