"""The kind of answer a question asks for, and whether the evidence holds one.

A passage can be on topic and still not answer: "When will HMICFRS publish its next
report?" is not answered by the date of the last one, "What were the eight
recommendations?" not by the sentence that says there were eight. :func:`lacks_answer_type`
asks the evidence for the kind of answer the question wants (a date, a day, a date ahead,
a number of what is counted, money, a change or comparison, a reason, a ranking, names, N
things listed), and :func:`asks_what_was_said` sends questions about what was said at a
meeting to the meeting's notes. These checks catch the near misses that a cross-encoder
threshold alone cannot tell from paraphrases (``evals/README.md`` has the measurements).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ctassist._text import STOPWORDS, YEAR, content_terms, mentions
from ctassist.answer._coverage import _FRAMING, _IS_IT_SO, _NUMBER_WORDS, _SENTENCE_BREAK, _WORD

_ASKS_FOR_DATE = re.compile(
    # "When might officers ...?" asks in what circumstances, not at what time.
    r"^\s*(?:and\s+)?(?:when\b(?!\s+(?:might|may|can|could|should|would|must)\b)|since when\b|"
    r"(?:on|in|from|by)?\s*(?:what|which)\s+(?:date|year|day|month)s?\b)",
    re.IGNORECASE,
)
_ASKS_FOR_NUMBER = re.compile(
    r"\bhow (?:many|much|long|often)\b|\b(?:what|which) (?:percentage|proportion|share|number|amount)\b",
    re.IGNORECASE,
)
# "How many police officers ...?": the number must count officers, not forces.
_HOW_MANY = re.compile(
    r"\bhow\s+many\s+(?:of\s+(?:(?:the|its|their|these|those|our)\s+)?)?(?P<rest>.*)", re.IGNORECASE
)
# "How much did the review cost?", "What is the annual budget?": an amount of money.
_ASKS_FOR_MONEY = re.compile(
    r"\bhow\s+much\b(?=[^?]*\b(?:cost|costs|costing|costed|fund|funds|funding|funded|spend|spends|spending|"
    r"spent|pay|pays|paid|budget|price|worth|charge|charged|invest|invested|investment)\b)|"
    r"\b(?:what|how\s+much)\s+(?:is|was|were|are|will\s+be)\s+(?:the\s+|its\s+|their\s+)?(?:\w+\s+){0,2}"
    r"(?:cost|costs|budget|funding|spending|expenditure|price|fee|fees|grant|allocation)\b",
    re.IGNORECASE,
)
_MONEY = re.compile(
    r"[£$€]\s?\d|\b\d[\d,.]*\s*(?:million|billion|bn|m|k)?\s*(?:pounds|pence|euros?|dollars?)\b|"
    r"\b(?:GBP|USD|EUR)\s?\d",
    re.IGNORECASE,
)
_MONTHS = (
    # Not "may": far more often the verb.
    "january|february|march|april|june|july|august|september|october|november|december"
)
_DATE = re.compile(rf"{YEAR}|\b(?:{_MONTHS})\b", re.IGNORECASE)
# "What day in October 2018 ...?" asks for more than the month.
_ASKS_FOR_DAY = re.compile(r"\b(?:what|which)\s+(?:exact\s+)?day\b|\bexact\s+date\b", re.IGNORECASE)
_DAY = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS}|may)\b|\b(?:{_MONTHS}|may)\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?!\d)|"
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.IGNORECASE,
)
# "Did referrals go up or down compared with the year before?" asks for a change, which
# one year's figure does not give.
_ASKS_FOR_CHANGE = re.compile(
    r"\bup\s+or\s+down\b|\bdown\s+or\s+up\b|"
    # Against an earlier period: "more ... than in the previous year", "compared with last year".
    r"^(?=.*\b(?:(?:previous|prior|preceding|last|earlier)\s+(?:year|period)|year\s+before)\b)"
    r"(?=.*\b(?:more|less|fewer|higher|lower|up|down|increas|decreas|rise|rose|fall|fell|change|differ|compar|than)"
    r"[a-z]*\b)|"
    r"\b(?:increase|decrease|rise|fall|grow|decline|drop)(?:d|s)?\s+(?:or\s+\w+\s+)?(?:since|from|over)\b",
    re.IGNORECASE,
)
_CHANGE = re.compile(
    r"\b(?:increas\w*|decreas\w*|rise|rose|risen|rising|fell|fall(?:en|ing)?|grew|grow(?:n|ing|th)|"
    r"declin\w*|drop(?:ped)?|up\s+from|down\s+from|compared\s+(?:with|to)|doubl\w*|halv\w*|"
    r"previous\s+year|year\s+before)\b",
    re.IGNORECASE,
)
# "Did the public group meet more often than the user group?" asks for a comparison:
# a comparative in the evidence, or a figure for each side.
_ASKS_FOR_COMPARISON = re.compile(
    r"\b(?:more|less|fewer|better|worse|higher|lower|larger|smaller|bigger|greater|stronger|weaker|"
    r"earlier|later|longer|shorter)\b(?:\s+[\w'’-]+){0,8}?\s+than\b|"
    r"\bdiffer(?:s|ed|ent|ence|ences)?\s+(?:from|between|to)\b",
    re.IGNORECASE,
)
_COMPARATIVE = re.compile(
    r"\bthan\b|\bwhereas\b|\bcompared\b|\bunlike\b|\bdiffer\w*|\b(?:more|less|fewer|higher|lower|better|worse)\b",
    re.IGNORECASE,
)
_AMOUNT_WORDS = (
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|dozen|half|quarter|third|single|double|"
    # "How often ...?" is answered by a frequency.
    r"once|twice|every|daily|weekly|fortnightly|monthly|quarterly|annually|yearly)\b"
)
_NUMBER = re.compile(rf"\d[\d,.]*\d|\d|{_AMOUNT_WORDS}", re.IGNORECASE)


_ASKS_FOR_FUTURE = re.compile(
    r"^\s*(?:and\s+)?when\s+(?:will|shall|(?:is|are)\s+\S+(?:\s+\S+){0,12}?\s+(?:due|expected|planned|scheduled)"
    # "When is the next update ...?"
    r"|(?:is|are)\s+(?:the\s+|a\s+)?next)\b",
    re.IGNORECASE,
)
_FUTURE = re.compile(
    r"\b(?:will|shall|expected|expects?|planned|plans?|scheduled|intends?|intended|going to|"
    r"forthcoming|upcoming|next|"
    # Not "due regard", "due diligence", "due to" (a cause).
    r"due(?![-‐]|\s+(?:regard|diligence|process|care|to)\b))\b",
    re.IGNORECASE,
)
# "Who ...?", "By whom ...?", "Within the police, who ...?" (not "whose": "Whose consent
# is needed?" is answered by the consent's owner, often named in the question's words).
_ASKS_FOR_AGENT = re.compile(r"(?:^|[,;]\s*)(?:and\s+|by\s+)?(?:who|whom)\b", re.IGNORECASE)
# "Which department ...?", "Which other inspectorate ...?": a body such questions ask for
# has a name ("the Home Office"), which the answer must give beyond the question's own.
_ASKS_FOR_NAMED_BODY = re.compile(
    r"\bwhich\s+(?:\w+\s+)?(?:department|ministry|inspectorate|force|council|regulator|court|committee|agency)s?\b",
    re.IGNORECASE,
)
# "Which minister appointed ...?" asks for a person, named in words, not an acronym.
_ASKS_FOR_NAMED_PERSON = re.compile(
    r"\bwhich\s+(?:\w+\s+)?(?:minister|secretary|inspector|commissioner|judge)\b", re.IGNORECASE
)
# "Why ...?" is answered by a cause or a purpose, which the answer says in so many words.
_ASKS_FOR_REASON = re.compile(r"(?:^|[,;]\s*)(?:and\s+|but\s+)?why\b", re.IGNORECASE)
_REASON = re.compile(
    r"\b(?:because|due to|owing to|as a result|result(?:s|ed)? (?:of|from|in)|reasons?|since|so that|"
    r"in order to|so as to|after|following|therefore|thus|hence|given that|led to|caused|aims? to|"
    r"designed to|intended to|purpose|to (?:ensure|help|prevent|stop|protect|support|reduce|improve))\b"
    # A purpose clause: "To develop this inspection, HMICFRS is drawing on ..."
    r"|(?:^|[.:;,]\s+)to\s+[a-z]+",
    re.IGNORECASE | re.MULTILINE,
)
# "Which force made the *most* referrals?" asks for a ranking, which evidence that only
# says what forces do ("Forces have Prevent officers") does not give.
_SUPERLATIVE = (
    r"\b(?:most|least|largest|biggest|highest|lowest|fewest|greatest|smallest|best|worst|weakest|strongest|"
    r"latest|earliest|newest|oldest|longest|shortest)\b"
)
_ASKS_FOR_RANKING = re.compile(_SUPERLATIVE, re.IGNORECASE)
_RANKING = re.compile(
    rf"{_SUPERLATIVE}|\b(?:majority|top|leading|first|last|recent)\b|\bthan any\b", re.IGNORECASE
)
# "Is Prevent racist?", "Was the review right to say ...?" ask for a verdict. Evidence
# that reports what was said, without the verdict, does not give one. ("Is it right
# that ...?" only asks whether something is so.)
_VERDICT = (
    r"\b(?:right(?![-\s]wing)|wrong|fair|unfair|justified|unjustified|correct|incorrect|racist|discriminatory|"
    r"biased|islamophobic|legitimate|proportionate|disproportionate)\b"
)
_ASKS_FOR_VERDICT = re.compile(
    rf"^\s*(?:and\s+)?(?:is|was|are|were|isn't|wasn't)\b[^?]{{0,80}}?(?P<verdict>{_VERDICT})",
    re.IGNORECASE,
)
_VERDICT_WORD = re.compile(_VERDICT, re.IGNORECASE)
# "Name the three groups" asks for a list, not for names.
_ASKS_FOR_NAMES = re.compile(r"\bnames?\s+of\b|\bwho\s+(?:are|were)\s+the\s+members\b", re.IGNORECASE)
_COUNTS = {word: n for n, word in enumerate(_NUMBER_WORDS, 2)}
# "What were the eight recommendations ...?", "List the 3 objectives ...": N named things.
# Also "What did the eight recommendations say?", "Which four of the 34 were outstanding?",
# "Which of the eight have forces implemented?"
_ASKS_FOR_N_THINGS = re.compile(
    r"^\s*(?:and\s+)?(?:what|which|list|name)\b(?:\s+(?:are|were|is|was|did|do|does))?\s+"
    r"(?:of\s+)?(?:the\s+|its\s+|their\s+)?"
    rf"(?P<n>{'|'.join(_COUNTS)}|[2-9]|1[0-2])\s+(?:of\s|[a-z])",
    re.IGNORECASE,
)
_ITEM_SEPARATOR = re.compile(
    r",|;|\band\b|\bor\b|(?:^|\n)[ \t]*(?:[•\-*–·]|\d{1,3}[.)])[ \t]+", re.IGNORECASE
)


def lacks_answer_type(question: str, sentences: Iterable[str], passage: str = "") -> str | None:
    """The kind of answer the question asks for when the evidence holds none, else ``None``.

    Evidence without the type answers another question:

    - "When ...?" needs a date or year in the answer sentences, "What day ...?" a day,
      "When will ...?" a date that looks ahead.
    - "How many ...?" and "What percentage ...?" need a number the question does not
      give itself (not the "2020" of "the 2020 inspection"); "How many officers ...?" in
      a sentence about officers, not forces; "How much did it cost?" an amount of money.
    - "Did referrals go up or down ...?" needs a change; "Did A meet more often than
      B?" a comparative or a figure for each side.
    - "Why ...?" needs a cause or purpose in the best sentence (the first); "Which force
      made the most ...?" a ranking; "Is Prevent racist?" the verdict itself, not what
      someone said.
    - "Who ...?" needs some word beyond the question's and a date; "Which department
      ...?", "Which minister ...?" and "What are the names of ...?" a name the question
      does not give.
    - "What were the eight recommendations?" needs eight things listed in the answer's
      passage (``passage``): a passage that only says there were eight does not name them.

    Example:
        >>> lacks_answer_type("When did the user group meet?", ["The user group was attended by ministries."])
        'date'
    """
    sentences = list(sentences)
    text = "\n".join(sentences)
    # Numbers count only when the question does not give them itself.
    asked_numbers = _numbers(question)
    new_numbers = _numbers(text) - asked_numbers
    if _ASKS_FOR_DATE.search(question) and not _dates(text) - _dates(question):
        return "date"
    if _ASKS_FOR_DAY.search(question) and not _DAY.search(text):
        return "day"
    if _ASKS_FOR_CHANGE.search(question) and not _CHANGE.search(text):
        return "change over time"
    if _ASKS_FOR_COMPARISON.search(question) and not _COMPARATIVE.search(text) and len(new_numbers) < 2:
        return "comparison"
    if _ASKS_FOR_FUTURE.search(question) and not any(
        _DATE.search(s) and _FUTURE.search(s) for s in sentences
    ):
        return "future date"
    if _ASKS_FOR_NUMBER.search(question) and not new_numbers:
        return "number"
    if _ASKS_FOR_MONEY.search(question) and not _MONEY.search(text):
        return "amount of money"
    counted = _counted(question)
    if counted is not None and not any(
        _numbers(sentence) - asked_numbers and _mentions_term(sentence, counted) for sentence in sentences
    ):
        return f"number of {counted}"
    if asks_why(question) and not gives_reason(sentences[0] if sentences else ""):
        return "reason"
    if _ASKS_FOR_RANKING.search(question) and not _RANKING.search(text):
        return "ranking"
    verdict = _ASKS_FOR_VERDICT.search(_IS_IT_SO.sub("", question))
    if verdict is not None:
        asked = verdict.group("verdict").lower()
        if asked not in {word.lower() for word in _VERDICT_WORD.findall(text)}:
            return f"view on whether it is {asked}"
    if _ASKS_FOR_AGENT.search(question) and not _says_more(text, question):
        return "person or body"
    if _ASKS_FOR_NAMED_BODY.search(question) and not _new_names(text, question, acronyms=True):
        return "name"
    if (_ASKS_FOR_NAMES.search(question) or _ASKS_FOR_NAMED_PERSON.search(question)) and not _new_names(
        text, question
    ):
        return "names"
    count = asked_count(question)
    if count is not None and _items_given(passage or text, count[0]) < count[1]:
        return f"list of {count[0]}"
    return None


def asks_why(question: str) -> bool:
    """Whether the question asks "why": its answer must give a cause or purpose."""
    return _ASKS_FOR_REASON.search(question) is not None


def gives_reason(sentence: str) -> bool:
    """Whether the sentence gives a cause or purpose.

    Example:
        >>> gives_reason("They refer people to protect them."), gives_reason("They refer people.")
        (True, False)
    """
    return _REASON.search(sentence) is not None


def _new_names(text: str, question: str, *, acronyms: bool = False) -> list[str]:
    """The names in ``text`` (see :func:`_names`; with ``acronyms``, acronyms too) that
    ``question`` does not give."""
    asked = {word.lower() for word in _WORD.findall(question)}
    found = _names(text) + (_ACRONYM_IN_TEXT.findall(text) if acronyms else [])
    return [name for name in found if not set(name.lower().split()) <= asked]


_ACRONYM_IN_TEXT = re.compile(r"\b[A-Z][A-Za-z]*[A-Z]\b")


def _counted(question: str) -> str | None:
    """What "How many ...?" counts: of the words after "how many" up to a stopword or a
    past participle, the first plural ("How many regions make up ..." counts regions),
    else the last ("how many staff"); none when it is a placeholder ("people", "times")
    that evidence counts in other words.

    Example:
        >>> _counted("How many police officers were interviewed?"), _counted("How many were hurt?")
        ('officers', None)
    """
    match = _HOW_MANY.search(question)
    if match is None:
        return None
    phrase: list[str] = []
    for word in _WORD.findall(match.group("rest")):
        lowered = word.lower()
        if lowered in STOPWORDS or (phrase and lowered.endswith("ed")):
            break
        phrase.append(lowered)
    plurals = [word for word in phrase if _singular(word) != word]
    counted = plurals[0] if plurals else phrase[-1] if phrase else None
    stems = content_terms(counted) if counted is not None else []
    return counted if stems and stems[0] not in _FRAMING else None


def _mentions_term(text: str, word: str) -> bool:
    """Whether ``text`` has ``word``, singular or plural ("referral" for "referrals"; not
    "Office" for "officers", which a stemmer would take as one word)."""
    wanted = _singular(word)
    return any(_singular(piece) == wanted for piece in _PIECE.findall(text))


# Words, and each piece of a hyphenated one ("counter-terrorism units").
_PIECE = re.compile(r"[^\W\d_][\w'’]*")


def _singular(word: str) -> str:
    word = word.lower()
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _dates(text: str) -> set[str]:
    """The years, months and days of months ``text`` gives: "On what date in 2009 ...?"
    is not answered by "In 2009, ...", "What date in July 2023 ...?" is by "18 July 2023"."""
    found = [*_DATE.finditer(text), *_DAY.finditer(text)]
    return {" ".join(match.group().lower().split()) for match in found}


def _numbers(text: str) -> set[str]:
    """The numbers ``text`` gives, figures and words ("6,922" as "6922", "eight")."""
    return {match.group().lower().replace(",", "") for match in _NUMBER.finditer(text)}


def _says_more(text: str, question: str) -> bool:
    """Whether ``text`` has a word (not a number or date) that ``question`` lacks: an
    answer to "Who brought the challenge against Lord Carlile?" that only repeats the
    question's words and adds a date names nobody."""
    asked = set(content_terms(question))
    return any(
        not _DATE.search(word)
        and not any(ch.isdigit() for ch in word)
        and not set(content_terms(word)) <= asked
        for word in _WORD.findall(text)
    )


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
    return _items_in(sentence) >= count


def _items_in(sentence: str) -> int:
    """How many things a sentence (or list) can name: one more than its separators."""
    return len(_ITEM_SEPARATOR.findall(sentence)) + 1


def _items_given(passage: str, number: str) -> int:
    """How many things the passage can be listing: the most items of one sentence (or
    list), or the statements after the one that gives the count ("... fall into three
    groups. Referrals that ... The third group ...")."""
    parts = [p for p in _SENTENCE_BREAK.split(passage) if p.strip() and not _REFERENCE.match(p)]
    in_one = max((_items_in(part) for part in parts), default=0)
    first = next((i for i, part in enumerate(parts) if mentions(part, number)), len(parts))
    return max(in_one, len(parts) - first - 1)


_REFERENCE = re.compile(r"\s*(?:sources?:|https?://)", re.IGNORECASE)


def _names(text: str) -> list[str]:
    """Runs of two or more capitalised words ("William Shawcross"), the way names of
    people and bodies are written, and quoted titles ("“Prevent – Progress and
    Prospects”"); acronyms and single capitalised words are too often the topic itself
    ("Prevent", "HMICFRS") to count as a name given. A capitalised word opening a sentence
    ("The Westminster attack") is no part of a name."""
    runs = []
    for run in _NAME_RUN.findall(text):
        words = run.split()
        while words and words[0].lower() in STOPWORDS:
            words = words[1:]
        if len(words) >= 2:
            runs.append(" ".join(words))
    return runs + [" ".join(title.split()) for title in _QUOTED_TITLE.findall(text)]


# Not across a line break: a title's last word and its section's first are no name.
_NAME_RUN = re.compile(r"\b[A-Z][a-z][\w'’-]*(?:[ \t]+(?:of[ \t]+|for[ \t]+|the[ \t]+)?[A-Z][a-z][\w'’-]*)+")
_QUOTED_TITLE = re.compile(r"[“\"]([^”\"\n]*?\w\s+\w[^”\"\n]*?)[”\"]")


# What only a meeting's notes record: what was said, raised, agreed or decided there.
_SAID = r"said|say|says|raised?|agreed?|decided?|tell|tells|told|concluded?|suggested?|minuted"
# What a document about the meeting may report: what was discussed.
_DISCUSSED = r"\bdiscuss(?:ed|es|ing|ions?)?\b"
_SPEECH = re.compile(
    rf"\b(?:{_SAID}|saying|discuss|discussed|spoke)\b|\bwhat (?:views|concerns|points|issues)\b",
    re.IGNORECASE,
)
# A particular meeting ("the meeting", "the user reference group's meeting"), not meetings
# in general ("the local meetings that decide on support" is a Channel panel).
_MEETING = re.compile(
    r"\b(?:the|that|this|last|first|next|its|their|our|latest|previous)\s+(?:[\w'’-]+\s+){0,4}meeting\b|"
    r"\breference groups?\b",
    re.IGNORECASE,
)


def asks_what_was_said(question: str, context: str = "") -> bool:
    """Whether the question asks what was said, raised or agreed at a meeting: only the
    meeting's notes can answer that, never another document about the group (unless it
    reports what the group discussed: see :func:`reports_discussion`).

    Args:
        question: The question as asked (a follow-up's own words).
        context: The question made standalone, which may name the meeting ("What did
            they say? (Who attended the public reference group?)").

    Example:
        >>> asks_what_was_said("What was said at the user group meeting?")
        True
        >>> asks_what_was_said("What did they say?", "(Who attended the reference group?)")
        True
    """
    return bool(_SPEECH.search(question) and _MEETING.search(f"{question} {context}"))


_ASKS_FOR_TOPICS = re.compile(rf"{_DISCUSSED}|\btalk(?:ed|s)?\s+about\b", re.IGNORECASE)
_ASKS_WHAT_WAS_SAID = re.compile(rf"\b(?:{_SAID})\b", re.IGNORECASE)
_REPORTS_DISCUSSION = re.compile(rf"{_DISCUSSED}|\btalked\s+about\b", re.IGNORECASE)


def reports_discussion(question: str, passage: str) -> bool:
    """Whether a passage other than a meeting's notes answers a question about a meeting:
    what a group *discussed* (its topics) may come from a document that says what the
    group's discussions were about ("Reference groups' discussions focused on the
    following questions"); what was said, raised or agreed only from the notes.

    Example:
        >>> passage = "Reference groups' discussions focused on the following questions."
        >>> reports_discussion("What did the reference groups discuss?", passage)
        True
        >>> reports_discussion("What did the reference groups agree?", passage)
        False
    """
    return bool(
        _ASKS_FOR_TOPICS.search(question)
        and not _ASKS_WHAT_WAS_SAID.search(question)
        and _REPORTS_DISCUSSION.search(passage)
        and _MEETING.search(passage)
    )
