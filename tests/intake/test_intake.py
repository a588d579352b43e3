"""Storing uploads and notes: validation first, safe generated names, no overwriting,
atomic writes and indexing at once (real models and Chroma)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ctassist import Assistant, ConfigError, LoadError, NoteFormatError, Settings
from ctassist.embed import Encoder
from ctassist.intake import AddedDocument, add_document, add_note, stored_name
from tests.helpers import SHIPPED_CORPUS

NAME = re.compile(r"^\d{8}-[0-9a-f]{10}-[a-z0-9-]{1,40}\.[a-z]+$")

NOTE = """---
group: user
date: 2026-09-01
title: "Prevent user reference group: meeting 2"
attendees:
  - "Chair (HMICFRS)"
  - "Department for Education"
actions:
  - action: "Write to the NPCC about Prevent training records"
    owner: "Chair (HMICFRS)"
    status: open
    due: 2026-10-15
  - action: "Book the venue"
    owner: "Secretariat"
    status: done
---

## Discussion

The Department for Education said that further education colleges wait about three weeks for police feedback on a Prevent referral.
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Assistant]:
    root = tmp_path_factory.mktemp("intake") / "corpus"
    (root / "sources").mkdir(parents=True)
    shutil.copy(SHIPPED_CORPUS / "sources" / "channel.md", root / "sources" / "channel.md")
    settings = Settings.from_env(environ={}, corpus_dir=root, index_dir=root.parent / "index")
    made = Assistant(settings=settings, encoder=encoder)
    assert made.index().ok
    yield made
    if made._store is not None:
        made._store.client.close()


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.fixture(scope="module")
def stored(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> AddedDocument:
    path = tmp_path_factory.mktemp("upload") / "Meeting 2 (user).md"
    path.write_text(NOTE, encoding="utf-8")
    return assistant.add_note(path)


def test_add_note_stores_and_indexes_at_once(assistant: Assistant, stored: AddedDocument) -> None:
    corpus = assistant.settings.corpus_dir
    assert stored.doc_id.startswith("notes/20260901-")
    assert NAME.match(stored.path.name) and stored.path.name.endswith("-meeting-2-user.md")
    assert stored.path == corpus / stored.doc_id
    assert stored.path.read_text(encoding="utf-8") == NOTE
    assert stored.kind == "notes" and stored.title == "Prevent user reference group: meeting 2"
    assert stored.report.added == [stored.doc_id] and stored.report.ok
    assert not [n for n in files(corpus / "notes") if n.startswith(".")], "temporary file left behind"
    record = {r.doc_id: r for r in assistant.documents()}[stored.doc_id]
    assert (record.kind, record.group, record.date) == ("notes", "user", "2026-09-01")
    # Stored with the mode of any file written here, not mkstemp's private 0600.
    plain = corpus / "notes" / ".mode-probe"
    plain.write_text("x", encoding="utf-8")
    try:
        assert stat.S_IMODE(stored.path.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)
    finally:
        plain.unlink()


def test_answers_can_be_limited_to_notes(assistant: Assistant, stored: AddedDocument) -> None:
    answer = assistant.ask(
        "How long do colleges wait for police feedback on a referral?", filters={"kind": "notes"}
    )
    assert not answer.abstained
    assert {c.doc for c in answer.citations} == {stored.doc_id}
    for citation in answer.citations:
        assert assistant.document(citation.doc).text[citation.start : citation.end] == citation.quote
        assert citation.quote in stored.path.read_text(encoding="utf-8")
    sources_only = assistant.ask("How long do colleges wait for police feedback?", filters={"kind": "source"})
    assert stored.doc_id not in {c.doc for c in sources_only.citations}


def test_the_same_note_twice_is_refused(assistant: Assistant, stored: AddedDocument, tmp_path: Path) -> None:
    again = tmp_path / "copy.md"
    again.write_text(NOTE, encoding="utf-8")
    before = files(stored.path.parent)
    with pytest.raises(LoadError, match=rf"already in the corpus as {re.escape(stored.doc_id)}"):
        assistant.add_note(again)
    # The same words with other white space (an extra space, Windows line endings) are the same note.
    again.write_bytes(NOTE.replace(". ", ".  ", 1).replace("\n", "\r\n").encode("utf-8"))
    with pytest.raises(LoadError, match=rf"already in the corpus as {re.escape(stored.doc_id)}"):
        assistant.add_note(again)
    assert files(stored.path.parent) == before


def test_a_malformed_header_names_the_field_and_writes_nothing(assistant: Assistant, tmp_path: Path) -> None:
    notes = assistant.settings.corpus_dir / "notes"
    before = files(notes)
    bad = tmp_path / "bad.md"
    bad.write_text(NOTE.replace("date: 2026-09-01", "date: 1 September 2026"), encoding="utf-8")
    with pytest.raises(NoteFormatError) as caught:
        add_note(assistant, bad)
    assert str(caught.value).startswith(f"{bad}: line 3: field 'date' must be a date as YYYY-MM-DD")
    missing_owner = tmp_path / "owner.md"
    missing_owner.write_text(NOTE.replace('    owner: "Secretariat"\n', ""), encoding="utf-8")
    with pytest.raises(NoteFormatError, match=r"lines 13-14: field 'actions\[2\]\.owner' is missing"):
        add_note(assistant, missing_owner)
    assert files(notes) == before


def test_missing_file_is_named(assistant: Assistant, tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"nothing\.md: no such file"):
        add_note(assistant, tmp_path / "nothing.md")


@pytest.mark.parametrize(
    "filename", ["../../evil.md", "..\\..\\evil.md", "/etc/passwd.md", "notes/../../x/evil.md"]
)
def test_client_paths_never_leave_the_notes_folder(assistant: Assistant, filename: str) -> None:
    corpus = assistant.settings.corpus_dir
    data = NOTE.replace("meeting 2", f"meeting {filename.encode().hex()}").encode()  # distinct bytes
    added = add_document(assistant, data, kind="notes", filename=filename)
    assert added.path.parent == corpus / "notes"
    assert NAME.match(added.path.name), added.path.name
    assert ".." not in added.doc_id and "\\" not in added.doc_id
    assert added.path.read_bytes() == data
    assert not (corpus.parent / "evil.md").exists() and not (corpus.parent.parent / "evil.md").exists()


def test_sources_keep_a_lower_cased_extension_and_a_slug(assistant: Assistant) -> None:
    data = b"# Brief\n\nThe Channel duty guidance was revised in October 2023 by the Home Office.\n"
    added = assistant.add_document(data, kind="source", filename="Report FINAL (v2).MD")
    today = dt.datetime.now(dt.UTC).date()
    assert added.doc_id.startswith(f"sources/{today:%Y%m%d}-")
    assert added.path.name.endswith("-report-final-v2.md")
    assert added.kind == "source" and added.report.added == [added.doc_id]


@pytest.mark.parametrize(
    ("kind", "filename", "data", "message"),
    [
        ("source", "tool.exe", b"MZ binary", "tool.exe: unsupported file type .exe"),
        ("notes", "note.txt", NOTE.encode(), "note.txt: meeting notes must be Markdown (.md)"),
        ("source", "empty.md", b"  \n", "empty.md: empty file"),
        ("source", "latin1.txt", "café".encode("latin-1"), "latin1.txt: not valid UTF-8"),
        (
            "notes",
            "plain.md",
            b"# Just a heading\n\nNo front matter.\n",
            "plain.md: meeting notes must start",
        ),
    ],
)
def test_unusable_uploads_are_refused_before_writing(
    assistant: Assistant, kind: str, filename: str, data: bytes, message: str
) -> None:
    corpus = assistant.settings.corpus_dir
    before = (files(corpus / "sources"), files(corpus / "notes"))
    with pytest.raises(LoadError) as caught:
        add_document(assistant, data, kind=kind, filename=filename)
    assert str(caught.value).startswith(message)
    assert (files(corpus / "sources"), files(corpus / "notes")) == before


def test_auto_stores_a_note_under_notes_and_says_it_detected_it(assistant: Assistant) -> None:
    data = NOTE.replace("meeting 2", "meeting 7").encode()
    added = add_document(assistant, data, kind="auto", filename="minutes.md")
    assert added.kind == "notes" and added.detected
    assert added.doc_id.startswith("notes/2026") and added.report.added == [added.doc_id]
    hits = assistant.retrieve("further education colleges police feedback", filters={"kind": "notes"})
    assert added.doc_id in {hit.doc_id for hit in hits}


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("brief.md", b"# Brief\n\nA source about the Channel panel, revised in 2026 for auto.\n"),
        # Front matter without a group is a source document's own (a title, say).
        ("titled.md", b"---\ntitle: Titled brief\n---\n\nA source with its own front matter.\n"),
        # A note's front matter in a file that is not Markdown is not a note.
        ("note-like.txt", NOTE.replace("meeting 2", "meeting 8").encode()),
    ],
)
def test_auto_stores_anything_else_as_a_source(assistant: Assistant, filename: str, data: bytes) -> None:
    added = add_document(assistant, data, kind="auto", filename=filename)
    assert added.kind == "source" and not added.detected
    assert added.doc_id.startswith("sources/")


def test_unknown_kind(assistant: Assistant) -> None:
    with pytest.raises(ConfigError, match="kind: must be 'auto', 'source' or 'notes', got 'minutes'"):
        add_document(assistant, NOTE.encode(), kind="minutes", filename="a.md")


def test_size_limit(assistant: Assistant, tmp_path: Path) -> None:
    small = Assistant(
        settings=Settings.from_env(
            environ={}, corpus_dir=assistant.settings.corpus_dir, index_dir=tmp_path, max_file_mb=0.001
        )
    )
    with pytest.raises(LoadError, match=r"big\.md: file is .* MB, over the limit of 0\.001 MB"):
        add_document(small, b"x" * 2000, kind="source", filename="big.md")


def test_an_existing_file_is_never_overwritten(assistant: Assistant) -> None:
    data = NOTE.replace("meeting 2", "meeting 3").encode()
    notes = assistant.settings.corpus_dir / "notes"
    name = stored_name(day=dt.date(2026, 9, 1), data=data, filename="m3.md", extension=".md", fallback="note")
    squatter = notes / name
    squatter.write_bytes(b"someone else's file")  # e.g. written between our check and our write
    try:
        with pytest.raises(LoadError, match="nothing was overwritten"):
            add_document(assistant, data, kind="notes", filename="m3.md")
        assert squatter.read_bytes() == b"someone else's file"
        assert not [n for n in files(notes) if n.startswith(".")]
    finally:
        squatter.unlink()


def test_stored_name_is_safe() -> None:
    name = stored_name(
        day=dt.date(2026, 12, 10),
        data=b"x",
        filename="../../Évil Nöte!!.md",
        extension=".md",
        fallback="note",
    )
    assert name == "20261210-2d711642b7-vil-n-te.md"
    assert stored_name(
        day=dt.date(2026, 1, 2), data=b"x", filename="....md", extension=".md", fallback="note"
    ).endswith("-note.md")
    long = stored_name(
        day=dt.date(2026, 1, 2), data=b"x", filename="a" * 100 + ".md", extension=".md", fallback="note"
    )
    assert NAME.match(long) and len(long.split("-", 2)[2]) == 40 + len(".md")


def test_remove_document_moves_it_out_and_drops_its_passages(assistant: Assistant) -> None:
    data = b"# Leaving brief\n\nThe fieldwork in Cumbria was postponed to the spring of 2027.\n"
    added = assistant.add_document(data, kind="source", filename="leaving.md")
    assert any(p.doc_id == added.doc_id for p in assistant.retrieve("fieldwork in Cumbria postponed"))
    removed = assistant.remove_document(added.doc_id)
    assert not added.path.exists() and removed.kept.read_bytes() == data
    assert removed.kept.parent == assistant.settings.index_dir / "deleted"
    assert removed.report.removed == [added.doc_id]
    assert added.doc_id not in {r.doc_id for r in assistant.documents()}
    assert all(p.doc_id != added.doc_id for p in assistant.retrieve("fieldwork in Cumbria postponed"))


@pytest.mark.parametrize("doc_id", ["sources/chanel.md", "../outside.md", "sources/../../index/x", ""])
def test_remove_document_refuses_what_is_not_a_corpus_file(assistant: Assistant, doc_id: str) -> None:
    corpus = assistant.settings.corpus_dir
    before = files(corpus / "sources")
    with pytest.raises(LoadError, match="no such document in the corpus") as caught:
        assistant.remove_document(doc_id)
    if doc_id == "sources/chanel.md":
        assert re.search(r"did you mean [^?]*\bsources/channel\.md\b", str(caught.value))
    assert files(corpus / "sources") == before
