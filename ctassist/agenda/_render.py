"""Rendering an agenda as Markdown and as a Word document.

The renderers read an agenda through the protocols below, which name what they show, so
that this module does not import the agenda's model (whose methods call it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from ctassist._safety import markdown_literal
from ctassist.agenda._groups import CHATHAM_HOUSE
from ctassist.errors import WriteError
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


def _where(citation: Citation) -> str:
    parts = [citation.doc]
    if citation.section:
        parts.append(citation.section)
    if citation.page:
        parts.append(f"page {citation.page}")
    return ", ".join(parts)


#: A citation marker ``[n]`` the agenda itself put in a prompt, once escaped.
_MARKER = re.compile(r"\\\[(\d{1,4})\\\](?=\s|$)")


def _prompt(text: str) -> str:
    """A prompt shown literally, except for its ``[n]`` citation markers."""
    return _MARKER.sub(r"[\1]", markdown_literal(text))


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return re.sub(r"(?<!\\)\|", r"\\|", markdown_literal(" ".join(text.split())))


def to_markdown(agenda: RenderedAgenda) -> str:
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
            lines.append(
                f"[{citation.n}] {markdown_literal(citation.title)} ({markdown_literal(_where(citation))}): “{markdown_literal(citation.quote)}”"
            )
            lines.append("")
        lines.pop()
    if agenda.notes:
        lines += ["", "## Drafting notes", ""]
        lines += [f"- {_prompt(note)}" for note in agenda.notes]
    return "\n".join(lines) + "\n"


def to_docx(agenda: RenderedAgenda, path: Path) -> Path:
    """Writes the agenda as a Word document (see :meth:`Agenda.to_docx`)."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.core_properties.title = agenda.title
    document.core_properties.subject = f"{agenda.group_name} meeting, {agenda.date_label}"
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
            paragraph.add_run(f" ({_where(citation)})")
            quote = document.add_paragraph(f"“{citation.quote}”")
            quote.paragraph_format.left_indent = Pt(18)
    if agenda.notes:
        document.add_heading("Drafting notes", level=1)
        for note in agenda.notes:
            document.add_paragraph(note, style="List Bullet")
    try:
        document.save(str(path))
    except OSError as exc:
        raise WriteError(f"{path}: cannot write the Word document ({exc.strerror or exc})") from None
    return path
