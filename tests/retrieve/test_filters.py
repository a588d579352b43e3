"""Metadata filters: coercion, matching, the Chroma ``where`` clause, and retrieval and answers
that respect them."""

from __future__ import annotations

from typing import Any

import pytest

from ctassist import Assistant, ConfigError
from ctassist.retrieve import Filters
from tests.retrieve.testcorpus import INJECTION_DOC_ID, PUBLIC_NOTE_ID, USER_NOTE_ID

NOTE_METADATA = {"doc_id": USER_NOTE_ID, "kind": "notes", "group": "user"}
SOURCE_METADATA = {"doc_id": "sources/channel.md", "kind": "source"}


# --- coerce -------------------------------------------------------------------------------


def test_coerce_none_and_empty_mapping_mean_no_filter() -> None:
    assert Filters.coerce(None) == Filters()
    assert Filters.coerce({}) == Filters()
    assert Filters.coerce(None).empty


def test_coerce_passes_a_filters_object_through() -> None:
    filters = Filters(kind="notes", group="public")
    assert Filters.coerce(filters) is filters


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sources", "source"),
        ("source", "source"),
        ("Sources", "source"),
        ("notes", "notes"),
        ("note", "notes"),
        ("NOTES", "notes"),
        ("all", None),
        ("All", None),
    ],
)
def test_coerce_kind_spellings(given: str, expected: str | None) -> None:
    assert Filters.coerce({"kind": given}).kind == expected


def test_coerce_docs_from_a_string_a_list_or_the_doc_key() -> None:
    assert Filters.coerce({"doc": "sources/channel.md"}).docs == ("sources/channel.md",)
    assert Filters.coerce({"docs": "sources/channel.md"}).docs == ("sources/channel.md",)
    assert Filters.coerce({"docs": ["a.md", "b.md"]}).docs == ("a.md", "b.md")
    assert Filters.coerce({"docs": None}).docs == ()
    assert Filters.coerce({"docs": ()}).docs == ()


def test_coerce_the_cli_shape() -> None:
    # What `ctassist ask` passes when no filter option is given.
    coerced = Filters.coerce({"kind": "all", "group": None, "docs": ()})
    assert coerced.empty
    coerced = Filters.coerce({"kind": "notes", "group": "user", "docs": [USER_NOTE_ID]})
    assert (coerced.kind, coerced.group, coerced.docs) == ("notes", "user", (USER_NOTE_ID,))


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ({"kind": "emails"}, "kind"),
        ({"kind": "public"}, "kind"),
        ({"group": "private"}, "group"),
        ({"group": "Public"}, "group"),
        ({"author": "me"}, "author"),
        ({"kind": "notes", "groups": "user"}, "groups"),
    ],
)
def test_bad_filter_values_raise_config_error(value: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Filters.coerce(value)


def test_bad_values_are_refused_by_the_constructor_too() -> None:
    with pytest.raises(ConfigError, match="kind"):
        Filters(kind="sources")  # the canonical value is "source"; coerce() maps spellings
    with pytest.raises(ConfigError, match="group"):
        Filters(group="both")


# --- matches ------------------------------------------------------------------------------


def test_matches() -> None:
    assert Filters().matches(NOTE_METADATA)
    assert Filters(kind="notes").matches(NOTE_METADATA)
    assert not Filters(kind="source").matches(NOTE_METADATA)
    assert Filters(kind="source").matches(SOURCE_METADATA)
    assert Filters(group="user").matches(NOTE_METADATA)
    assert not Filters(group="public").matches(NOTE_METADATA)
    # A source has no group: a group filter excludes every source.
    assert not Filters(group="user").matches(SOURCE_METADATA)
    assert Filters(docs=(USER_NOTE_ID, "x.md")).matches(NOTE_METADATA)
    assert not Filters(docs=("sources/channel.md",)).matches(NOTE_METADATA)
    assert Filters(kind="notes", group="user", docs=(USER_NOTE_ID,)).matches(NOTE_METADATA)
    assert not Filters(kind="notes", group="user", docs=(PUBLIC_NOTE_ID,)).matches(NOTE_METADATA)


# --- to_chroma_where ----------------------------------------------------------------------


def test_to_chroma_where() -> None:
    assert Filters().to_chroma_where() is None
    assert Filters(kind="notes").to_chroma_where() == {"kind": "notes"}
    assert Filters(group="public").to_chroma_where() == {"group": "public"}
    assert Filters(docs=("a.md",)).to_chroma_where() == {"doc_id": {"$in": ["a.md"]}}
    assert Filters(kind="notes", group="user", docs=("a.md", "b.md")).to_chroma_where() == {
        "$and": [{"kind": "notes"}, {"group": "user"}, {"doc_id": {"$in": ["a.md", "b.md"]}}]
    }


def test_only_notes_restricts_the_notes_and_keeps_the_sources() -> None:
    public_note = {"doc_id": PUBLIC_NOTE_ID, "kind": "notes", "group": "public"}
    scoped = Filters(only_notes=(PUBLIC_NOTE_ID,))
    assert scoped.matches(public_note) and scoped.matches(SOURCE_METADATA)
    assert not scoped.matches(NOTE_METADATA)
    assert scoped.to_chroma_where() == {
        "$or": [{"kind": {"$ne": "notes"}}, {"doc_id": {"$in": [PUBLIC_NOTE_ID]}}]
    }
    none = Filters(only_notes=())
    assert none.matches(SOURCE_METADATA) and not none.matches(public_note)
    assert none.to_chroma_where() == {"kind": {"$ne": "notes"}}
    assert not none.empty and Filters().empty


# --- retrieval and answers over the indexed test corpus -----------------------------------

FILTER_CASES: list[tuple[dict[str, Any], str]] = [
    ({"kind": "notes"}, "What did the reference group agree?"),
    ({"kind": "sources"}, "What did the reference group agree?"),
    ({"kind": "notes", "group": "user"}, "What did the group say about Prevent referrals?"),
    ({"group": "public"}, "What did the group say about Prevent referrals?"),
    ({"docs": ["sources/channel.md"]}, "Who can refer a person to a Channel panel?"),
    ({"docs": [INJECTION_DOC_ID, "sources/prevent-duty.md"]}, "Who keeps the minutes of a Channel panel?"),
    (
        {"kind": "sources", "docs": ["sources/contest-and-prevent.md"]},
        "What are the four strands of CONTEST?",
    ),
]


def _allowed(filters: dict[str, Any], doc_id: str) -> bool:
    kind = "notes" if doc_id.startswith("notes/") else "source"
    group = {PUBLIC_NOTE_ID: "public", USER_NOTE_ID: "user"}.get(doc_id)
    coerced = Filters.coerce(filters)
    return (
        (coerced.kind is None or coerced.kind == kind)
        and (coerced.group is None or coerced.group == group)
        and (not coerced.docs or doc_id in coerced.docs)
    )


@pytest.mark.parametrize(("filters", "question"), FILTER_CASES)
def test_retrieval_returns_only_matching_passages(
    assistant: Assistant, filters: dict[str, Any], question: str
) -> None:
    passages = assistant.retrieve(question, filters=filters, k=8)
    assert passages, f"nothing retrieved for {filters}"
    for passage in passages:
        assert _allowed(filters, passage.doc_id), (filters, passage.doc_id)
        assert Filters.coerce(filters).matches(passage.metadata)


def test_unfiltered_retrieval_reaches_both_kinds(assistant: Assistant) -> None:
    # The filtered cases above mean something only if, unfiltered, the same questions
    # reach documents that the filters exclude.
    kinds = {
        "notes" if p.doc_id.startswith("notes/") else "source"
        for p in assistant.retrieve("What did the reference group agree?", k=12)
    }
    assert kinds == {"notes", "source"}


def test_each_retriever_respects_the_filters(assistant: Assistant) -> None:
    retriever = assistant.retriever
    filters = Filters(kind="notes", group="public")
    dense = retriever.dense.search("Prevent referrals and community trust", filters, 10)
    lexical = retriever.lexical.search("Prevent referrals and community trust", filters, 10)
    assert dense and lexical
    assert {hit[3]["doc_id"] for hit in dense} == {PUBLIC_NOTE_ID}
    stored = {c.id: c.metadata["doc_id"] for c in assistant.store.iter_chunks()}
    assert {stored[chunk_id] for chunk_id, _ in lexical} == {PUBLIC_NOTE_ID}


@pytest.mark.parametrize(("filters", "question"), FILTER_CASES[:5])
def test_answers_cite_only_matching_documents(
    assistant: Assistant, filters: dict[str, Any], question: str
) -> None:
    answer = assistant.ask(question, filters=filters)
    for passage in answer.passages:
        assert _allowed(filters, passage.doc_id)
    if filters == {"kind": "sources"}:
        # The sources say what the groups discussed, not what they agreed: an abstention
        # is right, and its closest documents respect the filter too.
        assert answer.abstained or answer.citations
        assert all(_allowed(filters, quote.doc) for quote in answer.closest)
        if answer.abstained:
            return
    assert not answer.abstained, answer.text  # each question is answered inside its filter
    assert answer.citations
    for citation in answer.citations:
        assert _allowed(filters, citation.doc), (filters, citation.doc)


def test_a_filter_that_matches_nothing_abstains(assistant: Assistant) -> None:
    answer = assistant.ask("Who chairs a Channel panel?", filters={"docs": ["sources/no-such-file.md"]})
    assert answer.abstained
    assert answer.citations == ()
    assert answer.passages == ()


def test_bad_filters_are_refused_before_retrieval(assistant: Assistant) -> None:
    with pytest.raises(ConfigError, match="kind"):
        assistant.ask("Who chairs a Channel panel?", filters={"kind": "emails"})
    with pytest.raises(ConfigError, match="group"):
        assistant.retrieve("Who chairs a Channel panel?", filters={"group": "everyone"})
    with pytest.raises(ConfigError, match="unknown filter"):
        assistant.as_retriever(filters={"folder": "notes"})
