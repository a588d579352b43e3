"""``Assistant.as_retriever``: a LangChain ``BaseRetriever`` over the hybrid retrieval that
passes the standard retriever suite of ``langchain-tests``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_tests.integration_tests import RetrieversIntegrationTests

from ctassist import Assistant, ConfigError
from ctassist.embed import Encoder
from ctassist.retrieve import CtassistRetriever
from tests.retrieve.testcorpus import USER_NOTE_ID, close, indexed_assistant

QUESTION = "Who can refer a person to a Channel panel?"

#: The module's indexed assistant, built on first use (the suite's properties read it).
_ASSISTANT: list[Assistant] = []


@pytest.fixture(scope="module", autouse=True)
def _module_assistant(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Assistant]:
    built = indexed_assistant(tmp_path_factory.mktemp("langchain"), encoder)
    _ASSISTANT.append(built)
    yield built
    _ASSISTANT.clear()
    close(built)


def _assistant() -> Assistant:
    assert _ASSISTANT, "the module fixture builds the assistant first"
    return _ASSISTANT[0]


# pytest-asyncio runs in strict mode: the suite's coroutine test needs the asyncio mark, and the
# suite forbids overriding its tests, so the mark is on the class (the sync tests ignore it).
@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore:The test <Function test_.* is marked with '@pytest.mark.asyncio'")
class TestCtassistRetrieverStandard(RetrieversIntegrationTests):
    """The standard suite: constructor ``k``, ``invoke(..., k=)``, invoke and ainvoke."""

    @property
    def retriever_constructor(self) -> type[CtassistRetriever]:
        return CtassistRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"assistant": _assistant(), "k": 4}

    @property
    def retriever_query_example(self) -> str:
        return QUESTION


def test_as_retriever_returns_a_base_retriever(assistant_from_module: Assistant) -> None:
    retriever = assistant_from_module.as_retriever(k=3)
    assert isinstance(retriever, BaseRetriever)
    assert isinstance(retriever, CtassistRetriever)
    documents = retriever.invoke(QUESTION)
    assert len(documents) == 3
    assert all(isinstance(d, Document) for d in documents)


def test_documents_are_the_hybrid_passages_with_citation_metadata(assistant_from_module: Assistant) -> None:
    documents = assistant_from_module.as_retriever(k=4).invoke(QUESTION)
    passages = assistant_from_module.retrieve(QUESTION, k=4)
    assert [d.id for d in documents] == [p.chunk_id for p in passages]
    for document, passage in zip(documents, passages, strict=True):
        assert document.page_content == passage.text
        assert set(document.metadata) == {
            "doc_id",
            "title",
            "kind",
            "section",
            "page",
            "start",
            "end",
            "score",
        }
        assert document.metadata["doc_id"] == passage.doc_id
        assert document.metadata["score"] == pytest.approx(passage.score)
        text = assistant_from_module.document(document.metadata["doc_id"]).text
        assert text[document.metadata["start"] : document.metadata["end"]] == document.page_content
    assert "Only the police can refer" in documents[0].page_content


def test_default_k_is_the_top_k_setting(assistant_from_module: Assistant) -> None:
    documents = assistant_from_module.as_retriever().invoke(QUESTION)
    assert len(documents) == assistant_from_module.settings.top_k


def test_filters_apply_to_every_document(assistant_from_module: Assistant) -> None:
    retriever = assistant_from_module.as_retriever(k=5, filters={"kind": "notes", "group": "user"})
    documents = retriever.invoke("What did the group say about Prevent referrals?")
    assert documents
    assert {d.metadata["doc_id"] for d in documents} == {USER_NOTE_ID}
    # Filters given to invoke override the retriever's own.
    sources = retriever.invoke(QUESTION, filters={"kind": "sources"})
    assert sources and all(d.metadata["kind"] == "source" for d in sources)


def test_bad_filters_are_refused_when_the_retriever_is_made(assistant_from_module: Assistant) -> None:
    with pytest.raises(ConfigError):
        assistant_from_module.as_retriever(filters={"kind": "everything"})


def test_works_in_a_langchain_chain(assistant_from_module: Assistant) -> None:
    from langchain_core.runnables import RunnableLambda

    chain = assistant_from_module.as_retriever(k=2) | RunnableLambda(
        lambda docs: [d.metadata["doc_id"] for d in docs]
    )
    doc_ids = chain.invoke(QUESTION)
    assert len(doc_ids) == 2
    assert doc_ids[0] in {"sources/channel.md", "sources/police-role-and-referrals.md"}


@pytest.fixture
def assistant_from_module(_module_assistant: Assistant) -> Assistant:
    return _module_assistant
