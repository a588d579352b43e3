"""The default answer: sentences of the retrieved passages, each with its citation.

No language model is involved, so nothing can be invented: every sentence of the answer
is a sentence of the corpus, quoted verbatim and cited.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from ctassist._safety import looks_like_instruction
from ctassist._text import INTRODUCES_LIST, mentions
from ctassist.answer._answer_type import (
    asked_count,
    asks_what_was_said,
    asks_why,
    gives_reason,
    lacks_answer_type,
    lists_in_one_sentence,
    reports_discussion,
)
from ctassist.answer._coverage import (
    MIN_CONDITION_GAIN,
    STRONG_EVIDENCE,
    fails_conditions,
    in_corpus_words,
    missing_terms,
    question_words,
    unknown_kind,
    without_term,
)
from ctassist.answer._followup import ResolvedQuestion
from ctassist.chunk import sentence_spans
from ctassist.cite import Citation, Passage
from ctassist.retrieve import content_terms

Scorer = Callable[[str, list[str]], list[float]]

_LIST_MARKER = re.compile(r"(?:^|\n)[ \t]*(?:[•\-*–·]|\d{1,3}[.)])[ \t]+$")
#: Smallest sentence pool of one part of a compound question.
_MIN_PART_POOL = 3
#: What giving a cause adds to a sentence's claim on the pool for a "why" question: about
#: one shared word of middling rarity (an inverse sentence frequency of 1.5).
_REASON_BONUS = 1.5
#: Leading sentences whose passages are searched for the question's specific terms when
#: the best sentence's passage lacks them (to say whether the closest passages do).
_COVERAGE_SENTENCES = 4
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


@dataclass(frozen=True)
class Composition:
    """The composer's output: the text and citations, or the decision to abstain.

    ``best_score`` is the best sentence's score (a cross-encoder logit);
    ``passage_scores`` the best sentence score of each passage that had one scored (by
    chunk id); ``unmet`` the question's terms that made the composer abstain although
    the evidence scored well, and ``reason`` that decision in words ("the closest
    passages give no date"; empty when the evidence simply scored too low).
    """

    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    best_score: float
    passage_scores: dict[str, float] = field(default_factory=dict)
    unmet: tuple[str, ...] = ()
    reason: str = ""


class ExtractiveComposer:
    """Selects and orders the sentences that answer a question.

    Each candidate sentence is scored by the cross-encoder preceded by its document title
    and section, so that a sentence that needs its heading to make sense is not lost.
    The cross-encoder is the costly step (about 7 ms a sentence on two cores), so with
    ``pool`` set only that many sentences reach it: those sharing the most (and rarest)
    words with the question, sentences of better-ranked passages first on ties. On
    ``evals/questions.jsonl`` a pool of 6 puts the gold sentence first as often as
    scoring all ~22 candidates.

    Args:
        scorer: Cross-encoder logits of each text for the question.
        threshold: The best sentence must score at least this, or the composer abstains.
        max_sentences: Upper bound on answer sentences (list items that a selected
            sentence introduces come on top).
        margin: Further sentences must score within this many logits of the best.
        pool: Sentences scored by the cross-encoder; ``None`` scores every candidate.
        known_term: Whether the corpus uses a (stemmed) word anywhere; enables the
            check that the evidence meets every condition the question sets (see
            :func:`~ctassist.answer._coverage.fails_conditions`).
    """

    def __init__(
        self,
        scorer: Scorer,
        *,
        threshold: float,
        max_sentences: int = 4,
        margin: float = 3.0,
        pool: int | None = None,
        known_term: Callable[[str], bool] | None = None,
    ) -> None:
        self.scorer = scorer
        self.threshold = threshold
        self.max_sentences = max_sentences
        self.margin = margin
        self.pool = pool
        self.known_term = known_term

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

    def compose(
        self,
        question: str,
        passages: list[Passage],
        avoid: str = "",
        conditions: str | None = None,
        other_years: tuple[str, ...] = (),
    ) -> Composition:
        """Builds the answer, or abstains when the best evidence is too weak, when the
        question's specific terms (numbers, names) are not in the passage of the best
        sentence or it asks for a kind of thing the corpus never names, when the evidence lacks
        the kind of answer asked for (a date, a number, names, N things listed; what was
        said at a meeting needs its notes), or when the chosen sentences leave a
        condition of the question unmet.

        A compound question ("When did X begin, and when did Y publish Z?") is answered
        part by part, each part with its own sentences and checks; the answer holds the
        parts the corpus covers, and the composer abstains only when it covers none.

        Args:
            question: The standalone question.
            passages: Retrieved passages, best first.
            avoid: Text whose sentences must not be used again (the previous answer).
            conditions: The words whose conditions the answer must meet; ``question``
                when omitted. A follow-up passes its own words: the earlier question
                appended to make it standalone was answered already.
            other_years: Years the answer must not be about: a follow-up asked about
                another time than the last answer's.
        """
        own_words = conditions is None or conditions == question
        # Read "s29 CTSA" as the passages write it, "section 29 Counter-Terrorism and Security Act".
        text = "\n".join(_passage_context(passage) for passage in passages)
        known = self.known_term or set(content_terms(text)).__contains__
        question = in_corpus_words(question, text, known)
        conditions = None if conditions is None else in_corpus_words(conditions, text, known)
        parts = compound_parts(question) if own_words else [question]
        # The parts share the pool: a compound question costs the cross-encoder no more.
        pool = max(_MIN_PART_POOL, self.pool // len(parts)) if self.pool else None
        found = sentences(passages, avoid, other_years)
        selections = [
            self._select(part, found, part if own_words else conditions or part, pool, other_years)
            for part in parts
        ]
        best = max(selection.best for selection in selections)
        passage_scores: dict[str, float] = {}
        for selection in selections:
            for chunk_id, score in selection.passage_scores.items():
                passage_scores[chunk_id] = max(score, passage_scores.get(chunk_id, score))
        chosen = _unique(evidence for selection in selections for evidence in selection.chosen)
        if not chosen:
            unmet = tuple(term for selection in selections for term in selection.unmet)
            reason = "; ".join(selection.reason for selection in selections if selection.reason)
            return Composition("", (), True, best, passage_scores, unmet, reason)
        # List items come from every sentence of the passages, scored or not.
        chosen = _with_counted_items(_with_list_items(chosen, found), found, question)
        return replace(_render(_in_reading_order(chosen), best), passage_scores=passage_scores)

    def answer(self, resolved: ResolvedQuestion, passages: list[Passage]) -> Composition:
        """:meth:`compose` for a question resolved from its conversation: a follow-up's
        conditions are its own words, and one that asks for something other than the last
        answer ("the other group", "the year before that") gets something else.

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
        )

    def _select(
        self,
        question: str,
        found: list[Evidence],
        conditions: str,
        pool: int | None,
        other_years: tuple[str, ...],
    ) -> _Selection:
        """The sentences that answer one (simple) question, or none with the reason."""
        ranked = self._score(question, found, pool)
        best = ranked[0].score if ranked else float("-inf")
        passage_scores = best_by_passage(ranked)
        if best < self.threshold:
            return _Selection([], best, passage_scores)
        if asks_what_was_said(conditions, question):
            # Only a meeting's notes record what was said there: another document about
            # the group would put words in the meeting's mouth, unless it says itself what
            # the group discussed.
            ranked = [
                e
                for e in ranked
                if (e.passage.kind == "notes" or reports_discussion(conditions, e.passage.text))
                and e.score >= self.threshold
            ]
            if not ranked:
                reason = "no meeting notes among the closest passages record what was said"
                return _Selection([], best, passage_scores, ("notes",), reason)
            best = ranked[0].score
        kind = unknown_kind(question, self.known_term) if self.known_term is not None else None
        if kind is not None:
            reason = f"nothing in the corpus mentions “{kind}”"
            return _Selection([], best, passage_scores, (kind,), reason)
        # The question's names and figures must be in the passage of the best sentence: a
        # count from one report and the year of another answer nothing. A follow-up about
        # another year ("And the year before?") needs not the last one.
        not_in_best = [
            t for t in missing_terms(question, [_passage_context(ranked[0].passage)]) if t not in other_years
        ]
        if not_in_best:
            leading = [
                _passage_context(e.passage) for e in ranked[:_COVERAGE_SENTENCES] if e.score >= self.threshold
            ]
            missing = [term for term in missing_terms(question, leading) if term not in other_years]
            if missing:
                reason = f"nothing in the closest passages mentions {_listing(missing)}"
                return _Selection([], best, passage_scores, tuple(missing), reason)
            reason = f"the passage that answers best does not mention {_listing(not_in_best)}"
            return _Selection([], best, passage_scores, tuple(not_in_best), reason)
        chosen = [ranked[0]]
        for evidence in ranked[1:]:
            if len(chosen) >= self.max_sentences or evidence.score < max(best - self.margin, self.threshold):
                break
            if not any(_near_duplicate(evidence.text, c.text) for c in chosen):
                chosen.append(evidence)
        # The answer type must be in the best sentence's passage: a stray date in a
        # weaker sentence from elsewhere does not answer "when".
        lacking = lacks_answer_type(
            conditions,
            [e.text for e in chosen if e.passage.chunk_id == chosen[0].passage.chunk_id],
            chosen[0].passage.text,
        )
        if lacking is not None:
            return _Selection([], best, passage_scores, (lacking,), f"the closest passages give no {lacking}")
        if self.known_term is not None:
            # Strong evidence draws on its passages too (a sentence leans on the one before
            # it); weak evidence must meet the conditions in its own words.
            strong = best - self.threshold >= STRONG_EVIDENCE
            unmet = fails_conditions(
                conditions,
                [_in_context(e) for e in chosen],
                self.known_term,
                context=[e.passage.text for e in chosen] if strong else [],
            )
            # A word can be unmatched yet met in other words ("must" for "require"). With
            # strong evidence, the unmet words count only if the cross-encoder agrees that
            # they are what it lacks, i.e. the best sentence scores higher without them;
            # weak evidence with an unmet condition is no answer either way.
            if unmet:
                words = question_words(conditions, unmet) or list(unmet)
                reason = f"the closest passages do not mention {_listing(words)}"
                if not strong:
                    return _Selection([], best, passage_scores, tuple(unmet), reason)
                stripped = question
                for term in unmet:
                    stripped = without_term(stripped, term)
                gain = self.scorer(stripped, [_in_context(ranked[0])])[0] - best
                if gain >= MIN_CONDITION_GAIN:
                    return _Selection([], best, passage_scores, tuple(unmet), reason)
        return _Selection(chosen, best, passage_scores)


@dataclass(frozen=True)
class _Selection:
    chosen: list[Evidence]
    best: float
    passage_scores: dict[str, float]
    unmet: tuple[str, ...] = ()
    reason: str = ""


_COMPOUND = re.compile(
    r"^(?P<first>.+?\S),?\s+and\s+(?P<second>(?:since\s+)?(?:who|whom|whose|what|when|where|which|why|how)\b.+)$",
    re.IGNORECASE,
)


def compound_parts(question: str) -> list[str]:
    """The questions a compound question joins with "and" plus a question word.

    Example:
        >>> compound_parts("When did the duty begin, and when was the review published?")
        ['When did the duty begin?', 'when was the review published?']
    """
    match = _COMPOUND.match(question.strip())
    if match is None:
        return [question]
    first = match.group("first").rstrip(" ,;")
    return [f"{first}?", *compound_parts(match.group("second"))]


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
        for a, b in sentence_spans(passage.text):
            start, end = passage.start + a, passage.start + b
            if (passage.doc_id, start) in seen:
                continue
            seen.add((passage.doc_id, start))
            text = passage.text[a:b]
            if (avoid and text in avoid) or any(mentions(text, year) for year in other_years):
                continue
            if looks_like_instruction(text) or _is_reference_line(text) or len(content_terms(text)) < 2:
                continue
            is_item = bool(_LIST_MARKER.search(passage.text[:a]))
            found.append(Evidence(passage, start, end, text, rank=rank, is_list_item=is_item))
    return found


def _preselect(question: str, found: list[Evidence], pool: int) -> list[Evidence]:
    """The ``pool`` sentences most worth the cross-encoder's time.

    A sentence earns the inverse sentence frequency of each question term it contains
    (a third of it when the term is only in its title or section), and a bonus when the
    question asks "why" and it gives a cause; it loses a little per rank of its passage,
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

    # "Why ...?" is answered only by a sentence that gives a cause (see lacks_answer_type):
    # such a sentence counts as sharing one more word with the question.
    why = asks_why(question)
    reason = [_REASON_BONUS * (why and gives_reason(e.text)) for e in found]

    def value(i: int) -> float:
        own = sum(w for t, w in weight.items() if t in sentence_terms[i])
        heading = sum(w for t, w in weight.items() if t not in sentence_terms[i] and t in heading_terms[i])
        return own + heading / 3 - 0.6 * found[i].rank + reason[i]

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


def _render(chosen: list[Evidence], best: float) -> Composition:
    citations: list[Citation] = []
    pieces: list[str] = []
    previous: Evidence | None = None
    for evidence in chosen:
        passage = evidence.passage
        gap = _gap_text(previous, evidence) if previous is not None and citations else None
        if gap is not None:
            # A run of adjacent sentences is one quote, cited once per sentence.
            last = citations[-1]
            citations[-1] = Citation(
                last.n,
                last.doc,
                last.title,
                last.section,
                last.page,
                last.quote + gap + evidence.text,
                last.start,
                evidence.end,
                last.kind,
            )
        else:
            citations.append(
                Citation(
                    n=len(citations) + 1,
                    doc=passage.doc_id,
                    title=passage.title,
                    section=passage.section or None,
                    page=passage.page,
                    quote=evidence.text,
                    start=evidence.start,
                    end=evidence.end,
                    kind=passage.kind,
                )
            )
        marker = f"[{citations[-1].n}]"
        pieces.append(
            f"\n- {evidence.text} {marker}" if evidence.is_list_item else f"{evidence.text} {marker}"
        )
        previous = evidence
    text = " ".join(pieces).replace(" \n- ", "\n- ").strip()
    return Composition(text, tuple(citations), False, best)


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
