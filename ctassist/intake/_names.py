"""Roles, not names: a warning when an attendee or an action owner looks like a person's name.

The reference groups meet under the Chatham House Rule, so notes record roles. Whether a
text names a person is decided from its shape: a title before a capitalised word ("Dr
Patel", "PC Ahmed"), or two or three capitalised words in a row ("Jane Smith", "J. Smith")
that are no role, organisation or place ("Home Office", "NHS England safeguarding lead").
The words that tell them apart are English language data in ``data/roles.toml``. It is a
heuristic, so it warns and never blocks.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ctassist.errors import NoteProblem
from ctassist.load import NoteHeader, NoteLines

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*\.?")
#: A personal name is at most this many words; longer runs of capitals name bodies.
_MAX_NAME_WORDS = 3
ADVICE = (
    "notes record roles, not names (the groups meet under the Chatham House Rule); "
    "write the role instead, e.g. 'Home Office representative'"
)


@dataclass(frozen=True)
class _Words:
    titles: frozenset[str]
    roles: frozenset[str]
    before_places: frozenset[str]


@cache
def _words() -> _Words:
    data = tomllib.loads(resources.files("ctassist.intake").joinpath("data/roles.toml").read_text("utf-8"))
    return _Words(
        titles=frozenset(data["titles"]),
        roles=frozenset(data["roles"]),
        before_places=frozenset(data["before_places"]),
    )


def personal_name(text: str) -> str | None:
    """The part of ``text`` that looks like a person's name, or ``None``.

    Example:
        >>> personal_name("Jane Smith (Home Office)"), personal_name("Chair (HMICFRS)")
        ('Jane Smith', None)
    """
    words = list(_WORD.finditer(text))
    i = 0
    while i < len(words):
        if not _capitalised(words[i].group()):
            i += 1
            continue
        j = i + 1
        while j < len(words) and _adjacent(text, words[j - 1], words[j]) and _capitalised(words[j].group()):
            j += 1
        before = words[i - 1].group() if i > 0 and _adjacent(text, words[i - 1], words[i]) else None
        after = words[j].group() if j < len(words) and _adjacent(text, words[j - 1], words[j]) else None
        found = _name_in(words[i:j], before, after)
        if found is not None:
            return text[found[0] : found[1]]
        i = j
    return None


def name_warnings(note: NoteHeader) -> tuple[NoteProblem, ...]:
    """A warning for each attendee and action owner that looks like a personal name, on
    the line of that attendee or owner, in the order of the file."""
    checked: list[tuple[str, str, NoteLines]] = [
        (f"attendees[{i}]", a.role, a.lines) for i, a in enumerate(note.attendees, start=1)
    ]
    checked += [
        (f"actions[{i}].owner", a.owner, a.field_lines.owner) for i, a in enumerate(note.actions, start=1)
    ]
    warnings = []
    for field, value, lines in checked:
        name = personal_name(value)
        if name is not None:
            message = f"looks like a personal name: {name!r}; {ADVICE}"
            warnings.append(NoteProblem(lines.first_line, lines.last_line, field, message))
    return tuple(sorted(warnings, key=lambda w: w.line))


def _key(word: str) -> str:
    return word.rstrip(".").lower()


def _capitalised(word: str) -> bool:
    """A word that may be part of a name or a title: "Smith", "O'Brien", "J.", "Dr", "PC"."""
    bare = word.rstrip(".")
    if _key(word) in _words().titles:
        return True
    return bare[:1].isupper() and (len(bare) == 1 or any(ch.islower() for ch in bare))


def _role(word: str) -> bool:
    key = _key(word)
    return key in _words().roles or any(part in _words().roles for part in re.split(r"['’-]", key))


def _name_word(word: str) -> bool:
    return _capitalised(word) and not _role(word) and _key(word) not in _words().titles


def _adjacent(text: str, left: re.Match[str], right: re.Match[str]) -> bool:
    return text[left.end() : right.start()].strip(" ") == ""


def _name_in(run: list[re.Match[str]], before: str | None, after: str | None) -> tuple[int, int] | None:
    """Where a name is in a run of adjacent capitalised words, if anywhere."""
    titles = _words().titles
    for k, word in enumerate(run[:-1]):
        # "Dr Patel", "Chief Constable Smith": a title, then words that are no role.
        if _key(word.group()) in titles and _name_word(run[k + 1].group()):
            end = k + 1
            while end + 1 < len(run) and _name_word(run[end + 1].group()):
                end += 1
            return run[k].start(), run[end].end()
    if not 2 <= len(run) <= _MAX_NAME_WORDS or not all(_name_word(w.group()) for w in run):
        return None
    if len(run[-1].group().rstrip(".")) == 1:
        return None  # ends in an initial: not a name's shape
    if after is not None and _role(after):
        return None  # "Tower Hamlets representative": the place qualifies a role
    if before is not None and _key(before) in _words().before_places:
        return None  # "Head of Tower Hamlets"
    return run[0].start(), run[-1].end()
