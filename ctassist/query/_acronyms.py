"""Acronyms and the words they abbreviate: "CTSA" is "Counter-Terrorism and Security Act"."""

from __future__ import annotations

import re

_ACRONYM = re.compile(r"^[A-Z][A-Za-z]*[A-Z][A-Za-z]*$")
_CONNECTIVES = frozenset({"of", "and", "the", "for", "on", "in", "&"})


def spells_out(acronym: str, text: str) -> bool:
    """Whether ``text`` writes out ``acronym`` (see :func:`spelled_out`).

    Example:
        >>> spells_out("CTSA", "the Counter-Terrorism and Security Act 2015")
        True
        >>> spells_out("MoD", "the Ministry of Defence Police"), spells_out("MoD", "the Ministry")
        (True, False)
    """
    return spelled_out(acronym, text) is not None


def spelled_out(acronym: str, text: str) -> str | None:
    """The words of ``text`` that write out ``acronym``, if any: capitalised words whose
    initials spell it, each piece of a hyphenated compound counting (in any case:
    "counter-terrorism" for "CT"), connectives ("of", "and") either spelled in the
    acronym or skipped.

    Example:
        >>> spelled_out("CTSA", "Schedule 7 to the Counter-Terrorism and Security Act 2015.")
        'Counter-Terrorism and Security Act'
    """
    if len(acronym) > 8 or not _ACRONYM.match(acronym):
        return None
    letters = acronym.lower()
    tokens = text.split()
    # (piece, its token's index, whether it counts in lower case)
    parts = [
        (piece, index, piece.lower() in _CONNECTIVES or len(pieces) > 1)
        for index, token in enumerate(tokens)
        for pieces in [[piece for piece in re.split(r"[-‐–]+", token) if piece]]
        for piece in pieces
    ]
    for start, (first, _, any_case) in enumerate(parts):
        if first[:1] != acronym[0] and not (any_case and first[:1].lower() == letters[0]):
            continue
        position, at = 0, start
        while position < len(letters) and at < len(parts):
            part, _, any_case = parts[at]
            if part[:1].lower() == letters[position] and (part[:1].isupper() or any_case):
                position += 1
            elif part.lower() not in _CONNECTIVES:
                break
            at += 1
        if position == len(letters):
            words_used = tokens[parts[start][1] : parts[at - 1][1] + 1]
            return re.sub(r"[^\w'’]+$", "", " ".join(words_used))
    return None
