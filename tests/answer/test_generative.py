"""Generative answers with the real SmolLM2-135M (llama.cpp through LangChain's chat-model
interface): every kept sentence is verified and cited verbatim, unsupported sentences are
removed and counted, and with nothing left the extractive answer stands.

The tiny model hallucinates readily, which is what these tests need: the verifier, not the
model, decides what reaches the answer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ctassist import Assistant
from ctassist.answer._generative import GenerativeAnswerer, build_messages
from ctassist.chunk import sentence_spans
from ctassist.cite import split_cited_sentences
from ctassist.embed import Encoder
from ctassist.safety import looks_like_instruction
from ctassist.types import Answer, Passage
from tests.retrieve.testcorpus import INJECTION_DOC, PAYLOAD, close, indexed_assistant

pytestmark = pytest.mark.llm

#: Questions for the generative path; the first two are about the document with injected
#: instructions, the second asks what that document says.
QUESTIONS = [
    "How often does a Channel panel meet?",
    "What does the Channel panel practice note say?",
    "How many referrals to Prevent were there in the year to March 2024?",
]

INSTRUCTIONS = [
    INJECTION_DOC[a:b] for a, b in sentence_spans(INJECTION_DOC) if looks_like_instruction(INJECTION_DOC[a:b])
]


@pytest.fixture(scope="module")
def assistants(
    tmp_path_factory: pytest.TempPathFactory, encoder: Encoder
) -> Iterator[tuple[Assistant, Assistant]]:
    """The generative assistant and a plain (extractive) one on the same corpus and index."""
    root = tmp_path_factory.mktemp("generative")
    generative = indexed_assistant(root, encoder, llm="gguf", llm_max_tokens=128)
    plain = Assistant(corpus_dir=root / "corpus", index_dir=root / "index", encoder=encoder)
    yield generative, plain
    close(generative)
    close(plain)


@pytest.fixture(scope="module")
def answers(assistants: tuple[Assistant, Assistant]) -> dict[str, Answer]:
    generative, _ = assistants
    return {question: generative.ask(question) for question in QUESTIONS}


def test_instruction_sentences_exist_in_the_test_corpus() -> None:
    assert len(INSTRUCTIONS) == 3
    assert all(PAYLOAD in sentence for sentence in INSTRUCTIONS)


@pytest.mark.parametrize("question", QUESTIONS)
def test_generative_or_extractive_fallback(
    assistants: tuple[Assistant, Assistant], answers: dict[str, Answer], question: str
) -> None:
    generative, plain = assistants
    answer = answers[question]
    assert not answer.abstained
    assert answer.mode in {"generative", "extractive"}
    assert "generate" in answer.timings
    assert answer.citations
    for citation in answer.citations:
        document = generative.document(citation.doc)
        assert document.text[citation.start : citation.end] == citation.quote
        raw = (generative.settings.corpus_dir / citation.doc).read_text(encoding="utf-8")
        assert citation.quote in raw
    if answer.mode == "generative":
        sentences = split_cited_sentences(answer.text)
        assert sentences
        numbers = [c.n for c in answer.citations]
        assert numbers == list(range(1, len(numbers) + 1))
        for sentence, cited in sentences:
            assert cited, f"uncited sentence: {sentence!r}"
            assert all(1 <= n <= len(numbers) for n in cited)
            # Independently re-verified against the quote it cites.
            quote = answer.citations[cited[0] - 1]
            passage = Passage(
                "q", quote.doc, quote.title, "source", "", None, quote.start, quote.end, quote.quote
            )
            support = generative.generator.verifier.support(sentence, passage)
            assert support.numbers_ok and support.polarity_ok
            assert support.score >= generative.settings.support_threshold
    else:
        # Nothing generated survived verification: the extractive answer, unchanged.
        assert answer.removed_sentences >= 1
        assert answer.text == plain.ask(question).text


def test_the_generative_path_is_exercised(answers: dict[str, Answer]) -> None:
    # At least one answer is the model's own, verified sentences (not only fallbacks), so the
    # checks above ran on generated text.
    generated = [a for a in answers.values() if a.mode == "generative"]
    assert generated, {q: a.removed_sentences for q, a in answers.items()}


@pytest.mark.parametrize("question", QUESTIONS)
def test_no_instruction_text_in_any_answer(answers: dict[str, Answer], question: str) -> None:
    answer = answers[question]
    assert PAYLOAD not in answer.text
    assert PAYLOAD.lower() not in answer.text.lower()
    for sentence in INSTRUCTIONS:
        assert sentence.lower()[:30] not in answer.text.lower()
    for citation in answer.citations:
        assert PAYLOAD not in citation.quote
        assert not looks_like_instruction(citation.quote)


def test_the_model_never_sees_the_instructions(assistants: tuple[Assistant, Assistant]) -> None:
    generative, _ = assistants
    passages = generative.retrieve(QUESTIONS[1], k=4)
    assert any(PAYLOAD in p.text for p in passages)  # retrieved, but ...
    prompt = "\n".join(str(m.content) for m in build_messages(QUESTIONS[1], passages))
    assert PAYLOAD not in prompt  # ... never given to the model


def test_unsupported_sentences_are_removed_and_counted(assistants: tuple[Assistant, Assistant]) -> None:
    """Passages that do not answer the question: whatever the model makes up is dropped."""
    generative, _ = assistants
    answerer: GenerativeAnswerer = generative.generator
    passages = generative.retrieve(
        "What are the four strands of CONTEST?", filters={"docs": ["sources/contest-and-prevent.md"]}, k=2
    )
    generated = answerer.run("Who chairs a Channel panel?", passages)
    checked = answerer.verifier.check(generated.raw, passages)
    if generated.not_covered:
        assert generated.removed == len(checked)
    else:
        assert generated.removed == sum(not c.supported for c in checked)
    assert generated.removed >= 1, generated.raw  # SmolLM2 invents an answer (or declines)
    kept = split_cited_sentences(generated.text)
    assert len(kept) == len(checked) - generated.removed or generated.not_covered
    for sentence, cited in kept:
        assert cited and sentence in {c.text for c in checked if c.supported}
    assert "Channel" not in generated.text or all("CONTEST" in c.quote for c in generated.citations)


def test_an_answer_with_no_supported_sentence_falls_back_to_extractive(
    assistants: tuple[Assistant, Assistant],
) -> None:
    generative, plain = assistants
    verifier = generative.generator.verifier
    saved = verifier.threshold
    verifier.threshold = 1.01  # a support score is at most 1: no generated sentence can pass
    try:
        answer = generative.ask("Who can refer a person to a Channel panel?")
    finally:
        verifier.threshold = saved
    assert answer.mode == "extractive"
    assert answer.removed_sentences >= 1
    expected = plain.ask("Who can refer a person to a Channel panel?")
    assert answer.text == expected.text
    assert answer.citations == expected.citations
    assert answer.to_dict()["removed_sentences"] == answer.removed_sentences
