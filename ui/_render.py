"""Pure functions that turn answers, citations and reports into the UI's Markdown and HTML.

Everything that comes from a document (answer sentences, titles, sections, quotes) is data:
it is escaped before it reaches the page, so a document cannot inject markup or script, and
its links, images and bare addresses show as text (nothing is fetched, nothing is a link).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ctassist import Answer, FileRecord, IndexReport
from ctassist.safety import markdown_literal
from ctassist.text import LIST_MARKER
from ctassist.types import Citation

#: Characters of document text shown on each side of a quoted passage.
CONTEXT_CHARS = 600

#: Link targets of numbered sources: ``#ct-src-<turn>-<n>``; the page script catches them.
SOURCE_REF = re.compile(r"^ct-src-(\d{1,6})-(\d{1,4})$")

#: A citation marker ``[n]`` after :func:`markdown_literal` (brackets escaped).
_MARKER = re.compile(r"\\\[(\d{1,4})\\\]")

SCOPES: tuple[tuple[str, str], ...] = (
    ("All documents", "all"),
    ("Sources only", "sources"),
    ("Meeting notes only", "notes"),
)

KIND_LABELS = {"source": "Source document", "notes": "Meeting note"}


@dataclass(frozen=True)
class Turn:
    """One exchange of a chat session, as the UI keeps it (in a per-session ``gr.State``).

    Attributes:
        question: The question as typed.
        text: The answer's text with its ``[n]`` markers (or the abstention message).
        abstained: The corpus did not cover the question.
        citations: The answer's numbered sources.
        closest: When abstaining, the closest passages (they may not answer it).
        error: A user-readable error instead of an answer (the turn is then not
            part of the conversation the assistant sees).
        scope: "Searched: ..." when the search was narrowed (``Answer.scope_text``).
    """

    question: str
    text: str = ""
    abstained: bool = False
    citations: tuple[Citation, ...] = ()
    closest: tuple[Citation, ...] = ()
    error: str = ""
    scope: str | None = None

    @classmethod
    def from_answer(cls, question: str, answer: Answer) -> Turn:
        """Builds a turn from a :class:`ctassist.Answer`."""
        return cls(
            question=question,
            text=str(answer.text),
            abstained=bool(answer.abstained),
            citations=tuple(answer.citations),
            closest=tuple(answer.closest),
            scope=answer.scope_text,
        )


@dataclass
class ChatState:
    """A chat session's conversation (held server-side in ``gr.State``)."""

    turns: list[Turn] = field(default_factory=list)

    def history(self) -> list[tuple[str, str]]:
        """The conversation for follow-up resolution: ``[(question, answer), ...]``."""
        return [(t.question, t.text) for t in self.turns if not t.error]


# --- escaping ----------------------------------------------------------------------------------


def escape_html(text: str) -> str:
    """Escapes text for HTML, including the characters of template syntaxes (``{ } $``).

    Args:
        text: Any text, e.g. a document's.

    Returns:
        Text that renders literally inside HTML.
    """
    return (
        html.escape(text, quote=True)
        .replace("{", "&#123;")
        .replace("}", "&#125;")
        .replace("$", "&#36;")
        .replace("`", "&#96;")
    )


def format_where(citation: Citation) -> str:
    """``"Section · page 3"`` for a citation (empty when it has neither)."""
    parts = [citation.section or "", f"page {citation.page}" if citation.page else ""]
    return " · ".join(p for p in parts if p)


# --- chat messages -------------------------------------------------------------------------------


def source_ref(turn_index: int, n: int) -> str:
    """The link target of source ``n`` of turn ``turn_index``."""
    return f"ct-src-{turn_index}-{n}"


def parse_source_ref(ref: str | None) -> tuple[int, int] | None:
    """Reads ``ct-src-<turn>-<n>`` (with or without ``#``) back; ``None`` if malformed."""
    match = SOURCE_REF.match((ref or "").strip().lstrip("#"))
    return (int(match.group(1)), int(match.group(2))) if match else None


#: A line break inside a paragraph (a file's hard-wrapped line, quoted verbatim): not before
#: a blank line, a list item or a heading, which are the breaks that carry meaning.
_WRAPPED = re.compile(rf"(?<=\S)[ \t]*\n(?![ \t]*(?:\n|{LIST_MARKER}[ \t]|#{{1,6}}[ \t]))[ \t]*(?=\S)")


def render_answer_text(text: str, turn_index: int | None = None, numbers: Iterable[int] = ()) -> str:
    """An answer's text as Markdown, its ``[n]`` markers turned into links to the sources.

    Args:
        text: The answer text (document sentences: escaped here).
        turn_index: The turn's position; without it, markers stay plain text (while streaming).
        numbers: The citation numbers that exist; other ``[n]`` are left as they are.

    Returns:
        Markdown with inline HTML links; the text itself renders literally (list items
        the answer opens with ``- `` stay list items).
    """
    escaped = "\n".join(
        f"- {markdown_literal(line[2:])}" if line.startswith("- ") else markdown_literal(line)
        for line in _WRAPPED.sub(" ", text).split("\n")
    )
    known = set(numbers)
    if turn_index is None or not known:
        return escaped

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in known:
            return match.group(0)
        return f'<a class="ct-cite" href="#{source_ref(turn_index, n)}" title="Open source {n}">[{n}]</a>'

    return _MARKER.sub(link, escaped)


SOURCES_HEADING = "Sources · select one to read the passage"
CLOSEST_HEADING = "Closest passages · they may not answer the question; select one to read it"


def render_sources(turn_index: int, citations: Sequence[Citation], heading: str = SOURCES_HEADING) -> str:
    """The numbered sources under an answer, as one HTML block of links.

    Args:
        turn_index: The turn's position in the conversation (part of each link).
        citations: The answer's citations.
        heading: The block's heading.

    Returns:
        HTML (no blank lines, so Markdown keeps it as one block); empty without citations.
    """
    if not citations:
        return ""
    items = []
    labels = [(c.title, format_where(c)) for c in citations]
    for c, label in zip(citations, labels, strict=True):
        where = format_where(c)
        kind = KIND_LABELS.get(c.kind, c.kind)
        # Two sources of one section read alike: their opening words tell them apart.
        opening = f"“{_opening_words(c.quote)}”" if labels.count(label) > 1 else ""
        detail = " · ".join(x for x in (where, opening, kind) if x)
        items.append(
            f'<li><a class="ct-src" href="#{source_ref(turn_index, c.n)}" title="Show the quoted passage">'
            f'<span class="ct-src-n">{c.n}</span> <span class="ct-src-title">{escape_html(c.title)}</span></a>'
            f'<span class="ct-src-where">{escape_html(detail)}</span></li>'
        )
    return (
        f'<div class="ct-sources"><div class="ct-sources-head">{escape_html(heading)}</div>'
        f'<ol class="ct-src-list">{"".join(items)}</ol></div>'
    )


#: Words of a quote shown to tell apart sources with the same title and section.
_OPENING_WORDS = 8


def _opening_words(quote: str) -> str:
    words = quote.split()
    return " ".join(words[:_OPENING_WORDS]) + (" …" if len(words) > _OPENING_WORDS else "")


ABSTAIN_LABEL = "Not covered by the corpus"


def render_turn_reply(turn_index: int, turn: Turn) -> str:
    """The assistant's message for a finished turn: answer + sources, abstention or error."""
    if turn.error:
        return f'<div class="ct-error-label">Could not answer</div>\n\n{markdown_literal(turn.error)}'
    if turn.abstained:
        lines = [
            f'<div class="ct-abstain-label">{ABSTAIN_LABEL}</div>',
            "",
            markdown_literal(turn.text.split(" The closest passages")[0]),
        ]
        if turn.scope:
            lines += ["", _scope_line(turn.scope)]
        if turn.closest:
            lines += ["", render_sources(turn_index, turn.closest, CLOSEST_HEADING)]
        lines += [
            "",
            "*The assistant does not guess. Try rephrasing, searching all documents, or adding documents to the corpus.*",
        ]
        return "\n".join(lines)
    body = render_answer_text(turn.text, turn_index, (c.n for c in turn.citations))
    if turn.scope:
        body += "\n\n" + _scope_line(turn.scope)
    sources = render_sources(turn_index, turn.citations)
    return f"{body}\n\n{sources}" if sources else body


def _scope_line(scope: str) -> str:
    """What was searched, as a small line under the answer (its text escaped)."""
    return f'<div class="ct-scope">{escape_html(scope)}</div>'


def render_messages(state: ChatState) -> list[dict[str, str]]:
    """The chatbot's messages for a conversation."""
    messages: list[dict[str, str]] = []
    for i, turn in enumerate(state.turns):
        messages.append({"role": "user", "content": markdown_literal(turn.question)})
        messages.append({"role": "assistant", "content": render_turn_reply(i, turn)})
    return messages


PENDING_TEXT = '<span class="ct-pending">Searching the corpus…</span>'


# --- the passage panel -----------------------------------------------------------------------------

PASSAGE_PLACEHOLDER = (
    '<div class="ct-passage ct-passage-empty"><div class="ct-passage-hint">'
    "Select a numbered source under an answer to read the quoted passage, highlighted in its "
    "surrounding text.</div></div>"
)


def locate_quote(text: str, citation: Citation) -> tuple[int, int] | None:
    """Where the citation's quote is in the document text (its offsets, or a search)."""
    start, end = citation.start, citation.end
    if 0 <= start <= end <= len(text) and text[start:end] == citation.quote:
        return start, end
    found = text.find(citation.quote) if citation.quote else -1
    return (found, found + len(citation.quote)) if found >= 0 else None


def _snap_start(text: str, position: int) -> int:
    """A start at or after ``position`` on a line (else word) boundary."""
    if position <= 0:
        return 0
    newline = text.find("\n", position, position + 200)
    if newline >= 0:
        while newline < len(text) and text[newline] == "\n":
            newline += 1
        return newline
    space = text.find(" ", position, position + 40)
    return space + 1 if space >= 0 else position


def _snap_end(text: str, position: int) -> int:
    """An end at or before ``position`` on a line (else word) boundary."""
    if position >= len(text):
        return len(text)
    newline = text.rfind("\n", position - 200, position)
    if newline > 0:
        return newline
    space = text.rfind(" ", position - 40, position)
    return space if space > 0 else position


_HEADING_LINE = re.compile(r"(?m)^#{1,6}[ \t]+([^\n]*?)[ \t#]*$")


def _context_html(text: str) -> str:
    """Escaped surrounding text as it reads: a Markdown heading line is set in bold without
    its ``#`` marks, and a hard-wrapped line joins its paragraph."""
    joined = _WRAPPED.sub(" ", text)
    return _HEADING_LINE.sub(r'<span class="ct-passage-heading">\1</span>', escape_html(joined))


def render_passage(
    document_text: str,
    citation: Citation,
    *,
    doc_title: str | None = None,
    context: int = CONTEXT_CHARS,
) -> str:
    """The quoted passage highlighted (``<mark>``) in its surrounding document text.

    Args:
        document_text: The document's full text (``LoadedDocument.text``).
        citation: The citation whose quote to show.
        doc_title: The document's title (defaults to the citation's).
        context: Characters of surrounding text on each side.

    Returns:
        An HTML panel; all document text is escaped.
    """
    title = doc_title or citation.title
    where = " · ".join(x for x in (format_where(citation), citation.doc) if x)
    head = (
        f'<div class="ct-passage-head"><span class="ct-src-n">{citation.n}</span>'
        f'<div><div class="ct-passage-title">{escape_html(title)}</div>'
        f'<div class="ct-passage-where">{escape_html(where)}</div></div></div>'
    )
    span = locate_quote(document_text, citation)
    if span is None:
        body = (
            '<div class="ct-passage-note">The document has changed since this answer; '
            "the quoted text is shown on its own.</div>"
            f'<div class="ct-passage-body"><mark>{escape_html(citation.quote)}</mark></div>'
        )
        return f'<div class="ct-passage">{head}{body}</div>'
    start, end = span
    before_at = min(_snap_start(document_text, start - context), start)
    after_at = max(_snap_end(document_text, end + context), end)
    before = document_text[before_at:start]
    after = document_text[end:after_at]
    lead = "… " if before_at > 0 else ""
    tail = " …" if after_at < len(document_text) else ""
    body = (
        '<div class="ct-passage-body">'
        f"{lead}{_context_html(before)}<mark>{escape_html(_WRAPPED.sub(' ', document_text[start:end]))}</mark>"
        f"{_context_html(after)}{tail}</div>"
    )
    return f'<div class="ct-passage">{head}{body}</div>'


def render_document(title: str, doc_id: str, text: str) -> str:
    """A whole document in the reading panel: its title, its id and its text, escaped, with
    headings set in bold and hard-wrapped lines joined."""
    head = (
        f'<div class="ct-passage-head"><div><div class="ct-passage-title">{escape_html(title)}</div>'
        f'<div class="ct-passage-where">{escape_html(doc_id)}</div></div></div>'
    )
    return f'<div class="ct-passage">{head}<div class="ct-passage-body">{_context_html(text.strip())}</div></div>'


def render_passage_error(message: str) -> str:
    """The passage panel when a source cannot be shown."""
    return f'<div class="ct-passage"><div class="ct-error-box">{escape_html(message)}</div></div>'


# --- corpus --------------------------------------------------------------------------------------

DOCUMENT_HEADERS = ["Title", "Kind", "Group", "Meeting date", "Chunks", "Indexed", "Document"]


def format_indexed_at(value: str) -> str:
    """``2026-11-27T17:24:29+00:00`` → ``27 Nov 2026, 17:24 UTC`` (as is when unreadable)."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def document_rows(records: Iterable[FileRecord]) -> list[list[Any]]:
    """Rows of the Corpus tab's table, one per indexed document."""
    rows = []
    for r in records:
        rows.append(
            [
                r.title,
                KIND_LABELS.get(r.kind, r.kind),
                {"public": "Public", "user": "User"}.get(r.group, r.group),
                r.date,
                r.chunks,
                format_indexed_at(r.indexed_at),
                r.doc_id,
            ]
        )
    return rows


def corpus_summary(records: Sequence[FileRecord]) -> str:
    """One line of Markdown: how many documents, of which kind, and chunks."""
    if not records:
        return "**The index is empty.** Add documents below, or press *Re-index* to index the corpus folder."
    sources = sum(1 for r in records if r.kind != "notes")
    notes = len(records) - sources
    chunks = sum(int(r.chunks) for r in records)
    return (
        f"**{len(records)} documents indexed** — {sources} source document{'s' if sources != 1 else ''}, "
        f"{notes} meeting note{'s' if notes != 1 else ''}; {chunks} passages."
    )


def render_index_report(report: IndexReport) -> str:
    """An :class:`~ctassist.IndexReport` as Markdown: the counts, then each skipped file."""
    lines = [
        f"**Re-index finished in {report.seconds:.1f} s.** "
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed, "
        f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped"
        + (f", {len(report.repaired)} repaired" if report.repaired else "")
        + f"; {report.chunks_embedded} passages embedded, {report.chunks_total} in the index."
    ]
    if report.skipped:
        lines += ["", "Files that could not be indexed:", ""]
        lines += [
            f'- <span class="ct-badge ct-fail">Skipped</span> **{markdown_literal(s.path)}** — '
            f"{markdown_literal(s.reason)}"
            for s in report.skipped
        ]
    return "\n".join(lines)


@dataclass(frozen=True)
class UploadResult:
    """What happened to one uploaded file."""

    name: str
    ok: bool
    message: str
    #: Items listed under the message (each problem or warning of a note).
    details: tuple[str, ...] = ()


def render_upload_results(results: Sequence[UploadResult]) -> str:
    """The per-file outcome of an upload, as Markdown (a labelled line per file)."""
    if not results:
        return "Choose one or more files first."
    lines = []
    for r in results:
        badge = (
            '<span class="ct-badge ct-ok">Added</span>'
            if r.ok
            else '<span class="ct-badge ct-fail">Not added</span>'
        )
        lines.append(f"- {badge} **{markdown_literal(r.name)}** — {markdown_literal(r.message)}")
        lines += [f"  - {markdown_literal(item)}" for item in r.details]
    return "\n".join(lines)


def error_markdown(message: str) -> str:
    """A clearly marked error box, as Markdown with inline HTML."""
    return f'<div class="ct-error-box">{escape_html(message)}</div>'
