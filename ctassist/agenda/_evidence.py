"""Finding what an agenda cites: the discussion questions, the group's description and
the evidence behind each discussion item, every piece checked verbatim against its file."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ctassist.agenda._groups import GROUPS, group_affinity
from ctassist.agenda._model import AgendaError
from ctassist.answer import ExtractiveComposer
from ctassist.chunk import sentence_spans
from ctassist.config import Settings
from ctassist.errors import LoadError
from ctassist.index import ChunkStore
from ctassist.load import LoadedDocument
from ctassist.records import RecordBook
from ctassist.retrieve import CachedScorer, CrossEncoderReranker, Filters, HybridRetriever, content_terms
from ctassist.safety import instruction_flags
from ctassist.text import INTRODUCES_LIST, LIST_MARKER
from ctassist.types import Passage


class AgendaAssistant(Protocol):
    """What drafting an agenda uses of :class:`ctassist.Assistant`: its settings, index and
    models, its search and its documents (a protocol, so that the agenda does not depend on
    the assistant, which drafts agendas)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def store(self) -> ChunkStore: ...
    @property
    def reranker(self) -> CrossEncoderReranker: ...
    @property
    def retriever(self) -> HybridRetriever: ...

    def retrieve(
        self, query: str, *, filters: Filters | Mapping[str, Any] | None = None, k: int | None = None
    ) -> list[Passage]: ...

    def document(self, doc_id: str) -> LoadedDocument: ...

    def records(self) -> RecordBook: ...


#: Source passages (for the item; for the item and the group's concerns) and same-group
#: note passages retrieved per discussion item.
SOURCE_PASSAGES = 6
FLAVOURED_PASSAGES = 4
NOTE_PASSAGES = 3
#: Evidence sentences (hence cited prompts) per discussion item.
MAX_EVIDENCE = 3
MIN_PROMPTS = 2
#: How much a sentence's fit with the group's concerns adds to its relevance logit.
AFFINITY_WEIGHT = 1.0

_QUESTIONS_WORD = re.compile(r"\bquestions?\b", re.IGNORECASE)
_LIST_MARKER = re.compile(LIST_MARKER)
_ANAPHOR = re.compile(r"\b(this|that|these|those)\b(?=\s*(?:and\b|or\b|[?,.;]|$))", re.IGNORECASE)
_WH_LEAD = re.compile(
    r"^(?:what|where|how|why|who|which|when)\b"
    r"(?:\s+(?:is|are|was|were|do|does|did|have|has|had|should|can|could|would|will))?\s*",
    re.IGNORECASE,
)
_MEMBERSHIP = re.compile(
    r"\b(attended by|members?|brings together|bring together|made up of|comprises|consists of|such as)\b",
    re.IGNORECASE,
)
_PURPOSE = re.compile(r"\b(inspection|expertise|advise|advice|purpose|develop)\w*", re.IGNORECASE)


@dataclass(frozen=True)
class Quote:
    """A sentence of a corpus document, verified: ``text == document.text[start:end]``.

    ``score`` is its relevance logit for the item's query and ``affinity`` its fit with
    the group (both 0 where not scored); ``note_date`` is the meeting date for notes.
    """

    doc_id: str
    title: str
    section: str | None
    page: int | None
    kind: str
    start: int
    end: int
    text: str
    score: float = 0.0
    affinity: float = 0.0
    note_date: str | None = None

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.doc_id, self.start, self.end)

    @property
    def rank(self) -> float:
        return self.score + AFFINITY_WEIGHT * self.affinity


@dataclass(frozen=True)
class Topic:
    """A discussion item to find evidence for.

    Attributes:
        title: As shown on the agenda.
        query: What retrieval and scoring use (the title, made standalone).
        origin: For a question taken from the corpus, the question's own sentence.
    """

    title: str
    query: str
    origin: Quote | None = None


#: The cross-encoder logit from which a sentence is relevant enough to quote under an
#: agenda item. It is the agenda's own, apart from the answer step's learned decision, so
#: that retraining that decision does not change which sentences an agenda quotes.
RELEVANT_LOGIT = -3.07


@dataclass(frozen=True)
class QuestionList:
    """The discussion questions found in the corpus, and the sentence introducing them."""

    intro: Quote
    topics: tuple[Topic, ...]


class EvidenceFinder:
    """Retrieves and verifies the corpus sentences an agenda quotes.

    One instance serves one draft: documents and cross-encoder scores are cached.

    Args:
        assistant: The assistant whose index and models are used.
        group: ``"public"`` or ``"user"``; notes of this group only.
        before: Notes of meetings on or after this date are not used (``YYYY-MM-DD``).
    """

    def __init__(self, assistant: AgendaAssistant, group: str, *, before: str | None) -> None:
        self._assistant = assistant
        self._group = group
        self._before = before
        self._threshold = RELEVANT_LOGIT
        self._documents: dict[str, LoadedDocument | None] = {}
        self._instructions: dict[str, list[tuple[int, int]]] = {}
        # Cached: items often share candidate sentences.
        self._score = CachedScorer(assistant.reranker.score)
        self._composer = ExtractiveComposer(self._score, decision=None, idf=assistant.retriever.lexical.idf)

    # --- shared ---------------------------------------------------------------------------

    def document(self, doc_id: str) -> LoadedDocument | None:
        """The document as it is on disk now, or ``None`` when it cannot be read."""
        if doc_id not in self._documents:
            try:
                self._documents[doc_id] = self._assistant.document(doc_id)
            except (LoadError, OSError):
                self._documents[doc_id] = None
        return self._documents[doc_id]

    def instructions(self, doc_id: str) -> list[tuple[int, int]]:
        """The spans of a document's sentences that are instructions to an AI (read in
        context, as :func:`~ctassist.safety.instruction_flags` does)."""
        if doc_id not in self._instructions:
            document = self.document(doc_id)
            spans = sentence_spans(document.text) if document is not None else []
            flags = instruction_flags(document.text, spans) if document is not None else []
            self._instructions[doc_id] = [span for span, flagged in zip(spans, flags, strict=True) if flagged]
        return self._instructions[doc_id]

    def quote(self, doc_id: str, start: int, end: int, **scores: float) -> Quote | None:
        """The verified sentence ``[start, end)`` of a document; ``None`` when the file
        changed since it was indexed, the span is a heading or part of a note's header, or
        it is (part of) an instruction to an AI: an agenda never quotes one."""
        document = self.document(doc_id)
        if document is None or not 0 <= start < end <= len(document.text) or start < document.body_start:
            return None
        if any(h.start <= start < h.end for h in document.headings):
            return None
        if any(a < end and start < b for a, b in self.instructions(doc_id)):
            return None
        path = document.heading_path_at(start)
        return Quote(
            doc_id=doc_id,
            title=document.title,
            section=path[-1] if path else None,
            page=document.page_at(start),
            kind=document.kind,
            start=start,
            end=end,
            text=document.text[start:end],
            note_date=document.note.date if document.note is not None else None,
            **scores,
        )

    def _sentences(self, passage: Passage) -> list[tuple[int, int]]:
        """A passage's sentences as document offsets."""
        return [(passage.start + a, passage.start + b) for a, b in sentence_spans(passage.text)]

    # --- the default discussion items -----------------------------------------------------

    def discussion_questions(self) -> QuestionList:
        """The reference groups' discussion questions, as listed in a source document.

        Retrieval finds a sentence that introduces a list of questions ("... focused on
        the following questions."); the list items that follow it in the document are
        the questions.

        Raises:
            AgendaError: No such list is found in the corpus.
        """
        name = GROUPS[self._group].name
        query = f"Which questions did the reference groups discuss? {name} discussion questions"
        passages = self._assistant.retrieve(query, filters={"kind": "source"}, k=6)
        for passage in passages:
            document = self.document(passage.doc_id)
            if document is None:
                continue
            for start, end in self._sentences(passage):
                sentence = document.text[start:end]
                if not (_QUESTIONS_WORD.search(sentence) and INTRODUCES_LIST.search(sentence)):
                    continue
                intro = self.quote(passage.doc_id, start, end)
                questions = self._list_after(document, end)
                if intro is not None and len(questions) >= 2:
                    topics: list[Topic] = []
                    for question in questions:
                        previous = topics[-1].title if topics else None
                        topics.append(
                            Topic(question.text, standalone_query(question.text, previous), question)
                        )
                    return QuestionList(intro, tuple(topics))
        raise AgendaError(
            "no discussion questions for the reference groups were found in the corpus (a source "
            "sentence introducing a list of questions); give the discussion topics with focus= "
            "(--focus on the command line)"
        )

    def _list_after(self, document: LoadedDocument, offset: int) -> list[Quote]:
        """The list items that directly follow ``offset`` (a list item may hold several
        sentences)."""
        items: list[tuple[int, int]] = []
        cursor = offset
        for start, end in sentence_spans(document.text, offset):
            gap = document.text[cursor:start]
            if "\n" in gap and _LIST_MARKER.fullmatch(gap.strip()):
                items.append((start, end))
            elif items and not gap.strip() and "\n" not in gap:
                items[-1] = (items[-1][0], end)  # a second sentence of the same item
            else:
                break
            cursor = end
        quotes = [self.quote(document.doc_id, start, end) for start, end in items[:12]]
        return [q for q in quotes if q is not None]

    # --- the welcome item -----------------------------------------------------------------

    def group_description(self) -> tuple[Quote | None, Quote | None]:
        """The corpus sentences saying what the group is for and who attends it."""
        name = GROUPS[self._group].name
        passages = self._assistant.retrieve(
            f"Who attends the {name} and what is it for?", filters={"kind": "source"}, k=4
        )
        own = re.compile(rf"\b{re.escape(self._group)}s?\b", re.IGNORECASE)
        own_group = re.compile(rf"\b{re.escape(self._group)}s?\s+reference\s+groups?\b", re.IGNORECASE)
        purpose: Quote | None = None
        members: Quote | None = None
        for passage in passages:
            for start, end in self._sentences(passage):
                quote = self.quote(passage.doc_id, start, end)
                if quote is None or looks_like_question(quote.text):
                    continue
                if members is None and own_group.search(quote.text) and _MEMBERSHIP.search(quote.text):
                    members = quote
                elif (
                    purpose is None
                    and re.search(r"\breference\s+groups?\b", quote.text, re.IGNORECASE)
                    and own.search(quote.text)
                    and _PURPOSE.search(quote.text)
                    and not _MEMBERSHIP.search(quote.text)
                ):
                    purpose = quote
        return purpose, members

    # --- evidence for discussion items ----------------------------------------------------

    def candidates(self, topic: Topic, exclude: Sequence[str] = ()) -> list[Quote]:
        """Sentences that support discussing ``topic``, best first, all above the
        abstention threshold: from the sources and from this group's earlier notes.

        Sources are retrieved for the topic and again for the topic plus the group's
        concerns; every sentence is scored for the topic alone, so the second retrieval
        widens the choice without lowering the bar.

        Questions, list introductions and restatements of any of ``exclude`` (the
        agenda's item titles) are not evidence.
        """
        passages = self._assistant.retrieve(topic.query, filters={"kind": "source"}, k=SOURCE_PASSAGES)
        flavoured = self._assistant.retrieve(
            f"{topic.query} {GROUPS[self._group].flavour}", filters={"kind": "source"}, k=FLAVOURED_PASSAGES
        )
        known = {p.chunk_id for p in passages}
        passages += [p for p in flavoured if p.chunk_id not in known]
        notes = self._assistant.retrieve(
            topic.query, filters={"kind": "notes", "group": self._group}, k=NOTE_PASSAGES
        )
        if self._before is not None:
            notes = [p for p in notes if str(p.metadata.get("date", "")) < self._before]
        found: list[Quote] = []
        for evidence in self._composer.candidates(topic.query, passages + notes):
            if evidence.score < self._threshold:
                break  # best first
            text = evidence.text
            if looks_like_question(text) or INTRODUCES_LIST.search(text):
                continue
            if any(restates(text, title) for title in (topic.title, *exclude)):
                continue
            quote = self.quote(
                evidence.passage.doc_id,
                evidence.start,
                evidence.end,
                score=evidence.score,
                affinity=group_affinity(text, self._group),
            )
            if quote is not None and quote.text == text:
                found.append(quote)
        return sorted(found, key=lambda q: q.rank, reverse=True)

    def select(self, topics: Sequence[Topic], reserved: set[tuple[str, int, int]]) -> list[list[Quote]]:
        """Evidence for each topic, spread so that items cite different sentences.

        Topics with the fewest candidates choose first; a sentence already chosen (or in
        ``reserved``) is used again only when a topic would otherwise have fewer than two.

        Returns:
            For each topic, in the given order, up to three quotes, best first.
        """
        titles = [t.title for t in topics]
        pools = [self.candidates(topic, exclude=titles) for topic in topics]
        used = set(reserved)
        chosen_texts: list[str] = []
        picks: list[list[Quote]] = [[] for _ in topics]
        for index in sorted(range(len(topics)), key=lambda i: (len(pools[i]), i)):
            mine = picks[index]
            for quote in pools[index]:
                if len(mine) >= MAX_EVIDENCE:
                    break
                if quote.key in used or any(near_duplicate(quote.text, t) for t in chosen_texts):
                    continue
                mine.append(quote)
            for quote in pools[index]:  # reuse only to reach the minimum
                if len(mine) >= MIN_PROMPTS:
                    break
                if quote not in mine and not any(near_duplicate(quote.text, q.text) for q in mine):
                    mine.append(quote)
            mine.sort(key=lambda q: q.rank, reverse=True)
            used.update(q.key for q in mine)
            chosen_texts.extend(q.text for q in mine)
        return picks


def standalone_query(question: str, previous: str | None) -> str:
    """A list item as a standalone query: ``a/b/c`` spelt out, and a trailing "this"
    ("what is needed to do this?") resolved against the previous item.

    Example:
        >>> standalone_query("What is needed to do this?", "What is the role of the police?")
        'What is needed to do this? (the role of the police)'
    """
    query = re.sub(r"(?<=\w)/(?=\w)", ", ", question)
    if previous and _ANAPHOR.search(question):
        context = _WH_LEAD.sub("", previous).strip().rstrip("?.").strip()
        if context:
            query = f"{query} ({context})"
    return query


def looks_like_question(text: str) -> bool:
    return text.rstrip(" \"'”’)").endswith("?")


def near_duplicate(a: str, b: str) -> bool:
    """Mostly the same content words (a restatement, not new evidence)."""
    terms_a, terms_b = set(content_terms(a)), set(content_terms(b))
    if not terms_a or not terms_b:
        return a.strip() == b.strip()
    return len(terms_a & terms_b) / min(len(terms_a), len(terms_b)) > 0.8


def restates(sentence: str, title: str) -> bool:
    """The sentence says little beyond an item's title (e.g. the question itself)."""
    terms = set(content_terms(sentence))
    return bool(terms) and len(terms & set(content_terms(title))) / len(terms) > 0.8
