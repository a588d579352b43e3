"""The UI's event handlers: plain Python over one shared :class:`ctassist.Assistant`.

No handler holds a lock while it works: the assistant is thread-safe, so chats run side by
side and a re-index does not stop a chat in progress (one lock guards only the table of
answers in progress, through which Stop reaches an answer's generation). Every :class:`~ctassist.CtassistError` is
shown to the user as its message; anything else is logged and shown as a short notice,
never as a traceback.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from ctassist import (
    AddedDocument,
    Agenda,
    AnswerStream,
    FileRecord,
    Filters,
    IndexReport,
    RemovedDocument,
)
from ctassist.agenda import AgendaAssistant, AgendaError, AgendaRequest, minimum_minutes
from ctassist.errors import CtassistError, LoadError, NoteFormatError
from ctassist.index import ProgressCallback
from ctassist.load import SUPPORTED_EXTENSIONS
from ctassist.query import History
from ctassist.safety import markdown_literal
from ui._render import (
    PASSAGE_PLACEHOLDER,
    PENDING_TEXT,
    ChatState,
    Turn,
    UploadResult,
    corpus_summary,
    document_rows,
    error_markdown,
    parse_source_ref,
    render_answer_text,
    render_document,
    render_index_report,
    render_messages,
    render_passage,
    render_passage_error,
    render_upload_results,
)

log = logging.getLogger("ctassist.ui")

#: File types the Corpus tab accepts: those the loader reads (checked here, not only by the browser).
UPLOAD_TYPES = SUPPORTED_EXTENSIONS

#: The Duration field's note while the agenda's minimum length cannot be known yet.
MINIMUM_UNKNOWN = "The minimum depends on the discussion items; it is checked when you draft."

UNEXPECTED = "Something went wrong on the server (the details are in its log). Please try again."

Messages = list[dict[str, str]]
ProgressFn = Callable[..., Any]


class UiAssistant(AgendaAssistant, Protocol):
    """What the handlers use of :class:`ctassist.Assistant`: questions, agendas (whose drafting
    reads the settings, index and models: :class:`~ctassist.agenda.AgendaAssistant`) and the
    corpus (a protocol, so that the handlers say what they rely on, and a test can stand in
    for the assistant)."""

    def stream(
        self,
        question: str,
        history: History | None = None,
        filters: Filters | Mapping[str, Any] | None = None,
    ) -> AnswerStream: ...

    def draft_agenda(self, request: AgendaRequest, /) -> Agenda: ...

    def documents(self) -> list[FileRecord]: ...

    def add_document(
        self, data: bytes, *, kind: str = "source", filename: str | None = None
    ) -> AddedDocument: ...

    def remove_document(self, doc_id: str) -> RemovedDocument: ...

    def index(self, *, progress: ProgressCallback | None = None) -> IndexReport: ...


def filters_for(scope: str | None) -> dict[str, str] | None:
    """The assistant's filters for the scope selector's value.

    Example:
        >>> filters_for("notes"), filters_for("all")
        ({'kind': 'notes'}, None)
    """
    return {"sources": {"kind": "source"}, "notes": {"kind": "notes"}}.get(scope or "all")


#: The Agenda tab's label of each argument an :class:`AgendaError` may name.
AGENDA_FIELDS = {
    "group": "Reference group",
    "date": "Meeting date",
    "start_time": "Start time",
    "duration_minutes": "Duration",
    "focus": "Focus topics",
    "chair": "Chair",
}


def agenda_problem(error: AgendaError) -> str:
    """An agenda error in the form's words: the field's label, not the argument's name.

    Example:
        >>> agenda_problem(AgendaError("must be a positive number of minutes, got 0", field="duration_minutes"))
        'Duration: must be a positive number of minutes, got 0.'
    """
    label = AGENDA_FIELDS.get(error.field or "")
    text = f"{label}: {error.reason}" if label else str(error)
    return text if text.endswith((".", ")")) else text + "."


def _topics(focus: str | None) -> tuple[str, ...]:
    """The focus box's topics: one a line, without list markers."""
    topics = [line.strip(" -*•\t") for line in (focus or "").splitlines()]
    return tuple(t for t in topics if t)


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-")[:40] or "undated"


class Handlers:
    """The callbacks of the Gradio app, bound to one assistant.

    Args:
        assistant: The process's :class:`ctassist.Assistant`.
        output_dir: Where agenda downloads are written (a fresh temporary folder by default).
        upload_dir: Gradio's folder of uploaded files: an upload's temporary copy there is
            deleted once the file is stored or refused. ``None``: uploads are left alone.
        max_files: Files accepted in one upload; the rest are refused by name.
    """

    def __init__(
        self,
        assistant: UiAssistant,
        output_dir: Path | None = None,
        *,
        upload_dir: Path | None = None,
        max_files: int = 20,
    ) -> None:
        self.assistant = assistant
        self.output_dir = output_dir or Path(tempfile.mkdtemp(prefix="ctassist-ui-"))
        self.upload_dir = upload_dir.resolve() if upload_dir is not None else None
        self.max_files = max_files
        self._lock = threading.Lock()
        self._running: dict[str, AnswerStream] = {}  # session → the answer it is being given

    # --- chat ------------------------------------------------------------------------------------

    def ask(
        self, question: str | None, scope: str | None, state: ChatState | None, session: str | None = None
    ) -> Iterator[tuple[Messages, ChatState, str]]:
        """Answers a question, yielding the conversation as the answer streams in: the growing
        answer while it is produced, then the finished turn with its sources.

        Args:
            question: The question typed.
            scope: ``"all"``, ``"sources"`` or ``"notes"``.
            state: The session's conversation so far.
            session: The browser session asking; :meth:`stop` with it stops the answer.

        Yields:
            ``(chat messages, conversation, text left in the question box)``; nothing more
            once the answer is stopped.
        """
        state = state if isinstance(state, ChatState) else ChatState()
        question = (question or "").strip()
        if not question:
            yield render_messages(state), state, ""
            return
        shown = render_messages(state)
        user = {"role": "user", "content": markdown_literal(question)}
        yield [*shown, user, {"role": "assistant", "content": PENDING_TEXT}], state, ""
        stream = None
        try:
            stream = self.assistant.stream(question, state.history(), filters_for(scope))
            if session is not None:
                with self._lock:
                    self._running[session] = stream
            text = ""
            for piece in stream:
                text += piece
                yield [*shown, user, {"role": "assistant", "content": render_answer_text(text)}], state, ""
            if stream.answer is None:
                return  # stopped
            turn = Turn.from_answer(question, stream.answer)
        except CtassistError as exc:
            turn = Turn(question=question, error=str(exc))
        except Exception:
            log.exception("answering %r failed", question)
            turn = Turn(question=question, error=UNEXPECTED)
        finally:
            if stream is not None and stream.answer is None:
                stream.cancel()  # stopped, or closed by the UI: generation ends too
            if session is not None:
                with self._lock:
                    if self._running.get(session) is stream:
                        del self._running[session]
        state = ChatState([*state.turns, turn])
        yield render_messages(state), state, ""

    def stop(self, session: str | None) -> None:
        """Stops the answer that ``session`` is being given: its generation ends at the next
        token, not only its display."""
        with self._lock:
            stream = self._running.get(session or "")
        if stream is not None:
            stream.cancel()

    def open_source(self, ref: str | None, state: ChatState | None) -> str:
        """The passage panel for a clicked source (``ct-src-<turn>-<n>``)."""
        parsed = parse_source_ref(ref)
        turns = state.turns if isinstance(state, ChatState) else []
        if parsed is None or parsed[0] >= len(turns):
            return render_passage_error("That source is no longer in this conversation.")
        turn_index, n = parsed
        turn = turns[turn_index]
        citation = next((c for c in (*turn.citations, *turn.closest) if c.n == n), None)
        if citation is None:
            return render_passage_error(f"Source {n} is not part of that answer.")
        try:
            document = self.assistant.document(citation.doc)
        except CtassistError as exc:
            return render_passage_error(f"The document cannot be shown: {exc}")
        except Exception:
            log.exception("opening %s failed", citation.doc)
            return render_passage_error(UNEXPECTED)
        return render_passage(document.text, citation, doc_title=document.title or citation.title)

    def clear(self) -> tuple[Messages, ChatState, str, str]:
        """Starts a new conversation: ``(messages, conversation, question box, passage panel)``."""
        return [], ChatState(), "", PASSAGE_PLACEHOLDER

    # --- agenda ------------------------------------------------------------------------------------

    def agenda_minimum(self, group: str | None, date: str | None, focus: str | None) -> str:
        """The Duration field's note: the real minimum length of the agenda as set up so far
        (from :func:`ctassist.agenda.minimum_minutes`), or what it depends on."""
        try:
            request = AgendaRequest(
                group=group or "", date=(date or "").strip() or None, focus=_topics(focus)
            )
            minutes = minimum_minutes(self.assistant, request)
        except CtassistError:
            return MINIMUM_UNKNOWN
        except Exception:
            log.exception("computing the agenda's minimum failed")
            return MINIMUM_UNKNOWN
        return f"At least {minutes} minutes for this agenda."

    def draft_agenda(
        self,
        group: str | None,
        date: str | None,
        duration: float | None,
        focus: str | None,
        chair: str | None,
        chatham_house: bool,
        start_time: str | None,
    ) -> tuple[str, str | None, str | None, str | None]:
        """Drafts an agenda and writes its files: the Word document to circulate, the Word
        document with the drafting notes (and the sources' paths) and the Markdown text.

        Returns:
            ``(Markdown preview or error, .docx, .docx with drafting notes, .md)``; the paths
            are ``None`` when drafting failed, so no earlier agenda stays downloadable.
        """
        try:
            if not group:
                raise AgendaError("Reference group: choose the public or the user reference group")
            if duration is None:
                raise AgendaError("Duration: enter the length of the meeting in minutes")
            request = AgendaRequest(
                group=group,
                date=(date or "").strip() or None,
                duration_minutes=int(duration),
                focus=_topics(focus),
                chair=chair,
                chatham_house=bool(chatham_house),
                start_time=(start_time or "").strip() or "10:00",
            )
            if request.is_past():
                raise AgendaError(
                    f"Meeting date: {request.date_label} is in the past; enter the date of the coming "
                    "meeting, or leave it empty."
                )
            agenda = self.assistant.draft_agenda(request)
            settings = self.assistant.settings
            folder = Path(tempfile.mkdtemp(prefix="agenda-", dir=self.output_dir))
            stem = f"agenda-{request.group}-{_safe_name(request.date or '')}"
            md_path = folder / f"{stem}.md"
            md_path.write_text(str(agenda.to_markdown()), encoding="utf-8")
            docx_path = folder / f"{stem}.docx"
            notes_path = folder / f"{stem}-with-drafting-notes.docx"
            for path, notes in ((docx_path, False), (notes_path, True)):
                agenda.to_docx(
                    path, drafting_notes=notes, author=settings.agenda_author, marking=settings.agenda_marking
                )
        except AgendaError as exc:
            return error_markdown(f"The agenda could not be drafted. {agenda_problem(exc)}"), None, None, None
        except CtassistError as exc:
            return error_markdown(f"The agenda could not be drafted. {exc}"), None, None, None
        except Exception:
            log.exception("drafting an agenda failed")
            return error_markdown(UNEXPECTED), None, None, None
        # The preview is for whoever drafts: it keeps the drafting notes (document text in it is escaped).
        preview = str(agenda.to_markdown(drafting_notes=True))
        return preview, str(docx_path), str(notes_path), str(md_path)

    # --- corpus ------------------------------------------------------------------------------------

    def corpus_view(self) -> tuple[str, list[list[Any]]]:
        """``(summary line, table rows)`` of the indexed documents."""
        try:
            records = self.assistant.documents()
        except CtassistError as exc:
            return error_markdown(f"The index cannot be read: {exc}"), []
        except Exception:
            log.exception("listing documents failed")
            return error_markdown(UNEXPECTED), []
        return corpus_summary(records), document_rows(records)

    def document_choices(self) -> list[tuple[str, str]]:
        """``(label, doc_id)`` of each indexed document, for the Corpus tab's chooser."""
        try:
            records = self.assistant.documents()
        except Exception:  # the table above already says why the index cannot be read
            log.exception("listing documents failed")
            return []
        return [(f"{r.title} · {r.doc_id}", r.doc_id) for r in records]

    def view_document(self, doc_id: str | None) -> str:
        """The document's text, escaped, in a reading panel (or why it cannot be shown)."""
        if not doc_id:
            return render_passage_error("Choose a document first (or select its row in the table).")
        try:
            document = self.assistant.document(doc_id)
        except LoadError as exc:
            return render_passage_error(f"{exc.path}: {exc.reason}")
        except Exception:
            log.exception("showing %s failed", doc_id)
            return render_passage_error(UNEXPECTED)
        return render_document(document.title, doc_id, document.text[document.body_start :])

    def download_document(self, doc_id: str | None) -> str | None:
        """A copy of the document's file for the browser to download (``None`` if none).

        The copy sits in this app's own output folder under the file's stored name, which
        ctassist generated or the corpus's owner chose; Gradio serves only files there.
        """
        if not doc_id:
            return None
        corpus = self.assistant.settings.corpus_dir.resolve()
        path = (corpus / doc_id).resolve()
        if not path.is_relative_to(corpus) or not path.is_file():
            return None
        folder = Path(tempfile.mkdtemp(prefix="document-", dir=self.output_dir))
        copy = folder / path.name
        shutil.copyfile(path, copy)
        return str(copy)

    def delete_question(self, doc_id: str) -> str:
        """What the user confirms before :meth:`delete_document` runs."""
        return (
            f"Delete **{markdown_literal(doc_id)}**? Its passages leave the index; the file is "
            "moved to the index folder's `deleted/`, from where it can be restored."
        )

    def delete_document(self, doc_id: str | None) -> tuple[str, str, list[list[Any]]]:
        """Takes a confirmed document out of the corpus and the index.

        Returns:
            ``(result message, corpus summary, table rows)``.
        """
        if not doc_id:
            return error_markdown("Choose a document to delete."), *self.corpus_view()
        try:
            removed = self.assistant.remove_document(doc_id)
        except LoadError as exc:
            text = error_markdown(f"Not deleted: {exc.path}: {exc.reason}")
        except CtassistError as exc:
            text = error_markdown(f"Not deleted: {exc}")
        except Exception:
            log.exception("deleting %s failed", doc_id)
            text = error_markdown(UNEXPECTED)
        else:
            text = (
                f"Deleted **{markdown_literal(doc_id)}**: its passages have left the index. The file "
                f"is kept as {markdown_literal(str(removed.kept))} in case it is wanted back."
            )
        return (text, *self.corpus_view())

    def upload(
        self, files: Sequence[Any] | None, kind: str | None, progress: ProgressFn | None = None
    ) -> tuple[str, str, list[list[Any]]]:
        """Stores and indexes uploaded files, one by one.

        Only the first ``max_files`` files and the types in :data:`UPLOAD_TYPES` are
        added; every other file is named with the reason. Each file's temporary copy in
        Gradio's upload folder is deleted once it is stored or refused.

        Args:
            files: The uploaded files: paths of Gradio's temporary copies, or Gradio's file
                records (``{"path": ...}``).
            kind: ``"auto"`` (detect a note by its front matter), ``"source"`` or ``"notes"``.
            progress: Gradio's progress tracker.

        Returns:
            ``(per-file results, corpus summary, table rows)``.
        """
        paths = [_upload_path(f) for f in (files or [])]
        results: list[UploadResult] = []
        try:
            for i, path in enumerate(paths):
                if i >= self.max_files:
                    results.append(
                        UploadResult(
                            path.name,
                            False,
                            f"not added: more than {self.max_files} files in one upload; add it in another",
                        )
                    )
                    continue
                if progress is not None:
                    progress((i, len(paths)), desc=f"Adding file {i + 1} of {len(paths)}")
                results.append(self._add_one(path, kind or "auto"))
        finally:
            for path in paths:
                self._discard(path)
        return (render_upload_results(results), *self.corpus_view())

    def _discard(self, path: Path) -> None:
        """Deletes an upload's temporary copy (and its folder, once empty) in Gradio's upload folder."""
        if self.upload_dir is None:
            return
        try:
            resolved = path.resolve()
        except OSError:
            return
        if not resolved.is_relative_to(self.upload_dir) or resolved == self.upload_dir:
            return  # never anything outside Gradio's upload folder
        try:
            resolved.unlink(missing_ok=True)
            if resolved.parent != self.upload_dir:
                resolved.parent.rmdir()  # Gradio's per-upload folder; kept while it holds other files
        except OSError:
            pass

    def _add_one(self, path: Path, kind: str) -> UploadResult:
        # The client's name is shown back to the user, never used to store anything.
        name = path.name
        if path.suffix.lower() not in UPLOAD_TYPES:
            return UploadResult(name, False, f"not accepted: only {', '.join(UPLOAD_TYPES)} files are read")
        try:
            data = path.read_bytes()
            added = self.assistant.add_document(data, kind=kind, filename=name)
        except NoteFormatError as exc:
            if len(exc.problems) > 1:  # every problem, each with its line, as a list
                count = f"{len(exc.problems)} problems in the front matter:"
                return UploadResult(name, False, count, tuple(str(p) for p in exc.problems))
            return UploadResult(name, False, exc.full_reason)
        except LoadError as exc:
            return UploadResult(name, False, exc.reason)
        except CtassistError as exc:
            return UploadResult(name, False, str(exc))
        except OSError as exc:
            return UploadResult(name, False, f"the upload could not be read ({exc.strerror})")
        except Exception:
            log.exception("adding %s failed", name)
            return UploadResult(name, False, UNEXPECTED)
        report = getattr(added, "report", None)
        # A note's warnings (a personal name where a role belongs) as a list under its line.
        warned = tuple(f"warning: {w}" for w in getattr(added, "warnings", ()))
        own = [s.reason for s in getattr(report, "skipped", []) if s.path == added.doc_id]
        if own:
            return UploadResult(
                name, False, f"stored as {added.doc_id} but not indexed: {'; '.join(own)}", warned
            )
        title = getattr(added, "title", "")
        shown = f" — “{title}”" if title else ""
        how = (
            "recognised as a meeting note by its front matter, " if getattr(added, "detected", False) else ""
        )
        return UploadResult(name, True, f"{how}stored as {added.doc_id} and indexed{shown}", warned)

    def reindex(self, progress: ProgressFn | None = None) -> tuple[str, str, list[list[Any]]]:
        """Brings the index in step with the corpus folder, reporting progress per file.

        Returns:
            ``(report, corpus summary, table rows)``.
        """

        def step(done: int, total: int, what: str) -> None:
            if progress is not None:
                progress((done, max(total, 1)), desc=what[:1].upper() + what[1:], unit="files")

        try:
            if progress is not None:
                progress(0, desc="Reading the corpus folder")
            report = self.assistant.index(progress=step)
            text = render_index_report(report)
        except CtassistError as exc:
            text = error_markdown(f"Re-indexing failed: {exc}")
        except Exception:
            log.exception("re-indexing failed")
            text = error_markdown(UNEXPECTED)
        return (text, *self.corpus_view())


def _upload_path(upload: Any) -> Path:
    """The path of an upload: a path, Gradio's ``{"path": ...}`` record, or a file object."""
    if isinstance(upload, dict):
        return Path(str(upload.get("path") or ""))
    return Path(str(getattr(upload, "path", None) or getattr(upload, "name", upload)))


__all__ = ["MINIMUM_UNKNOWN", "PASSAGE_PLACEHOLDER", "UPLOAD_TYPES", "Handlers", "UiAssistant", "filters_for"]
