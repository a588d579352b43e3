"""Generative answers streamed with the real SmolLM2-135M: each sentence is shown as soon as
it is generated and verified, the pieces make up the final answer (the same answer ``ask``
gives), and stopping the stream stops llama.cpp's work, not only the reading.

Token events are observed on the real model: its ``Llama.eval`` (one call per batch of
tokens it computes) is wrapped to count calls; ordering is asserted on those counts, never
on wall-clock time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ctassist import Assistant
from ctassist.cite import split_cited_sentences
from ctassist.embed import Encoder
from ctassist.types import Answer, Passage
from tests.retrieve.testcorpus import close, indexed_assistant
from ui._handlers import Handlers
from ui._render import ChatState

pytestmark = pytest.mark.llm

QUESTIONS = [
    "How often does a Channel panel meet?",
    "Who can refer a person to a Channel panel?",
    "How many referrals to Prevent were there in the year to March 2024?",
]


class EvalCounter:
    """Counts the real model's ``eval`` calls; may run a hook before each."""

    def __init__(self, llama: Any) -> None:
        self.count = 0
        self.before: Callable[[int], None] | None = None
        original = llama.eval

        def counted(tokens: Any) -> None:
            if self.before is not None:
                self.before(self.count)
            self.count += 1
            original(tokens)

        llama.eval = counted


@pytest.fixture(scope="module")
def generative(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Assistant]:
    assistant = indexed_assistant(tmp_path_factory.mktemp("stream"), encoder, llm="gguf", llm_max_tokens=128)
    yield assistant
    close(assistant)


@pytest.fixture(scope="module")
def evals(generative: Assistant) -> EvalCounter:
    return EvalCounter(generative.generator.chat_model.client)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def streamed(
    generative: Assistant, evals: EvalCounter
) -> dict[str, tuple[list[tuple[str, int]], Answer, int]]:
    """Per question: the pieces with the eval count when each was received, the final answer,
    and the eval count when the stream ended."""
    results = {}
    for question in QUESTIONS:
        start = evals.count
        stream = generative.stream(question)
        pieces = [(piece, evals.count - start) for piece in stream]
        assert stream.answer is not None
        results[question] = (pieces, stream.answer, evals.count - start)
    return results


@pytest.mark.parametrize("question", QUESTIONS)
def test_streamed_pieces_are_the_answer_that_ask_gives(
    generative: Assistant, streamed: dict[str, tuple[list[tuple[str, int]], Answer, int]], question: str
) -> None:
    pieces, answer, _ = streamed[question]
    assert "".join(piece for piece, _ in pieces) == answer.text
    asked = generative.ask(question)  # the same model output, not streamed
    assert (asked.text, asked.citations, asked.mode, asked.removed_sentences, asked.fallback) == (
        answer.text,
        answer.citations,
        answer.mode,
        answer.removed_sentences,
        answer.fallback,
    )


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_streamed_sentence_carries_a_citation_that_verifies(
    generative: Assistant, streamed: dict[str, tuple[list[tuple[str, int]], Answer, int]], question: str
) -> None:
    pieces, answer, _ = streamed[question]
    if answer.mode != "generative":
        assert answer.removed_sentences >= 1  # nothing generated passed: the quoted answer
        return
    verifier = generative.generator.verifier
    for piece, _ in pieces:
        [(sentence, cited)] = split_cited_sentences(piece)  # one sentence a piece
        assert cited, piece
        quote = answer.citations[cited[0] - 1]
        passage = Passage(
            "q", quote.doc, quote.title, "source", "", None, quote.start, quote.end, quote.quote
        )
        support = verifier.support(sentence, passage)
        assert support.numbers_ok and support.polarity_ok, piece
        assert support.score >= generative.settings.support_threshold, piece


def test_the_first_sentence_is_shown_before_generation_ends(
    streamed: dict[str, tuple[list[tuple[str, int]], Answer, int]],
) -> None:
    generated = {q: s for q, s in streamed.items() if s[1].mode == "generative" and len(s[0]) > 1}
    assert generated, {q: (a.mode, len(p)) for q, (p, a, _) in streamed.items()}
    for pieces, _, total in generated.values():
        first_at = pieces[0][1]
        # The model computed more tokens after the first sentence had reached the reader.
        assert 0 < first_at < total, (first_at, total)
        assert [at for _, at in pieces] == sorted(at for _, at in pieces)


def test_the_equivalent_non_streamed_check_keeps_the_same_sentences(generative: Assistant) -> None:
    """The verified pieces are what checking the whole output at once keeps."""
    answerer = generative.generator
    for question in QUESTIONS:
        passages = generative.retrieve(question, k=4)
        generated = answerer.run(question, passages)
        checked = answerer.verifier.check(generated.raw, passages)
        kept = [c.text for c in checked if c.supported]
        assert [s for s, _ in split_cited_sentences(generated.text)] == kept
        assert generated.removed == len(checked) - len(kept)


def test_cancelling_the_stream_stops_the_model(
    generative: Assistant, evals: EvalCounter, streamed: dict[str, tuple[list[tuple[str, int]], Answer, int]]
) -> None:
    question = next(q for q, (pieces, _, _) in streamed.items() if len(pieces) > 1)
    full = streamed[question][2]
    start = evals.count
    stream = generative.stream(question)
    received = []
    for piece in stream:
        received.append(piece)
        stream.cancel()
        at_cancel = evals.count - start
    assert stream.answer is None and len(received) == 1
    # At most the token that releases the next chunk (see below); far fewer than the whole answer.
    assert evals.count - start <= at_cancel + 3 < full


def test_stop_in_the_chat_stops_the_model(
    generative: Assistant, evals: EvalCounter, streamed: dict[str, tuple[list[tuple[str, int]], Answer, int]]
) -> None:
    """The UI's Stop (``Handlers.stop``), from another thread while the answer is generated."""
    question, (_, _, full) = next(iter(streamed.items()))
    handlers = Handlers(generative)
    generating, stopped = threading.Event(), threading.Event()
    start = evals.count

    def hold(count: int) -> None:
        # After the prompt and two tokens, the model waits until Stop was pressed.
        if count - start == 3:
            generating.set()
            stopped.wait(timeout=600)

    steps: list[Any] = []
    reader = threading.Thread(target=lambda: steps.extend(handlers.ask(question, "all", ChatState(), "s1")))
    evals.before = hold
    try:
        reader.start()
        assert generating.wait(timeout=600)
        handlers.stop("s1")
        stopped.set()
        reader.join(timeout=600)
    finally:
        evals.before = None
    assert not reader.is_alive()
    # The eval that was waiting runs, and at most two more if llama.cpp held its text back (the
    # start of a stop word, a split character); then nothing more.
    assert 4 <= evals.count - start <= 6 < full
    assert steps and all(len(state.turns) == 0 for _, state, _ in steps)  # no finished turn
    assert handlers._running == {}
