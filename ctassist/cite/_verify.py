"""Citation verification: does the cited passage support the sentence that cites it?"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ctassist.chunk import sentence_spans
from ctassist.safety import instruction_flags, looks_like_instruction
from ctassist.text import content_terms, has_negation, numbers, words
from ctassist.types import Passage

Embed = Callable[[list[str]], np.ndarray]

_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_MARKERS_AFTER_STOP = re.compile(r"([.!?][\"'”’)\]]*)((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)")


@dataclass(frozen=True)
class Support:
    """The verdict on one sentence against one cited passage.

    Every measure compares the sentence with the passage's closest sentence (by embedding
    similarity): the sentence the citation quotes, so the quote itself must hold the support.

    Attributes:
        score: ``(overlap + pair_overlap + similarity) / 3``, in 0..1.
        overlap: Share of the sentence's content words found in the closest sentence.
        pair_overlap: Share of the sentence's adjacent content-word pairs found adjacent
            in the closest sentence (word order carries who did what to whom).
        similarity: Cosine similarity of the sentence and the passage's closest sentence.
        numbers_ok: Every number in the sentence occurs in the closest sentence.
        start: Start of the closest passage sentence in the document (the quote).
        end: Its end.
        polarity_ok: Both are negated ("not", "no", "never", ...) or neither is.
    """

    score: float
    overlap: float
    pair_overlap: float
    similarity: float
    numbers_ok: bool
    start: int
    end: int
    polarity_ok: bool = True


@dataclass(frozen=True)
class CheckedSentence:
    """A generated sentence with its cited passage numbers and the verdict."""

    text: str  # without citation markers
    cited: tuple[int, ...]
    supported_by: tuple[tuple[int, Support], ...]  # (passage number, support) that passed

    @property
    def supported(self) -> bool:
        return bool(self.supported_by)


def markers_inside(text: str) -> str:
    """``text`` with the ``[n]`` markers that follow a full stop moved before it.

    Markers after a full stop (and any closing quote or bracket: 'case." [2]') belong to the
    sentence before them.

    Example:
        >>> markers_inside("Police refer people. [2] Councils chair panels.")
        'Police refer people [2]. Councils chair panels.'
    """
    return _MARKERS_AFTER_STOP.sub(r"\2\1", text)


def split_cited_sentences(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """Splits generated text into sentences with the ``[n]`` markers each carries.

    Markers may stand before or after the closing full stop (and after a closing quote).

    Example:
        >>> split_cited_sentences("Police refer people [2]. Councils chair panels. [1]")
        [('Police refer people.', (2,)), ('Councils chair panels.', (1,))]
    """
    normalised = markers_inside(text.strip())
    result = []
    for a, b in sentence_spans(normalised):
        sentence = normalised[a:b]
        cited = tuple(int(n) for group in _MARKER.findall(sentence) for n in group.split(","))
        bare = " ".join(_MARKER.sub("", sentence).split())
        bare = re.sub(r"\s+([.!?,;:])", r"\1", bare)
        if bare:
            result.append((bare, cited))
    return result


class SupportVerifier:
    """Decides whether a passage supports a sentence.

    The evidence is the passage's sentence closest to the sentence by embedding similarity:
    the sentence that the citation will quote. A sentence is supported when (a) every
    number it states occurs in that evidence, (b) both or neither are negated, and (c) the
    mean of three measures reaches ``threshold``: the share of the sentence's content words
    (stemmed, stopwords removed) found in the evidence, the share of its adjacent
    content-word pairs found adjacent in the evidence, and their embedding cosine
    similarity. Word overlap catches invented facts; pair overlap catches facts recombined
    ("the panel is chaired by the police" from "the local authority chairs the panel ...
    the police refer"); similarity credits faithful paraphrase. Numbers are checked
    exactly, because a wrong figure is the costliest error an inspector could quote; they
    and the other measures are read from the quoted sentence alone, so that a figure or a
    word found elsewhere in the passage ("killed 8 people" beside "killed 22 people")
    cannot lend support the quote does not give. Polarity is checked on its own because
    "not" and "no" are stopwords to the word measures. The threshold is calibrated on
    labelled pairs (``tests/cite/support_pairs.jsonl``, ``benchmarks/calibrate_support.py``).

    Args:
        embed: Encodes texts to unit vectors (the retrieval encoder).
        threshold: Minimum support score (see ``Settings.support_threshold``).
    """

    def __init__(self, embed: Embed, *, threshold: float = 0.5) -> None:
        self.embed = embed
        self.threshold = threshold

    def support(self, sentence: str, passage: Passage) -> Support:
        """Scores how well ``passage`` supports ``sentence``."""
        # Instruction-like sentences are data to be ignored, so they support nothing.
        every = sentence_spans(passage.text)
        spans = [
            s for s, flagged in zip(every, instruction_flags(passage.text, every), strict=True) if not flagged
        ]
        spans = spans or [(0, 0)]
        vectors = self.embed([sentence] + [passage.text[a:b] for a, b in spans])
        similarities = vectors[1:] @ vectors[0]
        best = int(np.argmax(similarities))
        a, b = spans[best]
        evidence = passage.text[a:b]  # the sentence the citation quotes
        sentence_terms, evidence_terms = content_terms(sentence), content_terms(evidence)
        terms = set(sentence_terms)
        overlap = len(terms & set(evidence_terms)) / len(terms) if terms else 0.0
        pairs = set(itertools.pairwise(sentence_terms))
        evidence_pairs = set(itertools.pairwise(evidence_terms))
        pair_overlap = len(pairs & evidence_pairs) / len(pairs) if pairs else overlap
        evidence_numbers = set(numbers(evidence))
        numbers_ok = all(n in evidence_numbers for n in numbers(sentence))
        similarity = float(max(0.0, similarities[best]))
        return Support(
            score=(overlap + pair_overlap + similarity) / 3,
            overlap=overlap,
            pair_overlap=pair_overlap,
            similarity=similarity,
            numbers_ok=numbers_ok,
            start=passage.start + a,
            end=passage.start + b,
            # Negation words are stopwords to the lexical measures, so polarity is checked on its own.
            polarity_ok=has_negation(sentence) == has_negation(evidence),
        )

    def check(self, text: str, passages: Sequence[Passage]) -> list[CheckedSentence]:
        """Checks every sentence of a generated answer against the passages it cites.

        Args:
            text: Generated text with ``[n]`` markers (1-based passage numbers).
            passages: The numbered passages the model was given.

        Returns:
            One entry per sentence; a sentence citing nothing, or citing only passages
            that do not support it, has ``supported == False``.
        """
        checked = []
        for sentence, cited in split_cited_sentences(text):
            passed: list[tuple[int, Support]] = []
            if len(words(sentence)) >= 3 and not looks_like_instruction(sentence):
                valid = [n for n in dict.fromkeys(cited) if 1 <= n <= len(passages)]
                passed = self._supporting(sentence, valid, passages)
                if not passed:
                    # Uncited, or cited wrongly: small models often omit or misplace
                    # markers. Attribute the sentence to the passage that supports it
                    # best, under the same test, or drop it.
                    others = [n for n in range(1, len(passages) + 1) if n not in valid]
                    passed = self._supporting(sentence, others, passages)[:1]
            checked.append(CheckedSentence(sentence, cited, tuple(passed)))
        return checked

    def _supporting(
        self, sentence: str, cited: list[int], passages: Sequence[Passage]
    ) -> list[tuple[int, Support]]:
        verdicts = [(n, self.support(sentence, passages[n - 1])) for n in cited]
        passed = [(n, v) for n, v in verdicts if v.numbers_ok and v.polarity_ok and v.score >= self.threshold]
        return sorted(passed, key=lambda item: item[1].score, reverse=True)
