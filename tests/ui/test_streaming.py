"""The chat shows the answer growing while it is produced, with the real assistant (extractive
path, the real models and Chroma): the UI's generators yield more than one growing state, each
shown as it comes, then the finished answer with its sources; Stop ends an answer in
progress."""

from __future__ import annotations

import itertools
from pathlib import Path
from types import SimpleNamespace

from ctassist import Assistant
from ui._chat import ChatSessions
from ui._conversations import ConversationStore
from ui._handlers import Handlers
from ui._render import PENDING_TEXT, ChatState

QUESTION = "What are the four strands of CONTEST?"


def _growing(contents: list[str]) -> None:
    """Each state holds the one before it and more."""
    assert len(contents) > 1, contents
    for before, after in itertools.pairwise(contents):
        assert len(after) > len(before) and after.startswith(before.rstrip()), (before, after)


def test_the_chat_yields_the_answer_growing_then_finished_with_its_sources(assistant: Assistant) -> None:
    steps = list(Handlers(assistant).ask(QUESTION, "all", ChatState(), "page-1"))
    first, *growing, last = steps
    assert first[0][-1]["content"] == PENDING_TEXT
    contents = [messages[-1]["content"] for messages, _, _ in growing]
    _growing(contents)
    assert not any("ct-sources" in content for content in contents)  # sources come when it is complete
    messages, state, _ = last
    answer = assistant.ask(QUESTION)
    assert len(growing) == len(answer.citations) or len(growing) > 1
    assert "ct-sources" in messages[-1]["content"] and state.turns[-1].text == answer.text


def test_each_growing_state_reaches_the_page_as_it_comes(assistant: Assistant, tmp_path: Path) -> None:
    """The conversation handler (what Gradio runs) passes every growing state on, and the
    finished turn last, once it is saved."""
    sessions = ChatSessions(Handlers(assistant), ConversationStore(tmp_path / "c.sqlite3"), tmp_path)
    request = SimpleNamespace(username="ana", session_hash="page-1")
    steps = list(sessions.ask(QUESTION, "all", ChatState(), "", request))  # type: ignore[arg-type]
    *streaming, saved = steps
    _growing([messages[-1]["content"] for messages, *_ in streaming[1:]])
    assert saved[3] and "ct-sources" in saved[0][-1]["content"]


def test_stop_ends_the_answer_without_a_turn(assistant: Assistant) -> None:
    handlers = Handlers(assistant)
    answering = handlers.ask(QUESTION, "all", ChatState(), "page-2")
    next(answering)  # pending
    next(answering)  # the first sentence
    handlers.stop("page-2")
    rest = list(answering)
    assert all(len(state.turns) == 0 for _, state, _ in rest)
    assert handlers._running == {}
