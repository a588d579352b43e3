"""What the answer-or-abstain decision looks at: generic features of a question and its
best evidence sentence.

Every feature is defined for any question over any corpus: the cross-encoder's scores,
how much of the question (weighted by rarity in the corpus) the evidence holds, whether
it holds the kind of answer asked for, whether the question's figures and names are in
the evidence's passage, and where retrieval ranked that passage. None is keyed to a
question's wording or to one corpus's vocabulary (language data is in
``data/english.toml``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from ctassist.answer._lists import SMALL_NUMBERS, asked_count, lists_in_one_sentence
from ctassist.query import english, spells_out
from ctassist.text import STOPWORDS, content_terms, words

#: The features, in the order the decision's coefficients are stored.
FEATURE_NAMES: tuple[str, ...] = (
    "ce_best",
    "ce_best_above_0",
    "ce_best_above_4",
    "ce_best_above_8",
    "ce_margin",
    "ce_support",
    "retrieval_rank",
    "type_asked",
    "type_found",
    "future_unmet",
    "ranking_unmet",
    "list_unmet",
    "specifics_missing",
    "sentence_coverage",
    "passage_coverage",
    "missing_rare_sentence",
    "missing_rare_passage",
    "missing_known",
    "ce_gain_without_missing",
    "unknown_terms",
    "question_terms",
)

#: Cross-encoder logits where the decision's weight on the score may change.
_SCORE_KNOTS = (0.0, 4.0, 8.0)
#: Missing words of the question beyond which the count says nothing more.
_MISSING_CAP = 5
#: Logits beyond which the margin to the next sentence says nothing more.
_MARGIN_CAP = 5.0
_TOKEN = re.compile(r"[^\W\d_][\w'’-]*|\d[\d,.:/]*\d|\d")
_QUESTION_WORDS = frozenset({"who", "what", "when", "where", "which", "why", "how", "whose", "whom"})
# Sentence starts and the parentheses around a resolved follow-up's earlier question.
_SENTENCE_BREAK = re.compile(r"(?<=[.?!])\s+|[()]")


@dataclass(frozen=True)
class QuestionProfile:
    """What a question asks for, read once per question.

    Attributes:
        text: The question.
        asks: The kind of answer asked for (``date``, ``number``, ``agent``, ``reason``)
            or ``None``.
        figures: Numbers the question names as values (not bounds such as "before 2005").
        names: Capitalised words not opening a sentence: proper names and acronyms.
        terms: Its content terms (stemmed, distinct).
    """

    text: str
    asks: str | None
    figures: tuple[str, ...]
    names: tuple[str, ...]
    terms: tuple[str, ...]


def profile_question(question: str) -> QuestionProfile:
    """Reads what ``question`` asks for.

    Example:
        >>> p = profile_question("How many Channel cases were there before 2019 in 2020?")
        >>> p.asks, p.figures, p.names
        ('number', ('2020',), ('Channel',))
    """
    language = english()
    match = language.asks_pattern.search(question)
    asks = language.asks[" ".join(match.group("opening").lower().split())] if match else None
    bounds = {m.group("figure").rstrip(".,") for m in language.bound.finditer(question)}
    figures: list[str] = []
    names: list[str] = []
    for sentence in _SENTENCE_BREAK.split(question):
        for position, token in enumerate(_TOKEN.findall(sentence)):
            lowered = token.lower()
            if lowered in STOPWORDS or lowered in _QUESTION_WORDS:
                continue
            if any(ch.isdigit() for ch in token):
                if token not in bounds:
                    figures.append(token)
            elif position > 0 and token[0].isupper():
                names.append(token)
    return QuestionProfile(
        question,
        asks,
        tuple(dict.fromkeys(figures)),
        tuple(dict.fromkeys(names)),
        tuple(dict.fromkeys(content_terms(question))),
    )


def holds_answer_type(profile: QuestionProfile, sentence: str) -> bool:
    """Whether ``sentence`` holds the kind of answer ``profile`` asks for, beyond what
    the question says itself (the "2020" of "the 2020 inspection" answers no "when").

    A question that asks for no particular kind is held by any sentence.

    Example:
        >>> holds_answer_type(profile_question("When was the Battle of Hastings?"), "It was fought in 1066.")
        True
    """
    language = english()
    asked_words = set(words(profile.text))
    if profile.asks == "date":
        return any(w not in asked_words for w in _found(language.date, sentence))
    if profile.asks == "number":
        return any(w not in asked_words for w in _found(language.number, sentence))
    if profile.asks == "reason":
        return language.reason.search(sentence) is not None
    if profile.asks == "agent":
        # Someone named: a capitalised word that the question does not give, past the first.
        tokens = _TOKEN.findall(sentence)[1:]
        return any(t[0].isupper() and t.lower() not in asked_words for t in tokens if t[0].isalpha())
    return True


def _found(pattern: re.Pattern[str], text: str) -> list[str]:
    """Matches as the words they are (``6,922`` as ``6922``)."""
    return [word for match in pattern.finditer(text) for word in words(match.group())]


def missing_figures(profile: QuestionProfile, evidence: str) -> list[str]:
    """The question's figures that ``evidence`` does not give, as digits or as a word
    ("4" and "four")."""
    present = set(words(evidence))
    return [
        figure
        for figure in profile.figures
        if not set(words(figure)) <= present and _as_word(figure) not in present
    ]


def _as_word(figure: str) -> str | None:
    return SMALL_NUMBERS[int(figure)] if figure.isdigit() and int(figure) < len(SMALL_NUMBERS) else None


def missing_names(profile: QuestionProfile, evidence: str) -> list[str]:
    """The question's names whose words ``evidence`` does not hold, an acronym counted
    as held when the evidence spells it out ("CTSA" by "Counter-Terrorism and Security Act")."""
    held = set(content_terms(evidence))
    return [
        name
        for name in profile.names
        if not set(content_terms(name)) <= held and not spells_out(name, evidence)
    ]


@dataclass(frozen=True)
class EvidenceView:
    """The best evidence sentence of one question as the features see it.

    Attributes:
        scores: Cross-encoder logits of the scored sentences, best first.
        sentence: The best sentence with its title and section before it.
        passage: The best sentence's passage with its title and section.
        passage_scores: Logits of the scored sentences of that passage, best first.
        passage_rank: Retrieval rank of that passage (0 is first).
        gain_without_missing: How much higher the cross-encoder scores the sentence for the
            question without its words that the corpus uses but the sentence lacks (0 when
            it lacks none): a near miss gains (it answers another question), a paraphrase
            does not.
    """

    scores: tuple[float, ...]
    sentence: str
    passage: str
    passage_scores: tuple[float, ...]
    passage_rank: int
    gain_without_missing: float = 0.0


def _unmet(pattern: re.Pattern[str], question: str, sentence: str) -> bool:
    """The question speaks of something (the future, a ranking) that the sentence does not."""
    return pattern.search(question) is not None and pattern.search(sentence) is None


def _list_unmet(question: str, passage: str) -> bool:
    """A question for N things ("Which four recommendations ...?") whose passage cannot be
    listing N things."""
    count = asked_count(question)
    return count is not None and not any(
        lists_in_one_sentence(line, count[1]) for line in passage.split("\n")
    )


def missing_known_terms(profile: QuestionProfile, sentence: str, idf: Callable[[str], float]) -> list[str]:
    """The question's terms that the corpus uses (``idf`` > 0) and ``sentence`` lacks."""
    held = set(content_terms(sentence))
    return [t for t in profile.terms if t not in held and idf(t) > 0]


def without_terms(question: str, terms: Collection[str]) -> str:
    """``question`` without the words whose stem is one of ``terms``.

    Example:
        >>> without_terms("How many people were injured in the attack?", {"injur"})
        'How many people were in the attack?'
    """
    kept = [w for w in question.split() if not (set(content_terms(w)) & set(terms))]
    return " ".join(kept)


def features(
    profile: QuestionProfile,
    view: EvidenceView,
    idf: Callable[[str], float],
) -> tuple[float, ...]:
    """The decision's features (in :data:`FEATURE_NAMES` order).

    Args:
        profile: The question, read by :func:`profile_question`.
        view: Its best evidence.
        idf: Inverse document frequency of a stemmed term in the corpus; 0 for a term
            the corpus never uses.
    """
    best = view.scores[0]
    margin = min(best - view.scores[1], _MARGIN_CAP) if len(view.scores) > 1 else _MARGIN_CAP
    # Another sentence of the same passage that scores well: the passage is about it.
    support = view.passage_scores[1] if len(view.passage_scores) > 1 else min(view.scores)
    weights = {term: idf(term) for term in profile.terms}
    unknown = sum(1 for w in weights.values() if w <= 0)
    top = max(weights.values(), default=1.0) or 1.0
    known = {t: w for t, w in weights.items() if w > 0}
    # A term the corpus never uses weighs as much as its rarest term.
    weights = {t: (w if w > 0 else top) for t, w in weights.items()}
    total = sum(weights.values()) or 1.0
    in_sentence = set(content_terms(view.sentence))
    in_passage = set(content_terms(view.passage))
    # A near miss lacks one rare word of the question that the corpus uses ("the *health*
    # sector's share"); a paraphrase lacks many common ones.
    rare_sentence = max((w for t, w in known.items() if t not in in_sentence), default=0.0) / top
    rare_passage = max((w for t, w in known.items() if t not in in_passage), default=0.0) / top
    specifics = len(profile.figures) + len(profile.names)
    missing = len(missing_figures(profile, view.passage)) + len(missing_names(profile, view.passage))
    return (
        best,
        # The score's worth is not linear in it: hinges let the decision bend at these logits.
        *(max(0.0, best - knot) for knot in _SCORE_KNOTS),
        margin,
        support,
        1.0 / (1.0 + view.passage_rank),
        float(profile.asks is not None),
        float(profile.asks is not None and holds_answer_type(profile, view.sentence)),
        float(_unmet(english().future, profile.text, view.sentence)),
        float(_unmet(english().ranking, profile.text, view.sentence)),
        float(_list_unmet(profile.text, view.passage)),
        missing / specifics if specifics else 0.0,
        sum(w for t, w in weights.items() if t in in_sentence) / total,
        sum(w for t, w in weights.items() if t in in_passage) / total,
        rare_sentence,
        rare_passage,
        float(min(sum(1 for t in known if t not in in_passage), _MISSING_CAP)),
        view.gain_without_missing,
        unknown / len(weights) if weights else 0.0,
        math.log1p(len(weights)),
    )
