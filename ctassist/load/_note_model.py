"""The fields of a meeting note's front matter as a pydantic model (``corpus/notes/README.md``
states the same format for people).

The model checks each field's type and allowed values and collects every error of a
note at once; ``_notes`` turns them into plain messages with the line of each. Values are
read as YAML gives them: a valid ``YYYY-MM-DD`` is already a date, an impossible one
(``2024-02-30``) is text and is refused here by name.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

from ctassist.errors import excerpt
from ctassist.load._document import Group, Status

#: The error type of the messages written here; they read after the field's name.
NOTE_ERROR = "note_value"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def shown(value: Any) -> str:
    """A value from the file as an error message shows it: quoted, and cut to an excerpt."""
    return excerpt(repr(value if isinstance(value, str) else str(value)))


def _refuse(message: str) -> PydanticCustomError:
    # The message is context, not the template: a value from the file may hold braces.
    return PydanticCustomError(NOTE_ERROR, "{message}", {"message": message})


def as_text(value: Any) -> str:
    """Text (a number is taken as its text), stripped and not empty."""
    if isinstance(value, bool) or not isinstance(value, str | int | float) or not str(value).strip():
        raise _refuse("must be non-empty text")
    return str(value).strip()


def as_date(value: Any) -> dt.date:
    """A date written ``YYYY-MM-DD`` (a date and time counts as its date)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if _ISO_DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise _refuse(f"must be a date as YYYY-MM-DD, got {shown(text)}")


def _optional_date(value: Any) -> dt.date | None:
    return None if value is None else as_date(value)


def _list_or_empty(value: Any) -> Any:
    """An optional list written with no value (``actions:``) is an empty list."""
    return [] if value is None else value


def _attendee_list(value: Any) -> Any:
    if value is None:
        raise _refuse("has no value: list the attendees' roles, or write [] if none were recorded")
    return value


Text = Annotated[str, BeforeValidator(as_text)]
IsoDate = Annotated[dt.date, BeforeValidator(as_date)]


class ActionFields(BaseModel):
    """One entry of ``actions``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Text
    owner: Text
    status: Annotated[Status, BeforeValidator(as_text)]
    due: Annotated[dt.date | None, BeforeValidator(_optional_date)] = None


class NoteFields(BaseModel):
    """A note's front matter. ``actions`` and ``decisions`` may be left out (none)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group: Annotated[Group, BeforeValidator(as_text)]
    date: IsoDate
    title: Text
    attendees: Annotated[list[Text], BeforeValidator(_attendee_list)]
    actions: Annotated[list[ActionFields], BeforeValidator(_list_or_empty)] = []
    decisions: Annotated[list[Text], BeforeValidator(_list_or_empty)] = []


#: What each kind of mapping of the format holds, for messages about missing or unknown keys.
FIELDS = {"note": tuple(NoteFields.model_fields), "action": tuple(ActionFields.model_fields)}
REQUIRED = {"action": tuple(k for k, f in ActionFields.model_fields.items() if f.is_required())}
