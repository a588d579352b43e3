"""Readers that turn each supported file format into text plus structure.

Each reader takes the file's bytes and returns :class:`Extracted`; a file that cannot be
read raises :class:`~ctassist.errors.LoadError` with the reason in plain words.
"""

from __future__ import annotations

import bisect
import codecs
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ctassist.errors import LoadError, excerpt
from ctassist.load._document import Heading, PageSpan
from ctassist.text import BULLETS

# pypdf logs warnings such as "EOF marker not found" without naming the file; a file it
# cannot read is reported as a LoadError with its path instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass
class Extracted:
    text: str
    title: str = ""
    headings: list[Heading] = field(default_factory=list)
    pages: list[PageSpan] = field(default_factory=list)


Reader = Callable[[str, bytes], Extracted]

_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_FENCE = re.compile(r"^(```|~~~)", re.MULTILINE)
_SENTENCE_END = (".", ":", ";", ",", "?", "!")


# UTF-32 first: its little-endian mark begins with UTF-16's.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(path: str, data: bytes) -> str:
    """Decodes a text file's bytes as UTF-8, or as UTF-16/32 after their byte-order mark,
    refusing binary content."""
    codec = next((codec for mark, codec in _BYTE_ORDER_MARKS if data.startswith(mark)), None)
    if codec is not None:
        try:
            text = data.decode(codec)  # the codec reads the mark for the byte order and drops it
        except UnicodeDecodeError as exc:
            raise LoadError(
                path,
                f"not valid {codec.upper()} although it starts with a {codec.upper()} byte-order mark "
                f"(at byte offset {exc.start}); re-save the file as UTF-8",
            ) from None
        if "\x00" in text[:8192] or _control_ratio(text[:8192]) > 0.1:
            raise LoadError(path, "binary content in a text file (is the extension wrong?)")
        return _normalise_newlines(text)
    sample = data[:8192]
    if b"\x00" in sample or _control_ratio(sample.decode("latin-1")) > 0.1:
        raise LoadError(path, "binary content in a text file (is the extension wrong?)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            path,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "re-save the file as UTF-8",
        ) from None
    return _normalise_newlines(text)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _control_ratio(sample: str) -> float:
    if not sample:
        return 0.0
    control = sum(1 for ch in sample if ch < " " and ch not in "\t\n\x0c\r")
    return control / len(sample)


def read_markdown(path: str, data: bytes) -> Extracted:
    text = decode_text(path, data)
    fenced = _fenced_ranges(text)
    fence_starts = [a for a, _ in fenced]
    headings = [
        Heading(m.start(), m.end(), len(m.group(1)), m.group(2).strip())
        for m in _MD_HEADING.finditer(text)
        if not _inside(fenced, fence_starts, m.start())
    ]
    title = next((h.title for h in headings if h.level == 1), headings[0].title if headings else "")
    return Extracted(text=text, title=title, headings=headings)


def _fenced_ranges(text: str) -> list[tuple[int, int]]:
    marks = [m.start() for m in _FENCE.finditer(text)]
    return [(marks[i], marks[i + 1]) for i in range(0, len(marks) - 1, 2)]


def _inside(ranges: list[tuple[int, int]], starts: list[int], offset: int) -> bool:
    """Whether ``offset`` falls in one of ``ranges`` (sorted, apart; ``starts`` their starts)."""
    # By bisection: a test of every range for every heading is quadratic in a file of many.
    index = bisect.bisect_right(starts, offset) - 1
    return index >= 0 and offset < ranges[index][1]


def read_plain_text(path: str, data: bytes) -> Extracted:
    text = decode_text(path, data)
    headings: list[Heading] = []
    lines = text.split("\n")
    offset = 0
    for number, line in enumerate(lines):
        stripped = line.strip()
        if _looks_like_heading(stripped, lines, number):
            start = offset + line.index(stripped)
            level = 1 if not headings else 2
            headings.append(Heading(start, start + len(stripped), level, stripped))
        offset += len(line) + 1
    title = headings[0].title if headings and headings[0].level == 1 else ""
    return Extracted(text=text, title=title, headings=headings)


def _looks_like_heading(stripped: str, lines: list[str], number: int) -> bool:
    """A plain-text heading: a short line of its own, without closing punctuation."""
    if not stripped or len(stripped) > 80 or stripped.endswith(_SENTENCE_END):
        return False
    if stripped.startswith(BULLETS) or (stripped[0].isdigit() and "." in stripped[:4]):
        return False
    if len(stripped.split()) > 10:
        return False
    before_blank = number == 0 or not lines[number - 1].strip()
    after_blank = number + 1 >= len(lines) or not lines[number + 1].strip()
    return before_blank and after_blank


_HTML_BLOCKS = frozenset(
    {
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "p",
        "li",
        "pre",
        "blockquote",
        "td",
        "th",
        "dt",
        "dd",
        "caption",
    }
)


def read_html(path: str, data: bytes) -> Extracted:
    from bs4 import BeautifulSoup

    markup = decode_text(path, data)
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "nav", "footer"]):
        tag.decompose()
    title_tag = soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    parts: list[str] = []
    headings: list[Heading] = []
    length = 0
    root = soup.body or soup
    for element in _outer_blocks(root):
        block = " ".join(element.get_text(" ", strip=True).split())
        if not block:
            continue
        if element.name == "li":
            block = "• " + block
        start = length + (2 if parts else 0)
        if element.name in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            headings.append(Heading(start, start + len(block), int(element.name[1]), block))
        parts.append(block)
        length = start + len(block)
    if not parts:
        loose = " ".join(root.get_text(" ", strip=True).split())
        parts = [loose] if loose else []
    if not title:
        title = next((h.title for h in headings if h.level == 1), "")
    return Extracted(text="\n\n".join(parts), title=title, headings=headings)


def _outer_blocks(root: Any) -> list[Any]:
    """The block elements under ``root`` that are in no other block, in document order; a
    nested block's text is taken with the enclosing one."""
    # One walk of the tree, not a search of each block's parents for another block: that is
    # quadratic in the nesting (144 kB of nested <div>s took 287 s).
    from bs4 import Tag

    blocks: list[Any] = []
    stack = [child for child in reversed(root.contents) if isinstance(child, Tag)]
    while stack:
        element = stack.pop()
        if element.name in _HTML_BLOCKS:
            blocks.append(element)
        else:
            stack.extend(child for child in reversed(element.contents) if isinstance(child, Tag))
    return blocks


def read_pdf(path: str, data: bytes) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                unlocked = bool(reader.decrypt(""))
            except Exception:  # noqa: BLE001 - pypdf raises several types for ciphers it lacks
                unlocked = False
            if not unlocked:
                raise LoadError(path, "encrypted PDF (password-protected); save an unprotected copy")
        page_texts = [(page.extract_text() or "") for page in reader.pages]
        metadata_title = (reader.metadata.title if reader.metadata else None) or ""
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise LoadError(
            path, f"corrupt or unreadable PDF ({type(exc).__name__}: {excerpt(str(exc))})"
        ) from None
    parts: list[str] = []
    pages: list[PageSpan] = []
    length = 0
    for number, raw in enumerate(page_texts, start=1):
        page_text = _tidy_pdf_text(raw)
        if not page_text:
            continue
        start = length + (2 if parts else 0)
        parts.append(page_text)
        pages.append(PageSpan(start, start + len(page_text), number))
        length = start + len(page_text)
    if not parts:
        raise LoadError(
            path,
            f"no extractable text in {len(page_texts)} page(s): a scanned PDF without a text "
            "layer? Run OCR on it first",
        )
    title = str(metadata_title).strip() or _first_line_title(parts[0])
    return Extracted(text="\n\n".join(parts), title=title, pages=pages)


#: A PDF's first line stands in for a missing metadata title only if it reads like one.
_TITLE_MAX_CHARS = 120


def _first_line_title(first_page: str) -> str:
    """The first line of a PDF's first page when it looks like a heading: short, with
    letters, not ending a sentence. PDFs carry no heading markup, and without this an
    upload would be titled after its stored file name."""
    line = next((part.strip() for part in first_page.splitlines() if part.strip()), "")
    if not line or len(line) > _TITLE_MAX_CHARS or not any(ch.isalpha() for ch in line):
        return ""
    return "" if line.endswith((".", ",", ";", ":")) else line


def _tidy_pdf_text(raw: str) -> str:
    lines = [" ".join(line.split()) for line in raw.replace("\r", "\n").split("\n")]
    text = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def read_docx(path: str, data: bytes) -> Extracted:
    import zipfile

    from docx import Document as open_docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = open_docx(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(path, f"corrupt or unreadable Word document ({type(exc).__name__})") from None
    parts: list[str] = []
    headings: list[Heading] = []
    title = (document.core_properties.title or "").strip()
    length = 0
    for block, style in _docx_blocks(document):
        start = length + (2 if parts else 0)
        level = _docx_heading_level(style)
        if style == "Title" and not title:
            title = block
        if level:
            headings.append(Heading(start, start + len(block), level, block))
        parts.append(block)
        length = start + len(block)
    if not title:
        title = next((h.title for h in headings if h.level == 1), "")
    return Extracted(text="\n\n".join(parts), title=title, headings=headings)


def _docx_blocks(document: object) -> list[tuple[str, str]]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[tuple[str, str]] = []
    # python-docx resolves a paragraph's style by scanning every style of the document, 2 ms a
    # paragraph with its own template: 58 s for 1 MB of XML. A name is looked up once per id.
    style_names: dict[str | None, str] = {}
    for item in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(item, Paragraph):
            text = " ".join(item.text.split())
            if text:
                style_id = item._p.style
                if style_id not in style_names:
                    style = item.style
                    style_names[style_id] = (style.name or "") if style is not None else ""
                blocks.append((text, style_names[style_id]))
        elif isinstance(item, Table):
            blocks.extend((row, "Table") for row in _docx_table_rows(item))
    return blocks


# Word's own limit on the columns of a table; a crafted gridSpan can claim billions.
_MAX_GRID_SPAN = 63


def _docx_table_rows(table: Any) -> list[str]:
    """Each row's cells, ``" | "``-joined, as python-docx's ``row.cells`` gives them: a
    merged cell once per grid column it spans, and again in each row it spans down."""
    # Not row.cells itself: it finds the cell above a merge down by recursion and a search of
    # all rows, cubic in the rows of the merge (600 rows took 17 s) and a RecursionError
    # past a thousand.
    from docx.table import _Cell

    rows: list[str] = []
    above: dict[int, str] = {}  # grid column -> text of the cell that a merge down continues
    for tr in table._tbl.tr_lst:
        column = tr.grid_before
        cells: list[str] = []
        for tc in tr.tc_lst:
            span = min(max(tc.grid_span, 1), _MAX_GRID_SPAN)
            if tc.vMerge == "continue":
                text = above.get(column, "")
            else:
                text = " ".join(_Cell(tc, table).text.split())
            above[column] = text
            cells.extend([text] * span)
            column += span
        row = " | ".join(c for c in cells if c)
        if row:
            rows.append(row)
    return rows


def _docx_heading_level(style: str) -> int:
    match = re.fullmatch(r"Heading (\d)", style)
    if match:
        return int(match.group(1))
    return 1 if style == "Title" else 0


READERS: dict[str, Reader] = {
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_plain_text,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
}
