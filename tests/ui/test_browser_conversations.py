"""In Debian's Chromium, signed in: conversations last across reloads, reopen from the list,
are deleted with an Undo, and answers can be copied, regenerated, exported (written on the
click) and rated. Two accounts share the app; neither sees the other's conversations.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ctassist import Assistant, Settings
from ctassist.embed import Encoder
from tests.helpers import SHIPPED_CORPUS, free_port
from tests.ui.test_browser import ANSWER_TIMEOUT, CHROMIUM, _ask, _screenshot
from ui._conversations import ConversationStore

pytestmark = pytest.mark.browser

if not CHROMIUM.is_file():
    pytest.skip("browser tests need Debian's Chromium at /usr/bin/chromium", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra)")

ACCOUNTS = [("ana", "ana's long passphrase"), ("ben", "ben's long passphrase")]
CHANNEL = "Who can refer a person to a Channel panel?"
DUTY = "What is the Prevent duty?"


@dataclass
class App:
    url: str
    store: ConversationStore


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[App]:
    from ui.app import build_app, start

    root = tmp_path_factory.mktemp("conversations")
    shutil.copytree(SHIPPED_CORPUS, root / "corpus")
    settings = Settings.from_env(environ={}, corpus_dir=root / "corpus", index_dir=root / "index")
    assistant = Assistant(settings=settings, encoder=encoder)
    assert assistant.index().ok
    built = build_app(assistant)
    url = start(built, host="127.0.0.1", port=free_port(), auth=ACCOUNTS, block=False, quiet=True)
    try:
        yield App(url.rstrip("/"), ConversationStore.beside_index(root / "index"))
    finally:
        built.close()
        if assistant._store is not None:
            assistant._store.client.close()


@pytest.fixture
def signed_in(browser: Any, app: App, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Opens a fresh browser session for a given account: ``signed_in("ana")``."""
    contexts: list[Any] = []

    def open_as(user: str) -> Any:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(app.url + "/", wait_until="domcontentloaded")
        page.locator("input[type=text]").first.fill(user)
        page.fill("input[type=password]", dict(ACCOUNTS)[user])
        page.get_by_role("button", name="Login").click()
        page.wait_for_selector("#ct-question textarea")
        return page

    yield open_as
    report = getattr(request.node, "ui_report_call", None)
    for i, context in enumerate(contexts):
        if report is not None and report.failed and context.pages:
            _screenshot(context.pages[0], f"failed-{request.node.name}-{i}")
        context.close()


def _listed(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#ct-conversations label").all_inner_texts()]


def _wait_listed(page: Any, count: int) -> None:
    page.wait_for_function(
        "(n) => document.querySelectorAll('#ct-conversations label').length === n",
        arg=count,
        timeout=ANSWER_TIMEOUT,
    )


def _wait_chat(page: Any, text: str) -> None:
    page.wait_for_function(
        "(t) => (document.querySelector('#ct-chatbot') || {}).innerText?.includes(t)",
        arg=text,
        timeout=ANSWER_TIMEOUT,
    )


def _turn_times(store: ConversationStore, conversation: str) -> list[str]:
    with sqlite3.connect(store.path) as db:
        rows = db.execute("SELECT created FROM turns WHERE conversation = ?", (conversation,)).fetchall()
    return [row[0] for row in rows]


def test_reload_keeps_the_conversation_and_the_list_reopens_old_ones(signed_in: Any, app: App) -> None:
    page = signed_in("ana")
    first = _ask(page, CHANNEL)
    assert "Only the police can refer" in first.inner_text()
    _wait_listed(page, 1)
    assert _listed(page) == [CHANNEL]

    page.reload(wait_until="domcontentloaded")
    _wait_chat(page, "Only the police can refer")
    assert (
        page.locator("#ct-conversation-title input, #ct-conversation-title textarea").input_value() == CHANNEL
    )

    page.click("#ct-clear")  # "New chat": the old conversation stays in the list
    page.wait_for_function("() => !document.querySelector('#ct-chatbot .ct-sources')")
    _ask(page, DUTY)
    _wait_listed(page, 2)
    assert _listed(page) == [DUTY, CHANNEL]
    _screenshot(page, "chat-conversations")

    page.locator("#ct-conversations label", has_text=CHANNEL).click()
    _wait_chat(page, "Only the police can refer")
    assert "Prevent duty" not in page.locator("#ct-chatbot .message-content").all_inner_texts()[0]
    # A reopened answer's sources still open their passage.
    page.locator("#ct-chatbot a.ct-src").first.click()
    page.wait_for_function("() => (document.querySelector('#ct-passage mark') || {}).innerText?.length > 0")
    # ...and a follow-up continues that conversation, not the other one.
    follow_up = _ask(page, "And who chairs it?")
    assert "local authority" in follow_up.inner_text()
    page.reload(wait_until="domcontentloaded")
    _wait_chat(page, "local authority")
    saved = {c.title: c.turns for c in app.store.conversations("ana")}
    assert saved == {CHANNEL: 2, DUTY: 1}

    # Another account sees none of it, even on the same question.
    other = signed_in("ben")
    page.wait_for_timeout(500)
    assert _listed(other) == [] and other.locator("#ct-chatbot .ct-sources").count() == 0
    assert app.store.conversations("ben") == []


def _stored(store: ConversationStore, user: str) -> int:
    """``user``'s conversations in the store's file, deleted (not yet purged) ones included."""
    with sqlite3.connect(store.path) as db:
        return int(db.execute("SELECT COUNT(*) FROM conversations WHERE user = ?", (user,)).fetchone()[0])


def test_rename_then_delete_with_undo_until_the_next_action(signed_in: Any, app: App) -> None:
    page = signed_in("ben")
    _ask(page, DUTY)
    _wait_listed(page, 1)
    title_box = page.locator("#ct-conversation-title input, #ct-conversation-title textarea")
    title_box.fill("Prevent duty basics")
    page.click("#ct-rename")
    page.wait_for_function(
        "() => document.querySelector('#ct-conversations').innerText.includes('Prevent duty basics')"
    )
    assert [c.title for c in app.store.conversations("ben")] == ["Prevent duty basics"]

    page.click("#ct-delete")  # at once, with an Undo
    undo = page.locator("#ct-undo-row")
    undo.wait_for()
    assert "Deleted “Prevent duty basics”." in page.locator("#ct-undo-text").inner_text()
    _wait_listed(page, 0)
    page.wait_for_function("() => !document.querySelector('#ct-chatbot .ct-sources')")
    assert app.store.conversations("ben") == [] and _stored(app.store, "ben") == 1

    page.click("#ct-undo")  # back, reopened, with its answer and its name
    undo.wait_for(state="hidden")
    _wait_listed(page, 1)
    _wait_chat(page, "Prevent duty")
    assert _listed(page) == ["Prevent duty basics"] and title_box.input_value() == "Prevent duty basics"
    assert "Restored" in page.locator("#ct-conversation-notice").inner_text()
    assert [c.title for c in app.store.conversations("ben")] == ["Prevent duty basics"]

    page.click("#ct-delete")
    undo.wait_for()
    page.click("#ct-new-conversation")  # another action: the deletion is final
    undo.wait_for(state="hidden")
    deadline = time.monotonic() + 10
    while _stored(app.store, "ben") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _stored(app.store, "ben") == 0
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector("#ct-question textarea")
    page.wait_for_timeout(500)
    assert _listed(page) == [] and page.locator("#ct-chatbot .ct-sources").count() == 0
    assert not page.locator("#ct-undo-row").is_visible()


def test_copy_regenerate_export_and_feedback(signed_in: Any, app: App, tmp_path: Path) -> None:
    import docx

    page = signed_in("ana")
    page.click("#ct-new-conversation")
    reply = _ask(page, CHANNEL)
    answer = reply.locator("p").first.inner_text()

    reply.locator("a.ct-copy").click()
    page.wait_for_function("() => document.querySelector('#ct-chatbot a.ct-copy').innerText === 'Copied'")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert answer in copied and "Sources" in copied and "Copy" not in copied and "<" not in copied

    with page.expect_download() as info:
        page.click("#ct-export-md")
    exported = Path(info.value.path()).read_text(encoding="utf-8")
    assert f"## 1. {CHANNEL}" in exported and "(sources/channel.md)" in exported and "   > " in exported

    with page.expect_download() as info:
        page.click("#ct-export-docx")
    document = docx.Document(info.value.path())
    assert round(document.sections[0].page_width.mm) == 210 and document.core_properties.author == "ana"
    assert any(CHANNEL in p.text for p in document.paragraphs)

    current = page.evaluate("() => localStorage.getItem('ctassist-conversation')")
    assert current  # the browser keeps the conversation's (encrypted) id
    conversation = next(c for c in app.store.conversations("ana") if c.turns == 1 and c.title == CHANNEL)

    answered_at = _turn_times(app.store, conversation.id)
    page.click("#ct-regenerate")
    deadline = time.monotonic() + ANSWER_TIMEOUT / 1000
    while _turn_times(app.store, conversation.id) in ([], answered_at) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(_turn_times(app.store, conversation.id)) == 1  # replaced, not added
    page.wait_for_function(
        "() => !document.querySelector('#ct-chatbot .ct-pending') && "
        "document.querySelectorAll('#ct-chatbot .ct-sources').length === 1",
        timeout=ANSWER_TIMEOUT,
    )
    assert _turn_times(app.store, conversation.id) != answered_at

    page.locator("#ct-chatbot").get_by_role("button", name="Dislike").last.click()
    comment = page.locator("#ct-feedback-comment textarea, #ct-feedback-comment input")
    comment.wait_for()
    comment.fill('=HYPERLINK("x") the second source is missing')
    page.click("#ct-feedback-send")
    page.wait_for_function(
        "() => document.querySelector('#ct-conversation-notice').innerText.includes('Comment recorded')"
    )
    [row] = [r for r in app.store.feedback("ana") if r["conversation"] == conversation.id]
    assert row["rating"] == "down" and row["comment"].startswith("=HYPERLINK") and row["turn"] == 1

    page.wait_for_selector("#ct-feedback-csv:not([disabled])")
    with page.expect_download() as info:
        page.click("#ct-feedback-csv")
    csv_text = Path(info.value.path()).read_text(encoding="utf-8")
    assert "'=HYPERLINK" in csv_text and ",down," in csv_text and "ben" not in csv_text


def test_on_a_phone_the_conversation_list_comes_after_the_chat(signed_in: Any) -> None:
    page = signed_in("ben")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    question_top = page.evaluate("() => document.querySelector('#ct-question').getBoundingClientRect().top")
    panel_top = page.evaluate(
        "() => document.querySelector('#ct-conversation-panel').getBoundingClientRect().top"
    )
    assert question_top < panel_top
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_timeout(300)
    panel = page.evaluate(
        "() => document.querySelector('#ct-conversation-panel').getBoundingClientRect().toJSON()"
    )
    chat = page.evaluate("() => document.querySelector('#ct-chatbot').getBoundingClientRect().toJSON()")
    assert panel["right"] <= chat["left"] + 1  # wide: the list is a column beside the chat
