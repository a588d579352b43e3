"""The records of the indexed meeting notes (attendees, actions, decisions) and the
questions staff ask of them.

The records are read from the index (stored with each note's first chunk), the one place
chat and the agenda both read from, so that they always agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from ctassist.index import ChunkStore
from ctassist.load import RECORDS_KEY, Action, Group, NoteHeader, NoteLines, records_from_json
from ctassist.query import Scope
from ctassist.text import content_terms

#: The sentence-embedding model's ``encode``.
Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Meeting:
    """One indexed meeting note and its records.

    Attributes:
        doc_id: The note's path relative to ``corpus/``.
        title: Its title.
        header: Its records.
        header_text: The note's text up to the end of its front matter (every record's
            :class:`NoteLines` indexes it, as it indexes the whole file).
    """

    doc_id: str
    title: str
    header: NoteHeader
    header_text: str

    @property
    def group(self) -> Group:
        return self.header.group

    @property
    def date(self) -> str:
        return self.header.date

    def quote(self, lines: NoteLines) -> str:
        """The record's lines, verbatim."""
        return self.header_text[lines.start : lines.end]


@dataclass(frozen=True)
class ActionRecord:
    """An action and the meeting that recorded it."""

    meeting: Meeting
    action: Action


@dataclass(frozen=True)
class Outstanding:
    """What a group's latest meeting left open.

    Attributes:
        date: The meeting's date.
        meetings: Its notes (normally one; several if more than one file records that date).
        open_actions: Its open actions in the order recorded (the same action recorded
            twice appears once).
        done_actions: How many of its actions are recorded as done.
    """

    date: str
    meetings: tuple[Meeting, ...]
    open_actions: tuple[ActionRecord, ...]
    done_actions: int


def bare_role(role: str) -> str:
    """A role without its bracketed affiliation, lower-cased: "Chair (HMICFRS)" → "chair"."""
    return " ".join(re.sub(r"\([^)]*\)", " ", role).lower().split())


class RecordBook:
    """All records of the indexed notes.

    Args:
        meetings: The indexed notes.
        unreadable: Notes indexed without records (by an older version): re-index them.

    Example:
        >>> book = RecordBook.from_store(assistant.store)
        >>> [a.action.owner for a in book.actions(Scope(group="user"), status="open")]
        ['Secretariat']
    """

    def __init__(self, meetings: Iterable[Meeting], unreadable: Iterable[str] = ()) -> None:
        self.meetings = tuple(sorted(meetings, key=lambda m: (m.date, m.doc_id)))
        self.unreadable = tuple(sorted(unreadable))

    @classmethod
    def from_store(cls, store: ChunkStore) -> RecordBook:
        """The records stored with the first chunk of each indexed note."""
        latest: dict[str, tuple[str, dict[str, object]]] = {}
        for _, metadata in store.iter_metadata(where={"$and": [{"kind": "notes"}, {"chunk_index": 0}]}):
            doc_id = str(metadata.get("doc_id", ""))
            indexed_at = str(metadata.get("indexed_at", ""))
            # A file being re-indexed has two versions for a moment: the newer counts.
            if doc_id not in latest or indexed_at >= latest[doc_id][0]:
                latest[doc_id] = (indexed_at, metadata)
        meetings: list[Meeting] = []
        unreadable: list[str] = []
        for doc_id, (_, metadata) in latest.items():
            stored = metadata.get(RECORDS_KEY)
            try:
                if not isinstance(stored, str):
                    raise ValueError("no records stored")
                header, header_text = records_from_json(stored)
            except (ValueError, KeyError, TypeError):
                unreadable.append(doc_id)
                continue
            meetings.append(Meeting(doc_id, str(metadata.get("title", doc_id)), header, header_text))
        return cls(meetings, unreadable)

    def groups(self) -> set[Group]:
        """The groups with at least one indexed note."""
        return {m.group for m in self.meetings}

    def in_scope(self, scope: Scope, *, before: str | None = None) -> list[Meeting]:
        """The meetings of the scope's group and period (of its latest meeting per group when
        the scope says so), oldest first; only those before ``before`` when given."""
        chosen = [
            m
            for m in self.meetings
            if (scope.group is None or m.group == scope.group)
            and (before is None or m.date < before)
            and (scope.by_due or scope.covers(m.date))
        ]
        if scope.last_meeting:
            last = {g: max(m.date for m in chosen if m.group == g) for g in {m.group for m in chosen}}
            chosen = [m for m in chosen if m.date == last[m.group]]
        return chosen

    def actions(
        self, scope: Scope, *, status: str | None = None, owner: str | None = None
    ) -> list[ActionRecord]:
        """The actions of the meetings in scope, latest meeting first, in the order recorded.

        Args:
            scope: Group and period (of the meeting, or of the due date when ``by_due``).
            status: ``"open"`` or ``"done"``; any when omitted.
            owner: Only actions whose owner is this role (:func:`bare_role`: case and any
                bracketed affiliation aside).
        """
        found: list[ActionRecord] = []
        for meeting in reversed(self.in_scope(scope)):
            for action in meeting.header.actions:
                if status is not None and action.status != status:
                    continue
                if owner is not None and bare_role(action.owner) != bare_role(owner):
                    continue
                if scope.by_due and not scope.covers(action.due):
                    continue
                found.append(ActionRecord(meeting, action))
        return found

    def owners(self) -> set[str]:
        """Every owner role on record."""
        return {a.owner for m in self.meetings for a in m.header.actions}

    def matching_actions(
        self, topic: str, scope: Scope, encode: Encode, *, min_similarity: float
    ) -> list[ActionRecord]:
        """The actions in scope about ``topic``, best first.

        An action matches when the embedding model finds it similar to the topic (cosine at
        least ``min_similarity``) or it shares a content word with it; the best match comes
        first, then others as close as it (within 0.05).
        """
        candidates = self.actions(scope)
        if not candidates:
            return []
        vectors = np.asarray(encode([topic, *(c.action.action for c in candidates)]), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
        similarity = vectors[1:] @ vectors[0]
        terms = set(content_terms(topic))
        overlap = np.array([len(terms & set(content_terms(c.action.action))) for c in candidates])
        score = similarity + 0.1 * overlap
        order = np.argsort(-score, kind="stable")
        best = score[order[0]]
        if similarity[order[0]] < min_similarity and overlap[order[0]] == 0:
            return []
        return [candidates[i] for i in order if score[i] >= best - 0.05]

    def outstanding(self, group: Group, *, before: str | None = None) -> Outstanding | None:
        """The open actions of the group's latest meeting (before ``before`` when given)."""
        meetings = self.in_scope(Scope(group=group, last_meeting=True), before=before)
        if not meetings:
            return None
        carried: list[ActionRecord] = []
        seen: set[tuple[str, str]] = set()
        done = 0
        for meeting in meetings:
            for action in meeting.header.actions:
                if action.status != "open":
                    done += 1
                elif (action.action, action.owner) not in seen:  # the same meeting recorded twice
                    seen.add((action.action, action.owner))
                    carried.append(ActionRecord(meeting, action))
        return Outstanding(meetings[0].date, tuple(meetings), tuple(carried), done)
