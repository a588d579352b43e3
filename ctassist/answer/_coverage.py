"""Answerability beyond relevance: the evidence must meet the question's conditions.

A passage can be on topic without answering: "How many Channel cases were there in 2019?"
is close to a passage about Channel cases in the year to March 2024. The cross-encoder
scores topical relevance; this check adds that the question's *specific* terms — numbers
and dates, and proper names — occur in the evidence. When one does not, the evidence
answers a different question, and the assistant abstains. Measured on
``evals/questions.jsonl``: abstention F1 0.33 → 0.48 with no answerable question lost.

:func:`fails_conditions` extends the idea to every content word: a word of the question
that the corpus uses somewhere, but that the chosen answer sentences (with their
headings) do not contain, names a condition the answer does not meet — "Which police
*force* made the most referrals?" answered with "The police made 28% of the referrals".
It counts only when the evidence meets most of the question's other words: a question
put in the corpus's own words with one word unmatched asks for something the evidence
lacks, while one with many unmatched words is a paraphrase, which the retrievers and the
cross-encoder judge instead. Words the corpus never uses are left alone for that reason.
And a word can be unmatched yet met in other words ("What does the duty *require*?" —
"an authority *must* ..."): with strong evidence, the composer lets the cross-encoder
decide, abstaining only if the best sentence scores higher for the question without the
unmet words (:func:`without_term`). Measured on 20 fresh answerable and 10 fresh
unanswerable questions written after these rules (not in ``evals/``): without that
cross-check the word rule abstained on 4 of the 20 answerable ones, with it on 1.

:func:`lacks_answer_type` asks the evidence for the kind of answer the question wants (a
date, a date ahead, a number, names, N things listed), and :func:`asks_what_was_said` sends
questions about what was said at a meeting to the meeting's notes. Those two, with the
follow-up years rule, took abstention recall on ``evals/questions.jsonl`` from 0.72 to
0.96 with no new false abstention there or on ``evals/heldout.jsonl``. A negated word
("Which recommendations were *incomplete*?") is met only by the evidence saying so, not
by its positive ("30 of 34 were complete"): :func:`negated_terms`; recall 0.96 → 1.0,
neither held-out set changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from ctassist._text import STOPWORDS, content_terms, words

_TOKEN = re.compile(r"[^\W\d_][\w'’-]*|\d[\d,.:/]*\d|\d")
_QUESTION_WORDS = frozenset(
    {"who", "what", "when", "where", "which", "why", "how", "whose", "whom", "and", "but", "or"}
)
# Sentence starts and the parentheses around a resolved follow-up's earlier question.
_SENTENCE_BREAK = re.compile(r"(?<=[.?!])\s+|[()]")


def specific_terms(question: str) -> list[str]:
    """The question's numbers and proper names (capitalised words not opening a sentence).

    Example:
        >>> specific_terms("How many Channel cases were there in 2019?")
        ['Channel', '2019']
    """
    found: list[str] = []
    for sentence in _SENTENCE_BREAK.split(question):
        for position, token in enumerate(_TOKEN.findall(sentence)):
            lowered = token.lower()
            if lowered in STOPWORDS or lowered in _QUESTION_WORDS:
                continue
            if any(ch.isdigit() for ch in token) or (position > 0 and token[0].isupper()):
                found.append(token)
    return list(dict.fromkeys(found))


def missing_terms(question: str, evidence: Iterable[str]) -> list[str]:
    """The specific terms of ``question`` that occur in none of the ``evidence`` texts."""
    text = "\n".join(evidence)
    evidence_terms = set(content_terms(text))
    evidence_words = set(words(text))
    missing = []
    for term in specific_terms(question):
        if any(ch.isdigit() for ch in term):
            if not set(words(term)) <= evidence_words:
                missing.append(term)
        elif not set(content_terms(term)) <= evidence_terms:
            missing.append(term)
    return missing


_NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
# Words that frame a question rather than constrain its answer: light, reporting and
# aspectual verbs ("When did the review *start*?"), the names of answer types ("in which
# *year*", "what *share*", "how *many*") and counts of what is asked for ("the *two*
# groups", checked by ``lacks_answer_type``).
_FRAMING = frozenset(
    content_terms(
        "make made take took taken give gave given get got go went gone come came become became "
        "happen happened mean meant say said think thought believe feel felt consider according "
        "start started begin began begun "
        "often long far soon one ones many much kind type sort way part year years date day days time times number "
        "numbers percentage proportion share amount name names " + " ".join(_NUMBER_WORDS)
    )
)
#: Shortest stem compared by prefix ("give" matches "given").
_MIN_PREFIX = 4
#: Logits above the abstention threshold from which evidence with an unmet word is put to
#: the cross-encoder (below, the unmet word decides).
STRONG_EVIDENCE = 3.0
#: Logits by which the best sentence must score higher for the question without an unmet
#: word for that word to count as a condition the evidence lacks.
MIN_CONDITION_GAIN = 0.25
#: Unmet conditions count only when the evidence meets at least this share of them: a
#: question in the corpus's own words with one word unmatched asks for something the
#: evidence lacks; one with many unmatched words is a paraphrase, judged by the models.
MIN_MET_SHARE = 2 / 3


def condition_terms(question: str, known_term: Callable[[str], bool]) -> list[str]:
    """The question's content words (stemmed) that the corpus uses, framing words aside.

    Example:
        >>> condition_terms("Which police force made most referrals?", {"polic", "forc"}.__contains__)
        ['polic', 'forc']
    """
    return [
        term
        for term in dict.fromkeys(content_terms(question))
        if term not in _FRAMING and term not in _QUESTION_WORDS and known_term(term)
    ]


def unmet_conditions(conditions: list[str], evidence: Iterable[str]) -> list[str]:
    """The condition terms that none of the evidence texts contains.

    A stem of four letters or more also matches by prefix ("give" matches "given").

    Example:
        >>> unmet_conditions(["polic", "forc"], ["The police made 28% of the referrals."])
        ['forc']
    """
    evidence_terms = set(content_terms("\n".join(evidence)))
    return [
        term
        for term in conditions
        if term not in evidence_terms
        and not (
            len(term) >= _MIN_PREFIX
            and any(
                len(other) >= _MIN_PREFIX and (other.startswith(term) or term.startswith(other))
                for other in evidence_terms
            )
        )
    ]


def fails_conditions(question: str, evidence: Iterable[str], known_term: Callable[[str], bool]) -> list[str]:
    """The unmet conditions that make the evidence a near miss, or ``[]`` when it is not one.

    Args:
        question: The question (for a follow-up, its own words).
        evidence: The chosen answer sentences, each with its title and section.
        known_term: Whether the corpus uses a stemmed word anywhere.

    Returns:
        The unmet condition terms when they are at most a third of the conditions.
    """
    evidence = list(evidence)
    conditions = condition_terms(question, known_term)
    negated = negated_terms(question, known_term)
    unmet = unmet_conditions(conditions, evidence) + unmet_negations(negated, evidence)
    counted = len(conditions) + len(negated)
    return unmet if unmet and len(unmet) <= (1 - MIN_MET_SHARE) * counted + 1e-9 else []


# A negating prefix before a word of five letters or more ("in|complete", "un|published";
# not "in|form", "im|port").
_NEGATING_PREFIX = re.compile(r"^(?:un|in|im|non)(?=[a-z]{5})")
_NEGATION = re.compile(
    r"\b(?:not|no|never|without|outstanding|remain|remaining|yet to)\b|n't\b", re.IGNORECASE
)


def negated_terms(question: str, known_term: Callable[[str], bool]) -> list[tuple[str, str]]:
    """The question's negated words whose positive the corpus uses, but not the negated
    form: ("incomplet", "complet") for "Which recommendations were *incomplete*?" over a
    corpus that only says which were complete. Each as (stem, stem of the positive).

    Example:
        >>> negated_terms("Which were incomplete?", {"complet"}.__contains__)
        [('incomplet', 'complet')]
    """
    found: list[tuple[str, str]] = []
    for word in dict.fromkeys(w.lower() for w in _WORD.findall(question)):
        prefix = _NEGATING_PREFIX.match(word)
        stems, bases = content_terms(word), content_terms(word[prefix.end() :]) if prefix else []
        if (
            prefix
            and len(stems) == 1
            and len(bases) == 1
            and not known_term(stems[0])
            and known_term(bases[0])
        ):
            found.append((stems[0], bases[0]))
    return found


def unmet_negations(negated: list[tuple[str, str]], evidence: list[str]) -> list[str]:
    """The negated terms the evidence does not meet: neither the negated word nor its
    positive under a negation ("were not complete", "remain outstanding") is in the same
    evidence text.

    Example:
        >>> unmet_negations([("incomplet", "complet")], ["30 of the 34 were complete."])
        ['incomplet']
        >>> unmet_negations([("unpublish", "publish")], ["The reports were not published."])
        []
    """
    unmet = []
    for stem, base in negated:
        met = any(
            stem in (terms := set(content_terms(text))) or (base in terms and _NEGATION.search(text))
            for text in evidence
        )
        if not met:
            unmet.append(stem)
    return unmet


_ASKS_FOR_DATE = re.compile(
    r"^\s*(?:and\s+)?(?:when\b|since when\b|(?:on|in|from|by)?\s*(?:what|which)\s+(?:date|year|day|month)\b)",
    re.IGNORECASE,
)
_ASKS_FOR_NUMBER = re.compile(
    r"\bhow (?:many|much|long|often)\b|\b(?:what|which) (?:percentage|proportion|share|number|amount)\b",
    re.IGNORECASE,
)
_MONTHS = (
    # Not "may": far more often the verb.
    "january|february|march|april|june|july|august|september|october|november|december"
)
_DATE = re.compile(rf"\b(?:1[89]\d\d|20\d\d)\b|\b(?:{_MONTHS})\b", re.IGNORECASE)
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|dozen|half|quarter|third|single|double|"
    # "How often ...?" is answered by a frequency.
    r"once|twice|every|daily|weekly|fortnightly|monthly|quarterly|annually|yearly)\b",
    re.IGNORECASE,
)


_ASKS_FOR_FUTURE = re.compile(
    r"^\s*(?:and\s+)?when\s+(?:will|shall|is\s+\S+(?:\s+\S+){0,6}\s+(?:due|expected|planned|scheduled))\b",
    re.IGNORECASE,
)
_FUTURE = re.compile(
    r"\b(?:will|shall|due|expected|expects?|planned|plans?|scheduled|intends?|intended|going to|"
    r"forthcoming|upcoming)\b",
    re.IGNORECASE,
)
# "Name the three groups" asks for a list, not for names.
_ASKS_FOR_NAMES = re.compile(r"\bnames?\s+of\b|\bwho\s+(?:are|were)\s+the\s+members\b", re.IGNORECASE)
_COUNTS = {word: n for n, word in enumerate(_NUMBER_WORDS, 2)}
# "What were the eight recommendations ...?", "List the 3 objectives ...": N named things.
_ASKS_FOR_N_THINGS = re.compile(
    rf"^\s*(?:and\s+)?(?:what|which|list|name)\b(?:\s+(?:are|were|is|was))?\s+the\s+"
    rf"(?P<n>{'|'.join(_COUNTS)}|[2-9]|1[0-2])\s+[a-z]",
    re.IGNORECASE,
)
_ITEM_SEPARATOR = re.compile(
    r",|;|\band\b|\bor\b|(?:^|\n)[ \t]*(?:[•\-*–·]|\d{1,3}[.)])[ \t]+", re.IGNORECASE
)


def lacks_answer_type(question: str, sentences: Iterable[str], passage: str = "") -> str | None:
    """The kind of answer the question asks for when the evidence holds none, else ``None``.

    "When ...?" needs a date or year in the answer sentences, and "When will ...?" one
    that looks ahead; "How many ...?" and "What percentage ...?" need a number; "What are
    the names of ...?" a name the question does not give. "What were the eight
    recommendations?" needs eight things listed in the answer's passage (``passage``):
    a passage that only says there were eight does not name them. Evidence without the
    type answers another question.

    Example:
        >>> lacks_answer_type("When did the user group meet?", ["The user group was attended by ministries."])
        'date'
    """
    sentences = list(sentences)
    text = "\n".join(sentences)
    if _ASKS_FOR_DATE.search(question) and not _DATE.search(text):
        return "date"
    if _ASKS_FOR_FUTURE.search(question) and not any(
        _DATE.search(s) and _FUTURE.search(s) for s in sentences
    ):
        return "future date"
    if _ASKS_FOR_NUMBER.search(question) and not _NUMBER.search(text):
        return "number"
    if _ASKS_FOR_NAMES.search(question):
        asked = {word.lower() for word in _WORD.findall(question)}
        if all(set(name.lower().split()) <= asked for name in _names(text)):
            return "names"
    count = asked_count(question)
    if count is not None and _items_given(passage or text, count[0]) < count[1]:
        return f"list of {count[0]}"
    return None


def asked_count(question: str) -> tuple[str, int] | None:
    """The number of things the question asks for, as written and as a number.

    Example:
        >>> asked_count("What were the eight recommendations of the inspection?")
        ('eight', 8)
    """
    match = _ASKS_FOR_N_THINGS.search(question)
    if match is None:
        return None
    number = match.group("n").lower()
    return number, _COUNTS.get(number) or int(number)


def lists_in_one_sentence(sentence: str, count: int) -> bool:
    """Whether the sentence itself names ``count`` things ("four strands: Prevent, Pursue,
    Protect and Prepare")."""
    return len(_ITEM_SEPARATOR.findall(sentence)) + 1 >= count


def _items_given(passage: str, number: str) -> int:
    """How many things the passage can be listing: the most items of one sentence (or
    list), or the statements after the one that gives the count ("... fall into three
    groups. Referrals that ... The third group ...")."""
    parts = [p for p in _SENTENCE_BREAK.split(passage) if p.strip() and not _REFERENCE.match(p)]
    in_one = max((len(_ITEM_SEPARATOR.findall(part)) + 1 for part in parts), default=0)
    counted = re.compile(rf"\b{re.escape(number)}\b", re.IGNORECASE)
    first = next((i for i, part in enumerate(parts) if counted.search(part)), len(parts))
    return max(in_one, len(parts) - first - 1)


_REFERENCE = re.compile(r"\s*(?:sources?:|https?://)", re.IGNORECASE)


def _names(text: str) -> list[str]:
    """Runs of two or more capitalised words ("William Shawcross"), the way names of
    people and bodies are written, and quoted titles ("“Prevent – Progress and
    Prospects”"); acronyms and single capitalised words are too often the topic itself
    ("Prevent", "HMICFRS") to count as a name given."""
    return [" ".join(run.split()) for run in _NAME_RUN.findall(text) + _QUOTED_TITLE.findall(text)]


_NAME_RUN = re.compile(r"\b[A-Z][a-z][\w'’-]*(?:\s+(?:of\s+|for\s+|the\s+)?[A-Z][a-z][\w'’-]*)+")
_QUOTED_TITLE = re.compile(r"[“\"]([^”\"\n]*?\w\s+\w[^”\"\n]*?)[”\"]")


_SPEECH = re.compile(
    r"\b(?:said|say|says|saying|discuss|discussed|raised?|agreed?|decided?|told|spoke|minuted)\b|"
    r"\bwhat (?:views|concerns|points|issues)\b",
    re.IGNORECASE,
)
# A particular meeting ("the meeting", "the user reference group's meeting"), not meetings
# in general ("the local meetings that decide on support" is a Channel panel).
_MEETING = re.compile(
    r"\b(?:the|that|this|last|first|next|its|their|our|latest|previous)\s+(?:[\w'’-]+\s+){0,4}meeting\b|"
    r"\breference groups?\b",
    re.IGNORECASE,
)


def asks_what_was_said(question: str) -> bool:
    """Whether the question asks what was said, raised or agreed at a meeting: only the
    meeting's notes can answer that, never another document about the group.

    Example:
        >>> asks_what_was_said("What was said at the user group meeting?")
        True
    """
    return bool(_SPEECH.search(question) and _MEETING.search(question))


_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def without_term(question: str, term: str) -> str:
    """The question with the words whose stem is ``term`` left out.

    Example:
        >>> without_term("Which police force made the most referrals?", "forc")
        'Which police made the most referrals?'
    """
    kept = _WORD.sub(lambda m: "" if content_terms(m.group()) == [term] else m.group(), question)
    return " ".join(kept.split()).replace(" ?", "?")


def question_words(question: str, terms: Iterable[str]) -> list[str]:
    """The words of ``question`` whose stems are ``terms``, as the question spells them.

    Example:
        >>> question_words("Which police force made the most referrals?", ["forc"])
        ['force']
    """
    wanted = set(terms)
    found = [m.group() for m in _WORD.finditer(question) if set(content_terms(m.group())) & wanted]
    return list(dict.fromkeys(found))
