"""The front matter of reference-group meeting notes (format: ``corpus/notes/README.md``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

from ctassist.errors import NoteFormatError, excerpt
from ctassist.load._document import Action, NoteHeader

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*(?:\n|\Z)", re.DOTALL)
GROUPS = ("public", "user")
STATUSES = ("open", "done")


#: Front matter is a handful of fields, lists and mappings; deeper nesting is refused
#: before the recursive composer of PyYAML can exhaust the stack.
MAX_DEPTH = 20
ALIASES_REFUSED = "front matter uses YAML aliases/anchors, which are not allowed"


class _Refused(yaml.YAMLError):
    """Front matter that is valid YAML but is not read, for the reason in ``str(self)``."""


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
            raise _Refused(ALIASES_REFUSED)
        if self._depth >= MAX_DEPTH:
            raise _Refused(f"front matter is nested more than {MAX_DEPTH} levels deep")
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
    """Parses YAML front matter into a mapping; any failure names ``path``."""
    if raw is None:
        return {}
    try:
        data = yaml.load(raw, Loader=_Loader)  # a SafeLoader: no arbitrary objects
    except _Refused as exc:
        raise NoteFormatError(path, str(exc)) from None
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an integer of over 4,300 digits
        raise NoteFormatError(path, f"front matter is not valid YAML ({_first_line(exc)})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise NoteFormatError(path, "front matter must be a mapping of field: value")
    return data


def parse_note_header(path: str, text: str) -> tuple[NoteHeader, int]:
    """Validates a meeting note's front matter.

    Args:
        path: The note's path, used in error messages.
        text: The note's full text.

    Returns:
        The header and the offset where the note's body starts.

    Raises:
        NoteFormatError: The header is missing, or a field is missing or invalid; the
            message names the field.
    """
    raw, body_start = split_front_matter(text)
    if raw is None:
        raise NoteFormatError(path, "meeting notes must start with a front-matter header between '---' lines")
    data = parse_front_matter(path, raw)
    group = _required_str(path, data, "group")
    if group not in GROUPS:
        raise NoteFormatError(path, f"field 'group' must be 'public' or 'user', got {_shown(group)}")
    date = _iso_date(path, "date", data.get("date"), required=True)
    title = _required_str(path, data, "title")
    attendees = data.get("attendees")
    if attendees is None:
        raise NoteFormatError(path, "field 'attendees' is missing (a list of roles; may be empty)")
    if not isinstance(attendees, list) or not all(isinstance(a, str) and a.strip() for a in attendees):
        raise NoteFormatError(path, "field 'attendees' must be a list of roles (non-empty strings)")
    actions_raw = data.get("actions", [])
    if actions_raw is None:
        actions_raw = []
    if not isinstance(actions_raw, list):
        raise NoteFormatError(path, "field 'actions' must be a list")
    actions = tuple(_action(path, i, item) for i, item in enumerate(actions_raw, start=1))
    header = NoteHeader(
        group=group,  # type: ignore[arg-type]  # checked against GROUPS above
        date=date or "",
        title=title,
        attendees=tuple(a.strip() for a in attendees),
        actions=actions,
    )
    return header, body_start


def _action(path: str, number: int, item: Any) -> Action:
    where = f"actions[{number}]"
    if not isinstance(item, dict):
        raise NoteFormatError(path, f"field '{where}' must be a mapping with action, owner, status")
    action = _required_str(path, item, "action", where)
    owner = _required_str(path, item, "owner", where)
    status = _required_str(path, item, "status", where)
    if status not in STATUSES:
        raise NoteFormatError(path, f"field '{where}.status' must be 'open' or 'done', got {_shown(status)}")
    due = _iso_date(path, f"{where}.due", item.get("due"), required=False)
    return Action(action=action, owner=owner, status=status, due=due)  # type: ignore[arg-type]


def _required_str(path: str, data: dict[str, Any], name: str, where: str = "") -> str:
    field_name = f"{where}.{name}" if where else name
    value = data.get(name)
    if value is None:
        raise NoteFormatError(path, f"field '{field_name}' is missing")
    if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value).strip():
        raise NoteFormatError(path, f"field '{field_name}' must be non-empty text")
    return str(value).strip()


def _iso_date(path: str, name: str, value: Any, *, required: bool) -> str | None:
    if value is None:
        if required:
            raise NoteFormatError(path, f"field '{name}' is missing (YYYY-MM-DD)")
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    raise NoteFormatError(path, f"field '{name}' must be a date as YYYY-MM-DD, got {_shown(text)}")


def _shown(value: str) -> str:
    return excerpt(repr(value))


def _first_line(exc: Exception) -> str:
    message = str(exc).strip()
    return excerpt(message.splitlines()[0]) if message else type(exc).__name__
