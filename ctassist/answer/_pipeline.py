"""The answer policy, in one component: from a question in its conversation to an
:class:`~ctassist.types.Answer`.

What ``Assistant.ask`` answers, and how, is decided here and nowhere else: the records of
meeting notes first when the question asks about them, the scope the question names as
filters, every reading of a follow-up, the passages of each part of a compound question,
the extractive composition and its answer-or-abstain decision, the optional generation
with the extractive answer as its fallback, and the abstention's text. Its dependencies
come in through its constructor (the retriever, a composer factory, the records, the
encoder, the generator), as a Haystack component's do, so it is built and tested from its
parts and never needs the :class:`~ctassist.Assistant` (which builds it and delegates).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import cast

from ctassist.answer._abstain import abstention_text
from ctassist.answer._extractive import Composition, ExtractiveComposer, best_by_passage
from ctassist.answer._generative import Generated, GenerativeAnswerer
from ctassist.load import Group, Kind
from ctassist.query import History, ResolvedQuestion, Scope, asked_scope, readings, resolve_follow_up
from ctassist.records import (
    Encode,
    IntentModel,
    RecordBook,
    RecordsReply,
    answer_from_records,
    shipped_intent,
)
from ctassist.retrieve import Filters, HybridRetriever
from ctassist.types import Answer, Passage

#: Passages given to a language model: small models lose track of longer contexts.
GENERATION_PASSAGES = 4


class AnswerPipeline:
    """Answers a question from the corpus, with a citation for every sentence, or abstains.

    Args:
        retriever: The hybrid retriever over the index.
        composer: Makes the extractive composer for a question (it follows the index's
            word statistics, so one is made per question).
        records: The records of the indexed meeting notes, read when a question needs them.
        encode: The embedding model's ``encode`` (for the records' intent and topics).
        count: The number of chunks in the index (an abstention says when it is empty).
        top_k: Passages retrieved per question (and per part of a compound question).
        generator: Makes the generative answerer; ``None`` answers extractively only.
        generation_lock: Held while the model generates: one model context serves one
            question at a time, whoever else uses it.
        intent: Tells a question about the records from others; the shipped model when
            omitted.

    Example:
        >>> pipeline = AnswerPipeline(assistant.retriever, assistant.composer,
        ...                           lambda: RecordBook.from_store(assistant.store),
        ...                           assistant.encoder.encode, assistant.store.count, top_k=6)
        >>> pipeline.run("Who chairs a Channel panel?").citations[0].doc
        'sources/channel.md'
    """

    def __init__(
        self,
        retriever: HybridRetriever,
        composer: Callable[[], ExtractiveComposer],
        records: Callable[[], RecordBook],
        encode: Encode,
        count: Callable[[], int],
        *,
        top_k: int,
        generator: Callable[[], GenerativeAnswerer] | None = None,
        generation_lock: threading.Lock | None = None,
        intent: IntentModel | None = None,
    ) -> None:
        self.retriever = retriever
        self.composer = composer
        self.records = records
        self.encode = encode
        self.count = count
        self.top_k = top_k
        self.generator = generator
        self.generation_lock = generation_lock or threading.Lock()
        self.intent = intent or shipped_intent()

    def run(self, question: str, history: History | None = None, filters: Filters | None = None) -> Answer:
        """Answers ``question``, read in its conversation.

        Args:
            question: The question, as asked (checked by the caller).
            history: Earlier turns; follow-ups are resolved from them.
            filters: Restrict the corpus; the scope the question names narrows it further.

        Returns:
            The answer: from the records (``mode="records"``), composed from the
            passages (``"extractive"``), generated and verified (``"generative"``), or an
            abstention that says why and shows the closest sentences (``"abstained"``).
        """
        started = time.perf_counter()
        timings: dict[str, float] = {}
        selected = filters or Filters()
        resolved = resolve_follow_up(question, history)
        asked = asked_scope(resolved)
        # The filters' values are checked by Filters: a group of GROUPS, a kind of Kind.
        scope = replace(
            asked,
            group=cast(Group | None, selected.group or asked.group),
            kind=cast(Kind | None, selected.kind or asked.kind),
        )
        miss: RecordsReply | None = None
        book: RecordBook | None = None
        records_question = False
        if scope.kind != "source" and not selected.docs:
            step = time.perf_counter()
            intent = self.intent.classify(resolved.standalone, self.encode)
            records_question = intent.records
            if intent.records:
                book = self.records()
                reply = answer_from_records(resolved.standalone, intent, scope, book, self.encode)
                timings["records"] = time.perf_counter() - step
                if reply.final:
                    # The records are the record: when they hold no match, that is the answer.
                    timings["total"] = time.perf_counter() - started
                    return Answer(
                        text=reply.text,
                        citations=reply.citations,
                        abstained=False,
                        question=question,
                        standalone_question=resolved.standalone,
                        confidence=1.0 if reply.found else 0.0,
                        timings=timings,
                        mode="records",
                        scope=reply.scope.to_dict(records=True),
                    )
                miss = reply  # the notes' text or the sources may answer instead
        narrowed = self._scoped_filters(selected, scope, records_question, book)
        answer = self._answer(question, history, narrowed, started, timings)
        shown = {**scope.to_dict(), "kind": narrowed.kind}
        shown["text"] = replace(scope, kind=cast(Kind | None, narrowed.kind)).describe()
        if selected.docs:
            shown["docs"] = list(selected.docs)
        if answer.abstained and miss is not None:
            return replace(answer, text=miss.text, mode="records", scope=miss.scope.to_dict(records=True))
        return replace(answer, scope=shown)

    def evidence(
        self,
        resolved: ResolvedQuestion,
        filters: Filters | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[Passage]:
        """The passages a reading of the question is composed from, in retrieval order.

        A compound question ("When did X begin, and when did Y publish Z?") also gets the
        passages of each of its parts (``resolved.parts``), merged turn by turn with those
        of the whole: a part may need a passage that the whole question does not rank.

        Args:
            resolved: One reading of the question (``resolve_follow_up``, ``readings``).
            filters: Restrict the corpus.
            timings: If given, receives seconds spent per retrieval stage.
        """
        selected = filters or Filters()
        k = self.top_k
        passages = self.retriever.run(resolved.standalone, filters=selected, k=k, timings=timings)
        if len(resolved.parts) <= 1:
            return passages
        parts = [self.retriever.run(part, filters=selected, k=k) for part in resolved.parts]
        return _interleave([passages, *parts])

    def retrieve(self, query: str, filters: Filters | None = None, k: int | None = None) -> list[Passage]:
        """The passages that best match ``query``, ordered as :meth:`run` orders its
        evidence: those holding the sentences the cross-encoder scores best first
        (``Passage.rerank`` is that score), then the rest in retrieval order."""
        passages = self.retriever.run(query, filters=filters or Filters(), k=k or self.top_k)
        return _by_evidence(passages, best_by_passage(self.composer().candidates(query, passages)))

    def _scoped_filters(
        self, selected: Filters, scope: Scope, records_question: bool, book: RecordBook | None
    ) -> Filters:
        """The filters with the scope the question names: its kind of document and, for its
        group or its period of meetings, only the notes of those meetings (sources are kept:
        "the public group" never returns the user group's notes)."""
        kind = selected.kind or scope.kind
        meetings = replace(scope, kind=None, year=None, month=None, day=None) if scope.by_due else scope
        about_notes = scope.group is not None or meetings.last_meeting or kind == "notes" or records_question
        if (
            selected.docs
            or not about_notes
            or (meetings.group is None and not meetings.has_period and not meetings.last_meeting)
        ):
            return replace(selected, kind=kind)
        book = book or self.records()
        return replace(selected, kind=kind, only_notes=tuple(m.doc_id for m in book.in_scope(meetings)))

    def _answer(
        self,
        question: str,
        history: History | None,
        filters: Filters,
        started: float,
        timings: dict[str, float],
    ) -> Answer:
        """The answer from the passages: the reading the decision trusts most, composed,
        then generated from when a model is configured."""
        composer = self.composer()
        resolved, passages, composition = max(
            (
                (reading, *self._compose(composer, reading, filters, timings))
                for reading in readings(question, history)
            ),
            # An answer before an abstention; then the decision's confidence.
            key=lambda tried: (not tried[2].abstained, tried[2].confidence),
        )
        passages = _by_evidence(passages, composition.passage_scores)
        timings["total"] = time.perf_counter() - started
        if composition.abstained:
            text = abstention_text(
                composition.closest, empty_index=self.count() == 0, reason=composition.reason
            )
            return Answer(
                text=text,
                citations=(),
                abstained=True,
                question=question,
                standalone_question=resolved.standalone,
                closest=composition.closest,
                confidence=composition.confidence,
                passages=tuple(passages),
                timings=timings,
                mode="abstained",
            )
        if self.generator is None:
            return _extractive(question, resolved.standalone, composition, passages, timings, 0)
        step = time.perf_counter()
        generated = self._generate(self.generator(), resolved.standalone, passages[:GENERATION_PASSAGES])
        timings["generate"] = time.perf_counter() - step
        timings["total"] = time.perf_counter() - started
        if generated.citations:
            # A model that failed part-way keeps its verified sentences, with the reason.
            note = f"\n\n{generated.fallback}" if generated.fallback else ""
            return Answer(
                text=generated.text + note,
                citations=generated.citations,
                abstained=False,
                question=question,
                standalone_question=resolved.standalone,
                passages=tuple(passages),
                timings=timings,
                mode="generative",
                confidence=composition.confidence,
                removed_sentences=generated.removed,
                fallback=generated.fallback,
            )
        # The model failed, or no generated sentence survived verification: the extractive
        # answer stands (and says why when the model failed).
        return _extractive(
            question,
            resolved.standalone,
            composition,
            passages,
            timings,
            generated.removed,
            fallback=generated.fallback,
        )

    def _generate(self, generator: GenerativeAnswerer, question: str, passages: list[Passage]) -> Generated:
        """The generative step: the model writes from the best passages, every sentence
        verified against them."""
        with self.generation_lock:
            return generator.run(question, passages)

    def _compose(
        self,
        composer: ExtractiveComposer,
        resolved: ResolvedQuestion,
        filters: Filters,
        timings: dict[str, float],
    ) -> tuple[list[Passage], Composition]:
        passages = self.evidence(resolved, filters, timings)
        step = time.perf_counter()
        composition = composer.answer(resolved, passages)
        timings["compose"] = timings.get("compose", 0.0) + time.perf_counter() - step
        return passages, composition


def _by_evidence(passages: list[Passage], sentence_scores: dict[str, float]) -> list[Passage]:
    """Passages whose sentences the cross-encoder scored, by their best sentence (that
    score becomes ``Passage.rerank``), then the others in retrieval order: the answer's
    evidence re-ranks the passages without a second cross-encoder pass over them."""
    scored = [
        replace(p, rerank=sentence_scores[p.chunk_id]) for p in passages if p.chunk_id in sentence_scores
    ]
    scored.sort(key=lambda p: p.rerank or 0.0, reverse=True)
    return scored + [p for p in passages if p.chunk_id not in sentence_scores]


def _interleave(rankings: list[list[Passage]]) -> list[Passage]:
    """The rankings merged turn by turn (first of each, then second of each ...), once each."""
    merged: dict[str, Passage] = {}
    for row in itertools.zip_longest(*rankings):
        for passage in row:
            if passage is not None:
                merged.setdefault(passage.chunk_id, passage)
    return list(merged.values())


def _extractive(
    question: str,
    standalone: str,
    composition: Composition,
    passages: list[Passage],
    timings: dict[str, float],
    removed: int,
    fallback: str | None = None,
) -> Answer:
    return Answer(
        text=f"{composition.text}\n\n{fallback}" if fallback else composition.text,
        citations=composition.citations,
        abstained=False,
        question=question,
        standalone_question=standalone,
        passages=tuple(passages),
        timings=timings,
        mode="extractive",
        confidence=composition.confidence,
        removed_sentences=removed,
        fallback=fallback,
    )
