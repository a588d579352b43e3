"""The conversation store (real SQLite) and the chat's conversation handlers (a scripted assistant)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pytest

from ctassist import CtassistError
from tests.ui.test_app import FakeAssistant, _answer, _citation
from ui._chat import COPY_LINK, ChatSessions, messages_for
from ui._conversations import (
    FEEDBACK_COLUMNS,
    ConversationStore,
    csv_cell,
    docx_export,
    export_feedback,
    markdown_export,
    turn_from_json,
    turn_to_json,
)
from ui._handlers import Handlers
from ui._render import PASSAGE_PLACEHOLDER, ChatState, Turn

CITED = Turn(
    question="Who can refer a person to a Channel panel?",
    text="Only the police can refer a person to a Channel panel. [1]",
    citations=(_citation(1, page=3),),
)


@pytest.fixture
def store(tmp_path: Path) -> ConversationStore:
    return ConversationStore.beside_index(tmp_path / "index")


def test_a_turn_round_trips_with_its_citations() -> None:
    abstained = Turn(
        question="Cake?", text="Not covered.", abstained=True, closest=(_citation(2, kind="notes"),)
    )
    for turn in (CITED, abstained, Turn(question="x", error="boom")):
        assert turn_from_json(turn_to_json(turn)) == turn


def test_saved_conversation_lists_and_reopens_for_its_user_only(store: ConversationStore) -> None:
    ana = store.create("ana", CITED.question)
    position = store.add_turn("ana", ana, CITED, "<p>rendered</p>")
    assert position == 0
    assert store.path.name == "conversations.sqlite3" and store.path.parent.name == "index"

    listed = store.conversations("ana")
    assert [(c.id, c.title, c.turns) for c in listed] == [(ana, CITED.question, 1)]
    assert store.turns("ana", ana) == [CITED]
    with sqlite3.connect(store.path) as db:  # the rendered answer is kept as shown
        assert db.execute("SELECT answer_html FROM turns").fetchone() == ("<p>rendered</p>",)

    # Another user neither lists, reads, extends, renames, rates nor deletes it.
    assert store.conversations("ben") == []
    assert store.turns("ben", ana) is None and not store.owns("ben", ana)
    with pytest.raises(CtassistError, match="does not exist"):
        store.add_turn("ben", ana, CITED, "")
    with pytest.raises(CtassistError, match="does not exist"):
        store.rename("ben", ana, "mine")
    with pytest.raises(CtassistError, match="does not exist"):
        store.set_feedback("ben", ana, 0, 1)
    assert store.delete("ben", ana) is False
    assert store.turns("ana", ana) == [CITED] and store.title("ana", ana) == CITED.question


def test_most_recent_conversation_is_listed_first(store: ConversationStore) -> None:
    first = store.create("ana", "first")
    second = store.create("ana", "second")
    store.add_turn("ana", first, CITED, "")
    assert [c.title for c in store.conversations("ana")] == ["first", "second"]
    assert {c.id for c in store.conversations("ana")} == {first, second}


def _rows(store: ConversationStore, table: str) -> int:
    with sqlite3.connect(store.path) as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_rename_delete_restore_and_purge(store: ConversationStore) -> None:
    cid = store.create("ana", "What is\n  Prevent?")
    assert store.title("ana", cid) == "What is Prevent?"
    assert store.rename("ana", cid, "  Prevent   basics ") == "Prevent basics"
    assert store.title("ana", cid) == "Prevent basics"
    with pytest.raises(CtassistError, match="empty"):
        store.rename("ana", cid, "   ")
    store.add_turn("ana", cid, CITED, "")
    store.set_feedback("ana", cid, 0, -1, "wrong page")

    # Deleted: gone from every read and write, but kept for Undo.
    assert store.delete("ana", cid) is True and store.delete("ana", cid) is False
    assert store.conversations("ana") == [] and store.turns("ana", cid) is None
    assert store.title("ana", cid) is None and not store.owns("ana", cid)
    assert store.feedback() == [] and store.drop_last_turn("ana", cid) is None
    with pytest.raises(CtassistError, match="does not exist"):
        store.add_turn("ana", cid, CITED, "")
    with pytest.raises(CtassistError, match="does not exist"):
        store.rename("ana", cid, "back")
    assert store.restore("ben", cid) is False  # not another user's to restore

    # Restored as it was: title, turns and feedback.
    assert store.restore("ana", cid) is True and store.restore("ana", cid) is False
    assert [(c.title, c.turns) for c in store.conversations("ana")] == [("Prevent basics", 1)]
    assert [r["comment"] for r in store.feedback()] == ["wrong page"]

    # Purged: only deleted conversations, only the user's when named, only old ones when asked.
    kept = store.create("ana", "kept")
    bens = store.create("ben", "ben's")
    store.delete("ana", cid)
    store.delete("ben", bens)
    assert store.purge("ana", older_than=dt.timedelta(minutes=5)) == 0
    assert store.purge("ana") == 1
    assert store.restore("ana", cid) is False  # too late
    assert (_rows(store, "turns"), _rows(store, "feedback")) == (0, 0)  # its turns and feedback went with it
    assert [c.id for c in store.conversations("ana")] == [kept]
    assert store.purge() == 1 and store.restore("ben", bens) is False


def test_a_store_from_before_undo_gains_the_deleted_column(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE conversations (id TEXT PRIMARY KEY, user TEXT NOT NULL, title TEXT NOT NULL, "
            "created TEXT NOT NULL, updated TEXT NOT NULL)"
        )
        db.execute("INSERT INTO conversations VALUES ('old', 'ana', 'Old chat', '2026-01-01', '2026-01-01')")
    db.close()
    store = ConversationStore(path)
    assert [c.title for c in store.conversations("ana")] == ["Old chat"]
    assert store.delete("ana", "old") and store.conversations("ana") == []
    assert store.restore("ana", "old") and store.title("ana", "old") == "Old chat"


def test_drop_last_turn_removes_it_and_its_feedback(store: ConversationStore) -> None:
    cid = store.create("ana", "q")
    store.add_turn("ana", cid, Turn(question="first", text="a"), "")
    store.add_turn("ana", cid, CITED, "")
    store.set_feedback("ana", cid, 1, 1)
    assert store.drop_last_turn("ana", cid) == CITED
    assert [t.question for t in store.turns("ana", cid) or []] == ["first"]
    assert store.feedback() == []
    assert store.drop_last_turn("ben", cid) is None


def test_feedback_is_stored_updated_and_checked(store: ConversationStore) -> None:
    cid = store.create("ana", "q")
    store.add_turn("ana", cid, CITED, "")
    with pytest.raises(CtassistError, match="rate the answer"):
        store.set_feedback("ana", cid, 0, None, "comment first")
    with pytest.raises(CtassistError, match="no answer number 2"):
        store.set_feedback("ana", cid, 1, 1)
    with pytest.raises(CtassistError, match="1 or -1"):
        store.set_feedback("ana", cid, 0, 5)
    store.set_feedback("ana", cid, 0, 1)
    store.set_feedback("ana", cid, 0, None, "  clear and sourced ")
    [row] = store.feedback()
    assert (row["user"], row["turn"], row["rating"], row["comment"]) == ("ana", 1, "up", "clear and sourced")
    assert row["question"] == CITED.question and row["answer"] == CITED.text
    assert "sources/channel.md" in row["sources"]
    store.set_feedback("ana", cid, 0, -1)  # changing the thumb keeps the comment
    assert [(r["rating"], r["comment"]) for r in store.feedback()] == [("down", "clear and sourced")]
    assert store.feedback("ben") == []
    with pytest.raises(CtassistError, match="does not exist"):
        store.withdraw_feedback("ben", cid, 0)  # another user cannot withdraw it
    assert store.withdraw_feedback("ana", cid, 0) is True  # the thumb clicked again
    assert store.feedback() == [] and store.withdraw_feedback("ana", cid, 0) is False


def test_feedback_csv_neutralises_formulas(store: ConversationStore, tmp_path: Path) -> None:
    cid = store.create("ana", "q")
    store.add_turn(
        "ana", cid, Turn(question="=cmd|' /C calc'!A0", text='+1 answer, with "quotes"\nand lines'), ""
    )
    store.set_feedback("ana", cid, 0, -1, "@SUM(A1:A9)")
    out = io.StringIO(newline="")
    assert store.write_feedback_csv(out) == 1
    header, row = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert tuple(header) == FEEDBACK_COLUMNS
    cells = dict(zip(header, row, strict=True))
    assert cells["question"] == "'=cmd|' /C calc'!A0"
    assert cells["answer"] == '\'+1 answer, with "quotes"\nand lines'
    assert cells["comment"] == "'@SUM(A1:A9)" and cells["rating"] == "down"
    assert [csv_cell(v) for v in ("-2+3", "\tx", "plain", 7)] == ["'-2+3", "'\tx", "plain", "7"]

    written = tmp_path / "feedback.csv"
    assert export_feedback(store.path, written) == 1
    assert written.read_text(encoding="utf-8").splitlines()[0] == ",".join(FEEDBACK_COLUMNS)
    with pytest.raises(CtassistError, match="no conversation store"):
        export_feedback(tmp_path / "missing.sqlite3", written)


def test_browser_secret_is_kept_private_and_stable(store: ConversationStore) -> None:
    secret = store.browser_secret()
    assert len(secret) == 64 and store.browser_secret() == secret
    key = store.path.with_suffix(".key")
    assert key.parent == store.path.parent and key.stat().st_mode & 0o777 == 0o600


def test_a_corrupt_store_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(CtassistError, match=r"conversations\.sqlite3: the conversation store cannot be used"):
        ConversationStore(path).conversations("ana")


def test_markdown_export_keeps_sources_and_quotes_as_text() -> None:
    evil = Turn(question="<b>Who</b>?", text="Police [1]", citations=(_citation(1, title="T *x*", page=4),))
    text = markdown_export("My *chat*", [evil, Turn(question="q", error="server down")])
    assert text.startswith("# My \\*chat\\*\n")
    assert "## 1. \\<b\\>Who\\</b\\>?" in text
    assert "1. T \\*x\\* — Referral · page 4 (sources/channel.md)" in text
    assert "   > Only the police can refer a person to a Channel panel." in text
    assert "*Could not answer:* server down" in text


def test_docx_export_is_a4_with_properties_and_sources(tmp_path: Path) -> None:
    import docx

    control = Turn(question="Who?\x07", text="Police [1]\x0b", citations=(_citation(1, page=4),))
    path = tmp_path / "chat.docx"
    docx_export("Channel <referrals>", [control, Turn(question="q", error="down")], path, author="ana")
    document = docx.Document(str(path))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (
        document.core_properties.title == "Channel <referrals>" and document.core_properties.author == "ana"
    )
    text = "\n".join(p.text for p in document.paragraphs)
    assert "1. Who?" in text and "Police [1]" in text and "\x07" not in text
    assert "[1] Channel <guidance> — Referral · page 4 (sources/channel.md)" in text
    assert "Only the police can refer a person to a Channel panel." in text
    assert "Could not answer: down" in text


# --- the chat's handlers ------------------------------------------------------------------------


def _sessions(tmp_path: Path) -> tuple[ChatSessions, FakeAssistant]:
    fake = FakeAssistant(
        answers={
            CITED.question: _answer(CITED.text, CITED.citations),
            "And who chairs it?": _answer("The local authority chairs it. [1]", (_citation(1),)),
        }
    )
    handlers = Handlers(fake, output_dir=tmp_path / "out")
    (tmp_path / "out").mkdir()
    return ChatSessions(handlers, ConversationStore(tmp_path / "c.sqlite3"), tmp_path / "out"), fake


def _request(user: str | None) -> Any:
    return SimpleNamespace(username=user)


def test_ask_saves_each_turn_and_a_reload_reopens_it(tmp_path: Path) -> None:
    sessions, fake = _sessions(tmp_path)
    ana = _request("ana")
    *streaming, last = list(sessions.ask(CITED.question, "all", ChatState(), "", ana))
    assert streaming and all(
        step[3] == {"__type__": "update"} for step in streaming
    )  # id unchanged meanwhile
    messages, state, box, cid, listing, title, export, export_docx, notice = last
    assert cid and box == "" and notice == "" and title == CITED.question
    assert listing["choices"] == [(CITED.question, cid)] and listing["value"] == cid
    assert listing["info"] == "Select one to reopen it."
    assert COPY_LINK in messages[-1]["content"] and "ct-sources" in messages[-1]["content"]
    assert export == export_docx == {"__type__": "update", "interactive": True}

    *_, last = sessions.ask("And who chairs it?", "all", state, cid, ana)
    assert last[3] == cid and len(sessions.store.turns("ana", cid) or []) == 2
    assert fake.asked[-1][1] == [(CITED.question, CITED.text)]  # the follow-up saw the conversation

    reopened = sessions.restore(cid, ana)
    assert [t.question for t in reopened[1].turns] == [CITED.question, "And who chairs it?"]
    assert reopened[0] == messages_for(reopened[1])
    # Another user's browser holding that id gets a new, empty conversation.
    other = sessions.restore(cid, _request("ben"))
    assert other[1].turns == [] and other[2] == "" and other[3]["choices"] == []
    # Without sign-in there is one local user.
    *_, local = sessions.ask(CITED.question, "all", ChatState(), "", None)
    assert sessions.store.conversations("local")[0].id == local[3]


def test_exports_are_written_only_when_asked_for(tmp_path: Path) -> None:
    import docx

    sessions, _ = _sessions(tmp_path)
    ana = _request("ana")
    out = tmp_path / "out"
    assert sessions.export("md", "", ChatState(), ana)[0] is None  # nothing to export yet
    *_, last = sessions.ask(CITED.question, "all", ChatState(), "", ana)
    *_, last = sessions.ask("And who chairs it?", "all", last[1], last[3], ana)
    state, cid = last[1], last[3]
    assert sorted(out.rglob("*")) == []  # answering wrote no export

    path, notice = sessions.export("md", cid, state, ana)
    assert path is not None and notice == ""
    text = Path(path).read_text(encoding="utf-8")
    assert Path(path).name == "Who-can-refer-a-person-to-a-Channel-panel.md"
    assert f"## 1. {CITED.question}" in text and "## 2. And who chairs it?" in text
    assert "(sources/channel.md)" in text and "   > Only the police can refer" in text
    path, notice = sessions.export("docx", cid, state, ana)
    assert path is not None and notice == ""
    paragraphs = [p.text for p in docx.Document(path).paragraphs]
    assert "2. And who chairs it?" in paragraphs and any("sources/channel.md" in p for p in paragraphs)
    assert docx.Document(path).core_properties.author == "ana"
    assert len([p for p in out.rglob("*") if p.is_file()]) == 2

    (out / "blocked").write_text("", encoding="utf-8")
    sessions.output_dir = out / "blocked"  # a file, not a folder: the export cannot be written
    path, notice = sessions.export("md", cid, state, ana)
    assert path is None and "Not exported" in notice


def test_new_chat_keeps_the_old_one_and_regenerate_replaces_the_last_answer(tmp_path: Path) -> None:
    sessions, fake = _sessions(tmp_path)
    ana = _request("ana")
    *_, last = sessions.ask(CITED.question, "all", ChatState(), "", ana)
    cid = last[3]
    fresh = sessions.new(ana)
    assert fresh[0] == [] and fresh[1].turns == [] and fresh[2] == ""
    assert fresh[3]["choices"] == [(CITED.question, cid)] and fresh[3]["value"] is None

    *_, again = sessions.regenerate("all", last[1], cid, ana)
    assert [q for q, *_ in fake.asked] == [CITED.question, CITED.question]
    assert fake.asked[-1][1] == []  # asked afresh, not as a follow-up of itself
    assert again[3] == cid and len(sessions.store.turns("ana", cid) or []) == 1


def test_rename_and_feedback_through_the_handlers(tmp_path: Path) -> None:
    import gradio as gr

    sessions, _ = _sessions(tmp_path)
    ana = _request("ana")
    *_, last = sessions.ask(CITED.question, "all", ChatState(), "", ana)
    cid = last[3]
    listing, title, notice = sessions.rename(cid, "Channel referrals", ana)
    assert title == "Channel referrals" and listing["choices"] == [("Channel referrals", cid)]
    assert "Not renamed" in sessions.rename(cid, " ", ana)[2]

    liked = gr.LikeData(None, {"index": 1, "value": "x", "liked": False})
    notice, row, rated, download = sessions.like(cid, liked, ana)
    assert rated == 0 and row["visible"] is True and "not helpful" in notice
    notice, box, row, download = sessions.comment(cid, rated, "=wrong source", ana)
    assert "recorded" in notice and box == ""
    exported = Path(download["value"]).read_text(encoding="utf-8")
    assert "'=wrong source" in exported and ",down," in exported
    assert "Not recorded" in sessions.like(cid, liked, _request("ben"))[0]
    assert (
        "Not withdrawn"
        in sessions.like(cid, gr.LikeData(None, {"index": 1, "value": "x", "liked": None}), _request("ben"))[
            0
        ]
    )
    assert len(sessions.store.feedback("ana")) == 1
    # The same thumb clicked again: Gradio sends no rating, and the saved one goes too.
    withdrawn = gr.LikeData(None, {"index": 1, "value": "x", "liked": None})
    notice, row, rated, _ = sessions.like(cid, withdrawn, ana)
    assert "withdrawn" in notice and row["visible"] is False and rated is None
    assert sessions.store.feedback("ana") == []


def test_delete_offers_undo_until_the_next_action(tmp_path: Path) -> None:
    sessions, _ = _sessions(tmp_path)
    ana = _request("ana")
    *_, last = sessions.ask(CITED.question, "all", ChatState(), "", ana)
    cid = last[3]
    # Another user cannot delete it; deleting a new, unsaved chat says there is nothing to delete.
    *_, notice, row, _, pending, _ = sessions.delete(cid, _request("ben"))
    assert "no longer exists" in notice and row["visible"] is False and pending == ""
    assert "nothing to delete" in sessions.delete("", ana)[7]

    messages, state, current, listing, *_, notice, row, text, pending, passage = sessions.delete(cid, ana)
    assert messages == [] and state.turns == [] and current == "" and listing["choices"] == []
    assert passage == PASSAGE_PLACEHOLDER  # the deleted conversation's passage is not left open
    assert row["visible"] is True and text == f"Deleted “{CITED.question}”." and pending == cid
    assert sessions.store.conversations("ana") == []

    messages, state, current, listing, *_, notice, row, pending, _ = sessions.undo(cid, ana)
    assert current == cid and [t.question for t in state.turns] == [CITED.question]
    assert listing["choices"] == [(CITED.question, cid)] and "Restored" in notice
    assert row["visible"] is False and pending == ""

    # Deleted again, then another action: the deletion is final and Undo says so.
    sessions.delete(cid, ana)
    assert sessions.dismiss("", ana) == (gr.skip(), gr.skip())  # nothing pending: nothing done
    row, pending = sessions.dismiss(cid, ana)
    assert row["visible"] is False and pending == ""
    *_, notice, row, pending, _ = sessions.undo(cid, ana)
    assert "can no longer be restored" in notice and sessions.store.conversations("ana") == []
    with sqlite3.connect(sessions.store.path) as db:
        assert db.execute("SELECT COUNT(*) FROM conversations").fetchone() == (0,)


def test_a_page_load_purges_deletions_no_longer_undoable(tmp_path: Path) -> None:
    sessions, _ = _sessions(tmp_path)
    store = sessions.store
    mine, old, recent = store.create("ana", "mine"), store.create("ben", "old"), store.create("ben", "recent")
    for user, cid in (("ana", mine), ("ben", old), ("ben", recent)):
        store.delete(user, cid)
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE conversations SET deleted = '2000-01-01T00:00:00+00:00' WHERE id = ?", (old,))
    db.close()
    sessions.restore("", _request("ana"))
    assert not store.restore("ana", mine) and not store.restore("ben", old)
    assert store.restore("ben", recent)  # ben's recent deletion is still his to undo


def test_cli_exports_every_users_feedback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ctassist.cli import main

    index = tmp_path / "index"
    assert main(["feedback", "export", "--index", str(index), str(tmp_path / "none.csv")]) == 2
    assert "no conversation store" in capsys.readouterr().err
    assert not (tmp_path / "none.csv").exists()

    store = ConversationStore.beside_index(index)
    for user in ("ana", "ben"):
        cid = store.create(user, "q")
        store.add_turn(user, cid, CITED, "")
        store.set_feedback(user, cid, 0, 1, f"from {user}")
    out = tmp_path / "feedback.csv"
    assert main(["feedback", "export", "--index", str(index), str(out)]) == 0
    assert "2 feedback rows written" in capsys.readouterr().err
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert sorted((r["user"], r["comment"]) for r in rows) == [("ana", "from ana"), ("ben", "from ben")]


def test_the_stores_examples_hold() -> None:
    import doctest

    import ui._conversations

    result = doctest.testmod(ui._conversations, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_stop_cancels_every_way_of_asking(tmp_path: Path) -> None:
    from ui.app import build_app

    app = build_app(FakeAssistant())
    ids = {
        block.elem_id: block_id for block_id, block in app.blocks.items() if getattr(block, "elem_id", None)
    }
    dependencies = app.config["dependencies"]

    def triggered_by(elem_id: str) -> list[dict[str, Any]]:
        return [d for d in dependencies if any(t[0] == ids[elem_id] for t in d["targets"])]

    def answers(dependency: dict[str, Any]) -> bool:  # not the instant Undo dismissal on the same clicks
        return ids["ct-chatbot"] in dependency["outputs"]

    cancelled = {c for d in triggered_by("ct-stop") for c in d.get("cancels") or ()}
    asking = {d["id"] for name in ("ct-ask", "ct-regenerate") for d in triggered_by(name) if answers(d)}
    examples = {
        i for i, block in app.blocks.items() if "ct-example" in (getattr(block, "elem_classes", None) or [])
    }
    asking |= {d["id"] for d in dependencies if any(t[0] in examples for t in d["targets"]) and answers(d)}
    assert len(asking) == 2 + len(examples) and len(examples) == 4
    assert asking <= cancelled
