"""The default answer: sentences of the retrieved passages, each with its citation.

No language model is involved, so nothing can be invented: every sentence of the answer
is a sentence of the corpus, quoted verbatim and cited.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from ctassist.answer._decision import AnswerDecision
from ctassist.answer._features import (
    EvidenceView,
    features,
    holds_answer_type,
    missing_figures,
    missing_known_terms,
    profile_question,
    without_terms,
)
from ctassist.answer._lists import asked_count, lists_in_one_sentence
from ctassist.chunk import sentence_spans
from ctassist.query import Glossary, ResolvedQuestion, in_corpus_words
from ctassist.retrieve import content_terms
from ctassist.safety import instruction_flags
from ctassist.text import INTRODUCES_LIST, LIST_MARKER, mentions
from ctassist.types import Citation, Passage

Scorer = Callable[[str, list[str]], list[float]]

_LIST_MARKER = re.compile(rf"(?:^|\n)[ \t]*{LIST_MARKER}[ \t]+$")
#: Smallest sentence pool of one part of a compound question.
_MIN_PART_POOL = 3
#: What holding the kind of answer asked for (a date for "when", a cause for "why") adds to
#: a sentence's claim on the pool: about one shared word of middling rarity (an inverse
#: sentence frequency of 1.5).
_ANSWER_TYPE_BONUS = 1.5
#: Closest sentences shown with an abstention, so that staff can judge for themselves.
_CLOSEST = 3
_LINK = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Evidence:
    """A candidate sentence, located in its document."""

    passage: Passage
    start: int  # offsets into the document's text
    end: int
    text: str
    score: float = 0.0
    rank: int = 0  # of its passage among the retrieved ones
    is_list_item: bool = False

    def as_citation(self, n: int) -> Citation:
        """This sentence as citation ``n``."""
        passage = self.passage
        return Citation(
            n=n,
            doc=passage.doc_id,
            title=passage.title,
            section=passage.section or None,
            page=passage.page,
            quote=self.text,
            start=self.start,
            end=self.end,
            kind=passage.kind,
        )


@dataclass(frozen=True)
class PartDecision:
    """How the composer decided on one (part of a) question.

    Attributes:
        question: The part, in the corpus's words.
        features: The decision's features of its best evidence (empty when vetoed or when
            no sentence was a candidate).
        probability: The decision's probability that the evidence answers it (0 when vetoed).
        answered: Whether the part is answered.
        reason: Why not, when a check says so in words; empty otherwise.
        sentences: The sentences chosen for it (also when the decision was to abstain).
    """

    question: str
    features: tuple[float, ...]
    probability: float
    answered: bool
    reason: str = ""
    sentences: tuple[str, ...] = ()


@dataclass(frozen=True)
class Composition:
    """The composer's output: the text and citations, or the decision to abstain.

    ``best_score`` is the best sentence's score (a cross-encoder logit);
    ``confidence`` the decision's probability that the answer is right (the best part's);
    ``passage_scores`` the best sentence score of each passage that had one scored (by
    chunk id); ``reason`` why it abstained, when a check says so in words ("nothing in the
    closest passages mentions “2019”"), empty when the evidence was judged too weak;
    ``closest`` the best sentences found, shown with an abstention as possibly not
    answering; ``parts`` the decision on each part of the question.
    """

    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    best_score: float
    confidence: float = 0.0
    passage_scores: dict[str, float] = field(default_factory=dict)
    reason: str = ""
    closest: tuple[Citation, ...] = ()
    parts: tuple[PartDecision, ...] = ()


class ExtractiveComposer:
    """Selects and orders the sentences that answer a question, or abstains.

    Each candidate sentence is scored by the cross-encoder preceded by its document title
    and section, so that a sentence that needs its heading to make sense is not lost.
    The cross-encoder is the costly step (about 7 ms a sentence on two cores), so with
    ``pool`` set only that many sentences reach it: those sharing the most (and rarest)
    words with the question, sentences of better-ranked passages first on ties.

    Whether to answer is one learned decision (:class:`AnswerDecision`) over generic
    features of the best sentence; the one hard veto is exact: a figure the question
    names must be in the passage of the sentence that answers.

    Args:
        scorer: Cross-encoder logits of each text for the question.
        decision: The answer-or-abstain decision; ``None`` answers whenever the veto
            allows (used to collect training data).
        threshold: The decision's probability needed to answer; the decision's own when
            omitted.
        idf: Inverse document frequency of a stemmed term in the corpus (0 when unused).
        glossary: The corpus's shorthand, applied to questions.
        max_sentences: Upper bound on answer sentences (list items that a selected
            sentence introduces come on top).
        margin: Further sentences must score within this many logits of the best.
        pool: Sentences scored by the cross-encoder; ``None`` scores every candidate.
    """

    def __init__(
        self,
        scorer: Scorer,
        *,
        decision: AnswerDecision | None,
        idf: Callable[[str], float],
        threshold: float | None = None,
        glossary: Glossary | None = None,
        max_sentences: int = 4,
        margin: float = 3.0,
        pool: int | None = None,
    ) -> None:
        self.scorer = scorer
        self.decision = decision
        self.threshold = threshold if threshold is not None else decision.threshold if decision else 0.0
        self.idf = idf
        self.glossary = glossary
        self.max_sentences = max_sentences
        self.margin = margin
        self.pool = pool

    def candidates(
        self,
        question: str,
        passages: list[Passage],
        avoid: str = "",
        pool: int | None = None,
        other_years: tuple[str, ...] = (),
    ) -> list[Evidence]:
        """The candidate sentences of the passages (see :func:`sentences`), scored for the
        question, best first; with a pool (``pool``, else the composer's), only the
        preselected ones."""
        return self._score(question, sentences(passages, avoid, other_years), pool or self.pool)

    def _score(self, question: str, found: list[Evidence], pool: int | None) -> list[Evidence]:
        if pool is not None and len(found) > pool:
            found = _preselect(question, found, pool)
        if not found:
            return []
        scores = self.scorer(question, [_in_context(e) for e in found])
        ranked = [replace(evidence, score=score) for evidence, score in zip(found, scores, strict=True)]
        return sorted(ranked, key=lambda e: e.score, reverse=True)

    def in_corpus_words(self, question: str, passages: list[Passage]) -> str:
        """``question`` as the corpus puts it (see :func:`in_corpus_words`)."""
        text = "\n".join(_passage_context(passage) for passage in passages)
        return in_corpus_words(question, text, lambda term: self.idf(term) > 0, self.glossary)

    def compose(
        self,
        question: str,
        passages: list[Passage],
        avoid: str = "",
        conditions: str | None = None,
        other_years: tuple[str, ...] = (),
        parts: Sequence[str] = (),
    ) -> Composition:
        """Builds the answer, or abstains.

        A compound question ("When did X begin, and when did Y publish Z?") is answered
        part by part, each part with its own sentences and decision; the answer holds the
        parts the corpus covers, and the composer abstains only when it covers none.

        Args:
            question: The standalone question.
            passages: Retrieved passages, best first.
            avoid: Text whose sentences must not be used again (the previous answer).
            conditions: What the question itself asks; ``question`` when omitted. A
                follow-up passes its own words: the earlier question appended to make it
                standalone was answered already.
            other_years: Years the answer must not be about: a follow-up asked about
                another time than the last answer's.
            parts: The questions a compound question asks (``ResolvedQuestion.parts``,
                ``query.compound_parts``); with fewer than two, it is one question.
        """
        question = self.in_corpus_words(question, passages)
        conditions = question if conditions is None else self.in_corpus_words(conditions, passages)
        compound = len(parts) > 1
        asked = [self.in_corpus_words(part, passages) for part in parts] if compound else [question]
        # The parts share the pool: a compound question costs the cross-encoder no more.
        pool = max(_MIN_PART_POOL, self.pool // len(asked)) if self.pool else None
        found = sentences(passages, avoid, other_years)
        selections = [
            self._select(part, found, part if compound else conditions, pool, other_years) for part in asked
        ]
        best = max(selection.best for selection in selections)
        passage_scores: dict[str, float] = {}
        for selection in selections:
            for chunk_id, score in selection.passage_scores.items():
                passage_scores[chunk_id] = max(score, passage_scores.get(chunk_id, score))
        decisions = tuple(selection.decision for selection in selections)
        confidence = max(d.probability for d in decisions)
        answered = [selection for selection in selections if selection.decision.answered]
        if not answered:
            reason = "; ".join(dict.fromkeys(d.reason for d in decisions if d.reason))
            closest = _unique(e for selection in selections for e in selection.ranked)
            return Composition(
                "",
                (),
                True,
                best,
                confidence,
                passage_scores,
                reason,
                tuple(e.as_citation(n) for n, e in enumerate(closest[:_CLOSEST], start=1)),
                decisions,
            )
        chosen = _unique(evidence for selection in answered for evidence in selection.chosen)
        # List items come from every sentence of the passages, scored or not.
        chosen = _with_counted_items(_with_list_items(chosen, found), found, question)
        text, citations = _render(_in_reading_order(chosen))
        return Composition(text, citations, False, best, confidence, passage_scores, parts=decisions)

    def answer(self, resolved: ResolvedQuestion, passages: list[Passage]) -> Composition:
        """:meth:`compose` for a question resolved from its conversation: a follow-up's
        own words say what it asks, one that asks for something other than the last
        answer ("the other group", "the year before that") gets something else, and a
        compound question is answered part by part.

        Args:
            resolved: The question, follow-ups resolved (``resolve_follow_up``).
            passages: Retrieved passages, best first.

        Returns:
            The composition, as :meth:`compose` returns it.
        """
        return self.compose(
            resolved.standalone,
            passages,
            avoid=resolved.avoid,
            conditions=resolved.question,
            other_years=resolved.other_years,
            parts=resolved.parts,
        )

    def _select(
        self,
        question: str,
        found: list[Evidence],
        conditions: str,
        pool: int | None,
        other_years: tuple[str, ...],
    ) -> _Selection:
        """The sentences that answer one (simple) question, and the decision on them."""
        ranked = self._score(question, found, pool)
        passage_scores = best_by_passage(ranked)
        if not ranked:
            return _Selection([], [], float("-inf"), passage_scores, PartDecision(question, (), 0.0, False))
        # The one hard veto, exact and general: a figure the question names must be in the
        # passage that answers ("How many cases were there in 2019?" is not answered by a
        # passage about 2024). A follow-up about another year needs not the last one's.
        asked = profile_question(question)
        asked = replace(asked, figures=tuple(f for f in asked.figures if f not in other_years))
        usable = [e for e in ranked if not missing_figures(asked, _passage_context(e.passage))]
        if not usable:
            missing = missing_figures(asked, "\n".join(_passage_context(e.passage) for e in ranked))
            reason = (
                f"nothing in the closest passages mentions {_listing(missing)}"
                if missing
                else f"no passage that mentions {_listing(list(asked.figures))} answers it"
            )
            return _Selection(
                [], ranked, ranked[0].score, passage_scores, PartDecision(question, (), 0.0, False, reason)
            )
        profile = profile_question(conditions)
        best = usable[0]
        same_passage = [e.score for e in usable if e.passage.chunk_id == best.passage.chunk_id]
        # Would the sentence score higher without the question's words it lacks? Then
        # those words are what it fails on. One more cross-encoder pair.
        lacking = missing_known_terms(profile, _in_context(best), self.idf)
        stripped = without_terms(question, lacking) if lacking else ""
        gain = self.scorer(stripped, [_in_context(best)])[0] - best.score if stripped.strip() else 0.0
        view = EvidenceView(
            scores=tuple(e.score for e in usable),
            sentence=_in_context(best),
            passage=_passage_context(best.passage),
            passage_scores=tuple(same_passage),
            passage_rank=best.rank,
            gain_without_missing=gain,
        )
        values = features(profile, view, self.idf)
        probability = self.decision.probability(values) if self.decision is not None else 1.0
        chosen = [best]
        for evidence in usable[1:]:
            if len(chosen) >= self.max_sentences or evidence.score < best.score - self.margin:
                break
            if not any(_near_duplicate(evidence.text, c.text) for c in chosen):
                chosen.append(evidence)
        answered = probability >= self.threshold
        decision = PartDecision(question, values, probability, answered, "", tuple(e.text for e in chosen))
        return _Selection(chosen if answered else [], usable, best.score, passage_scores, decision)


@dataclass(frozen=True)
class _Selection:
    chosen: list[Evidence]
    ranked: list[Evidence]
    best: float
    passage_scores: dict[str, float]
    decision: PartDecision


def best_by_passage(ranked: list[Evidence]) -> dict[str, float]:
    """The best score of each passage's scored sentences (by chunk id), from sentences
    ranked best first as :meth:`ExtractiveComposer.candidates` returns them."""
    best: dict[str, float] = {}
    for evidence in ranked:
        best.setdefault(evidence.passage.chunk_id, evidence.score)
    return best


def sentences(passages: list[Passage], avoid: str = "", other_years: tuple[str, ...] = ()) -> list[Evidence]:
    """Every distinct sentence of the passages that may be quoted, in passage order.

    Sentences that read as instructions to an AI are never candidates: document text is
    data. Nor are sentences found in ``avoid`` (the previous answer, when the question
    asks for "the other" one), sentences about ``other_years`` (the previous answer's,
    when the question asks about another year) or reference lines ("Source: <link>").
    """
    seen: set[tuple[str, int]] = set()
    found: list[Evidence] = []
    for rank, passage in enumerate(passages):
        spans = sentence_spans(passage.text)
        for (a, b), instruction in zip(spans, instruction_flags(passage.text, spans), strict=True):
            start, end = passage.start + a, passage.start + b
            if (passage.doc_id, start) in seen:
                continue
            seen.add((passage.doc_id, start))
            text = passage.text[a:b]
            if (avoid and text in avoid) or any(mentions(text, year) for year in other_years):
                continue
            if instruction or _is_reference_line(text) or len(content_terms(text)) < 2:
                continue
            is_item = bool(_LIST_MARKER.search(passage.text[:a]))
            found.append(Evidence(passage, start, end, text, rank=rank, is_list_item=is_item))
    return found


def _preselect(question: str, found: list[Evidence], pool: int) -> list[Evidence]:
    """The ``pool`` sentences most worth the cross-encoder's time.

    A sentence earns the inverse sentence frequency of each question term it contains
    (a third of it when the term is only in its title or section), and a bonus when it
    holds the kind of answer the question asks for; it loses a little per rank of its passage,
    which carries the dense retriever's view for questions that share few words with the
    text.
    """
    question_terms = set(content_terms(question))
    sentence_terms = [set(content_terms(e.text)) for e in found]
    heading_terms = [set(content_terms(f"{e.passage.title} {e.passage.section}")) for e in found]
    n = len(found)
    weight = {
        term: math.log(1 + (n + 1) / (sum(term in terms for terms in sentence_terms) + 0.5))
        for term in question_terms
    }

    # A sentence holding the kind of answer asked for (a date for "when", a cause for
    # "why") counts as sharing one more word with the question.
    profile = profile_question(question)
    typed = [
        _ANSWER_TYPE_BONUS * (profile.asks is not None and holds_answer_type(profile, e.text)) for e in found
    ]

    def value(i: int) -> float:
        own = sum(w for t, w in weight.items() if t in sentence_terms[i])
        heading = sum(w for t, w in weight.items() if t not in sentence_terms[i] and t in heading_terms[i])
        return own + heading / 3 - 0.6 * found[i].rank + typed[i]

    order = sorted(range(n), key=lambda i: (-value(i), i))
    return [found[i] for i in sorted(order[:pool])]


def _listing(items: list[str] | tuple[str, ...]) -> str:
    quoted = [f"“{item}”" for item in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _is_reference_line(text: str) -> bool:
    """A "Source: <link>" line or a bare link: a reference, not a statement."""
    stripped = _LINK.sub("", text)
    return text.lower().startswith(("source:", "sources:")) or len(stripped.strip()) < len(text) / 3


def _passage_context(passage: Passage) -> str:
    return f"{passage.title}\n{passage.section}\n{passage.text}"


def _in_context(evidence: Evidence) -> str:
    return evidence.passage.in_context(evidence.text)


def _near_duplicate(a: str, b: str) -> bool:
    terms_a, terms_b = set(content_terms(a)), set(content_terms(b))
    if not terms_a or not terms_b:
        return a == b
    return len(terms_a & terms_b) / min(len(terms_a), len(terms_b)) > 0.8


def _unique(evidence: Iterable[Evidence]) -> list[Evidence]:
    """Each sentence once (by document and offset), in first-seen order."""
    seen: set[tuple[str, int]] = set()
    unique: list[Evidence] = []
    for item in evidence:
        if (item.passage.doc_id, item.start) not in seen:
            seen.add((item.passage.doc_id, item.start))
            unique.append(item)
    return unique


def _with_list_items(chosen: list[Evidence], everything: list[Evidence]) -> list[Evidence]:
    """A chosen sentence that introduces a list ("... the following questions.") brings
    the list's items along: the answer would be empty without them."""
    return _unique([*chosen, *(item for evidence in chosen for item in _list_items(evidence, everything))])


def _list_items(evidence: Evidence, everything: list[Evidence]) -> list[Evidence]:
    """The items of the list ``evidence`` introduces: the list-item sentences right after
    it, while they follow one another."""
    if not INTRODUCES_LIST.search(evidence.text):
        return []
    after = sorted(
        (
            e
            for e in everything
            if e.is_list_item and e.passage.doc_id == evidence.passage.doc_id and e.start > evidence.end
        ),
        key=lambda e: e.start,
    )
    items: list[Evidence] = []
    cursor = evidence.end
    for item in after:
        if item.start - cursor > 12:
            break  # not contiguous: the list ended
        items.append(item)
        cursor = item.end
    return items


def _with_counted_items(chosen: list[Evidence], everything: list[Evidence], question: str) -> list[Evidence]:
    """For "What are the three groups?", a chosen sentence that gives the count ("...
    fall into three groups.") brings along the sentences that follow it in its passage,
    one per thing, unless it names the things itself."""
    count = asked_count(question)
    if count is None:
        return chosen
    word, number = count

    def following(evidence: Evidence) -> list[Evidence]:
        if not mentions(evidence.text, word) or lists_in_one_sentence(evidence.text, number):
            return []
        after = (
            e
            for e in everything
            if e.passage.chunk_id == evidence.passage.chunk_id and e.start > evidence.end
        )
        return sorted(after, key=lambda e: e.start)[:number]

    return _unique([*chosen, *(item for evidence in chosen for item in following(evidence))])


def _in_reading_order(chosen: list[Evidence]) -> list[Evidence]:
    """Documents in order of their best sentence; sentences of a document in text order,
    except that the answer opens with the best sentence's run of adjacent sentences (a
    weaker sentence from earlier in the document does not lead)."""
    order: dict[str, int] = {}
    for evidence in sorted(chosen, key=lambda e: e.score, reverse=True):
        order.setdefault(evidence.passage.doc_id, len(order))
    ordered = sorted(chosen, key=lambda e: (order[e.passage.doc_id], e.start))
    best = max(chosen, key=lambda e: e.score)
    runs: list[list[Evidence]] = []
    for evidence in ordered:
        if runs and _gap_text(runs[-1][-1], evidence) is not None:
            runs[-1].append(evidence)
        else:
            runs.append([evidence])
    leading = next(run for run in runs if best in run)
    return leading + [e for run in runs if run is not leading for e in run]


def _render(chosen: list[Evidence]) -> tuple[str, tuple[Citation, ...]]:
    """The answer's text, each sentence ending with its ``[n]``, and its citations."""
    citations: list[Citation] = []
    pieces: list[str] = []
    previous: Evidence | None = None
    for evidence in chosen:
        gap = _gap_text(previous, evidence) if previous is not None and citations else None
        if gap is not None:
            # A run of adjacent sentences is one quote, cited once per sentence.
            last = citations[-1]
            citations[-1] = replace(last, quote=last.quote + gap + evidence.text, end=evidence.end)
        else:
            citations.append(evidence.as_citation(len(citations) + 1))
        marker = f"[{citations[-1].n}]"
        pieces.append(
            f"\n- {evidence.text} {marker}" if evidence.is_list_item else f"{evidence.text} {marker}"
        )
        previous = evidence
    return " ".join(pieces).replace(" \n- ", "\n- ").strip(), tuple(citations)


def _gap_text(previous: Evidence, current: Evidence) -> str | None:
    """The document text between two sentences when they are adjacent (only white space
    or a list marker between them), read from a passage that holds it; else ``None``."""
    if previous.passage.doc_id != current.passage.doc_id or not 0 <= current.start - previous.end <= 12:
        return None
    for passage in (previous.passage, current.passage):
        a, b = previous.end - passage.start, current.start - passage.start
        if 0 <= a <= b <= len(passage.text):
            return passage.text[a:b]
    return None
