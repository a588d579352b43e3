"""The public entry point: :class:`Assistant` ties load → chunk → index → retrieve → answer."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ctassist.answer import (
    AnswerDecision,
    AnswerPipeline,
    ExtractiveComposer,
    GenerativeAnswerer,
    Scorer,
    Streaming,
    describe_model,
    make_chat_model,
    shipped_decision,
    streaming_to,
)
from ctassist.cite import SupportVerifier
from ctassist.config import Settings
from ctassist.embed import Encoder
from ctassist.errors import IndexChangedError, QuestionError
from ctassist.index import ChunkStore, FileRecord, Indexer, IndexReport, ProgressCallback, WaitCallback
from ctassist.load import LoadedDocument, load_document
from ctassist.query import Glossary, History, ResolvedQuestion
from ctassist.records import RecordBook
from ctassist.retrieve import (
    CrossEncoderReranker,
    CtassistRetriever,
    DenseRetriever,
    Filters,
    HybridRetriever,
    LexicalIndex,
)
from ctassist.types import Answer, Passage

if TYPE_CHECKING:
    from ctassist.agenda import Agenda, AgendaRequest
    from ctassist.intake import AddedDocument, RemovedDocument

FilterArg = Filters | Mapping[str, Any] | None
_T = TypeVar("_T")

#: The longest question accepted, in characters: ten times a long question, far past what
#: the models read (the cross-encoder reads its first 128 tokens).
MAX_QUESTION_CHARS = 8000


class Assistant:
    """A document assistant over one corpus and its index.

    Models and the index open lazily, once per instance, and are shared by every call,
    so one ``Assistant`` serves many threads (e.g. the chat UI's users). The index may be
    written by other processes meanwhile: every question first checks (one small read)
    whether it changed and follows it, and a question that the change catches half-way is
    answered again from the index as it now is.

    Args:
        corpus_dir: Folder with ``sources/`` and ``notes/``; default from settings.
        index_dir: Folder for the persisted index; default from settings.
        settings: A full :class:`Settings`; built from ``CTASSIST_*`` variables when omitted.
        encoder: The embedding model to use; built from the settings, on first use, when
            omitted. Passing one lets many assistants (or tests) share one loaded model.
        reranker: The cross-encoder; built from the settings on first use when omitted.
        store: The chunk store (the index); opened from the settings on first use when
            omitted. It must have been made with the same encoder's model.
        generator: The generative answerer (``llm`` setting other than ``none``); built
            from the settings on first use when omitted.
        **overrides: Any other :class:`Settings` field, e.g. ``chroma_url=...``.

    Example:
        >>> from ctassist import Assistant
        >>> assistant = Assistant(corpus_dir="corpus", index_dir="index")
        >>> print(assistant.index().summary())

    Attributes:
        on_index_wait: Told when a write of the index (:meth:`index`, :meth:`add_note`,
            :meth:`add_document`) waits for another writer; when None, a warning is logged.
    """

    def __init__(
        self,
        corpus_dir: str | Path | None = None,
        index_dir: str | Path | None = None,
        *,
        settings: Settings | None = None,
        encoder: Encoder | None = None,
        reranker: CrossEncoderReranker | None = None,
        store: ChunkStore | None = None,
        generator: GenerativeAnswerer | None = None,
        **overrides: Any,
    ) -> None:
        if settings is None:
            settings = Settings.from_env(corpus_dir=corpus_dir, index_dir=index_dir, **overrides)
        elif corpus_dir is not None or index_dir is not None or overrides:
            settings = Settings.from_env(
                environ={},
                **{**settings.model_dump(), "corpus_dir": corpus_dir, "index_dir": index_dir, **overrides},
            )
        self.settings = settings
        self._lock = threading.RLock()
        self._encoder: Encoder | None = encoder
        self._store: ChunkStore | None = store
        self._reranker: CrossEncoderReranker | None = reranker
        self._retriever: HybridRetriever | None = None
        self._lexical: LexicalIndex | None = None
        self._generator: GenerativeAnswerer | None = generator
        self._glossary: Glossary | None = None
        self._pipeline: AnswerPipeline | None = None
        self._generate_lock = threading.Lock()  # llama.cpp contexts are not thread-safe
        self.on_index_wait: WaitCallback | None = None

    @property
    def encoder(self) -> Encoder:
        with self._lock:
            if self._encoder is None:
                self._encoder = Encoder(
                    self.settings.embedding_model,
                    quantize=self.settings.embedding_quantize,
                    batch_size=self.settings.embedding_batch_size,
                    backend=self.settings.embedding_backend,
                )
            return self._encoder

    @property
    def store(self) -> ChunkStore:
        with self._lock:
            if self._store is None:
                self._store = ChunkStore(
                    self.settings, model_name=self.settings.embedding_model, dimension=self.encoder.dimension
                )
            return self._store

    @property
    def reranker(self) -> CrossEncoderReranker:
        with self._lock:
            if self._reranker is None:
                model = self.settings.reranker_model
                self._reranker = CrossEncoderReranker(Path(model) if model else None)
            return self._reranker

    @property
    def generator(self) -> GenerativeAnswerer:
        """The generative answerer (``llm`` setting other than ``none``), loaded once."""
        with self._lock:
            if self._generator is None:
                verifier = SupportVerifier(self.encoder.encode, threshold=self.settings.support_threshold)
                self._generator = GenerativeAnswerer(
                    make_chat_model(self.settings), verifier, label=describe_model(self.settings)
                )
            return self._generator

    @property
    def retriever(self) -> HybridRetriever:
        """The hybrid retriever (dense + BM25, fused, re-ranked), kept in step with the index."""
        with self._lock:
            if self._retriever is None:
                if self._lexical is None:
                    self._lexical = LexicalIndex(self._lexical_dir())
                self._retriever = HybridRetriever(
                    self.store,
                    DenseRetriever(self.store, self.encoder),
                    self._lexical,
                    self.reranker if self.settings.rerank else None,
                    candidates=self.settings.candidates,
                )
                self._sync_lexical()
            return self._retriever

    def _lexical_dir(self) -> Path:
        if self.settings.chroma_url:
            # One lexical copy per server and collection, derived from it on this machine.
            import hashlib

            key = hashlib.sha256(
                f"{self.settings.chroma_url}|{self.settings.collection}".encode()
            ).hexdigest()[:12]
            return self.settings.index_dir / f"lexical-{key}"
        return self.settings.index_dir / "lexical"

    def _sync_lexical(self) -> None:
        """Re-derives the BM25 index if the collection's chunks changed (one read of their ids)."""
        assert self._lexical is not None
        try:
            self._lexical.sync(self.store)
        except IndexChangedError:
            # Replaced by a rebuild while its chunks were read: read the new one.
            self.store.refresh()
            self._lexical.sync(self.store)

    def _follow_index(self, *, reload: bool = False) -> None:
        """Follows what another process did to the index: opens a rebuild's new collection,
        reloads an embedded index that was written, re-derives the BM25 index. One small
        read (the index's record) when nothing changed."""
        with self._lock:
            if self._store is None:
                return  # opened later, as it is then
            if self.store.refresh(reload=reload) and self._lexical is not None:
                self._sync_lexical()

    def _following(self, run: Callable[[], _T]) -> _T:
        """``run()`` on the index as it is now; run again once if another process replaced
        or rewrote the index under it (what it read may mix the old index and the new)."""
        self._follow_index()
        try:
            return run()
        except IndexChangedError:
            self._follow_index(reload=True)
            return run()

    def index(
        self,
        rebuild: bool = False,
        progress: ProgressCallback | None = None,
        on_wait: WaitCallback | None = None,
    ) -> IndexReport:
        """Brings the index in step with the corpus.

        One writer at a time: another process's (or thread's) run is waited for, at most
        ``index_lock_timeout`` seconds. Questions asked meanwhile are answered from the
        index as it was; a rebuild replaces it in one step when it is complete.

        Args:
            rebuild: Embed everything again into a new index (needed after changing the
                embedding model).
            progress: Called as ``progress(done, total, doc_id)`` after each file.
            on_wait: Told when this run waits for another writer; ``on_index_wait`` when omitted.

        Returns:
            The report: files added, updated, removed, unchanged, repaired and skipped
            (with reasons), chunk counts and seconds.

        Raises:
            IndexBusyError: Another writer kept the index for the whole wait.
        """
        if rebuild:
            with self._lock:
                # A rebuild is how an index of another model is replaced: open it unchecked;
                # the rebuild records the configured model.
                if self._store is None:
                    self._store = ChunkStore(
                        self.settings,
                        model_name=self.settings.embedding_model,
                        dimension=self.encoder.dimension,
                        check_model=False,
                    )
        report = Indexer(self.settings, self.store, self.encoder).run(
            rebuild=rebuild, progress=progress, on_wait=on_wait or self.on_index_wait
        )
        with self._lock:
            if self._lexical is None:
                self._lexical = LexicalIndex(self._lexical_dir())
            self._sync_lexical()
        return report

    def documents(self) -> list[FileRecord]:
        """The documents in the index, sorted by document id."""
        records, _ = self._following(self.store.file_records)
        return [records[k] for k in sorted(records)]

    def document(self, doc_id: str) -> LoadedDocument:
        """Loads a document of the corpus, e.g. to show a citation in its context.

        Raises:
            LoadError: The id names no readable file inside the corpus folder.
        """
        from ctassist.errors import LoadError

        corpus = self.settings.corpus_dir.resolve()
        path = (corpus / doc_id).resolve()
        if not path.is_relative_to(corpus) or not path.is_file():
            raise LoadError(doc_id, "no such document in the corpus")
        return load_document(path, corpus, max_file_mb=self.settings.max_file_mb)

    def retrieve(self, query: str, *, filters: FilterArg = None, k: int | None = None) -> list[Passage]:
        """The passages that best match ``query``, best first (no answer composed).

        Ordered as :meth:`ask` orders its evidence: passages holding the sentences the
        cross-encoder scores best come first (``Passage.rerank`` is that score), then
        the rest in retrieval order.
        """

        return self._following(lambda: self.pipeline.retrieve(query, Filters.coerce(filters), k))

    def composer(
        self, *, scorer: Scorer | None = None, decision: AnswerDecision | bool | None = True
    ) -> ExtractiveComposer:
        """The extractive composer :meth:`ask` uses, configured from the settings.

        Args:
            scorer: Scores sentences for a question; the cross-encoder when omitted.
            decision: The answer-or-abstain decision: ``True`` for the shipped one,
                ``None`` to answer whenever the evidence allows (to collect training data).
        """
        chosen = shipped_decision() if decision is True else decision or None
        with self._lock:
            if self._glossary is None:
                self._glossary = Glossary.load(self.settings.corpus_dir)
        return ExtractiveComposer(
            scorer or self.reranker.score,
            decision=chosen,
            threshold=self.settings.decision_threshold,
            idf=self.retriever.lexical.idf,
            glossary=self._glossary,
            pool=self.settings.sentence_pool,
        )

    @property
    def pipeline(self) -> AnswerPipeline:
        """The answer policy :meth:`ask` applies, built once from this assistant's parts."""
        with self._lock:
            if self._pipeline is None:
                self._pipeline = AnswerPipeline(
                    self.retriever,
                    self.composer,
                    lambda: RecordBook.from_store(self.store),
                    self.encoder.encode,
                    self.store.count,
                    top_k=self.settings.top_k,
                    generator=(lambda: self.generator) if self.settings.llm != "none" else None,
                    generation_lock=self._generate_lock,
                )
            return self._pipeline

    def evidence_passages(
        self,
        resolved: ResolvedQuestion,
        *,
        filters: FilterArg = None,
        timings: dict[str, float] | None = None,
    ) -> list[Passage]:
        """The passages :meth:`ask` composes its answer from, in retrieval order
        (:meth:`AnswerPipeline.evidence`: a compound question also gets each part's).

        Args:
            resolved: The question, follow-ups resolved (``resolve_follow_up``).
            filters: Restrict the corpus.
            timings: If given, receives seconds spent per retrieval stage.
        """
        return self.pipeline.evidence(resolved, Filters.coerce(filters), timings)

    def as_retriever(self, k: int | None = None, filters: FilterArg = None) -> CtassistRetriever:
        """This assistant's hybrid retrieval as a LangChain ``BaseRetriever``.

        Args:
            k: Documents per query; ``top_k`` setting when omitted.
            filters: e.g. ``{"kind": "sources"}``.

        Returns:
            A retriever returning ``Document`` objects with citation metadata.
        """
        coerced = Filters.coerce(filters)
        as_dict = {"kind": coerced.kind, "group": coerced.group, "docs": coerced.docs}
        return CtassistRetriever(assistant=self, k=k or self.settings.top_k, filters=as_dict)

    def ask(self, question: str, history: History | None = None, filters: FilterArg = None) -> Answer:
        """Answers a question from the corpus, with a citation for every sentence.

        Args:
            question: The question.
            history: Earlier turns, as ``[(question, answer), ...]`` or chat messages
                ``[{"role": ..., "content": ...}]``; follow-ups are resolved from it.
            filters: Restrict the corpus, e.g. ``{"kind": "notes", "group": "user"}``.

        Returns:
            The answer. ``abstained`` is True, and the text says that the corpus does not
            cover the question, when no passage supports an answer.

        Example:
            >>> answer = assistant.ask("Who chairs a Channel panel?")
            >>> answer.citations[0].doc
            'sources/channel.md'
        """
        question = checked_question(question)
        return self._following(lambda: self.pipeline.run(question, history, Filters.coerce(filters)))

    def records(self) -> RecordBook:
        """The records (attendees, actions, decisions) of the indexed meeting notes."""
        return self._following(lambda: RecordBook.from_store(self.store))

    def draft_agenda(self, request: AgendaRequest | None = None, /, **fields: Any) -> Agenda:
        """Drafts the agenda of a reference-group meeting from the corpus.

        Args:
            request: What to draft. Or leave it out and give its fields as keywords, which
                build one: ``group`` (``"public"`` or ``"user"``), ``date`` (``YYYY-MM-DD``),
                ``duration_minutes``, ``focus``, ``chair``, ``chatham_house``, ``start_time``
                (see :class:`AgendaRequest`).
            **fields: The request's fields, when ``request`` is left out.

        Returns:
            The agenda: standard items, cited discussion items and timings.

        Raises:
            AgendaError: A bad field (the message names it), a meeting too short for its
                items, an empty index, or nothing to discuss.
            TypeError: Both a request and keywords, or a keyword that is not a field.

        Example:
            >>> agenda = assistant.draft_agenda(group="user", date="2026-12-10", duration_minutes=90)
            >>> same = assistant.draft_agenda(AgendaRequest(group="user", date="2026-12-10", duration_minutes=90))
            >>> agenda.duration_minutes, same.duration_minutes
            (90, 90)
        """
        from ctassist.agenda import AgendaRequest, draft_agenda

        if request is None:
            request = AgendaRequest(**fields)
        elif not isinstance(request, AgendaRequest):
            raise TypeError(
                f"draft_agenda: request must be an AgendaRequest, got {request!r} (or give group=... as a keyword)"
            )
        elif fields:
            raise TypeError("draft_agenda takes an AgendaRequest or its fields as keywords, not both")
        return draft_agenda(self, request)

    def add_document(
        self, data: bytes, *, kind: str = "source", filename: str | None = None
    ) -> AddedDocument:
        """Stores an uploaded document or meeting note in the corpus and indexes it at once.

        The stored name is generated; of ``filename`` only its extension and a slug of its
        stem (``[a-z0-9-]``, at most 40 characters) are used.
        The document is validated before anything is written, and an existing file is
        never overwritten.

        Args:
            data: The file's bytes.
            kind: ``"source"``, ``"notes"`` or ``"auto"`` (a note when its front matter
                names a ``group``, else a source document).
            filename: The client's file name, for its extension only.

        Returns:
            Where it was stored and the indexing report.

        Raises:
            ConfigError: ``kind`` is not ``"auto"``, ``"source"`` or ``"notes"``.
            LoadError: The file cannot be used (the message says why); nothing is written.
        """
        from ctassist.intake import add_document

        return add_document(self, data, kind=kind, filename=filename)

    def remove_document(self, doc_id: str) -> RemovedDocument:
        """Takes a document out of the corpus (moved to ``<index>/deleted/``) and the index.

        Args:
            doc_id: The document's id, as :meth:`documents` lists it.

        Returns:
            Where the file was kept and the indexing report.

        Raises:
            LoadError: No such document; the message lists close ids.
        """
        from ctassist.intake import remove_document

        return remove_document(self, doc_id)

    def add_note(self, path: str | Path) -> AddedDocument:
        """Validates a meeting note's front matter, stores it under ``corpus/notes/`` and
        indexes it (``ctassist notes add FILE``)."""
        from ctassist.intake import add_note

        return add_note(self, Path(path))

    def stream(
        self, question: str, history: History | None = None, filters: FilterArg = None
    ) -> AnswerStream:
        """Like :meth:`ask`, but yields the answer's text piece by piece as it is produced
        (for a chat UI).

        A generative answer comes sentence by sentence as each is generated and verified;
        other answers (quoted, from the records, abstentions) come sentence by sentence once
        composed.

        Returns:
            An iterator of text pieces; once exhausted, its ``answer`` attribute holds
            the full :class:`Answer` with its citations (``None`` if it was cancelled).
        """
        return AnswerStream(lambda: self.ask(question, history, filters))


class AnswerStream:
    """Iterates over an answer's text in pieces as it is produced; ``answer`` is set when done.

    The answer is produced in a worker thread started by the first iteration. Generation
    hands over each verified sentence and goes on only when the reader asks for the next
    piece, so a reader that stops reading (:meth:`cancel`, or closing the iterator) stops
    generation at its next token.
    """

    def __init__(self, produce: Callable[[], Answer]) -> None:
        self._produce = produce
        self.answer: Answer | None = None
        self._stop = threading.Event()
        self._wanted = threading.Semaphore(0)
        self._produced: queue.Queue[tuple[str, Any]] = queue.Queue()

    def cancel(self) -> None:
        """Stops the answer (from any thread): generation ends at its next token and the
        iteration ends without an ``answer``."""
        self._stop.set()
        self._wanted.release()

    def __iter__(self) -> Iterator[str]:
        threading.Thread(target=self._work, name="ctassist-answer", daemon=True).start()
        shown, kind = "", ""
        try:
            while True:
                kind, value = self._produced.get()
                if self._stop.is_set():
                    return
                if kind == "error":
                    raise value
                if kind == "answer":
                    break
                shown += value
                yield value
                self._wanted.release()
        finally:
            if kind != "answer":
                self.cancel()  # closed early, or failed: the worker stops generating
        if not value.text.startswith(shown):
            raise RuntimeError("the streamed pieces are not the start of the answer")
        for piece in _pieces(value.text[len(shown) :]):
            yield piece
            if self._stop.is_set():
                return
        self.answer = value

    def _work(self) -> None:
        try:
            with streaming_to(Streaming(on_piece=self._hand_over, stop=self._stop)):
                answer = self._produce()
        except Exception as exc:  # noqa: BLE001 - raised again in the reader's thread
            self._produced.put(("error", exc))
            return
        self._produced.put(("answer", answer))

    def _hand_over(self, piece: str) -> None:
        self._produced.put(("piece", piece))
        self._wanted.acquire()  # generation goes on when the reader asks for more (or stops)


def checked_question(question: str) -> str:
    """The question, refused with the reason when it cannot be asked.

    Raises:
        QuestionError: It is empty, has no letter or digit, is over
            :data:`MAX_QUESTION_CHARS` characters, or holds text that is not Unicode.
    """
    if not isinstance(question, str) or not question.strip():
        raise QuestionError("question: empty; ask something about the corpus")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"question: {len(question):,} characters, over the limit of {MAX_QUESTION_CHARS:,}; ask it in fewer words"
        )
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:
        raise QuestionError("question: holds bytes that are not text (invalid UTF-8)") from None
    if not any(ch.isalnum() for ch in question):
        raise QuestionError("question: has no words; ask something about the corpus")
    return question


def _pieces(text: str) -> Iterator[str]:
    """Sentence-sized pieces (each with its citation marker), white space kept."""
    import re

    for match in re.finditer(r".+?(?:\]\s+|\n|$)", text, re.DOTALL):
        if match.group(0):
            yield match.group(0)
