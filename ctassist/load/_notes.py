"""The front matter of reference-group meeting notes (format: ``corpus/notes/README.md``).

The YAML is composed into nodes first, so that every value keeps its place in the file:
errors name the field and its line, and every record of a loaded note (attendee, action,
decision) carries the offsets of its lines for quoting it verbatim. The fields themselves
are checked by the pydantic model of ``_note_model``; a note's errors are reported together.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ctassist.errors import NoteFormatError, NoteProblem, excerpt
from ctassist.load._document import (
    GROUPS,
    STATUSES,
    Action,
    ActionLines,
    Attendee,
    Decision,
    HeaderLines,
    NoteHeader,
    NoteLines,
)
from ctassist.load._note_model import FIELDS, NOTE_ERROR, REQUIRED, NoteFields, as_date, shown

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*(?:\n|\Z)", re.DOTALL)

#: Front matter is a handful of fields, lists and mappings; deeper nesting is refused
#: before the recursive composer of PyYAML can exhaust the stack.
MAX_DEPTH = 20
ALIASES_REFUSED = "front matter uses YAML aliases/anchors, which are not allowed"
NO_HEADER = "meeting notes must start with a front-matter header between '---' lines"
#: How much of a field's name a message shows (an unknown key can be any length).
FIELD_CHARS = 80

_HINTS = {
    "group": f"({' or '.join(GROUPS)})",
    "date": "(YYYY-MM-DD)",
    "attendees": "(a list of roles; write [] if none were recorded)",
    "status": f"({' or '.join(STATUSES)})",
}


class _Refused(yaml.YAMLError):
    """Front matter that is valid YAML but is not read, for the reason in ``str(self)``."""

    def __init__(self, message: str, mark: yaml.Mark) -> None:
        super().__init__(message)
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """``yaml.SafeLoader`` for front matter.

    Aliases are refused: a few hundred bytes of nested aliases (a "billion laughs")
    expand to gigabytes. Nesting deeper than :data:`MAX_DEPTH` is refused. An impossible
    date (``2024-02-30``) is kept as text instead of raising ``ValueError``, so that the
    field's own check names it.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
        # An anchor alone is refused too: front matter never needs one, and the file is
        # refused at the first anchor or alias, before anything is expanded.
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(ALIASES_REFUSED, event.start_mark)
        if self._depth >= MAX_DEPTH:
            raise _Refused(f"front matter is nested more than {MAX_DEPTH} levels deep", event.start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _timestamp_or_text(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def split_front_matter(text: str) -> tuple[str | None, int]:
    """Returns the raw front matter (or ``None``) and the offset where the body starts."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return None, 0
    return match.group(1), match.end()


def parse_front_matter(path: str, raw: str | None) -> dict[str, Any]:
    """Parses YAML front matter into a mapping; any failure names ``path`` and the line."""
    if raw is None:
        return {}
    # As it sits in a file: the opening '---' is line 1.
    place = _Place(f"---\n{raw}", len("---\n"), len("---\n") + len(raw))
    node, data = _compose(path, raw, place)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _one_problem(path, place, node, "front matter must be a mapping of field: value")
    return data


def parse_note_header(path: str, text: str, *, today: dt.date | None = None) -> tuple[NoteHeader, int]:
    """Validates a meeting note's front matter and reads its records.

    Args:
        path: The note's path, used in error messages.
        text: The note's full text (:attr:`LoadedDocument.text`); every record's
            :class:`NoteLines` indexes it.
        today: When given, a meeting dated after it is refused (notes record meetings that
            have taken place). Intake passes the day's date; indexing does not, so that
            what is stored is never dropped as time passes.

    Returns:
        The header and the offset where the note's body starts.

    Raises:
        NoteFormatError: The header is missing or not valid YAML, or has problems: a field
            missing, unknown or given twice, a bad value, a due date before the meeting, a
            meeting in the future. All of a note's problems are in ``problems``, each with
            its line and field; the message lists them.

    Example:
        >>> header, body = parse_note_header("notes/a.md", Path("a.md").read_text())
        >>> header.actions[0].owner, header.actions[0].lines.first_line
        ('Secretariat', 9)
    """
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise NoteFormatError(path, NO_HEADER)
    raw = match.group(1)
    place = _Place(text, match.start(1), match.end(1))
    root, data = _compose(path, raw, place)
    if data is None:
        data = {}
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode | None):
        raise _one_problem(path, place, root, "front matter must be a mapping of field: value")
    data = _text_keys(data)
    problems = _repeated_keys(root, (), place)
    fields: NoteFields | None = None
    try:
        fields = NoteFields.model_validate(data)
    except ValidationError as exc:
        problems += [_problem(error, root, place) for error in exc.errors(include_url=False)]
    problems += _date_problems(data, root, place, today)
    if problems or fields is None:
        raise NoteFormatError(path, problems=sorted(problems, key=lambda p: (p.line, p.last_line)))
    return _header(fields, root, place), match.end()


# --- where things are ---------------------------------------------------------------------


class _Place:
    """Turns character indices of the raw front matter into lines and offsets of ``text``.

    Args:
        text: The note's text.
        raw_start: Where the raw front matter starts in it.
        raw_end: Where it ends.
    """

    def __init__(self, text: str, raw_start: int, raw_end: int) -> None:
        self.text = text
        self.raw_start = raw_start
        self.raw_length = raw_end - raw_start
        #: The entries of each mapping node by key, filled as they are looked up.
        self.entries: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = {}
        # Only the header's lines: a long body is never scanned.
        self._starts = [0, *(m.end() for m in re.finditer("\n", text[:raw_end]))]

    def lines(self, start: int, end: int) -> NoteLines:
        """The lines holding raw characters ``[start, end)``, as :class:`NoteLines`."""
        last = max(self.raw_length - 1, 0)
        first_char = self.raw_start + min(start, last)
        last_char = self.raw_start + min(max(end - 1, start), last)
        while last_char > first_char and self.text[last_char].isspace():
            last_char -= 1
        first, last = self._line(first_char), self._line(max(first_char, last_char))
        first_text = self._line_text(first)
        quote_start = self._starts[first - 1] + len(first_text) - len(first_text.lstrip(" \t"))
        quote_end = self._starts[last - 1] + len(self._line_text(last).rstrip(" \t"))
        return NoteLines(first_line=first, last_line=last, start=quote_start, end=max(quote_start, quote_end))

    def _line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)

    def _line_text(self, number: int) -> str:
        start = self._starts[number - 1]
        end = self.text.find("\n", start)
        return self.text[start : end if end >= 0 else len(self.text)]


def _node_span(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.index, _node_end(node)


def _node_end(node: yaml.Node) -> int:
    """Where a node's own text ends: a block collection's end mark lies at the next token,
    after any comment lines that follow it, so it ends with its last value instead."""
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        return int(node.end_mark.index)
    children: list[yaml.Node] = []
    if isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    return max((_node_end(child) for child in children), default=int(node.end_mark.index))


def _entry(mapping: yaml.MappingNode, key: str, place: _Place) -> tuple[yaml.Node, yaml.Node] | None:
    """The (last) key and value nodes of ``key`` in a mapping."""
    entries = place.entries.get(id(mapping))
    if entries is None:  # once per mapping: a note may have thousands of problems
        entries = {k.value: (k, v) for k, v in mapping.value if isinstance(k, yaml.ScalarNode)}
        place.entries[id(mapping)] = entries
    return entries.get(key)


def _span_of(root: yaml.Node | None, loc: Sequence[str | int], place: _Place) -> NoteLines:
    """The lines of the value at ``loc`` (a mapping entry from its key); of the deepest
    enclosing value that exists when it is missing."""
    if root is None:
        return place.lines(0, place.raw_length)
    first = node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode) and (entry := _entry(node, str(part), place)) is not None:
            first, node = entry
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            first = node = node.value[part]
        else:
            break
    return place.lines(first.start_mark.index, _node_end(node))


def _field_name(loc: Sequence[str | int]) -> str:
    """``("actions", 0, "owner")`` → ``actions[1].owner`` (entries counted from 1); a long
    unknown key is cut to an excerpt."""
    name = ""
    for part in loc:
        name += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return excerpt(name, FIELD_CHARS)


def _one_problem(path: str, place: _Place, root: yaml.Node | None, message: str) -> NoteFormatError:
    where = _span_of(root, (), place)
    return NoteFormatError(path, problems=[NoteProblem(where.first_line, where.last_line, None, message)])


# --- YAML ---------------------------------------------------------------------------------


def _compose(path: str, raw: str, place: _Place) -> tuple[yaml.Node | None, Any]:
    """The node tree and the values of the front matter; a refusal names its line."""
    loader: _Loader | None = None
    try:
        loader = _Loader(raw)  # its reader refuses control characters at once
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except _Refused as exc:
        raise _at(path, place, exc.mark.index, str(exc)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        if exc.context_mark is not None and (mark is None or mark.index >= len(raw.rstrip())):
            mark = exc.context_mark  # "unclosed" is found at the end; the line that opened it helps
        reason = f"front matter is not valid YAML ({_yaml_problem(exc)})"
        raise _at(path, place, mark.index if mark is not None else 0, reason) from None
    except yaml.reader.ReaderError as exc:
        raise _at(path, place, exc.position, f"front matter is not valid YAML ({exc.reason})") from None
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an integer of over 4,300 digits
        raise _at(path, place, 0, f"front matter is not valid YAML ({_first_line(exc)})") from None
    finally:
        if loader is not None:
            loader.dispose()
    return node, data


def _at(path: str, place: _Place, index: int, message: str) -> NoteFormatError:
    where = place.lines(index, index)
    return NoteFormatError(path, problems=[NoteProblem(where.first_line, where.first_line, None, message)])


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    problem = " ".join(str(exc.problem or exc.context or type(exc).__name__).split())
    return excerpt(problem.replace("'<stream end>'", "the end of the front matter"))


def _first_line(exc: Exception) -> str:
    message = str(exc).strip()
    return excerpt(message.splitlines()[0]) if message else type(exc).__name__


# --- problems -----------------------------------------------------------------------------


def _problem(error: ErrorDetails, root: yaml.Node | None, place: _Place) -> NoteProblem:
    """A pydantic error as a plain message on the field's line."""
    loc = error["loc"]
    kind = error["type"]
    name = _field_name(loc)
    ctx = error.get("ctx") or {}
    if kind == "missing":
        where = _span_of(root, loc[:-1], place)
        hint = _HINTS.get(str(loc[-1]))
        message = "is missing" + (f" {hint}" if hint else "")
    else:
        where = _span_of(root, loc, place)
        if kind == NOTE_ERROR:
            message = str(ctx["message"])
        elif kind == "extra_forbidden":
            in_action = len(loc) > 1
            fields = ", ".join(FIELDS["action" if in_action else "note"])
            message = f"is not a field of {'an action' if in_action else 'a note'} (the fields are: {fields})"
        elif kind == "literal_error":
            message = f"must be {ctx['expected']}, got {shown(error['input'])}"
        elif kind == "list_type":
            message = "must be a list" + (" of roles" if loc == ("attendees",) else "")
        elif kind in {"model_type", "model_attributes_type", "dict_type"}:
            message = f"must be a mapping with {', '.join(REQUIRED['action'])}"
        else:  # not expected from the model; still said in words, never as a dump
            message = f"is not valid: {error['msg'][:1].lower()}{error['msg'][1:]}"
    return NoteProblem(where.first_line, where.last_line, name, message)


def _repeated_keys(node: yaml.Node | None, loc: tuple[str | int, ...], place: _Place) -> list[NoteProblem]:
    """A field given twice: YAML keeps the last silently, which hides a mistake."""
    problems: list[NoteProblem] = []
    if isinstance(node, yaml.MappingNode):
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            line = place.lines(*_node_span(key_node)).first_line
            if key_node.value in first_seen:
                problems.append(
                    NoteProblem(
                        line,
                        line,
                        _field_name((*loc, key_node.value)),
                        f"is given twice (first on line {first_seen[key_node.value]}); give it once",
                    )
                )
            else:
                first_seen[key_node.value] = line
            problems += _repeated_keys(value_node, (*loc, key_node.value), place)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            problems += _repeated_keys(item, (*loc, i), place)
    return problems


def _date_problems(
    data: dict[Any, Any], root: yaml.Node | None, place: _Place, today: dt.date | None
) -> list[NoteProblem]:
    """Dates that are valid alone but not together: a meeting after ``today``, an action
    due before the meeting. Checked whatever else is wrong, so all problems come at once."""
    meeting = _date_or_none(data.get("date"))
    if meeting is None:
        return []
    problems: list[NoteProblem] = []
    if today is not None and meeting > today:
        where = _span_of(root, ("date",), place)
        problems.append(
            NoteProblem(
                where.first_line,
                where.last_line,
                "date",
                f"is {meeting.isoformat()}, in the future: notes record meetings that have taken place",
            )
        )
    actions = data.get("actions")
    for i, item in enumerate(actions if isinstance(actions, list) else []):
        due = _date_or_none(item.get("due")) if isinstance(item, dict) else None
        if due is not None and due < meeting:
            where = _span_of(root, ("actions", i, "due"), place)
            problems.append(
                NoteProblem(
                    where.first_line,
                    where.last_line,
                    f"actions[{i + 1}].due",
                    f"is {due.isoformat()}, before the meeting's date ({meeting.isoformat()})",
                )
            )
    return problems


def _text_keys(value: Any) -> Any:
    """Mappings with their keys as text (``1:`` and ``null:`` are unknown fields, named so)."""
    if isinstance(value, dict):
        return {_key_text(k): _text_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text_keys(v) for v in value]
    return value


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return key
    return "null" if key is None else str(key).lower() if isinstance(key, bool) else str(key)


def _date_or_none(value: Any) -> dt.date | None:
    if value is None:
        return None
    try:
        return as_date(value)
    except ValueError:
        return None


# --- the header ---------------------------------------------------------------------------


def _header(fields: NoteFields, root: yaml.Node | None, place: _Place) -> NoteHeader:
    assert isinstance(root, yaml.MappingNode)  # a valid header is a non-empty mapping

    def items(key: str) -> list[yaml.Node]:
        entry = _entry(root, key, place)
        return list(entry[1].value) if entry is not None and isinstance(entry[1], yaml.SequenceNode) else []

    def lines(node: yaml.Node) -> NoteLines:
        return place.lines(*_node_span(node))

    return NoteHeader(
        group=fields.group,
        date=fields.date.isoformat(),
        title=fields.title,
        attendees=tuple(
            Attendee(role, lines(n)) for role, n in zip(fields.attendees, items("attendees"), strict=True)
        ),
        actions=tuple(
            Action(
                action=a.action,
                owner=a.owner,
                status=a.status,
                due=a.due.isoformat() if a.due else None,
                lines=lines(n),
                field_lines=ActionLines(
                    action=_span_of(n, ("action",), place),
                    owner=_span_of(n, ("owner",), place),
                    status=_span_of(n, ("status",), place),
                    due=_span_of(n, ("due",), place) if a.due else None,
                ),
            )
            for a, n in zip(fields.actions, items("actions"), strict=True)
        ),
        decisions=tuple(
            Decision(text, lines(n)) for text, n in zip(fields.decisions, items("decisions"), strict=True)
        ),
        lines=HeaderLines(
            front_matter=lines(root),
            group=_span_of(root, ("group",), place),
            date=_span_of(root, ("date",), place),
            title=_span_of(root, ("title",), place),
        ),
    )
