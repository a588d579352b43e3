"""The metric functions on small hand-made cases."""

from __future__ import annotations

import math

import pytest

from evals._metrics import (
    CitedSentence,
    abstention_prf,
    citation_scores,
    dedupe,
    fact_recall,
    is_verbatim,
    matched_facts,
    mean,
    ndcg_at_k,
    percentile,
    recall_at_k,
    reciprocal_rank,
    split_cited_sentences,
    supports,
)

# --- retrieval ---------------------------------------------------------------------------


def test_dedupe_keeps_first_rank() -> None:
    assert dedupe(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


@pytest.mark.parametrize(
    ("ranked", "gold", "k", "expected"),
    [
        (["a", "b", "c"], ["a"], 1, 1.0),
        (["b", "a", "c"], ["a"], 1, 0.0),
        (["b", "a", "c"], ["a"], 5, 1.0),
        (["a", "x", "y"], ["a", "b"], 1, 1.0),  # capped: min(k, |gold|) = 1
        (["a", "x", "y"], ["a", "b"], 5, 0.5),
        (["a", "b", "y"], ["a", "b"], 5, 1.0),
        ([], ["a"], 10, 0.0),
        (["a"], [], 10, 0.0),
    ],
)
def test_recall_at_k(ranked: list[str], gold: list[str], k: int, expected: float) -> None:
    assert recall_at_k(ranked, gold, k) == pytest.approx(expected)


def test_reciprocal_rank() -> None:
    assert reciprocal_rank(["x", "y", "a"], ["a"]) == pytest.approx(1 / 3)
    assert reciprocal_rank(["a", "b"], ["b", "a"]) == 1.0
    assert reciprocal_rank(["x"] * 10 + ["a"], ["a"], k=10) == 0.0
    assert reciprocal_rank([], ["a"]) == 0.0


def test_ndcg_perfect_and_partial() -> None:
    assert ndcg_at_k(["a", "b", "x"], ["a", "b"]) == pytest.approx(1.0)
    # one gold doc at rank 2: (1/log2(3)) / (1/log2(2))
    assert ndcg_at_k(["x", "a"], ["a"]) == pytest.approx(1 / math.log2(3))
    # two gold docs, found at ranks 1 and 3
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at_k(["a", "x", "b"], ["a", "b"]) == pytest.approx((1 + 0.5) / ideal)
    assert ndcg_at_k(["x", "y"], ["a"]) == 0.0
    assert ndcg_at_k(["a"], []) == 0.0


# --- facts -------------------------------------------------------------------------------


def test_fact_recall_alternatives_and_case() -> None:
    facts = [["6,922", "6922"], ["Education"], ["512"]]
    assert matched_facts("there were 6922 referrals; EDUCATION made most", facts) == [True, True, False]
    assert fact_recall("there were 6922 referrals; EDUCATION made most", facts) == pytest.approx(2 / 3)


def test_fact_recall_abstention_and_empty() -> None:
    assert fact_recall("6,922", [["6,922"]], abstained=True) == 0.0
    assert fact_recall("anything", []) == 0.0
    assert fact_recall("The local authority chairs it.", [["local authority"]]) == 1.0


# --- citations ---------------------------------------------------------------------------


def test_split_cited_sentences_markers_follow_their_sentence() -> None:
    text = "The local authority chairs the panel. [1] Only the police refer people. [2][3]"
    assert split_cited_sentences(text) == [
        CitedSentence("The local authority chairs the panel.", (1,)),
        CitedSentence("Only the police refer people.", (2, 3)),
    ]


def test_split_cited_sentences_list_items_and_uncited_text() -> None:
    text = "The groups discussed these questions: [1]\n- What is the role of the police? [1]\n- Where have they failed? [2] An uncited claim."
    sentences = split_cited_sentences(text)
    assert [s.text for s in sentences] == [
        "The groups discussed these questions:",
        "What is the role of the police?",
        "Where have they failed?",
        "An uncited claim.",
    ]
    assert [s.markers for s in sentences] == [(1,), (1,), (2,), ()]


def test_split_cited_sentences_only_last_sentence_of_a_piece_is_cited() -> None:
    sentences = split_cited_sentences("First claim here. Second claim here. [1]")
    assert [s.markers for s in sentences] == [(), (1,)]


def test_supports_containment_and_overlap() -> None:
    quote = "The local authority chairs the Channel panel in its own area."
    assert supports("The local authority chairs the Channel panel in its own area.", quote)
    assert supports("the local  authority chairs the channel panel", quote)  # contained, spacing/case
    assert supports("Channel panels are chaired by local authorities.", quote)  # stems overlap
    assert not supports("The police fund the Prevent budget every year.", quote)
    assert not supports("", quote)
    assert not supports("Anything at all.", "")


def test_supports_with_custom_terms() -> None:
    def terms(text: str) -> list[str]:
        return text.lower().replace(".", "").split()

    assert supports("a b c d", "a b x y", terms)  # 2 of 4 = 0.5
    assert not supports("a b c d", "a x y z", terms)  # 1 of 4


def test_is_verbatim() -> None:
    assert is_verbatim("chairs the panel", ["It chairs the panel.", "x chairs the panel"])
    assert not is_verbatim("chairs the panel", ["It chairs the panel.", "raw file differs"])
    assert not is_verbatim("", ["anything"])
    assert not is_verbatim("quote", [])


def test_citation_scores_extractive_answer_is_perfect() -> None:
    sentences = [CitedSentence("A is B.", (1,)), CitedSentence("C is D.", (2,))]
    scores = citation_scores(sentences, {1: "A is B.", 2: "C is D."}, {1: True, 2: True})
    assert (scores.precision, scores.recall) == (1.0, 1.0)


def test_citation_scores_misquote_unsupported_and_unused() -> None:
    sentences = [
        CitedSentence("The local authority chairs the Channel panel.", (1,)),
        CitedSentence("Prevent has a budget of ten million pounds.", (2,)),
        CitedSentence("An uncited sentence about consent.", ()),
    ]
    quotes = {
        1: "The local authority chairs the Channel panel in its own area.",
        2: "Only the police can refer a person to a Channel panel.",
        3: "Support requires consent.",  # never cited in the text
    }
    scores = citation_scores(sentences, quotes, {1: True, 2: True, 3: True})
    assert scores.precise == {1: True, 2: False, 3: False}
    assert scores.precision == pytest.approx(1 / 3)
    assert scores.supported == [True, False, False]
    assert scores.recall == pytest.approx(1 / 3)
    # the same quote, but not verbatim in its document: neither precise nor supporting
    misquoted = citation_scores(sentences[:1], quotes, {1: False})
    assert misquoted.precise[1] is False
    assert misquoted.recall == 0.0


def test_citation_scores_marker_without_citation() -> None:
    scores = citation_scores([CitedSentence("A claim.", (4,))], {}, {})
    assert scores.precise == {4: False}
    assert (scores.precision, scores.recall) == (0.0, 0.0)


def test_citation_scores_nothing_to_score() -> None:
    scores = citation_scores([], {}, {})
    assert (scores.precision, scores.recall) == (0.0, 0.0)


# --- abstention, latency, thresholds -----------------------------------------------------


def test_abstention_prf() -> None:
    # abstained:     T     T      F     F      T
    # unanswerable:  T     F      T     F      T
    prf = abstention_prf([True, True, False, False, True], [True, False, True, False, True])
    assert (prf.tp, prf.fp, prf.fn) == (2, 1, 1)
    assert prf.precision == pytest.approx(2 / 3)
    assert prf.recall == pytest.approx(2 / 3)
    assert prf.f1 == pytest.approx(2 / 3)


def test_abstention_prf_never_abstaining_scores_zero() -> None:
    prf = abstention_prf([False, False, False], [True, False, True])
    assert (prf.precision, prf.recall, prf.f1) == (0.0, 0.0, 0.0)


def test_abstention_prf_length_mismatch() -> None:
    with pytest.raises(ValueError, match="length"):
        abstention_prf([True], [True, False])


def test_percentile_and_mean() -> None:
    assert percentile([3.0, 1.0, 2.0, 4.0], 50) == pytest.approx(2.5)
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(4.8)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) == 0.0
    with pytest.raises(ValueError):
        percentile([1.0], 101)
    assert mean([1.0, 2.0]) == 1.5
    assert mean([]) == 0.0
