"""The Gradio app of ``ctassist serve``: Chat, Agenda and Corpus tabs over one Assistant.

Run it with ``ctassist serve`` (or ``scripts/serve.sh``); from Python::

    from ctassist import Assistant
    from ui.app import build_app, start

    assistant = Assistant(corpus_dir="corpus", index_dir="index")
    start(build_app(assistant), host="127.0.0.1", port=7860)
"""

from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from ctassist.errors import ConfigError
from ui._chat import CONVERSATION_CSS, ChatControls, ChatSessions, conversation_panel, wire
from ui._conversations import ConversationStore
from ui._handlers import MINIMUM_UNKNOWN, UPLOAD_TYPES, Handlers, UiAssistant
from ui._render import PASSAGE_PLACEHOLDER, SCOPES, ChatState, error_markdown
from ui._serving import (
    AUTH_ENV,
    Credentials,
    Guard,
    LoginThrottle,
    auth_file_warning,
    check_port,
    host_warning,
    is_loopback,
    parse_auth,
)
from ui._style import (
    A11Y_HEAD,
    CHAT_PLACEHOLDER,
    CSS,
    HEADER_HTML,
    PASSAGE_JS,
    SOURCE_BRIDGE_JS,
    TITLE,
    theme,
)

if TYPE_CHECKING:
    from ctassist import Assistant  # imported when serving: tests stand in for it

#: Shown under the question box; each is answered by the shipped corpus.
EXAMPLE_QUESTIONS = (
    "Who can refer a person to a Channel panel?",
    "What did the HMICFRS 2020 Prevent inspection find?",
    "How many referrals to Prevent were there in the year to March 2024?",
    "What is the Prevent duty?",
)

#: Events (chats, agendas, source views) that may run at once, across all users.
CONCURRENCY = 8

#: Uploaded files never added to the corpus are deleted from Gradio's temporary folder this
#: long after upload (checked every ``_CACHE_SWEEP`` seconds), and all of them at shutdown.
_CACHE_AGE = 3600
_CACHE_SWEEP = 600

AUTH_MESSAGE = (
    "ctassist · Prevent inspection assistant. Sign in with the account you were given. "
    "After several failed attempts, sign-in pauses for a growing time."
)

_PROGRESS = gr.Progress()

# No telemetry and no version check: gradio reads this when a Blocks is created.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"


def build_app(assistant: UiAssistant) -> gr.Blocks:
    """Builds the app's Blocks over an assistant (not launched; see :func:`start`).

    Args:
        assistant: A :class:`ctassist.Assistant`, shared by every session.

    Returns:
        The Gradio Blocks with the Chat, Agenda and Corpus tabs.
    """
    settings = getattr(assistant, "settings", None)
    max_mb = float(getattr(settings, "max_file_mb", 20.0))
    max_files = int(getattr(settings, "max_upload_files", 20))
    handlers = Handlers(assistant, upload_dir=Path(gr.utils.get_upload_folder()), max_files=max_files)
    # Beside the index, also when the dense index is on a Chroma server (see ui._conversations);
    # an assistant without settings (a test's) keeps them in the session's temporary folder.
    index_dir = getattr(settings, "index_dir", None)
    store = ConversationStore.beside_index(Path(index_dir) if index_dir else handlers.output_dir)
    sessions = ChatSessions(handlers, store, output_dir=handlers.output_dir)

    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(_CACHE_SWEEP, _CACHE_AGE)) as app:
        gr.HTML(HEADER_HTML, js_on_load=None, elem_id="ct-header")
        with gr.Tabs(elem_id="ct-tabs"):
            with gr.Tab("Chat", id="chat", elem_id="ct-tab-chat"):
                state = gr.State(ChatState())
                with gr.Row(equal_height=False):
                    with gr.Column(scale=1, min_width=220, elem_id="ct-conversation-panel"):
                        panel = conversation_panel(store)
                    with gr.Column(scale=3, min_width=420):
                        scope = gr.Radio(
                            choices=list(SCOPES),
                            value="all",
                            label="Search in",
                            elem_id="ct-scope",
                        )
                        chatbot = gr.Chatbot(
                            elem_id="ct-chatbot",
                            label="Conversation",
                            show_label=False,
                            height=540,
                            placeholder=CHAT_PLACEHOLDER,
                            # Gradio's copy would hold the message's raw HTML: each answer has
                            # its own Copy link (ui._chat.COPY_JS) that copies its text.
                            buttons=[],
                            feedback_options=("Like", "Dislike"),
                            allow_tags=False,
                            sanitize_html=True,
                            latex_delimiters=[],
                            autoscroll=True,
                        )
                        with gr.Row(equal_height=True, elem_id="ct-ask-row"):
                            question = gr.Textbox(
                                label="Question",
                                placeholder="Ask a question about the corpus, then press Enter or Ask",
                                show_label=False,
                                container=False,
                                lines=1,
                                max_lines=4,
                                scale=6,
                                elem_id="ct-question",
                                autofocus=True,
                            )
                            ask = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="ct-ask")
                            stop = gr.Button("Stop", variant="stop", scale=1, min_width=80, elem_id="ct-stop")
                            clear = gr.Button(
                                "New chat",
                                variant="secondary",
                                scale=1,
                                min_width=150,
                                elem_id="ct-clear",
                            )
                        with gr.Row(visible=False, elem_id="ct-feedback-row") as comment_row:
                            comment = gr.Textbox(
                                label="Comment on this answer (optional)",
                                max_lines=3,
                                scale=5,
                                elem_id="ct-feedback-comment",
                            )
                            send_comment = gr.Button("Send comment", scale=1, elem_id="ct-feedback-send")
                        regenerate = gr.Button(
                            "Regenerate last answer", size="sm", variant="secondary", elem_id="ct-regenerate"
                        )
                        gr.Markdown("**Example questions**", elem_classes="ct-help")
                        with gr.Row(elem_classes="ct-examples"):
                            examples = [
                                gr.Button(q, size="sm", variant="secondary", elem_classes="ct-example")
                                for q in EXAMPLE_QUESTIONS
                            ]
                    with gr.Column(scale=2, min_width=320):
                        gr.Markdown("### Source passage", elem_classes="ct-panel-title")
                        passage = gr.HTML(PASSAGE_PLACEHOLDER, js_on_load=PASSAGE_JS, elem_id="ct-passage")
                # Carries the clicked source's link target to the server; its value is never rendered.
                bridge = gr.HTML(
                    "",
                    html_template="<span></span>",
                    visible="hidden",
                    js_on_load=SOURCE_BRIDGE_JS,
                    elem_id="ct-source-bridge",
                )

            with gr.Tab("Agenda", id="agenda", elem_id="ct-tab-agenda"):
                gr.Markdown(
                    "Draft the agenda of a Prevent reference-group meeting. Discussion items are drawn "
                    "from the corpus, with their sources; review the draft before circulating it.",
                    elem_classes="ct-help",
                )
                with gr.Row(equal_height=False):
                    with gr.Column(scale=2, min_width=320):
                        group = gr.Radio(
                            choices=[("Public reference group", "public"), ("User reference group", "user")],
                            value="public",
                            label="Reference group",
                            elem_id="ct-agenda-group",
                        )
                        with gr.Row():
                            date = gr.Textbox(
                                label="Meeting date",
                                placeholder="YYYY-MM-DD (optional)",
                                elem_id="ct-agenda-date",
                            )
                            start_time = gr.Textbox(
                                label="Start time", value="10:00", elem_id="ct-agenda-start"
                            )
                        # No minimum in the field itself: the real one depends on the items and
                        # is shown as its note; a length too short gets the reason in the preview.
                        duration = gr.Number(
                            label="Duration (minutes)",
                            value=120,
                            step=15,
                            precision=0,
                            info=MINIMUM_UNKNOWN,
                            elem_id="ct-agenda-duration",
                        )
                        chair = gr.Textbox(
                            label="Chair",
                            placeholder="Name or role, e.g. HMICFRS lead",
                            elem_id="ct-agenda-chair",
                        )
                        focus = gr.Textbox(
                            label="Focus topics (one per line)",
                            placeholder="Leave empty for the reference group's four standing questions",
                            lines=5,
                            elem_id="ct-agenda-focus",
                        )
                        chatham = gr.Checkbox(
                            label="Held under the Chatham House Rule", value=True, elem_id="ct-agenda-chatham"
                        )
                        draft = gr.Button("Draft agenda", variant="primary", elem_id="ct-agenda-draft")
                    with gr.Column(scale=3, min_width=420):
                        with gr.Row():
                            docx_download = gr.DownloadButton(
                                "Download .docx", interactive=False, elem_id="ct-agenda-docx", size="md"
                            )
                            notes_download = gr.DownloadButton(
                                "Download .docx with drafting notes",
                                interactive=False,
                                elem_id="ct-agenda-docx-notes",
                                size="md",
                            )
                            md_download = gr.DownloadButton(
                                "Download .md", interactive=False, elem_id="ct-agenda-md", size="md"
                            )
                        gr.Markdown(
                            "The .docx and .md are fit to circulate; the version with drafting notes "
                            "adds the notes and the sources' file paths, for the secretariat only.",
                            elem_classes="ct-help",
                        )
                        preview = gr.Markdown(
                            "*The draft appears here.*", elem_id="ct-agenda-preview", sanitize_html=True
                        )

            with gr.Tab("Corpus", id="corpus", elem_id="ct-tab-corpus"):
                summary = gr.Markdown(elem_id="ct-corpus-summary")
                table = gr.Dataframe(
                    headers=["Title", "Kind", "Group", "Meeting date", "Passages", "Indexed", "Document"],
                    datatype=["str", "str", "str", "str", "number", "str", "str"],
                    interactive=False,
                    wrap=True,
                    max_height=560,
                    elem_id="ct-documents",
                    column_widths=["34%", "12%", "7%", "10%", "8%", "14%", "15%"],
                )
                with gr.Row(equal_height=True, elem_id="ct-doc-row"):
                    chosen = gr.Dropdown(
                        choices=[],
                        value=None,
                        label="Document (or select its row above)",
                        scale=4,
                        min_width=200,
                        elem_id="ct-doc-choice",
                    )
                    view = gr.Button("View", scale=1, min_width=80, elem_id="ct-doc-view")
                    download = gr.DownloadButton(
                        "Download", scale=1, min_width=100, interactive=False, elem_id="ct-doc-download"
                    )
                    delete = gr.Button(
                        "Delete…", variant="stop", scale=1, min_width=90, elem_id="ct-doc-delete"
                    )
                with gr.Row(visible=False, equal_height=True, elem_id="ct-doc-confirm") as confirm_row:
                    confirm_text = gr.Markdown(elem_id="ct-doc-confirm-text")
                    confirm = gr.Button(
                        "Delete it", variant="stop", min_width=90, elem_id="ct-doc-confirm-delete"
                    )
                    cancel = gr.Button("Keep it", min_width=90, elem_id="ct-doc-cancel")
                doc_result = gr.Markdown(elem_id="ct-doc-result")
                viewer = gr.HTML("", elem_id="ct-doc-viewer")
                with gr.Row(equal_height=False):
                    with gr.Column():
                        gr.Markdown("### Add documents")
                        gr.Markdown(
                            f"Accepted: {', '.join(UPLOAD_TYPES)}, up to {max_mb:g} MB each and {max_files} "
                            "files at a time. Files are checked, "
                            "stored under a new name and indexed at once. Meeting notes need the front matter "
                            "described in `corpus/notes/README.md` (group, date, title, attendees by role, actions).",
                            elem_classes="ct-help",
                        )
                        uploads = gr.File(
                            label="Files",
                            file_count="multiple",
                            file_types=list(UPLOAD_TYPES),
                            type="filepath",
                            height=150,
                            elem_id="ct-upload",
                        )
                        kind = gr.Radio(
                            choices=[
                                ("Detect (a note has front matter naming its group)", "auto"),
                                ("Source document", "source"),
                                ("Meeting note", "notes"),
                            ],
                            value="auto",
                            label="These files are",
                            elem_id="ct-upload-kind",
                        )
                        add = gr.Button("Add to corpus", variant="primary", elem_id="ct-upload-add")
                        upload_result = gr.Markdown(elem_id="ct-upload-result")
                    with gr.Column():
                        gr.Markdown("### Re-index")
                        gr.Markdown(
                            "Brings the index in step with the corpus folder: new and changed files are "
                            "indexed, removed ones dropped. Chats keep working meanwhile.",
                            elem_classes="ct-help",
                        )
                        reindex = gr.Button("Re-index corpus", variant="secondary", elem_id="ct-reindex")
                        reindex_result = gr.Markdown(elem_id="ct-reindex-result")

        # --- chat events ---
        wire(
            app,
            sessions,
            ChatControls(
                chatbot=chatbot,
                state=state,
                question=question,
                scope=scope,
                passage=passage,
                ask=ask,
                clear=clear,
                regenerate=regenerate,
                stop=stop,
                examples=list(zip(examples, EXAMPLE_QUESTIONS, strict=True)),
                comment_row=comment_row,
                comment=comment,
                send_comment=send_comment,
            ),
            panel,
        )
        bridge.click(
            handlers.open_source, [bridge, state], passage, api_name="open_source", show_progress="minimal"
        )

        # --- agenda ---
        agenda_files = [docx_download, notes_download, md_download]

        def drafting() -> tuple[Any, ...]:
            # Runs before the draft: no earlier agenda stays downloadable while, or after, it fails.
            return (
                "*Drafting the agenda ...*",
                *(gr.DownloadButton(value=None, interactive=False) for _ in agenda_files),
            )

        # The form's fields are the handler's parameters (wraps lends Gradio its signature).
        @functools.wraps(handlers.draft_agenda)
        def draft_agenda(*form: Any) -> tuple[Any, ...]:
            text, *paths = handlers.draft_agenda(*form)
            return (
                text,
                *(gr.DownloadButton(value=path, interactive=path is not None) for path in paths),
            )

        def minimum(group: str | None, date: str | None, focus: str | None) -> Any:
            return gr.Number(info=handlers.agenda_minimum(group, date, focus))

        draft.click(drafting, None, [preview, *agenda_files], queue=False, api_visibility="private").then(
            draft_agenda,
            [group, date, duration, focus, chair, chatham, start_time],
            [preview, *agenda_files],
            api_name="draft_agenda",
        )
        for trigger in (group.change, date.blur, date.submit, focus.blur, app.load):
            # One at a time, in order: a slower, older answer must not overwrite a newer one.
            trigger(
                minimum,
                [group, date, focus],
                duration,
                api_visibility="private",
                show_progress="hidden",
                concurrency_limit=1,
                concurrency_id="agenda-minimum",
            )

        # --- corpus ---
        def refresh_choices(current: str | None = None) -> Any:
            choices = handlers.document_choices()
            keep = current if current in {doc_id for _, doc_id in choices} else None
            return gr.Dropdown(choices=choices, value=keep)

        def add_files(
            files: list[str] | None, kind: str | None, progress: Any = _PROGRESS
        ) -> tuple[Any, ...]:
            result, text, rows = handlers.upload(files, kind, progress)
            return result, text, rows, None

        def run_index(progress: Any = _PROGRESS) -> tuple[str, str, list[list[Any]]]:
            return handlers.reindex(progress)

        add.click(
            add_files,
            [uploads, kind],
            [upload_result, summary, table, uploads],
            api_name="add_documents",
            concurrency_limit=1,
            concurrency_id="corpus-write",
            # The handler checks each file's type (naming those refused) and removes every
            # temporary copy; Gradio's own check would refuse the whole upload unnamed and
            # leave the copies. Gradio still checks that the paths are its uploads.
            preprocess=False,
        ).then(refresh_choices, chosen, chosen, api_visibility="private")
        reindex.click(
            run_index,
            None,
            [reindex_result, summary, table],
            api_name="reindex",
            concurrency_limit=1,
            concurrency_id="corpus-write",
        ).then(refresh_choices, chosen, chosen, api_visibility="private")
        app.load(handlers.corpus_view, None, [summary, table], api_visibility="private")

        # --- one document: view, download, delete (confirmed) ---
        def pick_row(event: gr.SelectData) -> Any:
            row = event.row_value or []
            return gr.Dropdown(value=str(row[-1])) if row else gr.Dropdown()

        def offer_download(doc_id: str | None) -> Any:
            path = handlers.download_document(doc_id)
            return gr.DownloadButton(value=path, interactive=path is not None)

        def ask_to_confirm(doc_id: str | None) -> tuple[Any, str, str]:
            if not doc_id:
                return gr.Row(visible=False), "", error_markdown("Choose a document to delete.")
            return gr.Row(visible=True), handlers.delete_question(doc_id), ""

        def delete_confirmed(doc_id: str | None) -> tuple[Any, ...]:
            text, summary_text, rows = handlers.delete_document(doc_id)
            return text, summary_text, rows, gr.Row(visible=False), refresh_choices(), ""

        app.load(refresh_choices, None, chosen, api_visibility="private")
        table.select(pick_row, None, chosen, api_visibility="private")
        chosen.change(offer_download, chosen, download, api_visibility="private")
        view.click(handlers.view_document, chosen, viewer, api_name="view_document")
        delete.click(
            ask_to_confirm, chosen, [confirm_row, confirm_text, doc_result], api_visibility="private"
        )
        cancel.click(lambda: gr.Row(visible=False), None, confirm_row, api_visibility="private")
        confirm.click(
            delete_confirmed,
            chosen,
            [doc_result, summary, table, confirm_row, chosen, viewer],
            api_name="delete_document",
            concurrency_limit=1,
            concurrency_id="corpus-write",
        )
    blocks: gr.Blocks = app
    return blocks


def start(
    app: gr.Blocks,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: Credentials | None = None,
    max_file_mb: float = 20.0,
    block: bool = True,
    quiet: bool = False,
    throttle: LoginThrottle | None = None,
) -> str:
    """Launches a built app: queue, limits, theme, the offline, private settings, and the
    :class:`~ui._serving.Guard` in front of every request.

    Args:
        app: From :func:`build_app`.
        host: Address to bind; on a loopback address only requests naming localhost are answered.
        port: Port to bind.
        auth: ``(user, password)`` pairs, or ``None`` for no login.
        max_file_mb: Largest upload accepted.
        block: Serve until interrupted; otherwise return once the server runs.
        quiet: Print nothing.
        throttle: The failed sign-in throttle; the default pauses after 5 failures.

    Returns:
        The local URL (once the server has stopped, when ``block``).
    """
    from starlette.middleware import Middleware

    guard = Middleware(Guard, check_host=is_loopback(host), throttle=throttle or LoginThrottle())
    app.queue(default_concurrency_limit=CONCURRENCY, max_size=200)
    _, local_url, _ = app.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        auth_message=AUTH_MESSAGE,
        app_kwargs={"middleware": [guard]},
        share=False,
        inbrowser=False,
        prevent_thread_lock=True,
        show_error=False,
        quiet=quiet,
        max_file_size=int(max_file_mb * 1024 * 1024),
        footer_links=[],
        run_history=False,
        enable_monitoring=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        theme=theme(),
        css=CSS + CONVERSATION_CSS,
        head=A11Y_HEAD,
    )
    if block:
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            app.close()
    return str(local_url)


def warm(assistant: Assistant) -> float:
    """Loads the models and opens the index now, so the first user does not wait.

    Returns:
        Seconds it took.

    Raises:
        CtassistError: The index cannot be opened (e.g. another embedding model, or the
            Chroma server is down).
    """
    started = time.perf_counter()
    _ = assistant.retriever
    assistant.ask("What is Prevent?")
    return time.perf_counter() - started


def serve(
    corpus_dir: str | Path | None = None,
    index_dir: str | Path | None = None,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: str | None = None,
) -> int:
    """``ctassist serve``: loads the assistant once, then serves the app until interrupted.

    Args:
        corpus_dir: The corpus folder; default from ``CTASSIST_CORPUS_DIR`` or ``corpus``.
        index_dir: The index folder; default from ``CTASSIST_INDEX_DIR`` or ``index``.
        host: Address to bind; ``127.0.0.1`` keeps it on this machine.
        port: Port to bind.
        auth: ``user:password`` or a file of such lines; default ``CTASSIST_UI_AUTH``
            (the CLI takes only a file: see :func:`ui._serving.auth_from_argument`).

    Returns:
        The exit code (0).

    Raises:
        CtassistError: Bad settings, credentials or index (the CLI prints the message).
    """
    from ctassist import Assistant

    check_port(host, port)  # before the models load: a port in use is said at once
    source = auth if auth is not None else os.environ.get(AUTH_ENV)
    credentials = parse_auth(source)
    for warning in (auth_file_warning(source), host_warning(host, credentials is not None)):
        if warning:
            print(warning, file=sys.stderr)
    assistant = Assistant(corpus_dir=corpus_dir, index_dir=index_dir)
    print("ctassist: loading the models and the index ...", file=sys.stderr)
    seconds = warm(assistant)
    count = len(assistant.documents())
    print(f"ctassist: ready in {seconds:.1f} s; {count} documents indexed", file=sys.stderr)
    if count == 0:
        print(
            "ctassist: the index is empty: run `ctassist index` or use Re-index in the Corpus tab",
            file=sys.stderr,
        )
    shown = "localhost" if host in {"127.0.0.1", "::1"} else host
    print(f"ctassist: serving on http://{shown}:{port} (Ctrl+C stops)", file=sys.stderr)
    try:
        start(
            build_app(assistant),
            host=host,
            port=port,
            auth=credentials,
            max_file_mb=assistant.settings.max_file_mb,
            block=True,
            quiet=True,
        )
    except OSError as exc:  # taken by another program while the models loaded
        check_port(host, port)
        raise ConfigError(f"cannot listen on {host} port {port} ({exc})") from None
    return 0
