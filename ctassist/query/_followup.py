"""Follow-up questions: resolved from the conversation before retrieval."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ctassist.query._compound import compound_parts
from ctassist.retrieve import content_terms
from ctassist.text import YEAR

_LEADING_LINK = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|and what about|or)\b", re.IGNORECASE
)
_REFERRING = re.compile(
    r"\b(it|its|they|them|their|theirs|this|that|these|those|he|she|him|his|her|there|"
    r"the other|another|the same|the former|the latter|else|the rest|the remaining)\b",
    re.IGNORECASE,
)
# "The other group", and another time than the last answer's: "and the year before that?"
_CONTRAST = re.compile(
    r"\b(other|another|else|rest|remaining|latter|former|"
    r"(?:before|after|since|until) (?:that|then)|previous|preceding|prior|earlier|later|following|next)\b",
    re.IGNORECASE,
)
# A follow-up about another year or period than the last answer's: "And in the year before
# that?", "What about the previous year?" (not "the attack before that": another event,
# perhaps of the same year).
_UNIT = r"(?:year|years|month|months|quarter|period|decade)"
_OTHER_TIME = re.compile(
    rf"\b{_UNIT}\s+(?:before|after|earlier|later|prior)\b|"
    rf"\b(?:previous|preceding|prior|earlier|later|following|next|last)\s+{_UNIT}\b",
    re.IGNORECASE,
)
_YEAR = re.compile(YEAR)

History = Sequence[Any]


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation."""

    question: str
    answer: str


def normalise_history(history: History | None) -> list[Turn]:
    """Accepts ``[(question, answer), ...]`` or chat messages
    ``[{"role": "user"|"assistant", "content": ...}, ...]`` (Gradio's format)."""
    if not history:
        return []
    turns: list[Turn] = []
    pending: str | None = None
    for item in history:
        if isinstance(item, Mapping):
            role, content = item.get("role"), _text(item.get("content"))
            if role == "user":
                if pending is not None:
                    turns.append(Turn(pending, ""))
                pending = content
            elif role == "assistant" and pending is not None:
                turns.append(Turn(pending, content))
                pending = None
        elif isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2:
            turns.append(Turn(_text(item[0]), _text(item[1])))
    if pending is not None:
        turns.append(Turn(pending, ""))
    return turns


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):  # Gradio may send a list of parts
        return " ".join(_text(part) for part in content)
    if isinstance(content, Mapping):
        return str(content.get("text", ""))
    return "" if content is None else str(content)


@dataclass(frozen=True)
class ResolvedQuestion:
    """A question made ready for retrieval.

    Attributes:
        question: As asked.
        standalone: With the topic of the earlier turn added when it is a follow-up.
        is_follow_up: Whether the conversation was used.
        contrast: The question asks for something *other* than the last answer gave
            ("the other group"), so the last answer's sentences should not be repeated.
        previous_answer: The last answer's text (for ``contrast``).
        other_years: Years that the answer must not be about: those of the last answer,
            when the question asks about another time ("and the year before that?").
        parts: The questions it asks (:func:`compound_parts`), read once for retrieval
            and composition alike; a reading that adds an earlier question is one part
            (the earlier question was answered already).
    """

    question: str
    standalone: str
    is_follow_up: bool = False
    contrast: bool = False
    previous_answer: str = ""
    other_years: tuple[str, ...] = ()
    parts: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        in_own_words = self.standalone == self.question
        parts = compound_parts(self.standalone) if in_own_words else [self.standalone]
        object.__setattr__(self, "parts", tuple(parts))

    @property
    def avoid(self) -> str:
        """The text whose sentences the answer must not repeat: the last answer, when the
        question asks for something other than it gave; else empty."""
        return self.previous_answer if self.contrast else ""


def resolve_follow_up(
    question: str, history: History | None, *, in_context: bool = False
) -> ResolvedQuestion:
    """Makes a follow-up question standalone using the conversation.

    A question is a follow-up when it opens with a linking word ("and", "what about"),
    or refers back ("it", "they", "the other ...") while naming too little on its own to
    be searched, or when ``in_context`` says so. The previous question (itself already
    resolved) is then appended.

    Example:
        >>> resolve_follow_up("And who attended the other group?",
        ...                   [("Who attended the public reference group?", "...")]).standalone
        'And who attended the other group? (Who attended the public reference group?)'
    """
    question = " ".join(question.split())
    turns = normalise_history(history)
    if not turns:
        return ResolvedQuestion(question, question)
    own_terms = content_terms(question)
    linked = bool(_LEADING_LINK.match(question))
    referring = bool(_REFERRING.search(question))
    if not (in_context or linked or (referring and len(own_terms) <= 4) or len(own_terms) <= 1):
        return ResolvedQuestion(question, question)
    previous = turns[-1]
    # The previous question may itself have been a follow-up: resolve it in its context.
    earlier = resolve_follow_up(previous.question, [(t.question, t.answer) for t in turns[:-1]])
    standalone = f"{question} ({earlier.standalone})"
    return ResolvedQuestion(
        question,
        standalone,
        is_follow_up=True,
        contrast=bool(_CONTRAST.search(question)),
        previous_answer=previous.answer,
        other_years=tuple(dict.fromkeys(_YEAR.findall(previous.answer)))
        if _OTHER_TIME.search(question)
        else (),
    )


def readings(question: str, history: History | None) -> list[ResolvedQuestion]:
    """The ways to read a question in its conversation: as resolved (``resolve_follow_up``)
    and, when there is a conversation, the other way too — a question that names its own
    subject may still lean on the last one ("What share did the police make?" after a
    question about referrals), and a follow-up may need none of it. :meth:`Assistant.ask`
    answers with the reading the decision trusts most."""
    resolved = resolve_follow_up(question, history)
    if not history:
        return [resolved]
    if resolved.is_follow_up:
        return [resolved, replace(resolved, standalone=resolved.question)]
    return [resolved, resolve_follow_up(question, history, in_context=True)]
