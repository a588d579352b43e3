"""The metrics: pure functions of answers, rankings and labels.

Retrieval metrics work at document level on a ranked list of document ids (duplicates
removed in rank order). Citation metrics follow ALCE (Gao et al., 2023): a citation is
*precise* when its quote is verbatim in the cited document and supports every answer
sentence that cites it; an answer sentence is *recalled* when at least one of its
citations is verbatim and supports it.

Support is decided by :func:`supports`: the sentence is contained in the quote (the
extractive case, where the sentence *is* the quote), or at least half of the sentence's
content words (stemmed, stopwords removed, as ctassist's lexical matching counts them)
occur in the quote.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

#: Share of a sentence's content words that a quote must hold to support it.
SUPPORT_OVERLAP = 0.5

_MARKERS = re.compile(r"(?:\s*\[\d+\])+")
_MARKER_NUMBER = re.compile(r"\[(\d+)\]")
_LIST_PREFIX = re.compile(r"^\s*(?:[-•*–·]|\d{1,3}[.)])\s+")

Terms = Callable[[str], Sequence[str]]


# --- retrieval -----------------------------------------------------------------------------


def dedupe(ids: Iterable[str]) -> list[str]:
    """Ids in first-seen order without repeats (chunk ranks → document ranks).

    Example:
        >>> dedupe(["a", "b", "a", "c"])
        ['a', 'b', 'c']
    """
    seen: set[str] = set()
    out: list[str] = []
    for item in ids:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def recall_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float:
    """Share of the gold documents found in the top ``k``, capped as BEIR's R_cap@k.

    The denominator is ``min(k, |gold|)``, so recall@1 is 1.0 when the first document is
    gold even for a question with two gold documents.

    Args:
        ranked: Document ids, best first, without duplicates.
        gold: The relevant document ids.
        k: Cut-off.

    Returns:
        A value in [0, 1]; 0.0 when there is no gold document.
    """
    relevant = set(gold)
    if not relevant or k < 1:
        return 0.0
    hits = len(relevant.intersection(ranked[:k]))
    return hits / min(k, len(relevant))


def reciprocal_rank(ranked: Sequence[str], gold: Iterable[str], k: int = 10) -> float:
    """``1 / rank`` of the first gold document within the top ``k``, else 0.0 (MRR@k)."""
    relevant = set(gold)
    for rank, doc in enumerate(ranked[:k], start=1):
        if doc in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[str], gold: Iterable[str], k: int = 10) -> float:
    """Normalised discounted cumulative gain at ``k`` with binary relevance.

    Returns:
        DCG of the ranking over the DCG of an ideal ranking (all gold documents first);
        0.0 when there is no gold document.
    """
    relevant = set(gold)
    if not relevant or k < 1:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], start=1) if doc in relevant)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal


# --- answers -------------------------------------------------------------------------------


def matched_facts(answer: str, facts: Sequence[Sequence[str]]) -> list[bool]:
    """For each required fact, whether any of its alternatives occurs in ``answer``
    (case-insensitive substring)."""
    text = answer.lower()
    return [any(alt.lower() in text for alt in alternatives) for alternatives in facts]


def fact_recall(answer: str, facts: Sequence[Sequence[str]], *, abstained: bool = False) -> float:
    """Share of required facts found in the answer; an abstention scores 0.

    Args:
        answer: The answer text.
        facts: Each fact as a list of keyword alternatives.
        abstained: The system declined to answer.

    Returns:
        A value in [0, 1]; 0.0 when ``facts`` is empty.

    Example:
        >>> fact_recall("There were 6,922 referrals.", [["6,922", "6922"], ["512"]])
        0.5
    """
    if abstained or not facts:
        return 0.0
    found = matched_facts(answer, facts)
    return sum(found) / len(found)


# --- citations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CitedSentence:
    """One sentence of an answer and the citation numbers it carries."""

    text: str
    markers: tuple[int, ...]


def split_cited_sentences(
    answer: str, split: Callable[[str], Sequence[str]] | None = None
) -> list[CitedSentence]:
    """Splits an answer into sentences with their ``[n]`` markers.

    Markers belong to the sentence they follow. Text is first cut after each group of
    markers; each piece is then split into sentences with ``split`` (ctassist's sentence
    splitter by default) and only the piece's last sentence carries its markers, as in
    ALCE, where every sentence must cite for itself. List bullets are removed.

    Example:
        >>> [s.markers for s in split_cited_sentences("A is B. [1] C is D. [2][3]")]
        [(1,), (2, 3)]
    """
    split = split or _sentences
    out: list[CitedSentence] = []
    cursor = 0
    pieces: list[tuple[str, tuple[int, ...]]] = []
    for match in _MARKERS.finditer(answer):
        numbers = tuple(int(n) for n in _MARKER_NUMBER.findall(match.group(0)))
        pieces.append((answer[cursor : match.start()], numbers))
        cursor = match.end()
    pieces.append((answer[cursor:], ()))
    for text, numbers in pieces:
        sentences = [_LIST_PREFIX.sub("", s).strip() for s in split(text)]
        sentences = [s for s in sentences if any(ch.isalnum() for ch in s)]
        for i, sentence in enumerate(sentences):
            out.append(CitedSentence(sentence, numbers if i == len(sentences) - 1 else ()))
    return out


def _sentences(text: str) -> list[str]:
    from ctassist.chunk import sentence_spans

    return [text[a:b] for a, b in sentence_spans(text)]


def _normalise(text: str) -> str:
    return " ".join(text.split()).lower()


def supports(sentence: str, quote: str, terms: Terms | None = None) -> bool:
    """Whether ``quote`` supports ``sentence``.

    True when the sentence (white space normalised, case ignored) is contained in the
    quote, or when at least :data:`SUPPORT_OVERLAP` of the sentence's content words occur
    among the quote's.

    Args:
        sentence: The answer sentence without its markers.
        quote: The cited text.
        terms: Content-word function; ctassist's stemmed, stopword-free terms by default.
    """
    if not sentence.strip() or not quote.strip():
        return False
    if _normalise(sentence) in _normalise(quote):
        return True
    terms = terms or _content_terms
    wanted = set(terms(sentence))
    if not wanted:
        return False
    return len(wanted & set(terms(quote))) / len(wanted) >= SUPPORT_OVERLAP


def _content_terms(text: str) -> list[str]:
    from ctassist.retrieve import content_terms

    return content_terms(text)


def is_verbatim(quote: str, texts: Iterable[str]) -> bool:
    """Whether a non-empty quote occurs exactly in every given text (the loaded document
    text, and for ``.md``/``.txt`` the raw file too)."""
    listed = list(texts)
    return bool(quote) and bool(listed) and all(quote in text for text in listed)


@dataclass(frozen=True)
class CitationScores:
    """ALCE-style citation precision and recall of one answer, with the details."""

    precision: float
    recall: float
    precise: dict[int, bool]  # citation number → verbatim and supports its sentences
    supported: list[bool]  # per sentence → has a verbatim, supporting citation


def citation_scores(
    sentences: Sequence[CitedSentence],
    quotes: Mapping[int, str],
    verbatim: Mapping[int, bool],
    terms: Terms | None = None,
) -> CitationScores:
    """Scores the citations of one answer.

    Args:
        sentences: The answer's sentences with their markers.
        quotes: Citation number → quoted text.
        verbatim: Citation number → whether the quote is verbatim in the cited document.
        terms: Content-word function for :func:`supports`.

    Returns:
        Precision: share of citations that are verbatim and support every sentence citing
        them (a citation no sentence refers to, or a marker with no citation, is not
        precise). Recall: share of sentences with at least one precise-for-them citation.
        Both are 0.0 when there is nothing to score.
    """
    citing: dict[int, list[str]] = {n: [] for n in quotes}
    for sentence in sentences:
        for n in sentence.markers:
            citing.setdefault(n, []).append(sentence.text)
    precise = {
        n: bool(texts)
        and n in quotes
        and verbatim.get(n, False)
        and all(supports(text, quotes[n], terms) for text in texts)
        for n, texts in citing.items()
    }
    supported = [
        any(n in quotes and verbatim.get(n, False) and supports(s.text, quotes[n], terms) for n in s.markers)
        for s in sentences
    ]
    precision = sum(precise.values()) / len(precise) if precise else 0.0
    recall = sum(supported) / len(supported) if supported else 0.0
    return CitationScores(precision, recall, precise, supported)


# --- abstention and latency ----------------------------------------------------------------


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 with the counts behind them."""

    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int


def abstention_prf(abstained: Sequence[bool], unanswerable: Sequence[bool]) -> PRF:
    """Abstention as a classifier, "abstain" being the positive class.

    Args:
        abstained: Per question, whether the system abstained.
        unanswerable: Per question, whether the corpus does not cover it.

    Returns:
        Precision (abstentions that were right), recall (unanswerable questions abstained
        on) and F1; each 0.0 when its denominator is 0.

    Example:
        >>> abstention_prf([True, True, False], [True, False, True]).f1
        0.5
    """
    if len(abstained) != len(unanswerable):
        raise ValueError("abstained and unanswerable differ in length")
    tp = sum(1 for a, u in zip(abstained, unanswerable, strict=True) if a and u)
    fp = sum(1 for a, u in zip(abstained, unanswerable, strict=True) if a and not u)
    fn = sum(1 for a, u in zip(abstained, unanswerable, strict=True) if not a and u)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1, tp, fp, fn)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) with linear interpolation between closest ranks
    (NumPy's default); 0.0 for no values.

    Example:
        >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
        2.5
    """
    if not values:
        return 0.0
    if not 0 <= q <= 100:
        raise ValueError("q must be within [0, 100]")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Iterable[float]) -> float:
    """The arithmetic mean; 0.0 for no values."""
    listed = list(values)
    return sum(listed) / len(listed) if listed else 0.0


# --- abstention threshold ------------------------------------------------------------------
