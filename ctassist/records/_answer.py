"""Answers from the records of the meeting notes, each statement citing the note's lines.

When the records hold nothing that matches, the answer says exactly that ("The public
group's notes record no open actions."), and when no notes of the group are indexed, it
says so: never a generic abstention, and never a word that is not in the records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ctassist.load import NoteLines
from ctassist.query import Scope, scope_words
from ctassist.records._book import ActionRecord, Encode, Meeting, RecordBook, bare_role
from ctassist.records._intent import Intent
from ctassist.types import Citation

#: The least cosine similarity between a question and an action it asks about (when they
#: share no content word).
MIN_ACTION_SIMILARITY = 0.35


@dataclass(frozen=True)
class RecordsReply:
    """An answer from the records.

    Attributes:
        text: The answer, each statement ending with its ``[n]`` markers.
        citations: The note lines quoted, numbered as in ``text``.
        found: Whether the records held something that matches (else ``text`` says what
            is missing).
        scope: The scope searched.
        final: Whether this is the answer. False when no notes of the scope's group (or
            none at all) are indexed, so that the question may be about what the sources
            say of the group; when no decision is recorded in the front matter, as a note's
            text may still record one; and when no action matches the topic asked about,
            as the question may be about the notes' text instead. The ordinary answer path
            is tried first, and this reply stands only when it abstains.
    """

    text: str
    citations: tuple[Citation, ...]
    found: bool
    scope: Scope
    final: bool = True


class _Cites:
    def __init__(self) -> None:
        self.citations: list[Citation] = []

    def cite(self, meeting: Meeting, lines: NoteLines) -> str:
        for citation in self.citations:
            if (citation.doc, citation.start, citation.end) == (meeting.doc_id, lines.start, lines.end):
                return f"[{citation.n}]"
        n = len(self.citations) + 1
        self.citations.append(
            Citation(
                n=n,
                doc=meeting.doc_id,
                title=meeting.title,
                section=None,
                page=None,
                quote=meeting.quote(lines),
                start=lines.start,
                end=lines.end,
                kind="notes",
            )
        )
        return f"[{n}]"


def answer_from_records(
    question: str, intent: Intent, scope: Scope, book: RecordBook, encode: Encode
) -> RecordsReply:
    """Answers a records question.

    Args:
        question: The question (follow-ups resolved).
        intent: What it asks for (:class:`Intent`; ``records`` is True).
        scope: The group, period and meeting it names.
        book: The records of the indexed notes.
        encode: The sentence-embedding model, to match an action by its topic.

    Returns:
        The reply; ``found`` is False when the records hold nothing that matches.
    """
    words = scope_words()
    whose = f"The {words.group_short[scope.group]}'s notes" if scope.group else "The reference groups' notes"
    period = scope.period_text()
    if period is not None and not scope.by_due:
        whose += f" of {period}"
    if scope.group is not None and scope.group not in book.groups():
        text = f"No notes of the {words.group_names[scope.group]} are indexed.{_stale(book)}"
        return RecordsReply(text, (), False, scope, final=False)
    if not book.meetings:
        return RecordsReply(f"No meeting notes are indexed.{_stale(book)}", (), False, scope, final=False)
    cites = _Cites()
    kind = intent.kind
    if kind in ("open_actions", "done_actions"):
        status = "open" if kind == "open_actions" else "done"
        owner = _owner_named(question, book)
        found = book.actions(scope, status=status, owner=owner)
        detail = (f" owned by {owner}" if owner else "") + (
            f" due in {period}" if scope.by_due and period is not None else ""
        )
        if not found:
            return RecordsReply(f"{whose} record no {status} actions{detail}.", (), False, scope)
        lines = [f"{whose} record {_count(len(found), f'{status} action')}{detail}:"]
        lines += [f"- {_action_line(a)} {cites.cite(a.meeting, a.action.lines)}" for a in found]
        return RecordsReply("\n".join(lines), tuple(cites.citations), True, scope)
    if kind == "action_owner":
        found = book.matching_actions(question, scope, encode, min_similarity=MIN_ACTION_SIMILARITY)
        if not found:
            # Not final: the question may be about the notes' text rather than an action.
            return RecordsReply(f"{whose} record no action on that topic.", (), False, scope, final=False)
        lines = [f"{_owner_sentence(a)} {cites.cite(a.meeting, a.action.lines)}" for a in found]
        return RecordsReply("\n".join(lines), tuple(cites.citations), True, scope)
    if kind == "last_meeting" or (kind == "attendees" and not scope.has_period):
        # "Who attended?" with no period means the latest meeting.
        scope = replace(scope, last_meeting=True)
    meetings = book.in_scope(scope)
    if not meetings:
        return RecordsReply(f"{whose} record no meeting.", (), False, scope)
    if kind == "attendees":
        lines = []
        for m in reversed(meetings):
            attendees = m.header.attendees
            if not attendees:
                lines.append(f"No attendees are recorded for the {m.date} meeting of the {_name(m)}.")
                continue
            block = NoteLines(
                attendees[0].lines.first_line,
                attendees[-1].lines.last_line,
                attendees[0].lines.start,
                attendees[-1].lines.end,
            )
            roles = "; ".join(a.role for a in attendees)
            lines.append(
                f"The {m.date} meeting of the {_name(m)} was attended by: {roles}. {cites.cite(m, block)}"
            )
        return RecordsReply("\n".join(lines), tuple(cites.citations), bool(cites.citations), scope)
    if kind == "decisions":
        meetings = book.in_scope(scope)
        decided = [(m, d) for m in reversed(meetings) for d in m.header.decisions]
        if not decided:
            return RecordsReply(f"{whose} record no decisions.", (), False, scope, final=False)
        lines = [f"{whose} record {_count(len(decided), 'decision')}:"]
        lines += [f"- {d.text} (meeting of {m.date}) {cites.cite(m, d.lines)}" for m, d in decided]
        return RecordsReply("\n".join(lines), tuple(cites.citations), True, scope)
    # last_meeting
    lines = [
        f"The {_name(m)} last met on {m.date} (“{m.header.title}”). {cites.cite(m, m.header.lines.date)}"
        for m in reversed(meetings)
    ]
    return RecordsReply("\n".join(lines), tuple(cites.citations), True, scope)


def _stale(book: RecordBook) -> str:
    """Says so when notes were indexed without their records (by an older version)."""
    if not book.unreadable:
        return ""
    were = "was" if len(book.unreadable) == 1 else "were"
    return (
        f" {_count(len(book.unreadable), 'note')} {were} indexed without their records: "
        "run `ctassist index --rebuild` to read them."
    )


def _count(n: int, noun: str) -> str:
    """``"1 open action"``, ``"3 open actions"``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _name(meeting: Meeting) -> str:
    return scope_words().group_names[meeting.group]


def _action_line(record: ActionRecord) -> str:
    action = record.action
    due = f"; due {action.due}" if action.due else ""
    return f"{action.action} (owner: {action.owner}{due}; meeting of {record.meeting.date})."


def _owner_sentence(record: ActionRecord) -> str:
    action = record.action
    due = f"is due {action.due}" if action.due else "has no due date recorded"
    return (
        f"The action “{action.action}” is owned by {action.owner} and {due} "
        f"({action.status}; meeting of the {_name(record.meeting)} on {record.meeting.date})."
    )


def _owner_named(question: str, book: RecordBook) -> str | None:
    """The owner role the question names, if any (the longest, when several match)."""
    text = " ".join(question.lower().split())
    named = []
    for owner in book.owners():
        bare = bare_role(owner)
        if bare and re.search(rf"(?<!\w){re.escape(bare)}(?!\w)", text):
            named.append((len(bare), owner))
    return max(named)[1] if named else None
