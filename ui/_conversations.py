"""Saved chat conversations and answer feedback, per signed-in user, in one SQLite file.

The file lives beside the index (``<index_dir>/conversations.sqlite3``), also when the dense
index is on a Chroma server: conversations belong to the UI's host, not to the index. Every
read and write names the user, and a conversation is only ever found through its owner, so
one user never sees, changes or deletes another's. Deleting a conversation only marks it
deleted, so that it can be restored (the chat's Undo) until it is purged: at its owner's next
action, or by anyone's page load once :data:`PURGE_AFTER` has passed. Each turn keeps the question, the answer
as it was rendered and the answer's citations (so a reopened conversation's sources open as
they did). Feedback (thumbs up/down with an optional comment) is stored per answer and
exported as CSV for evaluators, with formula-like cells neutralised (CSV injection).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import secrets
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

from ctassist.errors import CtassistError
from ctassist.safety import markdown_literal
from ctassist.types import Citation
from ui._render import Turn


class ConversationStoreError(CtassistError, OSError):
    """The conversation store (its SQLite file or its key) cannot be opened, read or written;
    the message names the file."""


class ConversationInputError(CtassistError, ValueError):
    """A request the store cannot carry out as asked (an empty name, an unknown conversation,
    a rating other than up or down); the message says what would work."""


#: The store's file name inside the index folder.
FILE_NAME = "conversations.sqlite3"

#: A deleted conversation can be restored until its owner's next action or, at the latest,
#: until this long after its deletion (then any page load purges it).
PURGE_AFTER = dt.timedelta(hours=1)

#: The user of a UI served without sign-in.
LOCAL_USER = "local"

#: Longest conversation title kept (a first question is cut to it).
TITLE_CHARS = 80

#: Columns of the feedback CSV, in order.
FEEDBACK_COLUMNS = (
    "created",
    "user",
    "conversation",
    "conversation_title",
    "turn",
    "rating",
    "comment",
    "question",
    "answer",
    "sources",
)

#: A spreadsheet reads a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    title TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    deleted TEXT
);
CREATE INDEX IF NOT EXISTS conversations_user ON conversations (user, updated);
CREATE TABLE IF NOT EXISTS turns (
    conversation TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer_html TEXT NOT NULL,
    turn_json TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (conversation, position)
);
CREATE TABLE IF NOT EXISTS feedback (
    conversation TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    rating INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    PRIMARY KEY (conversation, position)
);
"""


@dataclass(frozen=True)
class ConversationInfo:
    """One saved conversation as listed: ``id``, ``title``, ISO times and its turn count."""

    id: str
    title: str
    created: str
    updated: str
    turns: int


def title_for(question: str) -> str:
    """A conversation's default title: its first question, on one line, cut to :data:`TITLE_CHARS`.

    Example:
        >>> title_for("  What is\\nPrevent?  ")
        'What is Prevent?'
    """
    text = " ".join(question.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


def csv_cell(value: Any) -> str:
    """A value as a CSV cell that no spreadsheet runs as a formula.

    Example:
        >>> csv_cell("=HYPERLINK(1)"), csv_cell(-1), csv_cell("plain")
        ("'=HYPERLINK(1)", '-1', 'plain')
    """
    if isinstance(value, int | float):
        return str(value)  # a number, never text a formula could hide in
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def turn_to_json(turn: Turn) -> str:
    """A turn, with its citations, as JSON text."""
    return json.dumps(asdict(turn), ensure_ascii=False)


def turn_from_json(text: str) -> Turn:
    """Reads :func:`turn_to_json` back."""
    data = json.loads(text)
    return Turn(
        question=str(data["question"]),
        text=str(data.get("text", "")),
        abstained=bool(data.get("abstained", False)),
        citations=tuple(Citation(**c) for c in data.get("citations", ())),
        closest=tuple(Citation(**c) for c in data.get("closest", ())),
        error=str(data.get("error", "")),
    )


def _now(before: dt.timedelta = dt.timedelta(0)) -> str:
    """The time (``before`` this long ago) as stored: deletion times are compared as text."""
    return (dt.datetime.now(dt.UTC) - before).isoformat(timespec="microseconds")


class ConversationStore:
    """Conversations and feedback of every user, in one SQLite file.

    Each call opens its own connection, so the store is safe to share between the UI's
    threads; SQLite serialises the writes.

    Args:
        path: The SQLite file; created, with its folder, on first use.

    Example:
        >>> import tempfile
        >>> store = ConversationStore(Path(tempfile.mkdtemp()) / "c.sqlite3")
        >>> cid = store.create("ana", "Channel panels")
        >>> [c.title for c in store.conversations("ana")], store.conversations("ben")
        (['Channel panels'], [])
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._ready = False

    @classmethod
    def beside_index(cls, index_dir: Path) -> ConversationStore:
        """The store of an index folder: ``<index_dir>/conversations.sqlite3``."""
        return cls(Path(index_dir) / FILE_NAME)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            if not self._ready:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            raise ConversationStoreError(
                f"{self.path}: the conversation store cannot be opened ({exc})"
            ) from exc
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            if not self._ready:
                connection.executescript(_SCHEMA)
                columns = {row[1] for row in connection.execute("PRAGMA table_info(conversations)")}
                if "deleted" not in columns:  # a store written before deletions could be undone
                    connection.execute("ALTER TABLE conversations ADD COLUMN deleted TEXT")
                self._ready = True
            with connection:  # one transaction: committed whole or rolled back
                yield connection
        except sqlite3.DatabaseError as exc:
            raise ConversationStoreError(
                f"{self.path}: the conversation store cannot be used ({exc})"
            ) from exc
        finally:
            connection.close()

    # --- conversations --------------------------------------------------------------------------

    def create(self, user: str, title: str) -> str:
        """Starts a conversation of ``user``; returns its id."""
        conversation = uuid.uuid4().hex
        now = _now()
        with self._connect() as db:
            db.execute(
                "INSERT INTO conversations (id, user, title, created, updated) VALUES (?, ?, ?, ?, ?)",
                (conversation, user, title_for(title) or "New conversation", now, now),
            )
        return conversation

    def owns(self, user: str, conversation: str | None) -> bool:
        """Whether ``conversation`` exists, is ``user``'s and is not deleted."""
        if not conversation:
            return False
        with self._connect() as db:
            return self._owned(db, user, conversation)

    def conversations(self, user: str) -> list[ConversationInfo]:
        """``user``'s conversations, the most recently used first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT c.id, c.title, c.created, c.updated, COUNT(t.position) FROM conversations c "
                "LEFT JOIN turns t ON t.conversation = c.id WHERE c.user = ? AND c.deleted IS NULL "
                "GROUP BY c.id ORDER BY c.updated DESC",
                (user,),
            ).fetchall()
        return [ConversationInfo(*row) for row in rows]

    def title(self, user: str, conversation: str) -> str | None:
        """The title of ``user``'s conversation, ``None`` when it is not theirs."""
        with self._connect() as db:
            row = db.execute(
                "SELECT title FROM conversations WHERE id = ? AND user = ? AND deleted IS NULL",
                (conversation, user),
            ).fetchone()
        return None if row is None else str(row[0])

    def turns(self, user: str, conversation: str) -> list[Turn] | None:
        """The turns of ``user``'s conversation, in order; ``None`` when it is not theirs."""
        with self._connect() as db:
            if not self._owned(db, user, conversation):
                return None
            rows = db.execute(
                "SELECT turn_json FROM turns WHERE conversation = ? ORDER BY position", (conversation,)
            ).fetchall()
        return [turn_from_json(row[0]) for row in rows]

    def add_turn(self, user: str, conversation: str, turn: Turn, answer_html: str) -> int:
        """Appends a turn (question, rendered answer, citations); returns its position.

        Raises:
            CtassistError: The conversation is not ``user``'s.
        """
        with self._connect() as db:
            self._require(db, user, conversation)
            position = int(
                db.execute(
                    "SELECT COALESCE(MAX(position) + 1, 0) FROM turns WHERE conversation = ?",
                    (conversation,),
                ).fetchone()[0]
            )
            now = _now()
            db.execute(
                "INSERT INTO turns (conversation, position, question, answer_html, turn_json, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (conversation, position, turn.question, answer_html, turn_to_json(turn), now),
            )
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation))
        return position

    def drop_last_turn(self, user: str, conversation: str) -> Turn | None:
        """Removes the last turn (and its feedback), e.g. to ask it again; returns it."""
        with self._connect() as db:
            if not self._owned(db, user, conversation):
                return None
            row = db.execute(
                "SELECT position, turn_json FROM turns WHERE conversation = ? ORDER BY position DESC LIMIT 1",
                (conversation,),
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM turns WHERE conversation = ? AND position = ?", (conversation, row[0]))
            db.execute("DELETE FROM feedback WHERE conversation = ? AND position = ?", (conversation, row[0]))
        return turn_from_json(row[1])

    def rename(self, user: str, conversation: str, title: str) -> str:
        """Renames ``user``'s conversation; returns the title kept.

        Raises:
            CtassistError: The title is empty, or the conversation is not ``user``'s.
        """
        kept = title_for(title)
        if not kept:
            raise ConversationInputError("the conversation's new name is empty")
        with self._connect() as db:
            self._require(db, user, conversation)
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (kept, conversation))
        return kept

    def delete(self, user: str, conversation: str) -> bool:
        """Deletes ``user``'s conversation: from now on it is neither listed, read, changed nor
        exported, but :meth:`restore` brings it back, with its turns and feedback, until
        :meth:`purge` removes it.

        Returns:
            ``False`` when it is not ``user``'s (or already deleted).
        """
        with self._connect() as db:
            deleted = db.execute(
                "UPDATE conversations SET deleted = ? WHERE id = ? AND user = ? AND deleted IS NULL",
                (_now(), conversation, user),
            ).rowcount
        return deleted > 0

    def restore(self, user: str, conversation: str) -> bool:
        """Brings back ``user``'s deleted conversation as it was.

        Returns:
            ``False`` when there is no such deleted conversation of ``user``'s (never deleted,
            already purged, or another user's).
        """
        with self._connect() as db:
            restored = db.execute(
                "UPDATE conversations SET deleted = NULL WHERE id = ? AND user = ? AND deleted IS NOT NULL",
                (conversation, user),
            ).rowcount
        return restored > 0

    def purge(self, user: str | None = None, *, older_than: dt.timedelta = dt.timedelta(0)) -> int:
        """Removes deleted conversations for good, with their turns and feedback.

        Args:
            user: Only this user's; ``None``: everyone's.
            older_than: Only those deleted at least this long ago.

        Returns:
            How many conversations were removed.
        """
        cutoff = _now(before=older_than)
        query = "DELETE FROM conversations WHERE deleted IS NOT NULL AND deleted <= ?"
        arguments: tuple[str, ...] = (cutoff,)
        if user is not None:
            query += " AND user = ?"
            arguments += (user,)
        with self._connect() as db:
            return int(db.execute(query, arguments).rowcount)

    # --- feedback --------------------------------------------------------------------------------

    def set_feedback(
        self, user: str, conversation: str, position: int, rating: int | None, comment: str | None = None
    ) -> None:
        """Records a thumbs up (``1``) or down (``-1``) on an answer, or its comment.

        Args:
            user: The signed-in user.
            conversation: Their conversation.
            position: The answer's turn (0 first).
            rating: ``1`` or ``-1``; ``None`` keeps the rating given and sets only the comment.
            comment: An optional comment; ``None`` keeps the one given.

        Raises:
            CtassistError: Not ``user``'s conversation, no such turn, a bad rating, or a comment
                without a rating.
        """
        if rating not in (1, -1, None):
            raise ConversationInputError(f"feedback rating must be 1 or -1, got {rating!r}")
        with self._connect() as db:
            self._require(db, user, conversation)
            if (
                db.execute(
                    "SELECT 1 FROM turns WHERE conversation = ? AND position = ?", (conversation, position)
                ).fetchone()
                is None
            ):
                raise ConversationInputError(f"the conversation has no answer number {position + 1}")
            given = db.execute(
                "SELECT rating, comment FROM feedback WHERE conversation = ? AND position = ?",
                (conversation, position),
            ).fetchone()
            if given is None and rating is None:
                raise ConversationInputError("rate the answer (thumbs up or down) before commenting on it")
            new_rating = rating if rating is not None else int(given[0])
            new_comment = (comment if comment is not None else (given[1] if given else "")).strip()
            db.execute(
                "INSERT INTO feedback (conversation, position, rating, comment, created) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (conversation, position) DO UPDATE SET rating = excluded.rating, "
                "comment = excluded.comment, created = excluded.created",
                (conversation, position, new_rating, new_comment, _now()),
            )

    def withdraw_feedback(self, user: str, conversation: str, position: int) -> bool:
        """Removes the rating and comment of an answer (its thumb clicked again).

        Returns:
            Whether there was feedback to remove.

        Raises:
            ConversationInputError: Not ``user``'s conversation.
        """
        with self._connect() as db:
            self._require(db, user, conversation)
            removed = db.execute(
                "DELETE FROM feedback WHERE conversation = ? AND position = ?", (conversation, position)
            )
            return removed.rowcount > 0

    def feedback(self, user: str | None = None) -> list[dict[str, Any]]:
        """Feedback rows (columns :data:`FEEDBACK_COLUMNS`) of conversations not deleted, oldest first.

        Args:
            user: Only this user's feedback; ``None``: everyone's (for the evaluators' export).
        """
        query = (
            "SELECT f.created, c.user, c.id, c.title, f.position, f.rating, f.comment, t.question, t.turn_json "
            "FROM feedback f JOIN conversations c ON c.id = f.conversation "
            "JOIN turns t ON t.conversation = f.conversation AND t.position = f.position "
            "WHERE c.deleted IS NULL"
        )
        arguments: tuple[str, ...] = ()
        if user is not None:
            query += " AND c.user = ?"
            arguments = (user,)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY f.created", arguments).fetchall()
        result = []
        for created, owner, conversation, title, position, rating, comment, question, turn_json in rows:
            turn = turn_from_json(turn_json)
            sources = "; ".join(f"[{c.n}] {c.title} ({c.doc})" for c in turn.citations)
            result.append(
                dict(
                    zip(
                        FEEDBACK_COLUMNS,
                        (
                            created,
                            owner,
                            conversation,
                            title,
                            position + 1,
                            "up" if rating > 0 else "down",
                            comment,
                            question,
                            turn.error or turn.text,
                            sources,
                        ),
                        strict=True,
                    )
                )
            )
        return result

    def write_feedback_csv(self, out: TextIO, user: str | None = None) -> int:
        """Writes the feedback as CSV (header first); returns the number of rows.

        Args:
            out: A text file opened with ``newline=""``.
            user: Only this user's feedback; ``None``: everyone's.
        """
        rows = self.feedback(user)
        writer = csv.writer(out)
        writer.writerow(FEEDBACK_COLUMNS)
        for row in rows:
            writer.writerow([csv_cell(row[column]) for column in FEEDBACK_COLUMNS])
        return len(rows)

    # --- helpers ---------------------------------------------------------------------------------

    @staticmethod
    def _owned(db: sqlite3.Connection, user: str, conversation: str) -> bool:
        row = db.execute(
            "SELECT 1 FROM conversations WHERE id = ? AND user = ? AND deleted IS NULL", (conversation, user)
        ).fetchone()
        return row is not None

    def browser_secret(self) -> str:
        """The key that encrypts the current conversation's id in the browser, kept beside the
        store (readable by its owner only) so that ids stored before a restart still open."""
        key = self.path.with_suffix(".key")
        try:
            return key.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise ConversationStoreError(f"{key}: cannot be read ({exc.strerror})") from exc
        secret = secrets.token_hex(32)
        try:
            key.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first: use theirs
            return key.read_text(encoding="ascii").strip()
        except OSError as exc:
            raise ConversationStoreError(f"{key}: cannot be written ({exc.strerror})") from exc
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(secret)
        return secret

    def _require(self, db: sqlite3.Connection, user: str, conversation: str) -> None:
        if not self._owned(db, user, conversation):
            raise ConversationInputError("that conversation does not exist (it may have been deleted)")


def export_feedback(store_path: Path, destination: Path) -> int:
    """Writes every user's feedback in ``store_path`` to the CSV file ``destination``.

    Args:
        store_path: The conversation store (``<index_dir>/conversations.sqlite3``).
        destination: The CSV file to write (replaced whole, never half-written).

    Returns:
        The number of feedback rows written.

    Raises:
        CtassistError: No store there, or the CSV cannot be written.
    """
    if not store_path.is_file():
        raise ConversationStoreError(f"{store_path}: no conversation store (no feedback has been given yet)")
    store = ConversationStore(store_path)
    partial = destination.with_name(destination.name + ".part")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            count = store.write_feedback_csv(out)
        partial.replace(destination)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ConversationStoreError(
            f"{destination}: the feedback cannot be written ({exc.strerror})"
        ) from exc
    return count


def markdown_export(title: str, turns: Sequence[Turn]) -> str:
    """A conversation as Markdown: each question, its answer and its numbered sources with quotes.

    Document text is quoted as text (Markdown characters escaped), never as markup.
    """
    lines = [f"# {markdown_literal(title)}", ""]
    for i, turn in enumerate(turns, 1):
        lines += [f"## {i}. {markdown_literal(turn.question)}", ""]
        if turn.error:
            lines += [f"*Could not answer:* {markdown_literal(turn.error)}", ""]
            continue
        if turn.abstained:
            lines += ["*Not covered by the corpus.*", ""]
        lines += [markdown_literal(turn.text), ""]
        cited = turn.citations or turn.closest
        if cited:
            lines += [
                "**Sources**" if turn.citations else "**Closest passages** (they may not answer it)",
                "",
            ]
            for c in cited:
                where = " · ".join(x for x in (c.section or "", f"page {c.page}" if c.page else "") if x)
                label = f"{c.n}. {markdown_literal(c.title)}" + (
                    f" — {markdown_literal(where)}" if where else ""
                )
                lines.append(f"{label} ({markdown_literal(c.doc)})")
                quote = " ".join(c.quote.split())
                if quote:
                    lines.append(f"   > {markdown_literal(quote)}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


#: Characters XML (and so a .docx) cannot hold; a document's text may contain them.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def docx_export(title: str, turns: Sequence[Turn], path: Path, *, author: str) -> None:
    """Writes a conversation as an A4 Word document: each question, its answer and its numbered
    sources with their quotes; document properties name the title, the author and the date.

    Args:
        title: The conversation's title.
        turns: Its turns.
        path: The ``.docx`` file to write.
        author: The signed-in user (the document's author property).
    """
    import docx
    from docx.shared import Mm

    def clean(text: str) -> str:
        return _NOT_XML.sub("", text)

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    properties = document.core_properties
    properties.title = clean(title)
    properties.author = clean(author)
    properties.last_modified_by = clean(author)
    properties.created = properties.modified = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    properties.comments = "Exported from the ctassist chat; each answer cites the corpus."
    document.add_heading(clean(title), level=0)
    for i, turn in enumerate(turns, 1):
        document.add_heading(f"{i}. {clean(turn.question)}", level=1)
        if turn.error:
            document.add_paragraph(f"Could not answer: {clean(turn.error)}")
            continue
        if turn.abstained:
            document.add_paragraph().add_run("Not covered by the corpus.").italic = True
        document.add_paragraph(clean(turn.text))
        cited = turn.citations or turn.closest
        if not cited:
            continue
        heading = "Sources" if turn.citations else "Closest passages (they may not answer it)"
        document.add_paragraph().add_run(heading).bold = True
        for c in cited:
            where = " · ".join(x for x in (c.section or "", f"page {c.page}" if c.page else "") if x)
            label = f"[{c.n}] {c.title}" + (f" — {where}" if where else "") + f" ({c.doc})"
            document.add_paragraph(clean(label))
            quote = " ".join(c.quote.split())
            if quote:
                document.add_paragraph(style="Quote").add_run(clean(quote))
    partial = path.with_name(path.name + ".part")
    document.save(str(partial))
    partial.replace(path)
