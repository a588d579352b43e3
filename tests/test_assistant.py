"""``Assistant``: follow-ups, streaming, the answer's fields, documents and errors, over one
indexed test corpus (the shipped corpus, two meeting notes and an injection source)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ctassist import Assistant, CtassistError, LoadError
from ctassist.answer import NOT_COVERED
from ctassist.embed import Encoder
from ctassist.errors import QuestionError
from ctassist.retrieve import packaged_reranker_dir
from tests.retrieve.testcorpus import INJECTION_DOC_ID, PUBLIC_NOTE_ID, USER_NOTE_ID, close, indexed_assistant

PUBLIC_ATTENDED = "The public reference group was attended by"
USER_ATTENDED = "The Prevent user reference group was attended by"


# --- follow-ups ---------------------------------------------------------------------------


# The sources say who sits on each group; the notes' records say who attended a meeting.
# Asked of the sources, the follow-up is resolved against the source's answer.
SOURCES = {"kind": "sources"}


def test_and_who_attended_the_other_group(assistant: Assistant) -> None:
    first = assistant.ask("Who attended the public reference group?", filters=SOURCES)
    assert any(c.quote.startswith(PUBLIC_ATTENDED) for c in first.citations)
    follow_up = assistant.ask(
        "And who attended the other group?", history=[(first.question, first.text)], filters=SOURCES
    )
    quotes = [c.quote for c in follow_up.citations]
    assert any(USER_ATTENDED in q for q in quotes), follow_up.text
    assert not any(PUBLIC_ATTENDED in q for q in quotes), follow_up.text
    assert follow_up.citations[0].doc == "sources/counter-terrorism-inspections.txt" or any(
        c.doc == "sources/counter-terrorism-inspections.txt" for c in follow_up.citations
    )


def test_the_other_group_with_chat_messages(assistant: Assistant) -> None:
    first = assistant.ask("Who attended the public reference group?", filters=SOURCES)
    messages = [{"role": "user", "content": first.question}, {"role": "assistant", "content": first.text}]
    follow_up = assistant.ask("And who attended the other group?", history=messages, filters=SOURCES)
    assert any(USER_ATTENDED in c.quote for c in follow_up.citations)
    assert not any(PUBLIC_ATTENDED in c.quote for c in follow_up.citations)


def test_who_attended_is_answered_from_the_records_of_the_notes(assistant: Assistant) -> None:
    first = assistant.ask("Who attended the public reference group?")
    assert first.mode == "records" and {c.doc for c in first.citations} == {PUBLIC_NOTE_ID}
    assert "Parent representative" in first.text
    follow_up = assistant.ask("And who attended the other group?", history=[(first.question, first.text)])
    assert follow_up.mode == "records" and {c.doc for c in follow_up.citations} == {USER_NOTE_ID}
    assert "Department of Health and Social Care" in follow_up.text


def test_what_was_said_at_a_meeting_is_answered_from_its_notes(assistant: Assistant) -> None:
    answer = assistant.ask("What was said at the public reference group meeting?")
    assert not answer.abstained, answer.text
    assert answer.citations[0].doc == PUBLIC_NOTE_ID
    assert USER_NOTE_ID not in {c.doc for c in answer.citations}


def test_a_follow_up_about_the_year_before_never_repeats_the_last_year(assistant: Assistant) -> None:
    first = assistant.ask("How many referrals to Prevent were there in the year to March 2024?")
    assert "6,922" in first.text
    follow_up = assistant.ask("And in the year before that?", history=[(first.question, first.text)])
    assert "2024" not in follow_up.text.split("The closest passages")[0]
    assert all("2024" not in c.quote for c in follow_up.citations)


def test_when_was_it_published(assistant: Assistant) -> None:
    first = assistant.ask("What is the Independent Review of Prevent?")
    assert not first.abstained
    follow_up = assistant.ask("When was it published?", history=[(first.question, first.text)])
    assert not follow_up.abstained
    assert "Independent Review of Prevent" in follow_up.standalone_question
    assert "published on 8 February 2023" in follow_up.text
    assert any(
        c.doc == "sources/independent-review-of-prevent.md" and "8 February 2023" in c.quote
        for c in follow_up.citations
    )
    # Without the conversation the same words are too vague to be answered this way.
    alone = assistant.ask("When was it published?")
    assert alone.standalone_question == "When was it published?"


def test_and_the_protect_strand(assistant: Assistant) -> None:
    history = [("What does the Pursue strand of CONTEST aim to do?", "The Pursue strand ... [1]")]
    follow_up = assistant.ask("And the Protect strand?", history=history)
    assert "The Protect strand of CONTEST aims to strengthen protection against a terrorist attack." in (
        follow_up.text
    )


def test_a_standalone_question_ignores_the_history(assistant: Assistant) -> None:
    history = [("What is the Independent Review of Prevent?", "...")]
    with_history = assistant.ask("Who chairs a Channel panel?", history=history)
    without = assistant.ask("Who chairs a Channel panel?")
    assert with_history.standalone_question == "Who chairs a Channel panel?"
    assert with_history.text == without.text


# --- streaming ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "What are the four strands of CONTEST?",
        "Which questions did the Prevent reference groups' discussions focus on?",
        "What is the capital of France?",
    ],
)
def test_stream_pieces_make_up_the_answer(assistant: Assistant, question: str) -> None:
    stream = assistant.stream(question)
    assert stream.answer is None  # nothing happens before iteration
    pieces = list(stream)
    assert stream.answer is not None
    assert "".join(pieces) == stream.answer.text
    assert all(pieces)
    if stream.answer.abstained:
        assert len(pieces) == 1
    else:
        # One piece per cited sentence (or list item), each ending with its marker.
        assert len(pieces) == len(re.findall(r"\[\d+\]", stream.answer.text)) > 1
        assert all(re.search(r"\[\d+\]\s*$", piece) for piece in pieces)
        assert stream.answer.citations == assistant.ask(question).citations


def test_stream_with_history_and_filters(assistant: Assistant) -> None:
    history = [("Who attended the public reference group?", "The public reference group was attended by ...")]
    stream = assistant.stream("And who attended the other group?", history=history)
    text = "".join(stream)
    assert stream.answer is not None and text == stream.answer.text
    assert stream.answer.question == "And who attended the other group?"
    notes = assistant.stream("What did the group agree?", filters={"kind": "notes", "group": "public"})
    assert "".join(notes)
    assert notes.answer is not None
    assert {c.doc for c in notes.answer.citations} == {PUBLIC_NOTE_ID}


# --- the answer ---------------------------------------------------------------------------


def test_answer_fields(assistant: Assistant) -> None:
    answer = assistant.ask("Who gives consent to Channel support for a person under the age of 18?")
    assert not answer.abstained
    assert answer.mode == "extractive"
    assert answer.removed_sentences == 0
    assert answer.question == answer.standalone_question
    assert "parent or guardian" in answer.text
    assert len(answer.passages) == assistant.settings.top_k
    assert answer.retrieval_scores == [p.score for p in answer.passages]
    assert {"dense", "lexical", "compose", "total"} <= set(answer.timings)
    assert "rerank" not in answer.timings  # no passage re-ranking by default
    stages = answer.timings["dense"] + answer.timings["lexical"]
    assert answer.timings["total"] >= stages + answer.timings["compose"]
    assert answer.closest == ()


def test_passages_are_ordered_by_their_best_sentence(assistant: Assistant) -> None:
    answer = assistant.ask("Who chairs a Channel panel?")
    scored = [p for p in answer.passages if p.rerank is not None]
    assert scored and answer.passages[: len(scored)] == tuple(scored)  # scored ones first
    scores = [p.rerank for p in scored]
    assert scores == sorted(scores, reverse=True)
    assert answer.passages[0].doc_id == answer.citations[0].doc


def test_passage_re_ranking_is_an_option(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> None:
    reranking = indexed_assistant(tmp_path_factory.mktemp("rerank"), encoder, rerank=True)
    try:
        answer = reranking.ask("Who chairs a Channel panel?")
        assert "rerank" in answer.timings
        assert "The local authority chairs the Channel panel" in answer.text
    finally:
        close(reranking)


def test_another_cross_encoder_folder_is_used(tmp_path: Path, assistant: Assistant) -> None:
    folder = tmp_path / "my-cross-encoder"
    folder.mkdir()
    for name in ("model.onnx", "tokenizer.json"):
        (folder / name).symlink_to(packaged_reranker_dir() / name)
    other = Assistant(assistant.settings.corpus_dir, assistant.settings.index_dir, reranker_model=str(folder))
    try:
        assert other.reranker.model_dir == folder
        question, texts = "Who chairs a Channel panel?", ["The local authority chairs the Channel panel."]
        assert other.reranker.score(question, texts) == pytest.approx(
            assistant.reranker.score(question, texts)
        )
    finally:
        close(other)


def test_a_compound_question_gets_the_passages_of_each_part(assistant: Assistant) -> None:
    question = "When did the Prevent duty begin, and when was the Independent Review of Prevent published?"
    answer = assistant.ask(question)
    assert not answer.abstained
    assert "1 July 2015" in answer.text and "8 February 2023" in answer.text
    for part in ("When did the Prevent duty begin?", "when was the Independent Review of Prevent published?"):
        top = assistant.retrieve(part)[0]
        assert top.chunk_id in {p.chunk_id for p in answer.passages}


def test_abstention_fields(assistant: Assistant) -> None:
    answer = assistant.ask("What is the recipe for a Victoria sponge cake?")
    assert answer.abstained and answer.mode == "abstained"
    assert answer.text.startswith(NOT_COVERED)
    assert answer.closest and answer.citations == ()
    assert answer.to_dict()["abstained"] is True


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_an_empty_question_is_an_error(assistant: Assistant, question: str) -> None:
    with pytest.raises(CtassistError, match="empty"):
        assistant.ask(question)


@pytest.mark.parametrize(
    "question",
    [
        # Long questions of several shapes: one repeated sentence, one unbroken word, many
        # figures. Each gets an answer or an abstention.
        "Who chairs a Channel panel? " * 142,
        "Channel" * 570,
        " ".join(str(n) for n in range(1, 1000)),
    ],
)
def test_a_question_of_4000_characters_is_answered_or_abstained(assistant: Assistant, question: str) -> None:
    assert 3800 <= len(question) <= 4000
    answer = assistant.ask(question)
    assert answer.abstained or answer.citations


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("x" * 8001, "question: 8,001 characters, over the limit of 8,000"),
        ("?!… —", "question: has no words"),
        ("\u200b\u200c\u2060", "question: has no words"),
        ("Who chairs \udc80 the panel?", "question: holds bytes that are not text"),
    ],
)
def test_a_question_that_cannot_be_asked_is_refused_with_the_reason(
    assistant: Assistant, question: str, reason: str
) -> None:
    with pytest.raises(QuestionError) as caught:
        assistant.ask(question)
    assert str(caught.value).startswith(reason)
    assert isinstance(caught.value, ValueError)


def test_concurrent_questions_get_their_own_answers(assistant: Assistant) -> None:
    questions = ["Who chairs a Channel panel?", "When was the CONTEST strategy first published?"]
    expected = [assistant.ask(q).text for q in questions]
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda q: assistant.ask(q).text, questions))
    assert answers == expected


# --- documents ----------------------------------------------------------------------------


def test_documents_lists_the_index(assistant: Assistant) -> None:
    records = assistant.documents()
    ids = [r.doc_id for r in records]
    assert ids == sorted(ids)
    assert {PUBLIC_NOTE_ID, USER_NOTE_ID, INJECTION_DOC_ID, "sources/channel.md"} <= set(ids)
    assert "notes/README.md" not in ids
    assert len(ids) == 11
    assert {r.kind for r in records} == {"source", "notes"}


def test_document_loads_a_cited_document(assistant: Assistant) -> None:
    answer = assistant.ask("Who chairs a Channel panel?")
    citation = answer.citations[0]
    document = assistant.document(citation.doc)
    assert document.doc_id == citation.doc
    assert document.text[citation.start : citation.end] == citation.quote


@pytest.mark.parametrize("doc_id", ["sources/no-such.md", "../pyproject.toml", "/etc/passwd", "sources"])
def test_document_refuses_what_is_not_a_corpus_file(assistant: Assistant, doc_id: str) -> None:
    with pytest.raises(LoadError):
        assistant.document(doc_id)
