"""The scope a question names: a reference group, a date or period, the latest meeting, a
kind of document (the idea of a self-query retriever, done offline with plain parsing).

Part of reading the question, before anything is retrieved: the scope narrows the search
(the filters) and says which meetings' records answer. Every word it looks for is language
data in ``data/scope.toml``; nothing here names the corpus's own wording.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any, cast

from ctassist.load import GROUPS, Group, Kind
from ctassist.query._followup import ResolvedQuestion

_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


@dataclass(frozen=True)
class ScopeWords:
    """The words of ``data/scope.toml`` (group names, months, periods, kinds), lower-cased."""

    group_names: dict[Group, str]
    group_short: dict[Group, str]
    group_aliases: dict[Group, tuple[str, ...]]
    months: tuple[tuple[str, ...], ...]
    month_display: tuple[str, ...]
    last_meeting: tuple[str, ...]
    due: tuple[str, ...]
    kinds: dict[Kind, tuple[str, ...]]


@cache
def scope_words() -> ScopeWords:
    """The shipped English words of scopes, read once."""
    text = resources.files("ctassist.query").joinpath("data/scope.toml").read_text(encoding="utf-8")
    data: dict[str, Any] = tomllib.loads(text)
    groups = data["groups"]
    if set(groups) != set(GROUPS):
        raise ValueError(f"query/data/scope.toml: [groups] must name exactly {', '.join(GROUPS)}")
    return ScopeWords(
        group_names={g: str(groups[g]["name"]) for g in GROUPS},
        group_short={g: str(groups[g]["short"]) for g in GROUPS},
        group_aliases={g: _lower(groups[g]["aliases"]) for g in GROUPS},
        months=tuple(_lower(names) for names in data["months"]["names"]),
        month_display=tuple(data["months"]["display"]),
        last_meeting=_lower(data["periods"]["last_meeting"]),
        due=_lower(data["periods"]["due"]),
        kinds={cast(Kind, k): _lower(v) for k, v in data["kinds"].items()},
    )


def _lower(words: list[Any]) -> tuple[str, ...]:
    return tuple(str(w).lower() for w in words)


@dataclass(frozen=True)
class Scope:
    """What a question restricts itself to; every field ``None``/False when it names nothing.

    Attributes:
        group: The one reference group named (``None`` when none, or both, are named).
        year: A year named.
        month: A month named (1-12).
        day: A date named ``YYYY-MM-DD``.
        last_meeting: The question is about the group's latest meeting on record.
        kind: A kind of document named ("meeting notes", "source documents").
        by_due: The period names when actions are due, not when the meeting was.
    """

    group: Group | None = None
    year: int | None = None
    month: int | None = None
    day: dt.date | None = None
    last_meeting: bool = False
    kind: Kind | None = None
    by_due: bool = False

    @property
    def empty(self) -> bool:
        return self == Scope()

    @property
    def has_period(self) -> bool:
        return self.year is not None or self.month is not None or self.day is not None

    def covers(self, date: str | None) -> bool:
        """Whether a ``YYYY-MM-DD`` date lies in the period (always, when none is named)."""
        if not self.has_period:
            return True
        if date is None:
            return False
        when = dt.date.fromisoformat(date)
        if self.day is not None:
            return when == self.day
        return (self.year is None or when.year == self.year) and (
            self.month is None or when.month == self.month
        )

    def period_text(self) -> str | None:
        """The period as people write it: "November 2026", "2026", "2026-11-12"."""
        if self.day is not None:
            return self.day.isoformat()
        parts = [scope_words().month_display[self.month - 1]] if self.month else []
        parts += [str(self.year)] if self.year else []
        return " ".join(parts) or None

    def describe(self, *, records: bool = False) -> str:
        """What was searched, e.g. "notes of the Prevent public reference group, November 2026"."""
        words = scope_words()
        kind = "notes" if records else self.kind
        if self.group is not None:
            where = f"notes of the {words.group_names[self.group]}"
            if kind != "notes":
                where = f"sources and {where}"
        elif kind == "notes":
            where = "notes of both reference groups"
        elif kind == "source":
            where = "source documents"
        else:
            where = "all sources and notes"
        parts = [where]
        if self.last_meeting:
            parts.append("latest meeting")
        if (period := self.period_text()) is not None:
            parts.append(f"due {period}" if self.by_due else period)
        return ", ".join(parts)

    def to_dict(self, *, records: bool = False) -> dict[str, Any]:
        """The ``scope`` of ``ask --json``."""
        return {
            "kind": "notes" if records else self.kind,
            "group": self.group,
            "period": self.period_text(),
            "last_meeting": self.last_meeting,
            "by_due": self.by_due,
            "text": self.describe(records=records),
        }


def parse_scope(question: str) -> Scope:
    """Reads the scope a question names.

    Args:
        question: The question as asked.

    Returns:
        The scope; empty when the question names no group, period or kind.

    Example:
        >>> parse_scope("Who attended the user group meeting in November 2026?").period_text()
        'November 2026'
    """
    words = scope_words()
    text = " ".join(question.lower().replace("’", "'").split())
    named = [g for g in GROUPS if any(_has(text, alias) for alias in words.group_aliases[g])]
    day = year = month = None
    if (iso := _ISO_DAY.search(text)) is not None:
        try:
            day = dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            day = None
    if day is None:
        years = _YEAR.findall(text)
        year = int(years[0]) if len(years) == 1 else None
        months = [i + 1 for i, names in enumerate(words.months) if any(_has(text, n) for n in names)]
        # "may" is also a verb: a month name that is a common word counts only beside a year.
        months = [m for m in months if year is not None or len(words.months[m - 1][0]) > 3]
        month = months[0] if len(months) == 1 else None
    kinds = [k for k, phrases in words.kinds.items() if any(_has(text, p) for p in phrases)]
    has_period = day is not None or year is not None or month is not None
    return Scope(
        group=named[0] if len(named) == 1 else None,
        year=year,
        month=month,
        day=day,
        last_meeting=any(_has(text, p) for p in words.last_meeting),
        kind=kinds[0] if len(kinds) == 1 else None,
        by_due=has_period and any(_has(text, p) for p in words.due),
    )


def asked_scope(resolved: ResolvedQuestion) -> Scope:
    """The scope a question names in its conversation: a follow-up that names no group keeps
    the one asked about before, or takes the other one when it contrasts ("And the other
    group?").

    Example:
        >>> from ctassist.query import resolve_follow_up
        >>> history = [("Who attended the public group meeting in November 2026?", "...")]
        >>> asked_scope(resolve_follow_up("And the other group?", history)).group
        'user'
    """
    asked = parse_scope(resolved.question)
    if not resolved.is_follow_up or asked.group is not None:
        return asked
    before = parse_scope(resolved.standalone)
    group = before.group
    if resolved.contrast and group is not None:
        others = [g for g in GROUPS if g != group]
        group = others[0] if len(others) == 1 else None
    return replace(before, group=group)


def _has(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w']){re.escape(phrase)}(?!\w)", text) is not None
