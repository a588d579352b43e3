"""Metadata filters shared by every retriever."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ctassist.errors import ConfigError
from ctassist.load import GROUPS

_KINDS = {"source": "source", "sources": "source", "notes": "notes", "note": "notes"}


@dataclass(frozen=True)
class Filters:
    """Restricts retrieval to part of the corpus.

    Args:
        kind: ``"source"`` or ``"notes"`` (``"sources"`` is accepted too).
        group: ``"public"`` or ``"user"``: only meeting notes of that reference group.
        docs: Only these document ids (paths relative to ``corpus/``).
        only_notes: Of the meeting notes, only these document ids (sources are not
            restricted by it); ``None`` for all notes. Set from the scope a question
            names ("the public group", "in November 2026").

    Example:
        >>> Filters.coerce({"kind": "notes", "group": "user"}).kind
        'notes'
    """

    kind: str | None = None
    group: str | None = None
    docs: tuple[str, ...] = ()
    only_notes: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in _KINDS.values():
            raise ConfigError(f"filter 'kind' must be 'source' or 'notes', got {self.kind!r}")
        if self.group is not None and self.group not in GROUPS:
            raise ConfigError(f"filter 'group' must be {' or '.join(map(repr, GROUPS))}, got {self.group!r}")

    @classmethod
    def coerce(cls, value: Filters | Mapping[str, Any] | None) -> Filters:
        """Accepts a ``Filters``, a mapping with keys kind/group/doc(s), or ``None``."""
        if value is None:
            return cls()
        if isinstance(value, Filters):
            return value
        unknown = set(value) - {"kind", "group", "doc", "docs"}
        if unknown:
            raise ConfigError(f"unknown filter(s) {sorted(unknown)}; use kind, group, doc")
        kind = value.get("kind")
        if isinstance(kind, str):
            kind = None if kind.lower() == "all" else _KINDS.get(kind.lower(), kind)
        docs = value.get("docs", value.get("doc", ()))
        docs = (docs,) if isinstance(docs, str) else tuple(docs or ())
        return cls(kind=kind, group=value.get("group") or None, docs=docs)

    @property
    def empty(self) -> bool:
        return self.kind is None and self.group is None and not self.docs and self.only_notes is None

    def matches(self, metadata: Mapping[str, Any]) -> bool:
        if self.kind is not None and metadata.get("kind") != self.kind:
            return False
        if self.group is not None and metadata.get("group") != self.group:
            return False
        notes = metadata.get("kind") == "notes"
        if self.only_notes is not None and notes and metadata.get("doc_id") not in self.only_notes:
            return False
        return not self.docs or metadata.get("doc_id") in self.docs

    def to_chroma_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.kind is not None:
            clauses.append({"kind": self.kind})
        if self.group is not None:
            clauses.append({"group": self.group})
        if self.docs:
            clauses.append({"doc_id": {"$in": list(self.docs)}})
        if self.only_notes is not None:
            other_kinds: dict[str, Any] = {"kind": {"$ne": "notes"}}
            clauses.append(
                {"$or": [other_kinds, {"doc_id": {"$in": list(self.only_notes)}}]}
                if self.only_notes
                else other_kinds
            )
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}
