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
cross-check the word rule abstained on 4 of the 20 answerable ones, with it on 1. Strong
evidence may meet a word in the rest of its passage ("Police *forces* have specialist
officers. They give advice to ..."); weak evidence must meet it in the chosen sentences.

A negated word ("Which recommendations were *incomplete*?") is met only by the evidence
saying so, not by its positive ("30 of 34 were complete"): :func:`negated_terms`; on
``evals/questions.jsonl`` abstention recall 0.96 → 1.0, neither held-out set changed.
The kind of answer a question asks for is checked in ``_answer_type``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from ctassist._text import STOPWORDS, YEAR, content_terms, words

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
    """The specific terms of ``question`` that occur in none of the ``evidence`` texts.

    An acronym is met by the words it abbreviates ("MoD" by "Ministry of Defence", "CT"
    by "counter-terrorism"), a small figure by its word ("4" by "four").
    """
    text = "\n".join(evidence)
    evidence_terms = set(content_terms(text))
    evidence_words = set(words(text))
    bounds = {match.group("number") for match in _BOUND.finditer(question)}
    missing = []
    for term in specific_terms(question):
        if any(ch.isdigit() for ch in term):
            if term in bounds and re.fullmatch(YEAR, term):
                # "Did CONTEST exist before 2005?" is answered by the year it began. (Not
                # "children under 15": a bound on what is counted is a condition.)
                met = re.search(YEAR, text) is not None
            else:
                met = (
                    set(words(term)) <= evidence_words
                    or _NUMBER_NAMES.get(term) in evidence_words
                    or _in_stated_range(term, text)
                )
            if not met:
                missing.append(term)
        elif not set(content_terms(term)) <= evidence_terms and not spells_out(term, text):
            missing.append(term)
    return missing


_LOWER_BOUND = r"over|above|more\s+than|older\s+than|at\s+least"
_UPPER_BOUND = r"under|below|less\s+than|fewer\s+than|younger\s+than|up\s+to"
_AGE = r"(?:the\s+age\s+of\s+)?"
# A figure the question gives as a bound ("before 2005"), not as a value the evidence
# must repeat.
_BOUND = re.compile(
    rf"\b(?:before|after|since|until|till|prior\s+to|earlier\s+than|later\s+than|by|"
    rf"{_LOWER_BOUND}|{_UPPER_BOUND}|at\s+most)\s+{_AGE}(?P<number>\d[\d,]*)",
    re.IGNORECASE,
)
# A range the evidence states ("under the age of 18"): it holds a question's figure
# ("a 16-year-old") that it does not repeat.
_STATED_RANGE = re.compile(
    rf"\b(?:(?P<lower>{_LOWER_BOUND})|(?P<upper>{_UPPER_BOUND}))\s+{_AGE}(?P<number>\d[\d,]*)",
    re.IGNORECASE,
)


def _in_stated_range(figure: str, text: str) -> bool:
    """Whether ``text`` states a range ("under the age of 18") that holds ``figure``.

    Example:
        >>> _in_stated_range("16", "consent for a person under the age of 18"), _in_stated_range("19", "under 18")
        (True, False)
    """
    try:
        value = float(figure.replace(",", ""))
    except ValueError:
        return False
    for match in _STATED_RANGE.finditer(text):
        bound = float(match.group("number").replace(",", ""))
        if (value > bound) if match.group("lower") else (value < bound):
            return True
    return False


_ACRONYM = re.compile(r"^[A-Z][A-Za-z]*[A-Z][A-Za-z]*$")
_CONNECTIVES = frozenset({"of", "and", "the", "for", "on", "in", "&"})


def spells_out(acronym: str, text: str) -> bool:
    """Whether ``text`` writes out ``acronym`` (see :func:`spelled_out`).

    Example:
        >>> spells_out("CTSA", "the Counter-Terrorism and Security Act 2015")
        True
        >>> spells_out("MoD", "the Ministry of Defence Police"), spells_out("MoD", "the Ministry")
        (True, False)
    """
    return spelled_out(acronym, text) is not None


def spelled_out(acronym: str, text: str) -> str | None:
    """The words of ``text`` that write out ``acronym``, if any: capitalised words whose
    initials spell it, each piece of a hyphenated compound counting (in any case:
    "counter-terrorism" for "CT"), connectives ("of", "and") either spelled in the
    acronym or skipped.

    Example:
        >>> spelled_out("CTSA", "Schedule 7 to the Counter-Terrorism and Security Act 2015.")
        'Counter-Terrorism and Security Act'
    """
    if len(acronym) > 8 or not _ACRONYM.match(acronym):
        return None
    letters = acronym.lower()
    tokens = text.split()
    # (piece, its token's index, whether it counts in lower case)
    parts = [
        (piece, index, piece.lower() in _CONNECTIVES or len(pieces) > 1)
        for index, token in enumerate(tokens)
        for pieces in [[piece for piece in re.split(r"[-‐–]+", token) if piece]]
        for piece in pieces
    ]
    for start, (first, _, any_case) in enumerate(parts):
        if first[:1] != acronym[0] and not (any_case and first[:1].lower() == letters[0]):
            continue
        position, at = 0, start
        while position < len(letters) and at < len(parts):
            part, _, any_case = parts[at]
            if part[:1].lower() == letters[position] and (part[:1].isupper() or any_case):
                position += 1
            elif part.lower() not in _CONNECTIVES:
                break
            at += 1
        if position == len(letters):
            words_used = tokens[parts[start][1] : parts[at - 1][1] + 1]
            return re.sub(r"[^\w'’]+$", "", " ".join(words_used))
    return None


_SECTION = re.compile(r"(?<![\w'’.])s\.?\s?(?=\d)")
_ABBREVIATION = re.compile(r"\b[A-Za-z]*[A-Z][A-Za-z]*[A-Z][A-Za-z]*\b")
# Chat shorthand for everyday words, as staff type it.
_SHORTHAND = {
    "y/e": "year ending",
    "yr": "year",
    "yrs": "years",
    "ppl": "people",
    "govt": "government",
    "dept": "department",
    "depts": "departments",
    "approx": "approximately",
    "info": "information",
    "rec": "recommendation",
    "recs": "recommendations",
    # Public-sector shorthand.
    "la": "local authority",
    "las": "local authorities",
    "u18": "under 18",
    "u18s": "under 18s",
    "w/": "with",
    "b/c": "because",
}
_SHORTHAND_WORD = re.compile(
    r"(?<![\w/.-])(?:"
    + "|".join(re.escape(word) for word in sorted(_SHORTHAND, key=len, reverse=True))
    + r")(?![\w/-])",
    re.IGNORECASE,
)
_MONTH_NAMES = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
# "year ending march 24" (typed "y/e march 24"): after "year ending" or "year to", two
# digits after a month are its year, not its day.
_SHORT_YEAR = re.compile(rf"\b(year\s+(?:ending|to)\s+(?:{_MONTH_NAMES})\.?)\s+(\d\d)\b", re.IGNORECASE)


def in_corpus_words(question: str, text: str, known_term: Callable[[str], bool]) -> str:
    """``question`` with the abbreviations the corpus does not use written out as ``text``
    (the passages) writes them: "s29" as "section 29", "CTSA" as "Counter-Terrorism and
    Security Act"; and chat shorthand as words ("yr" as "year", "y/e march 24" as "year
    ending march 2024"). The cross-encoder and the checks then read the question as the
    documents put it.

    Example:
        >>> in_corpus_words("what's issued under s29 CTSA?", "section 29 of the Counter-Terrorism and Security Act", {"section"}.__contains__)
        "what's issued under section 29 Counter-Terrorism and Security Act?"
    """

    def written_out(match: re.Match[str]) -> str:
        acronym = match.group()
        if all(known_term(term) for term in content_terms(acronym)):
            return acronym
        return spelled_out(acronym, text) or acronym

    question = _SHORTHAND_WORD.sub(lambda m: _SHORTHAND[m.group().lower()], question)
    question = _SHORT_YEAR.sub(lambda m: f"{m.group(1)} 20{m.group(2)}", question)
    return _ABBREVIATION.sub(written_out, _SECTION.sub("section ", question))


_NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
# "the 4 Ps" are "the four Ps".
_NUMBER_NAMES = {str(n): word for n, word in enumerate(("zero", "one", *_NUMBER_WORDS))}
# Words that frame a question rather than constrain its answer: light, reporting and
# aspectual verbs ("When did the review *start*?", "take place"), the names of answer
# types ("in which *year*", "what *share*", "how *many*", "the full *title*") and counts
# of what is asked for ("the *two* groups", checked by ``lacks_answer_type``).
_FRAMING = frozenset(
    content_terms(
        "make made take took taken give gave given get got go went gone come came become became use used "
        "happen happened mean meant say said think thought believe feel felt consider according "
        "start started begin began begun "
        "often long far soon one ones many much kind type sort way part year years date day days time times number "
        "numbers percentage proportion share amount name names title called "
        # Placeholders for whoever and whatever is asked about ("who referred more *people*",
        # "any *issues* with vetting"), and the document itself ("on its *page*").
        "people person persons individual individuals someone anyone thing things "
        "issue issues problem problems detail details summary example examples page "
        # Words that shape a yes/no or contrastive question, not its subject ("and
        # *whether* the government took them on", "*rather* than passing it on").
        "whether rather actually really already else " + " ".join(_NUMBER_WORDS)
    )
)
# Light verbs of two words: their noun sets no condition. (Not "carry out": who carried
# out an attack is a condition, when an inspection was carried out is not.)
_LIGHT_VERB = re.compile(
    r"\b(?:take|takes|took|taken|taking)\s+(?:place|part)\b",
    re.IGNORECASE,
)
# "Which *body* published ...?": the kind of answer, which the evidence names ("HMIC")
# rather than calls a body. Unlike a placeholder of ``_FRAMING``, "How many bodies ...?"
# still counts bodies (see ``_answer_type``).
_BODY = frozenset(content_terms("body bodies organisation organisations organization organizations"))
# "Is it *right* that only the police refer?" asks whether something is so.
_IS_IT_SO = re.compile(
    r"\b(?:is|was|isn't|wasn't)\s+it\s+(?:right|true|correct|the\s+case)\s+that\b", re.IGNORECASE
)
# "What obligation does the Act *place on* partners?": the verb only carries its object.
_PLACE_ON = re.compile(
    r"\b(?:place|places|placed|placing|impose|imposes|imposed|imposing)\b(?=(?:\s+[\w'’-]+){0,3}?\s+(?:on|upon)\b)",
    re.IGNORECASE,
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
        for term in dict.fromkeys(
            content_terms(_PLACE_ON.sub("", _LIGHT_VERB.sub("take", _IS_IT_SO.sub("", question))))
        )
        if term not in _FRAMING and term not in _BODY and term not in _QUESTION_WORDS and known_term(term)
    ]


# Words that documents and questions use for one another, so that one meets the other:
# how a duty is put ("obliged" / "must" / "requires"), how something came to be
# ("created" / "designed"), what an inspection reported ("identified" / "found") and
# what a rule reaches ("applies" / "covers").
_OBLIGATION = frozenset(content_terms("oblige obligation required requirement duty mandatory compulsory"))
_SAME_MEANING = (
    _OBLIGATION,
    *(
        frozenset(content_terms(group))
        for group in ("create design develop establish", "find found identify highlight", "apply cover")
    ),
)
# Modal verbs are stopwords, so they are looked for as words: "must" meets "obliged".
_OBLIGING_WORDS = frozenset({"must", "shall"})


def unmet_conditions(conditions: list[str], evidence: Iterable[str]) -> list[str]:
    """The condition terms that none of the evidence texts contains.

    A stem of four letters or more also matches by prefix ("give" matches "given").

    Example:
        >>> unmet_conditions(["polic", "forc"], ["The police made 28% of the referrals."])
        ['forc']
    """
    text = "\n".join(evidence)
    evidence_terms = set(content_terms(text))
    for group in _SAME_MEANING:
        if group & evidence_terms:
            evidence_terms |= group
    if _OBLIGING_WORDS & set(words(text)):
        evidence_terms |= _OBLIGATION
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


def fails_conditions(
    question: str, evidence: Iterable[str], known_term: Callable[[str], bool], context: Iterable[str] = ()
) -> list[str]:
    """The unmet conditions that make the evidence a near miss, or ``[]`` when it is not one.

    Args:
        question: The question (for a follow-up, its own words).
        evidence: The chosen answer sentences, each with its title and section.
        known_term: Whether the corpus uses a stemmed word anywhere.
        context: The passages of the evidence. A word met there is met: the passage is
            the sentence's context ("Police forces have specialist officers. They give
            advice to ..." answers a question about forces' officers). A negation must be
            met by the sentence that says it.

    Returns:
        The unmet condition terms when they are at most a third of the conditions.
    """
    evidence = list(evidence)
    conditions = condition_terms(question, known_term)
    negated = negated_terms(question, known_term)
    around = [*evidence, *context]
    unmet = unmet_conditions(conditions, around) + unmet_negations(negated, evidence)
    # An acronym is met by the words it abbreviates ("regional CT units" by "regional
    # counter-terrorism units"), as in :func:`missing_terms`.
    text = "\n".join(around)
    unmet = [
        term
        for term in unmet
        if not ((asked := question_words(question, [term])) and all(spells_out(word, text) for word in asked))
    ]
    counted = len(conditions) + len(negated)
    return unmet if unmet and len(unmet) <= (1 - MIN_MET_SHARE) * counted + 1e-9 else []


# "Which *software* do forces use?": the kind of thing asked for, when the wh-word's noun
# stands alone before the verb.
_ASKED_KIND = re.compile(
    r"\b(?:which|what)\s+(?P<word>[a-z][a-z-]*)\s+"
    r"(?:do|does|did|is|are|was|were|has|have|had|can|could|will|would|should|must|might|may)\b",
    re.IGNORECASE,
)
# Nouns that only describe the answer's shape ("On what *basis* must ...?", "What *term*
# does the Act use?"), whatever words the corpus answers in.
_SHELL_NOUNS = frozenset(
    content_terms(
        "basis term terms period aspect piece part provision way means extent degree level form reason "
        "purpose circumstance circumstances stage point role test criterion criteria standard condition "
        "conditions status approach method process step factor"
    )
)


def unknown_kind(question: str, known_term: Callable[[str], bool]) -> str | None:
    """The kind of thing the question asks for ("Which *software* do forces use?") when
    the corpus never uses the word, nor one it uses for it: no passage can name one.

    Example:
        >>> unknown_kind("Which software do forces use?", {"forc", "use"}.__contains__)
        'software'
        >>> unknown_kind("On what basis must police refer?", {"polic", "refer"}.__contains__) is None
        True
    """
    for match in _ASKED_KIND.finditer(question):
        word = match.group("word")
        stems = content_terms(word.lower())
        if not stems or stems[0] in _FRAMING or stems[0] in _SHELL_NOUNS or stems[0] in _QUESTION_WORDS:
            continue
        same = next((group for group in _SAME_MEANING if stems[0] in group), frozenset(stems[:1]))
        if not any(known_term(stem) for stem in same):
            return word
    return None


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
