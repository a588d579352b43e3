"""Rendering an agenda as Markdown and as a Word document.

The renderers read an agenda through the protocols below, which name what they show, so
that this module does not import the agenda's model (whose methods call it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from ctassist.agenda._groups import CHATHAM_HOUSE
from ctassist.errors import WriteError
from ctassist.safety import markdown_literal
from ctassist.types import Citation


class RenderedItem(Protocol):
    """What is shown of an agenda item (see :class:`ctassist.agenda.AgendaItem`)."""

    @property
    def number(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def start(self) -> str: ...
    @property
    def end(self) -> str: ...
    @property
    def minutes(self) -> int: ...
    @property
    def prompts(self) -> Sequence[str]: ...
    @property
    def source(self) -> int | None: ...


class RenderedAgenda(Protocol):
    """What is shown of an agenda (see :class:`ctassist.agenda.Agenda`)."""

    @property
    def title(self) -> str: ...
    @property
    def group_name(self) -> str: ...
    @property
    def date_label(self) -> str: ...
    @property
    def start_time(self) -> str: ...
    @property
    def end_time(self) -> str: ...
    @property
    def duration_minutes(self) -> int: ...
    @property
    def chair(self) -> str | None: ...
    @property
    def chatham_house(self) -> bool: ...
    @property
    def items(self) -> Sequence[RenderedItem]: ...
    @property
    def sources(self) -> Sequence[Citation]: ...
    @property
    def notes(self) -> Sequence[str]: ...


_COLUMNS = ("No.", "Time", "Item", "Minutes")


def _title_block(agenda: RenderedAgenda) -> list[tuple[str, str]]:
    block = [
        ("Group", agenda.group_name),
        ("Date", agenda.date_label),
        ("Time", f"{agenda.start_time}–{agenda.end_time} ({agenda.duration_minutes} minutes)"),
        ("Chair", agenda.chair or "to be confirmed"),
    ]
    if agenda.chatham_house:
        block.append(("Chatham House Rule", CHATHAM_HOUSE))
    return block


def _time(item: RenderedItem) -> str:
    return f"{item.start}–{item.end}"


#: A citation marker ``[n]`` the agenda itself put in a prompt, once escaped.
_MARKER = re.compile(r"\\\[(\d{1,4})\\\](?=\s|$)")


def _prompt(text: str) -> str:
    """A prompt shown literally, except for its ``[n]`` citation markers."""
    return _MARKER.sub(r"[\1]", markdown_literal(text))


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return re.sub(r"(?<!\\)\|", r"\\|", markdown_literal(" ".join(text.split())))


def _where(citation: Citation, *, drafting_notes: bool) -> str:
    """`` (section, page 3)``; the document's path first only in the drafting version."""
    parts = [citation.section or "", f"page {citation.page}" if citation.page else ""]
    if drafting_notes:
        parts.insert(0, citation.doc)
    shown = ", ".join(part for part in parts if part)
    return f" ({shown})" if shown else ""


def to_markdown(agenda: RenderedAgenda, *, drafting_notes: bool = False) -> str:
    """The agenda as Markdown (see :meth:`Agenda.to_markdown`).

    Everything that comes from a document or a user is escaped (:func:`markdown_literal`):
    a document's link, image or bare address shows as text wherever the Markdown is drawn.
    """
    lines = [f"# {agenda.title}", ""]
    lines += [f"- **{label}:** {markdown_literal(value)}" for label, value in _title_block(agenda)]
    lines += ["", "| " + " | ".join(_COLUMNS) + " |", "|---:|---|---|---:|"]
    lines += [
        f"| {item.number} | {_time(item)} | {_cell(item.title)} | {item.minutes} |" for item in agenda.items
    ]
    for item in agenda.items:
        lines += [
            "",
            f"## {item.number}. {_cell(item.title)}",
            "",
            f"*{_time(item)} ({item.minutes} minutes)*",
        ]
        if item.source is not None:
            lines += ["", f"Question as worded in the source [{item.source}]."]
        if item.prompts:
            lines.append("")
            lines += [f"- {_prompt(prompt)}" for prompt in item.prompts]
    sources = agenda.sources
    if sources:
        lines += ["", "## Sources", ""]
        for citation in sources:
            where = _where(citation, drafting_notes=drafting_notes)
            lines.append(
                f"[{citation.n}] {markdown_literal(citation.title)}{markdown_literal(where)}: "
                f"“{markdown_literal(citation.quote)}”"
            )
            lines.append("")
        lines.pop()
    if drafting_notes and agenda.notes:
        lines += ["", "## Drafting notes", ""]
        lines += [f"- {_prompt(note)}" for note in agenda.notes]
    return "\n".join(lines) + "\n"


def to_docx(agenda: RenderedAgenda, path: Path, *, drafting_notes: bool, author: str, marking: str) -> Path:
    """Writes the agenda as a Word document (see :meth:`Agenda.to_docx`)."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    document = docx.Document()
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)  # A4
        section.left_margin = section.right_margin = Mm(25)
        section.top_margin = section.bottom_margin = Mm(20)
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        header.add_run(marking).bold = True
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run("Page ")
        _add_field(footer, "PAGE", "1")
        footer.add_run(" of ")
        _add_field(footer, "NUMPAGES", "1")
    _set_properties(document, agenda, author=author, drafting_notes=drafting_notes)

    document.add_heading(agenda.title, level=0)
    for label, value in _title_block(agenda):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)

    table = document.add_table(rows=1, cols=len(_COLUMNS))
    table.style = "Table Grid"
    for cell, label in zip(table.rows[0].cells, _COLUMNS, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(label).bold = True
    for item in agenda.items:
        cells = table.add_row().cells
        for cell, value in zip(
            cells, (str(item.number), _time(item), item.title, str(item.minutes)), strict=True
        ):
            cell.text = value

    document.add_heading("Items", level=1)
    for item in agenda.items:
        document.add_heading(f"{item.number}. {item.title}", level=2)
        timing = document.add_paragraph()
        timing.add_run(f"{_time(item)} ({item.minutes} minutes)").italic = True
        if item.source is not None:
            document.add_paragraph(f"Question as worded in the source [{item.source}].")
        for prompt in item.prompts:
            document.add_paragraph(prompt, style="List Bullet")

    sources = agenda.sources
    if sources:
        document.add_heading("Sources", level=1)
        for citation in sources:
            paragraph = document.add_paragraph()
            paragraph.add_run(f"[{citation.n}] {citation.title}").bold = True
            paragraph.add_run(_where(citation, drafting_notes=drafting_notes))
            quote = document.add_paragraph(f"“{citation.quote}”")
            quote.paragraph_format.left_indent = Pt(18)
    if drafting_notes and agenda.notes:
        document.add_heading("Drafting notes", level=1)
        for note in agenda.notes:
            document.add_paragraph(note, style="List Bullet")
    _save(document, path)
    return path


def _set_properties(document: Any, agenda: RenderedAgenda, *, author: str, drafting_notes: bool) -> None:
    """Title, author and dates of this agenda, in place of the template's own."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)  # python-docx writes it as UTC
    properties = document.core_properties
    properties.title = agenda.title
    properties.subject = f"{agenda.group_name} meeting, {agenda.date_label}"
    properties.author = author
    properties.last_modified_by = author
    properties.created = now
    properties.modified = now
    properties.last_printed = now
    properties.revision = 1
    properties.comments = "Draft with drafting notes: not for circulation" if drafting_notes else ""
    properties.keywords = ""
    properties.category = "Agenda"


def _add_field(paragraph: Any, instruction: str, placeholder: str) -> None:
    """A Word field (``PAGE``, ``NUMPAGES``) that Word computes when the document is shown."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind: str) -> Any:
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
        return run

    char("begin")
    code = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    code._r.append(text)
    char("separate")
    paragraph.add_run(placeholder)  # shown until Word updates the field
    char("end")


def _save(document: Any, path: Path) -> None:
    """Saves through a temporary file beside ``path``: never a half-written document."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        document.save(str(partial))
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise WriteError(f"{path}: cannot write the Word document ({exc.strerror or exc})") from None
