"""The systems compared: BM25 only, dense only, the plain LangChain recipe, ctassist.

Each system answers a :class:`~evals._dataset.Question` with an :class:`Output`: the
answer text, its sentences and citations, whether it abstained, and a ranked list of
document ids for the retrieval metrics. Baselines answer with their top passage, cited
once, and never abstain (unless they retrieve nothing at all).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from evals._dataset import Question
from evals._metrics import CitedSentence, dedupe, split_cited_sentences

if TYPE_CHECKING:
    from ctassist import Assistant
    from ctassist.embed import Encoder

#: Depth of the rankings scored by the retrieval metrics (recall@10, MRR@10, nDCG@10).
RANK_DEPTH = 10
#: Passages the LangChain recipe retrieves (its answer is the first).
LANGCHAIN_TOP = 4
LANGCHAIN_CHUNK_SIZE = 1000
LANGCHAIN_CHUNK_OVERLAP = 200


@dataclass(frozen=True)
class CitationRecord:
    """A citation as the evaluation sees it: number, document and quoted text."""

    n: int
    doc: str
    quote: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Output:
    """One system's reply to one question.

    Attributes:
        answer: The answer text (for baselines, the top passage).
        abstained: The system declined to answer.
        ranked_docs: Document ids, best first, without duplicates.
        sentences: The answer's sentences and their citation markers.
        citations: The citations, by number.
        latency: Seconds to produce the answer (retrieval included).
        standalone: The question the system actually searched with.
        mode: ``extractive``, ``generative``, ``abstained`` or ``passage``.
    """

    answer: str
    abstained: bool
    ranked_docs: list[str]
    sentences: list[CitedSentence]
    citations: list[CitationRecord]
    latency: float
    standalone: str = ""
    mode: str = "passage"
    notes: list[str] = field(default_factory=list)


class System(Protocol):
    """Anything that answers questions for the evaluation."""

    name: str
    description: str

    def run(self, question: Question) -> Output:
        """Answers one question."""
        ...


def _passage_output(
    hits: list[tuple[str, str, dict[str, Any]]], extra_docs: list[str], latency: float, question: str
) -> Output:
    """A baseline's output: the top passage as a one-sentence answer citing itself."""
    ranked = dedupe([doc for doc, _, _ in hits] + extra_docs)
    if not hits:
        return Output("", True, ranked, [], [], latency, question, "abstained", ["nothing retrieved"])
    doc, text, metadata = hits[0]
    start, end = metadata.get("start"), metadata.get("end")
    citation = CitationRecord(
        1,
        doc,
        text,
        int(start) if start is not None else None,
        int(end) if end is not None else None,
    )
    return Output(text, False, ranked, [CitedSentence(text, (1,))], [citation], latency, question)


class Bm25System:
    """ctassist's BM25 index alone; the answer is the top passage.

    Args:
        assistant: An assistant whose index is built.
        k: Chunks retrieved.
    """

    name = "bm25"
    description = "ctassist's LexicalIndex (bm25s) only; answer = top passage"

    def __init__(self, assistant: Assistant, k: int = RANK_DEPTH) -> None:
        self.retriever = assistant.retriever
        self.store = assistant.store
        self.k = k

    def run(self, question: Question) -> Output:
        from ctassist.retrieve import Filters

        started = time.perf_counter()
        found = self.retriever.lexical.search(question.question, Filters(), self.k)
        chunks = {c.id: c for c in self.store.get([chunk_id for chunk_id, _ in found])}
        hits = [
            (str(chunks[cid].metadata.get("doc_id", "")), chunks[cid].text, chunks[cid].metadata)
            for cid, _ in found
            if cid in chunks
        ]
        return _passage_output(hits, [], time.perf_counter() - started, question.question)


class DenseSystem:
    """ctassist's dense retriever (all-MiniLM-L6-v2 over Chroma) alone; answer = top passage.

    Args:
        assistant: An assistant whose index is built.
        k: Chunks retrieved.
    """

    name = "dense"
    description = "ctassist's DenseRetriever only; answer = top passage"

    def __init__(self, assistant: Assistant, k: int = RANK_DEPTH) -> None:
        self.dense = assistant.retriever.dense
        self.k = k

    def run(self, question: Question) -> Output:
        from ctassist.retrieve import Filters

        started = time.perf_counter()
        found = self.dense.search(question.question, Filters(), self.k)
        hits = [(str(md.get("doc_id", "")), text, md) for _, _, text, md in found]
        return _passage_output(hits, [], time.perf_counter() - started, question.question)


class LangChainSystem:
    """The plain LangChain recipe over the same corpus files.

    ``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)`` over each
    document's text as ctassist loads it, a ``langchain_chroma.Chroma`` collection in
    ``workdir`` embedded with ctassist's :class:`~ctassist.embed.Encoder` (never Chroma's
    default embedding function), ``similarity_search`` top-4, the first passage as answer.

    Args:
        encoder: The embedding model (shared with ctassist).
        corpus_dir: The corpus folder.
        workdir: An empty folder for the Chroma files.

    Attributes:
        build_seconds: Time to split, embed and store the corpus.
        chunks: Number of chunks stored.
    """

    name = "langchain"
    description = (
        "RecursiveCharacterTextSplitter 1000/200 + Chroma similarity_search top-4; answer = top passage"
    )

    def __init__(self, encoder: Encoder, corpus_dir: Path, workdir: Path) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from ctassist.errors import LoadError
        from ctassist.load import discover_files, load_document

        started = time.perf_counter()
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=LANGCHAIN_CHUNK_SIZE, chunk_overlap=LANGCHAIN_CHUNK_OVERLAP, add_start_index=True
        )
        documents: list[Document] = []
        for path in discover_files(corpus_dir):
            try:
                loaded = load_document(path, corpus_dir)
            except LoadError:
                continue  # ctassist skips it too
            documents += splitter.create_documents(
                [loaded.text], metadatas=[{"doc_id": loaded.doc_id, "title": loaded.title}]
            )
        workdir.mkdir(parents=True, exist_ok=True)
        self.client = chromadb.PersistentClient(
            path=str(workdir), settings=ChromaSettings(anonymized_telemetry=False)
        )
        self.store = Chroma(
            collection_name="langchain-recipe", embedding_function=encoder, client=self.client
        )
        if documents:
            self.store.add_documents(documents)
        self.chunks = len(documents)
        self.build_seconds = time.perf_counter() - started

    def run(self, question: Question) -> Output:
        started = time.perf_counter()
        top = self.store.similarity_search(question.question, k=LANGCHAIN_TOP)
        latency = time.perf_counter() - started
        deeper = self.store.similarity_search(question.question, k=RANK_DEPTH)  # ranking only
        hits = [
            (str(d.metadata.get("doc_id", "")), d.page_content, _span(d.metadata, d.page_content))
            for d in top
        ]
        return _passage_output(
            hits, [str(d.metadata.get("doc_id", "")) for d in deeper], latency, question.question
        )


def _span(metadata: dict[str, Any], text: str) -> dict[str, Any]:
    start = metadata.get("start_index")
    if start is None or int(start) < 0:
        return {}
    return {"start": int(start), "end": int(start) + len(text)}


class CtassistSystem:
    """ctassist's full pipeline: ``assistant.ask(question, history=...)``.

    The ranking is the answer's passages, extended to :data:`RANK_DEPTH` with
    ``assistant.retrieve(standalone_question, k=10)`` (not timed).

    Args:
        assistant: An assistant whose index is built.
        name: The name in the report (``ctassist-llm`` for the generative mode).
    """

    description = "hybrid (dense + BM25, RRF) + extractive composer (cross-encoder on a pool of sentences) with abstention"

    def __init__(self, assistant: Assistant, name: str = "ctassist") -> None:
        self.assistant = assistant
        self.name = name
        if name != "ctassist":
            self.description = f"ctassist with llm={assistant.settings.llm}"

    def run(self, question: Question) -> Output:
        history = [list(turn) for turn in question.history] or None
        started = time.perf_counter()
        answer = self.assistant.ask(question.question, history=history)
        latency = time.perf_counter() - started
        docs = [p.doc_id for p in answer.passages]
        if len(answer.passages) < RANK_DEPTH:
            docs += [p.doc_id for p in self.assistant.retrieve(answer.standalone_question, k=RANK_DEPTH)]
        citations = [CitationRecord(c.n, c.doc, c.quote, c.start, c.end) for c in answer.citations]
        sentences = [] if answer.abstained else split_cited_sentences(answer.text)
        return Output(
            answer.text,
            answer.abstained,
            dedupe(docs),
            sentences,
            citations,
            latency,
            answer.standalone_question,
            answer.mode,
        )
