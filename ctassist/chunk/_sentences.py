"""Sentence boundaries as character spans, so that every quote maps back to its source."""

from __future__ import annotations

import re
import tomllib
from importlib import resources

from ctassist.text import LIST_MARKER


def _load_abbreviations() -> frozenset[str]:
    """Words that end in a full stop without ending a sentence (``data/sentences.toml``)."""
    text = resources.files("ctassist.chunk").joinpath("data/sentences.toml").read_text("utf-8")
    return frozenset(word for language in tomllib.loads(text).values() for word in language["abbreviations"])


_ABBREVIATIONS = _load_abbreviations()

#: A line of a block that reads as a title (a PDF's headings carry no markup): at most this
#: many words, no closing punctuation, and clearly shorter than the line after it, which
#: starts a sentence. It is a unit of its own, so it is never glued to the sentence after it.
_TITLE_MAX_WORDS = 10
_TITLE_MAX_SHARE = 0.6
#: A stretch longer than this without a sentence end (a table flattened into one line, a
#: minified file) is cut at white space, or anywhere if it has none: no sentence, and so no
#: chunk, holds more text than a passage can usefully show or the encoder can read.
MAX_SENTENCE_CHARS = 2000
# The word before a full stop is looked for this far back: the longest abbreviation is a few
# letters, and an unbounded look-back made a long line of initials quadratic.
_WORD_LOOKBACK = 40

_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9£•])")
_BLOCK_SPLIT = re.compile(r"\n[ \t]*\n")
_LIST_ITEM = re.compile(rf"^[ \t]*{LIST_MARKER}[ \t]+")
_TABLE_ROW = re.compile(r"^[ \t]*\|")
_HEADING_LINE = re.compile(r"^[ \t]*#{1,6}[ \t]")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Splits ``text[start:end]`` into sentences.

    Paragraphs (blank-line separated), list items and table rows always end a sentence;
    inside a paragraph a sentence ends at ``.``, ``!`` or ``?`` followed by a capital
    letter or digit, unless the word before is an abbreviation or an initial. Markdown
    heading lines are left out.

    Args:
        text: The document's extracted text.
        start: First character of the region.
        end: One past the last character; the end of ``text`` when omitted.

    Returns:
        ``(start, end)`` offsets into ``text``, trimmed of white space and list markers.

    Example:
        >>> text = "Prevent is one strand. It has three objectives."
        >>> [text[a:b] for a, b in sentence_spans(text)]
        ['Prevent is one strand.', 'It has three objectives.']
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for block_start, block_end in _blocks(text, start, end):
        for line_start, line_end in _units(text, block_start, block_end):
            spans.extend(_split_unit(text, line_start, line_end))
    return spans


def _blocks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    blocks = []
    cursor = start
    for match in _BLOCK_SPLIT.finditer(text, start, end):
        blocks.append((cursor, match.start()))
        cursor = match.end()
    blocks.append((cursor, end))
    return blocks


def _units(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Lines that stand alone (list items, table rows, headings) are units of their own;
    other lines of a block are joined into one unit (wrapped prose)."""
    units: list[tuple[int, int]] = []
    cursor = start
    current: tuple[int, int] | None = None
    while cursor < end:
        newline = text.find("\n", cursor, end)
        line_end = end if newline == -1 else newline
        line = text[cursor:line_end]
        if _HEADING_LINE.match(line):
            if current:
                units.append(current)
            current = None
        elif _LIST_ITEM.match(line) or _TABLE_ROW.match(line):
            if current:
                units.append(current)
            marker = _LIST_ITEM.match(line)
            units.append((cursor + (marker.end() if marker else 0), line_end))
            current = None
        elif line.strip() and current is None and _reads_as_title(line, text, line_end, end):
            units.append((cursor, line_end))
        elif line.strip():
            current = (current[0], line_end) if current else (cursor, line_end)
        cursor = line_end + 1
    if current:
        units.append(current)
    return units


def _reads_as_title(line: str, text: str, line_end: int, end: int) -> bool:
    """Whether a line that starts a paragraph is a title over the next line (see
    :data:`_TITLE_MAX_WORDS`)."""
    stripped = line.strip()
    if len(stripped.split()) > _TITLE_MAX_WORDS or stripped[-1] in ".,;:!?-–" or not stripped[0].isupper():
        return False
    after = line_end + 1
    if after >= end:
        return False
    newline = text.find("\n", after, end)
    following = text[after : end if newline == -1 else newline].strip()
    return bool(following) and following[0].isupper() and len(stripped) <= _TITLE_MAX_SHARE * len(following)


def _split_unit(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        if _is_abbreviation(text, cursor, match.start()):
            continue
        spans.append((cursor, match.end()))
        cursor = match.end()
    spans.append((cursor, end))
    return [trimmed for a, b in spans for piece in _cut(text, a, b) if (trimmed := _trim(text, *piece))]


def _cut(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` in pieces of at most :data:`MAX_SENTENCE_CHARS`, cut at the last
    white space of each piece's second half, or at the limit if there is none."""
    pieces = []
    while end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        space = max(text.rfind(ch, start + MAX_SENTENCE_CHARS // 2, limit) for ch in " \t\n")
        cut = space + 1 if space > start else limit
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def _is_abbreviation(text: str, unit_start: int, stop: int) -> bool:
    if text[stop] != ".":
        return False
    word = _WORD_BEFORE.search(text, max(unit_start, stop - _WORD_LOOKBACK), stop)
    if word is None:
        return False
    token = word.group(1).lower().rstrip(".")
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start < 2 or not any(ch.isalnum() for ch in text[start:end]):
        return None
    return start, end
