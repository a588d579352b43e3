"""The Chat tab's conversations: saved per signed-in user, reopened, renamed, deleted (with
Undo), exported, regenerated, stopped, copied and rated.

:class:`ChatSessions` holds the logic (plain Python, testable without a browser) over the
plain answering of :class:`ui._handlers.Handlers` and a
:class:`~ui._conversations.ConversationStore`; :func:`conversation_panel` and :func:`wire` build
and connect the components. The current conversation's id lives in the browser
(``gr.BrowserState``), so a reload reopens it; the server only ever opens it for its owner.
Exports are written only when the user asks for one (an answer never writes files). A deleted
conversation can be brought back with Undo until the user's next action, which purges it.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ctassist.errors import CtassistError
from ctassist.safety import markdown_literal
from ui._conversations import (
    LOCAL_USER,
    PURGE_AFTER,
    ConversationInputError,
    ConversationStore,
    docx_export,
    markdown_export,
)
from ui._handlers import UNEXPECTED, Handlers
from ui._render import PASSAGE_PLACEHOLDER, ChatState, error_markdown, render_messages, render_turn_reply

log = logging.getLogger("ctassist.ui")

#: The browser's storage key of the current conversation's id.
STORAGE_KEY = "ctassist-conversation"

#: Under each finished answer: the copy link (the page script copies the answer's text).
COPY_LINK = (
    '<div class="ct-msg-tools"><a class="ct-copy" href="#ct-copy" title="Copy this answer">Copy</a></div>'
)

#: Copies the text of the answer whose "Copy" link is clicked (its words and sources, no markup).
COPY_JS = """
const previous = window.__ctassistCopyClick;
if (previous) { document.removeEventListener('click', previous, true); }
const onClick = async (event) => {
  const link = event.target && event.target.closest ? event.target.closest('a.ct-copy') : null;
  if (!link) { return; }
  event.preventDefault();
  event.stopPropagation();
  const message = link.closest('.message-content') || link.parentElement.parentElement;
  const clone = message.cloneNode(true);
  clone.querySelectorAll('.ct-msg-tools').forEach((n) => n.remove());
  const text = clone.innerText.trim();
  try {
    await navigator.clipboard.writeText(text);
    link.textContent = 'Copied';
  } catch (err) {
    link.textContent = 'Copy failed: select the text instead';
  }
  setTimeout(() => { link.textContent = 'Copy'; }, 2000);
};
window.__ctassistCopyClick = onClick;
document.addEventListener('click', onClick, true);
"""

#: The conversation list's layout: one conversation a line; on a phone the list comes after the
#: chat, so the question box stays in view when the page opens.
CONVERSATION_CSS = """
#ct-conversations .wrap { flex-direction: column; align-items: stretch; }
#ct-conversations label { width: 100%; }
.ct-msg-tools { margin-top: 6px; font-size: 0.85rem; }
@media (max-width: 720px) { #ct-conversation-panel { order: 2; } }
"""

NO_CONVERSATIONS = "No saved conversations yet: ask a question to start one."

#: Runs after an export is written: the browser downloads the file now in the hidden export
#: component (nothing when the export failed and the component holds no file).
DOWNLOAD_JS = """(file) => {
  if (!file || !file.url) { return; }
  const link = document.createElement('a');
  link.href = file.url;
  link.download = file.orig_name || '';
  document.body.appendChild(link);
  link.click();
  link.remove();
}"""

#: The export formats: Export button's label and the file's suffix.
EXPORTS = {"md": "Export .md", "docx": "Export .docx"}


def user_of(request: Any) -> str:
    """The signed-in user of a request (:data:`~ui._conversations.LOCAL_USER` without sign-in)."""
    name = getattr(request, "username", None)
    return str(name) if name else LOCAL_USER


def session_of(request: Any) -> str | None:
    """The browser session of a Gradio request (one page load), if any."""
    return getattr(request, "session_hash", None) if request is not None else None


def messages_for(state: ChatState) -> list[dict[str, str]]:
    """The chatbot's messages for a conversation, each finished answer with its copy link."""
    messages = render_messages(state)
    for message in messages:
        if message["role"] == "assistant":
            message["content"] = f"{message['content']}\n\n{COPY_LINK}"
    return messages


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-")[:50] or "conversation"


class ChatSessions:
    """The chat's handlers over the answering handlers and the conversation store.

    Args:
        handlers: The app's :class:`~ui._handlers.Handlers` (answering, sources).
        store: Where conversations and feedback are saved.
        output_dir: Where exports are written (a fresh temporary folder by default).
    """

    def __init__(self, handlers: Handlers, store: ConversationStore, output_dir: Path | None = None) -> None:
        self.handlers = handlers
        self.store = store
        self.output_dir = output_dir or Path(tempfile.mkdtemp(prefix="ctassist-chat-"))

    # --- the conversation list -------------------------------------------------------------------

    def conversation_list(self, user: str, current: str | None) -> Any:
        """The list of ``user``'s conversations, ``current`` selected."""
        try:
            items = self.store.conversations(user)
        except CtassistError as exc:
            log.error("listing conversations failed: %s", exc)
            items = []
        choices = [(c.title, c.id) for c in items]
        ids = {c.id for c in items}
        return gr.update(
            choices=choices,
            value=current if current in ids else None,
            info="Select one to reopen it." if choices else NO_CONVERSATIONS,
        )

    def _view(self, user: str, state: ChatState, conversation: str, notice: str = "") -> tuple[Any, ...]:
        """``(messages, state, conversation id, list, title box, .md export, .docx export, notice)``."""
        title = self.store.title(user, conversation) if conversation else None
        return (
            messages_for(state),
            state,
            conversation,
            self.conversation_list(user, conversation),
            title or "",
            *[gr.update(interactive=bool(state.turns))] * len(EXPORTS),
            notice,
        )

    # --- exporting -------------------------------------------------------------------------------

    def export(
        self,
        kind: str,
        conversation: str | None,
        state: ChatState | None,
        request: gr.Request | None = None,
    ) -> tuple[str | None, str]:
        """Writes the conversation, with its numbered sources and quotes, as ``kind`` (a key of
        :data:`EXPORTS`): ``(the file, or None, notice)``."""
        user = user_of(request)
        turns = state.turns if isinstance(state, ChatState) else []
        if kind not in EXPORTS:
            raise ValueError(f"export kind must be one of {sorted(EXPORTS)}, got {kind!r}")
        if not turns:
            return None, error_markdown("Ask a question first: an empty conversation has nothing to export.")
        try:
            title = (self.store.title(user, conversation) if conversation else None) or turns[0].question
            folder = Path(tempfile.mkdtemp(prefix="export-", dir=self.output_dir))
            path = folder / f"{_safe_name(title)}.{kind}"
            if kind == "md":
                path.write_text(markdown_export(title, turns), encoding="utf-8")
            else:
                docx_export(title, turns, path, author=user)
        except CtassistError as exc:
            return None, error_markdown(f"Not exported: {exc}")
        except OSError as exc:
            log.error("exporting a conversation failed: %s", exc)
            return None, error_markdown(f"Not exported: the file could not be written ({exc.strerror}).")
        return str(path), ""

    # --- opening ---------------------------------------------------------------------------------

    def restore(self, conversation: str | None, request: gr.Request | None = None) -> tuple[Any, ...]:
        """On page load: purges the deletions no longer undoable (this user's, and everyone's
        older than :data:`~ui._conversations.PURGE_AFTER`), then reopens the browser's current
        conversation if it is this user's."""
        try:
            self.store.purge(user_of(request))
            self.store.purge(older_than=PURGE_AFTER)
        except CtassistError as exc:
            log.error("purging deleted conversations failed: %s", exc)
        return self.open(conversation, request)

    def open(self, conversation: str | None, request: gr.Request | None = None) -> tuple[Any, ...]:
        """Opens one of the user's conversations (a new, empty one when it is not theirs)."""
        user = user_of(request)
        try:
            turns = self.store.turns(user, conversation) if conversation else None
        except CtassistError as exc:
            return self._view(user, ChatState(), "", error_markdown(str(exc)))
        if turns is None:
            return self._view(user, ChatState(), "")
        return self._view(user, ChatState(list(turns)), conversation or "")

    def new(self, request: gr.Request | None = None) -> tuple[Any, ...]:
        """Starts a new conversation; the current one stays in the list."""
        return self._view(user_of(request), ChatState(), "")

    # --- asking ----------------------------------------------------------------------------------

    def ask(
        self,
        question: str | None,
        scope: str | None,
        state: ChatState | None,
        conversation: str | None,
        request: gr.Request | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Answers, streaming, then saves the turn in the user's conversation (created on the
        first question).

        Yields:
            ``(messages, state, question box, conversation id, list, title box, .md export,
            .docx export, notice)``; while streaming, the last six are left as they are.
        """
        user = user_of(request)
        state = state if isinstance(state, ChatState) else ChatState()
        final = state
        # The growing answer is shown as it comes; the finished turn only once it is saved: a
        # page that sees the finished answer may ask again at once, and a click while this
        # event still runs would be dropped.
        for messages, final, box in self.handlers.ask(question, scope, state, session_of(request)):
            if len(final.turns) == len(state.turns):
                yield messages, final, box, *[gr.skip()] * 6
        if len(final.turns) == len(state.turns):
            return
        turn = final.turns[-1]
        notice = ""
        current = conversation or ""
        try:
            if not self.store.owns(user, current):
                current = self.store.create(user, turn.question)
            self.store.add_turn(user, current, turn, render_turn_reply(len(final.turns) - 1, turn))
        except CtassistError as exc:
            notice = error_markdown(f"The conversation could not be saved: {exc}")
        except Exception:
            log.exception("saving a conversation failed")
            notice = error_markdown(UNEXPECTED)
        messages, final, current, *rest = self._view(user, final, current, notice)
        yield messages, final, "", current, *rest

    def regenerate(
        self,
        scope: str | None,
        state: ChatState | None,
        conversation: str | None,
        request: gr.Request | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Asks the last question again, replacing its answer (and the feedback on it)."""
        state = state if isinstance(state, ChatState) else ChatState()
        if not state.turns:
            yield messages_for(state), state, gr.skip(), *[gr.skip()] * 6
            return
        last = state.turns[-1]
        user = user_of(request)
        try:
            if conversation and self.store.owns(user, conversation):
                self.store.drop_last_turn(user, conversation)
        except CtassistError as exc:
            log.error("regenerating: %s", exc)
        yield from self.ask(last.question, scope, ChatState(state.turns[:-1]), conversation, request)

    def show(self, state: ChatState | None, request: gr.Request | None = None) -> list[dict[str, str]]:
        """Stop: ends the answer this browser session is being given (its generation too) and
        shows the conversation as it stands, without the half-streamed answer."""
        self.handlers.stop(session_of(request))
        return messages_for(state if isinstance(state, ChatState) else ChatState())

    # --- managing --------------------------------------------------------------------------------

    def rename(
        self, conversation: str | None, title: str | None, request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """Renames the current conversation: ``(list, title box, notice)``."""
        user = user_of(request)
        if not conversation:
            return (
                gr.skip(),
                "",
                error_markdown("Ask a question first: a new conversation has nothing to name."),
            )
        try:
            kept = self.store.rename(user, conversation, title or "")
        except CtassistError as exc:
            return gr.skip(), gr.skip(), error_markdown(f"Not renamed: {exc}")
        return self.conversation_list(user, conversation), kept, "Renamed."

    def delete(self, conversation: str | None, request: gr.Request | None = None) -> tuple[Any, ...]:
        """Deletes the current conversation and starts a new one; Undo can bring it back until
        the user's next action (the deletion pending before this one is purged now).

        Returns:
            The view of :meth:`new`, then the Undo row, its text, the deleted conversation's id
            (the pending deletion) and the passage panel.
        """
        user = user_of(request)
        if not conversation:
            *view, _ = self._view(user, ChatState(), "")
            text = error_markdown("Ask a question first: a new conversation has nothing to delete.")
            return (*view, text, gr.update(visible=False), "", "", gr.skip())
        try:
            self.store.purge(user)
            title = self.store.title(user, conversation)
            deleted = self.store.delete(user, conversation)
        except CtassistError as exc:
            return (*[gr.skip()] * 7, error_markdown(f"Not deleted: {exc}"), *[gr.skip()] * 4)
        *view, _ = self._view(user, ChatState(), "")
        if not deleted:
            text = error_markdown("That conversation no longer exists.")
            return (*view, text, gr.update(visible=False), "", "", PASSAGE_PLACEHOLDER)
        undo = f"Deleted “{markdown_literal(title or '')}”."
        return (*view, "", gr.update(visible=True), undo, conversation, PASSAGE_PLACEHOLDER)

    def undo(self, pending: str | None, request: gr.Request | None = None) -> tuple[Any, ...]:
        """Restores the conversation just deleted and reopens it.

        Returns:
            The view of :meth:`open`, then the Undo row (hidden), the pending deletion (none) and
            the passage panel.
        """
        user = user_of(request)
        try:
            restored = bool(pending) and self.store.restore(user, pending or "")
        except CtassistError as exc:
            return (*[gr.skip()] * 7, error_markdown(f"Not restored: {exc}"), *[gr.skip()] * 3)
        if not restored:
            text = error_markdown("That conversation can no longer be restored: it was deleted for good.")
            return (*[gr.skip()] * 7, text, gr.update(visible=False), "", gr.skip())
        *view, _ = self.open(pending, request)
        title = self.store.title(user, pending or "") or ""
        return (
            *view,
            f"Restored “{markdown_literal(title)}”.",
            gr.update(visible=False),
            "",
            PASSAGE_PLACEHOLDER,
        )

    def dismiss(self, pending: str | None, request: gr.Request | None = None) -> tuple[Any, Any]:
        """Another action ends the Undo: the pending deletion is purged, the Undo row hidden.

        Returns:
            ``(Undo row, pending deletion)``, both left as they are when nothing is pending.
        """
        if not pending:
            return gr.skip(), gr.skip()
        try:
            self.store.purge(user_of(request))
        except CtassistError as exc:
            log.error("purging deleted conversations failed: %s", exc)
        return gr.update(visible=False), ""

    # --- feedback --------------------------------------------------------------------------------

    def like(
        self, conversation: str | None, data: gr.LikeData, request: gr.Request | None = None
    ) -> tuple[Any, Any, Any, Any]:
        """Records a thumbs up/down: ``(notice, comment row, rated turn, feedback download)``."""
        user = user_of(request)
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        position = int(index) // 2  # messages alternate question, answer
        if not isinstance(data.liked, bool):  # the thumb was clicked again: the rating is withdrawn
            try:
                if conversation:
                    self.store.withdraw_feedback(user, conversation, position)
            except CtassistError as exc:
                return error_markdown(f"Not withdrawn: {exc}"), gr.skip(), gr.skip(), gr.skip()
            text = f"Rating of answer {position + 1} withdrawn, with its comment."
            return text, gr.update(visible=False), None, self.feedback_button(request)
        rating = 1 if data.liked else -1
        try:
            if not conversation:
                raise ConversationInputError("this answer is not saved, so it cannot be rated")
            self.store.set_feedback(user, conversation, position, rating)
        except CtassistError as exc:
            return error_markdown(f"Not recorded: {exc}"), gr.update(visible=False), None, gr.skip()
        word = "helpful" if rating > 0 else "not helpful"
        text = f"Recorded: answer {position + 1} {word}. Add a comment if you like."
        return text, gr.update(visible=True), position, self.feedback_button(request)

    def comment(
        self,
        conversation: str | None,
        position: int | None,
        comment: str | None,
        request: gr.Request | None = None,
    ) -> tuple[Any, Any, Any, Any]:
        """Adds a comment to the answer just rated: ``(notice, comment box, comment row, feedback download)``."""
        user = user_of(request)
        if position is None or not conversation:
            return (
                error_markdown("Rate an answer first (thumbs up or down)."),
                gr.skip(),
                gr.skip(),
                gr.skip(),
            )
        try:
            self.store.set_feedback(user, conversation, int(position), None, comment or "")
        except CtassistError as exc:
            return error_markdown(f"Comment not recorded: {exc}"), gr.skip(), gr.skip(), gr.skip()
        return (
            f"Comment recorded on answer {int(position) + 1}. Thank you.",
            "",
            gr.update(visible=False),
            self.feedback_button(request),
        )

    def feedback_button(self, request: gr.Request | None = None) -> Any:
        """The user's feedback as a CSV download (disabled while there is none)."""
        user = user_of(request)
        try:
            rows = self.store.feedback(user)
        except CtassistError as exc:
            log.error("reading feedback failed: %s", exc)
            rows = []
        if not rows:
            return gr.update(value=None, interactive=False)
        folder = Path(tempfile.mkdtemp(prefix="feedback-", dir=self.output_dir))
        path = folder / "feedback.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            self.store.write_feedback_csv(out, user)
        return gr.update(value=str(path), interactive=True)


@dataclass
class ConversationPanel:
    """The components of the conversation list (built by :func:`conversation_panel`)."""

    current: gr.BrowserState
    new: gr.Button
    listing: gr.Radio
    title: gr.Textbox
    rename: gr.Button
    delete: gr.Button
    undo_row: gr.Row
    undo_text: gr.Markdown
    undo: gr.Button
    pending: gr.State
    export: gr.Button
    export_docx: gr.Button
    export_file: gr.DownloadButton
    feedback_csv: gr.DownloadButton
    notice: gr.Markdown


def conversation_panel(store: ConversationStore) -> ConversationPanel:
    """Builds the conversation list, with its buttons, in the current layout block."""
    current = gr.BrowserState("", storage_key=STORAGE_KEY, secret=store.browser_secret())
    new = gr.Button("New conversation", variant="primary", size="sm", elem_id="ct-new-conversation")
    listing = gr.Radio(
        choices=[],
        label="Conversations",
        info=NO_CONVERSATIONS,
        elem_id="ct-conversations",
    )
    title = gr.Textbox(label="Name of this conversation", max_lines=1, elem_id="ct-conversation-title")
    with gr.Row():
        rename = gr.Button("Rename", size="sm", elem_id="ct-rename")
        delete = gr.Button("Delete", size="sm", variant="stop", elem_id="ct-delete")
    with gr.Row(visible=False, equal_height=False, elem_id="ct-undo-row") as undo_row:
        undo_text = gr.Markdown(elem_id="ct-undo-text", container=False)
        undo = gr.Button("Undo", size="sm", min_width=70, elem_id="ct-undo")
    pending = gr.State("")  # the id of the conversation just deleted, while Undo is offered
    with gr.Row():
        export = gr.Button(EXPORTS["md"], interactive=False, size="sm", elem_id="ct-export-md")
        export_docx = gr.Button(EXPORTS["docx"], interactive=False, size="sm", elem_id="ct-export-docx")
    # Receives an export when it is written; the page downloads it from there (DOWNLOAD_JS).
    export_file = gr.DownloadButton(visible="hidden", elem_id="ct-export-file")
    feedback_csv = gr.DownloadButton(
        "My feedback (.csv)", interactive=False, size="sm", elem_id="ct-feedback-csv"
    )
    notice = gr.Markdown(elem_id="ct-conversation-notice")
    gr.HTML("", html_template="<span></span>", visible="hidden", js_on_load=COPY_JS)
    return ConversationPanel(
        current,
        new,
        listing,
        title,
        rename,
        delete,
        undo_row,
        undo_text,
        undo,
        pending,
        export,
        export_docx,
        export_file,
        feedback_csv,
        notice,
    )


@dataclass
class ChatControls:
    """The chat's own components that the conversation events drive."""

    chatbot: gr.Chatbot
    state: gr.State
    question: gr.Textbox
    scope: gr.Radio
    passage: gr.HTML
    ask: gr.Button
    clear: gr.Button
    regenerate: gr.Button
    stop: gr.Button
    examples: list[tuple[gr.Button, str]]
    comment_row: gr.Row
    comment: gr.Textbox
    send_comment: gr.Button


def wire(app: gr.Blocks, sessions: ChatSessions, chat: ChatControls, panel: ConversationPanel) -> None:
    """Connects the chat's and the conversation list's events."""
    view = [
        chat.chatbot,
        chat.state,
        panel.current,
        panel.listing,
        panel.title,
        panel.export,
        panel.export_docx,
        panel.notice,
    ]
    asked = [
        chat.chatbot,
        chat.state,
        chat.question,
        panel.current,
        panel.listing,
        panel.title,
        panel.export,
        panel.export_docx,
        panel.notice,
    ]
    ask_inputs = [chat.question, chat.scope, chat.state, panel.current]
    running: list[Any] = [
        chat.ask.click(sessions.ask, ask_inputs, asked, api_name="ask"),
        chat.question.submit(sessions.ask, ask_inputs, asked, api_visibility="undocumented"),
        chat.regenerate.click(
            sessions.regenerate, [chat.scope, chat.state, panel.current], asked, api_visibility="private"
        ),
        chat.chatbot.retry(
            sessions.regenerate, [chat.scope, chat.state, panel.current], asked, api_visibility="private"
        ),
    ]
    for button, text in chat.examples:
        running.append(
            button.click(
                _example(sessions, text),
                [chat.scope, chat.state, panel.current],
                asked,
                api_visibility="private",
            )
        )
    chat.stop.click(sessions.show, [chat.state], [chat.chatbot], cancels=running, api_visibility="private")

    fresh = [*view, chat.passage]

    def new(request: gr.Request) -> tuple[Any, ...]:
        return (*sessions.new(request), PASSAGE_PLACEHOLDER)

    for event in (chat.clear.click, chat.chatbot.clear, panel.new.click):
        event(new, None, fresh, api_visibility="private")

    def open_selected(conversation: str | None, request: gr.Request) -> tuple[Any, ...]:
        return (*sessions.open(conversation, request), PASSAGE_PLACEHOLDER)

    panel.listing.input(open_selected, [panel.listing], fresh, api_visibility="private")
    panel.rename.click(
        sessions.rename,
        [panel.current, panel.title],
        [panel.listing, panel.title, panel.notice],
        api_visibility="private",
    )
    panel.title.submit(
        sessions.rename,
        [panel.current, panel.title],
        [panel.listing, panel.title, panel.notice],
        api_visibility="private",
    )
    panel.delete.click(
        sessions.delete,
        [panel.current],
        [*view, panel.undo_row, panel.undo_text, panel.pending, chat.passage],
        api_visibility="private",
    )
    panel.undo.click(
        sessions.undo,
        [panel.pending],
        [*view, panel.undo_row, panel.pending, chat.passage],
        api_visibility="private",
    )
    # Any other action on the chat or the list ends the Undo (the deletion becomes final).
    gr.on(
        [
            chat.ask.click,
            chat.question.submit,
            chat.regenerate.click,
            chat.chatbot.retry,
            chat.clear.click,
            chat.chatbot.clear,
            *(button.click for button, _ in chat.examples),
            panel.new.click,
            panel.listing.input,
            panel.rename.click,
            panel.title.submit,
        ],
        sessions.dismiss,
        [panel.pending],
        [panel.undo_row, panel.pending],
        queue=False,
        show_progress="hidden",
        api_visibility="private",
    )

    for button, kind in ((panel.export, "md"), (panel.export_docx, "docx")):
        button.click(
            _exporter(sessions, kind),
            [panel.current, chat.state],
            [panel.export_file, panel.notice],
            api_visibility="private",
        ).then(None, [panel.export_file], None, js=DOWNLOAD_JS, api_visibility="private")

    rated = gr.State(None)
    chat.chatbot.like(
        sessions.like,
        [panel.current],
        [panel.notice, chat.comment_row, rated, panel.feedback_csv],
        api_visibility="private",
    )
    chat.send_comment.click(
        sessions.comment,
        [panel.current, rated, chat.comment],
        [panel.notice, chat.comment, chat.comment_row, panel.feedback_csv],
        api_visibility="private",
    )

    def restore(conversation: str | None, request: gr.Request) -> tuple[Any, ...]:
        return (*sessions.restore(conversation, request), sessions.feedback_button(request))

    app.load(restore, [panel.current], [*view, panel.feedback_csv], api_visibility="private")


def _exporter(sessions: ChatSessions, kind: str) -> Any:
    def run(conversation: str | None, state: ChatState | None, request: gr.Request) -> tuple[str | None, str]:
        return sessions.export(kind, conversation, state, request)

    run.__name__ = f"export_{kind}"
    return run


def _example(sessions: ChatSessions, text: str) -> Any:
    def run(scope: str | None, state: ChatState | None, conversation: str | None, request: gr.Request) -> Any:
        yield from sessions.ask(text, scope, state, conversation, request)

    run.__name__ = "ask_example"
    return run
