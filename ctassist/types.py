"""The values the stages pass on and every interface (library, CLI, UI, evals) shares:
retrieved passages, citations and answers. Any stage may import this module; it imports
none of them, so that no stage depends on a later one for its types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with the scores each retrieval stage gave it.

    ``text`` is ``document.text[start:end]`` of document ``doc_id``.
    """

    chunk_id: str
    doc_id: str
    title: str
    kind: str
    section: str
    page: int | None
    start: int
    end: int
    text: str
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)
    dense: float = 0.0
    lexical: float = 0.0
    fused: float = 0.0
    rerank: float | None = None

    @property
    def score(self) -> float:
        """The passage's final relevance: the re-ranker's when it ran, else the fused score."""
        return self.rerank if self.rerank is not None else self.fused

    def in_context(self, text: str | None = None) -> str:
        """``text`` (the passage's own when omitted) after its document title and section,
        as the cross-encoder reads it: "Title — Section. Text"."""
        text = self.text if text is None else text
        context = " — ".join(part for part in (self.title, self.section) if part)
        return f"{context}. {text}" if context else text


@dataclass(frozen=True)
class Citation:
    """One numbered source of an answer.

    ``quote`` is exactly ``document.text[start:end]`` of document ``doc`` (the path
    relative to ``corpus/``), so it can be found verbatim and highlighted.
    """

    n: int
    doc: str
    title: str
    section: str | None
    page: int | None
    quote: str
    start: int
    end: int
    kind: str = "source"

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: ``n, doc, title, section, page, quote`` plus offsets."""
        return {
            "n": self.n,
            "doc": self.doc,
            "title": self.title,
            "section": self.section,
            "page": self.page,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
        }


AnswerMode = Literal["extractive", "generative", "abstained", "records"]


@dataclass(frozen=True)
class Answer:
    """The assistant's reply to one question.

    Attributes:
        text: The answer; each sentence ends with its ``[n]`` citation markers. When
            ``abstained`` it says plainly that the corpus does not cover the question.
        citations: The sources, numbered as in ``text``.
        abstained: True when the corpus holds no support for an answer.
        question: The question as asked.
        standalone_question: The question after resolving follow-ups against the history.
        closest: When abstaining, the best sentences found, each located in its document:
            they may not answer the question, and are shown so that staff can judge.
        confidence: The answer decision's probability that the evidence answers the
            question (0 to 1).
        passages: The retrieved passages, best first, with their scores.
        timings: Seconds spent per stage (``retrieve``, ``rerank``, ``compose``, ...).
        mode: How the text was produced.
        removed_sentences: Generated sentences dropped by citation verification.
        fallback: Why the configured language model did not write this answer (it could
            not be reached, or failed), also said at the end of ``text``; ``None`` when it
            did, or when none is configured.
        scope: What was searched: ``kind``, ``group``, ``period``, ``last_meeting``,
            ``by_due`` and ``text`` ("notes of the Prevent public reference group,
            November 2026"); ``mode`` is ``"records"`` when the answer comes from the
            records of the meeting notes.
    """

    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    question: str
    standalone_question: str
    closest: tuple[Citation, ...] = ()
    confidence: float = 0.0
    passages: tuple[Passage, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    mode: AnswerMode = "extractive"
    removed_sentences: int = 0
    fallback: str | None = None
    scope: dict[str, Any] = field(default_factory=dict)

    @property
    def scope_text(self) -> str | None:
        """ "Searched: ..." when the search was narrowed (a filter, or a scope the question
        named); ``None`` when the whole corpus was searched."""
        text = self.scope.get("text")
        narrowed = any(self.scope.get(key) for key in ("kind", "group", "period", "last_meeting", "docs"))
        return f"Searched: {text}" if text and narrowed else None

    @property
    def retrieval_scores(self) -> list[float]:
        return [p.score for p in self.passages]

    def to_dict(self) -> dict[str, Any]:
        """The ``ctassist ask --json`` contract (with a few extra keys)."""
        return {
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "standalone_question": self.standalone_question,
            "closest": [
                {"doc": c.doc, "title": c.title, "quote": c.quote, "start": c.start, "end": c.end}
                for c in self.closest
            ],
            "confidence": round(self.confidence, 4),
            "mode": self.mode,
            "removed_sentences": self.removed_sentences,
            "fallback": self.fallback,
            "scope": self.scope,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }
