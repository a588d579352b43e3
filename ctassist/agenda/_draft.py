"""Drafting a reference-group agenda: standard items, cited discussion items, timings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ctassist.agenda._evidence import (
    MIN_PROMPTS,
    AgendaAssistant,
    EvidenceFinder,
    QuestionList,
    Quote,
    Topic,
    standalone_query,
)
from ctassist.agenda._groups import CHATHAM_HOUSE, GROUPS, choose_question, generic_questions
from ctassist.agenda._matters import previous_meeting
from ctassist.agenda._model import Agenda, AgendaError, AgendaItem, ItemKind, add_minutes, date_label
from ctassist.agenda._timing import Timing, allocate, minimum_duration
from ctassist.records import Outstanding
from ctassist.types import Citation

_MAX_TOPIC_CHARS = 300
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")

_STANDARD_TITLES: dict[str, str] = {
    "welcome": "Welcome and introductions",
    "apologies": "Apologies",
    "declarations": "Declarations of interest",
    "minutes": "Minutes of the last meeting and matters arising",
    "aob": "Any other business",
    "next_meeting": "Date of the next meeting",
}


@dataclass(frozen=True)
class AgendaRequest:
    """What to draft: a reference-group meeting's agenda, checked and normalised when made.

    Whoever asks for an agenda (the library, the chat UI's form, the command line) builds
    one of these, so every argument is checked in this one place; each error names its
    field, so that a caller can name it in its own words (``AgendaError.field``).

    Attributes:
        group: ``"public"`` or ``"user"`` (any case; kept in lower case).
        date: Meeting date ``YYYY-MM-DD``; notes of this date or later are not "previous".
            ``None`` leaves it open.
        duration_minutes: The meeting's length; the items' minutes add up to it exactly.
        focus: Discussion topics instead of the reference groups' questions (one string
            or several; kept as a tuple, white space folded, repeats dropped).
        chair: The chair's name or role.
        chatham_house: State that the meeting is held under the Chatham House Rule.
        start_time: ``HH:MM`` (24-hour clock; ``9:30`` is kept as ``09:30``).

    Raises:
        AgendaError: Unknown group, a date not ``YYYY-MM-DD``, a time not ``HH:MM``, a
            length that is not a positive whole number of minutes or runs past midnight,
            or an empty or overlong focus topic.

    Example:
        >>> AgendaRequest(group=" User ", focus="Channel", start_time="9:30").start_time
        '09:30'
    """

    group: str
    date: str | None = None
    duration_minutes: int = 120
    focus: tuple[str, ...] = ()
    chair: str | None = None
    chatham_house: bool = True
    start_time: str = "10:00"

    def __post_init__(self) -> None:
        key = self.group.strip().lower() if isinstance(self.group, str) else ""
        if key not in GROUPS:
            raise AgendaError(f"must be 'public' or 'user', got {self.group!r}", field="group")
        date = self.date
        if date is not None:
            if not isinstance(date, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date.strip()):
                raise AgendaError(f"must be a date as YYYY-MM-DD, got {date!r}", field="date")
            try:
                date = dt.date.fromisoformat(date.strip()).isoformat()
            except ValueError:
                raise AgendaError(f"{date!r} is not a real date (YYYY-MM-DD)", field="date") from None
        minutes = self.duration_minutes
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise AgendaError(f"must be a whole number of minutes, got {minutes!r}", field="duration_minutes")
        if minutes <= 0:
            raise AgendaError(
                f"must be a positive number of minutes, got {minutes}", field="duration_minutes"
            )
        clock = _CLOCK.fullmatch(self.start_time.strip()) if isinstance(self.start_time, str) else None
        if clock is None or int(clock.group(1)) > 23 or int(clock.group(2)) > 59:
            raise AgendaError(
                f"must be a time as HH:MM (24-hour clock), got {self.start_time!r}", field="start_time"
            )
        start = f"{int(clock.group(1)):02d}:{clock.group(2)}"
        if int(clock.group(1)) * 60 + int(clock.group(2)) + minutes > 24 * 60:
            raise AgendaError(
                f"a {minutes}-minute meeting starting at {start} would run past midnight",
                field="duration_minutes",
            )
        chair = self.chair
        # Frozen: the checked, normalised values replace what was passed, once, here.
        for name, value in (
            ("group", key),
            ("date", date),
            ("focus", _focus_topics(self.focus)),
            ("chair", (chair.strip() or None) if isinstance(chair, str) else None),
            ("chatham_house", bool(self.chatham_house)),
            ("start_time", start),
        ):
            object.__setattr__(self, name, value)

    @property
    def date_label(self) -> str:
        """E.g. ``"Thursday 10 December 2026"``, or ``"to be confirmed"``."""
        return date_label(self.date)

    def is_past(self, today: dt.date | None = None) -> bool:
        """Whether the meeting date is before ``today`` (the clock's date when omitted); an
        open date is not.

        Example:
            >>> AgendaRequest(group="user", date="2026-12-10").is_past(today=dt.date(2026, 12, 11))
            True
        """
        return self.date is not None and dt.date.fromisoformat(self.date) < (today or dt.date.today())


def draft_agenda(assistant: AgendaAssistant, request: AgendaRequest) -> Agenda:
    """Drafts the agenda of a Prevent reference-group meeting from the corpus.

    The items come in the usual order: welcome and introductions (the group's purpose and
    membership, quoted from the sources), apologies, declarations of interest, minutes
    and matters arising (each open action of the group's latest notes, with its owner),
    the discussion items, any other business and the date of the next meeting.

    Discussion items are the reference groups' questions listed in the sources, or the
    ``focus`` topics. Each gets two to four facilitator prompts: a sentence of the corpus,
    quoted verbatim and cited ``[n]``, followed by a question fitted to the group. A topic
    the corpus does not support gets generic prompts and a drafting note, never an
    invented citation.

    Args:
        assistant: The assistant whose corpus and index are used.
        request: The group, date, length, focus topics, chair and start time.

    Returns:
        The agenda.

    Raises:
        AgendaError: A meeting too short for its items (the message gives the minimum), an
            empty index, or no discussion questions in the corpus when ``focus`` is empty.

    Example:
        >>> request = AgendaRequest(group="user", date="2026-12-10", duration_minutes=90)
        >>> [item.title for item in draft_agenda(assistant, request).items][:2]
        ['Welcome and introductions', 'Apologies']
    """
    previous, problems = previous_meeting(assistant, request.group, before=request.date)
    open_actions = len(previous.open_actions) if previous else 0
    if request.focus:
        # Cheap feasibility check first: the retrieval below takes seconds.
        allocate(
            request.duration_minutes,
            len(request.focus),
            open_actions=open_actions,
            has_previous=bool(previous),
        )
    _require_index(assistant)
    finder = EvidenceFinder(assistant, request.group, before=request.date)
    questions: QuestionList | None = None
    if request.focus:
        topics = [Topic(title, standalone_query(title, None)) for title in request.focus]
    else:
        questions = finder.discussion_questions()
        topics = list(questions.topics)
    timing = allocate(
        request.duration_minutes, len(topics), open_actions=open_actions, has_previous=bool(previous)
    )
    return _Builder(request, finder, timing, previous, questions, topics, problems).build()


def minimum_minutes(assistant: AgendaAssistant, request: AgendaRequest) -> int:
    """The shortest meeting :func:`draft_agenda` accepts for this request (whatever its
    ``duration_minutes``).

    It depends on the discussion items (the ``focus`` topics, or the reference groups'
    questions found in the corpus) and on the open actions of the group's previous
    meeting, so a form can show the real minimum before anything is drafted.

    Args:
        assistant: The assistant whose corpus and index are used.
        request: Its group, date (only notes before it count as the previous meeting) and
            focus topics count.

    Returns:
        Minutes.

    Raises:
        AgendaError: An empty index, or no discussion questions in the corpus when
            ``focus`` is empty.

    Example:
        >>> minimum_minutes(assistant, AgendaRequest(group="user"))  # four questions, one previous meeting
        59
    """
    previous, _ = previous_meeting(assistant, request.group, before=request.date)
    if request.focus:
        items = len(request.focus)
    else:
        _require_index(assistant)
        items = len(
            EvidenceFinder(assistant, request.group, before=request.date).discussion_questions().topics
        )
    return minimum_duration(
        items, open_actions=len(previous.open_actions) if previous else 0, has_previous=bool(previous)
    )


def _require_index(assistant: AgendaAssistant) -> None:
    if assistant.store.count() == 0:
        settings = assistant.settings
        raise AgendaError(
            f"the index is empty: run `ctassist index` first (corpus: {settings.corpus_dir}, "
            f"index: {settings.index_dir})"
        )


def _focus_topics(focus: Sequence[str] | str | None) -> tuple[str, ...]:
    if focus is None:
        return ()
    raw = [focus] if isinstance(focus, str) else list(focus)
    topics: list[str] = []
    for topic in raw:
        if not isinstance(topic, str):
            raise AgendaError(f"each topic must be text, got {topic!r}", field="focus")
        text = " ".join(topic.split())
        if not text:
            raise AgendaError("a topic is empty", field="focus")
        if len(text) > _MAX_TOPIC_CHARS:
            raise AgendaError(
                f"a topic is longer than {_MAX_TOPIC_CHARS} characters: {text[:40]!r}...", field="focus"
            )
        if text.lower() not in {t.lower() for t in topics}:
            topics.append(text)
    return tuple(topics)


def _welcome_line(chair: str | None) -> str:
    """``Welcome from the chair, Jane Smith.``; a chair given as a role that already says
    "chair" (``Chair (HMICFRS)``) is not announced as "the chair, Chair"."""
    if not chair:
        return "Welcome from the chair."
    if not re.search(r"\bchair\b", chair, re.IGNORECASE):
        return f"Welcome from the chair, {chair}."
    role = re.sub(r"^the\s+", "", chair, flags=re.IGNORECASE)
    if re.match(r"chair\b", role, re.IGNORECASE):
        role = role[:1].lower() + role[1:]
    return f"Welcome from the {role}."


class _Citations:
    """Numbers citations across the whole agenda; the same sentence keeps its number."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, int, int], Citation] = {}

    def cite(self, quote: Quote) -> Citation:
        if quote.key not in self._by_key:
            self._by_key[quote.key] = Citation(
                n=len(self._by_key) + 1,
                doc=quote.doc_id,
                title=quote.title,
                section=quote.section,
                page=quote.page,
                quote=quote.text,
                start=quote.start,
                end=quote.end,
                kind=quote.kind,
            )
        return self._by_key[quote.key]


class _Builder:
    """Assembles the items in order, numbering citations as they first appear."""

    def __init__(
        self,
        request: AgendaRequest,
        finder: EvidenceFinder,
        timing: Timing,
        previous: Outstanding | None,
        questions: QuestionList | None,
        topics: list[Topic],
        problems: list[str],
    ) -> None:
        self.request = request
        self.profile = GROUPS[request.group]
        self.finder = finder
        self.timing = timing
        self.previous = previous
        self.questions = questions
        self.topics = topics
        self.notes: list[str] = []
        self.problems = problems
        self.citations = _Citations()
        self.asked: set[str] = set()
        self.items: list[AgendaItem] = []
        self.clock = request.start_time

    def build(self) -> Agenda:
        purpose, members = self.finder.group_description()
        reserved = {q.key for q in (purpose, members) if q is not None}
        evidence = self.finder.select(self.topics, reserved)
        self._add("welcome", *self._welcome(purpose, members))
        self._add("apologies", ("Apologies received before the meeting are recorded by role.",))
        self._add("declarations", ("Members declare any interest in the items on this agenda.",))
        self._add("minutes", *self._matters_arising())
        for topic, minutes, quotes in zip(self.topics, self.timing.discussion, evidence, strict=True):
            self._discussion(topic, minutes, quotes)
        self._add(
            "aob", ("Members raise any other business, notified to the chair beforehand where possible.",)
        )
        self._add("next_meeting", (f"Agree the date of the next meeting of the {self.profile.name}.",))
        if self.questions is not None:
            intro = self.questions.intro
            self.notes.insert(
                0,
                f"The discussion items are the {len(self.topics)} questions listed in "
                f"{intro.title} ({intro.doc_id}) after: “{intro.text}”",
            )
        self.notes.extend(self.problems)
        return Agenda(
            group=self.request.group,
            group_name=self.profile.name,
            date=self.request.date,
            start_time=self.request.start_time,
            duration_minutes=self.request.duration_minutes,
            chair=self.request.chair,
            chatham_house=self.request.chatham_house,
            items=tuple(self.items),
            notes=tuple(self.notes),
        )

    def _add(
        self,
        kind: ItemKind,
        prompts: Sequence[str],
        citations: Sequence[Citation] = (),
        *,
        title: str | None = None,
        minutes: int | None = None,
        source: int | None = None,
    ) -> None:
        minutes = self.timing.standard[kind] if minutes is None else minutes
        self.items.append(
            AgendaItem(
                number=len(self.items) + 1,
                kind=kind,
                title=title or _STANDARD_TITLES[kind],
                start=self.clock,
                minutes=minutes,
                prompts=tuple(prompts),
                citations=tuple(dict.fromkeys(citations)),
                source=source,
            )
        )
        self.clock = add_minutes(self.clock, minutes)

    def _welcome(self, purpose: Quote | None, members: Quote | None) -> tuple[list[str], list[Citation]]:
        prompts = [_welcome_line(self.request.chair)]
        citations: list[Citation] = []
        for label, quote, fallback in (
            ("Purpose of the group", purpose, self.profile.purpose),
            ("Who the group brings together", members, self.profile.members),
        ):
            if quote is None:
                prompts.append(f"{label}: {fallback}")
                continue
            citation = self.citations.cite(quote)
            citations.append(citation)
            prompts.append(f"{label}: “{quote.text}” [{citation.n}]")
        prompts.append("Round of introductions: members introduce themselves by role.")
        if self.request.chatham_house:
            prompts.append(CHATHAM_HOUSE)
        return prompts, citations

    def _matters_arising(self) -> tuple[list[str], list[Citation]]:
        previous = self.previous
        if previous is None:
            message = f"No previous meeting notes on record for the {self.request.group} reference group."
            self.notes.append(message)
            return [message], []
        documents = ", ".join(m.doc_id for m in previous.meetings)
        titles = "; ".join(f"“{m.title}”" for m in previous.meetings)
        # The documents' paths are for the secretariat: they go in the drafting note below.
        prompts = [f"Minutes of the previous meeting ({previous.date}): {titles}."]
        citations: list[Citation] = []
        for carried in previous.open_actions:
            action, meeting = carried.action, carried.meeting
            due = f"; due {action.due}" if action.due else ""
            citation = self.citations.cite(
                Quote(
                    doc_id=meeting.doc_id,
                    title=meeting.title,
                    section=None,
                    page=None,
                    kind="notes",
                    start=action.lines.start,
                    end=action.lines.end,
                    text=meeting.quote(action.lines),
                )
            )
            citations.append(citation)
            prompts.append(f"Open action: {action.action} (owner: {action.owner}{due}) [{citation.n}]")
        if not previous.open_actions:
            prompts.append("No open actions were recorded at that meeting.")
        if previous.done_actions:
            prompts.append(
                f"{previous.done_actions} action(s) recorded as done at that meeting are not carried forward."
            )
        self.notes.append(
            f"Matters arising come from the notes of the {previous.date} meeting of the {self.profile.name} "
            f"({documents}): {len(previous.open_actions)} open action(s) carried forward."
        )
        return prompts, citations

    def _discussion(self, topic: Topic, minutes: int, quotes: list[Quote]) -> None:
        citations: list[Citation] = []
        source: int | None = None
        if topic.origin is not None:
            origin = self.citations.cite(topic.origin)
            citations.append(origin)
            source = origin.n
        prompts: list[str] = []
        for quote in quotes:
            citation = self.citations.cite(quote)
            citations.append(citation)
            # A question already asked elsewhere on the agenda is not asked again: when the
            # fitting ones are used up, the quoted evidence stands as the prompt on its own.
            question = choose_question(quote.text, self.request.group, taken=self.asked)
            lead = f"The notes of the {quote.note_date} meeting record: " if quote.kind == "notes" else ""
            prompt = f"{lead}“{quote.text}” [{citation.n}]"
            if question is not None:
                self.asked.add(question)
                prompt += f" {question}"
            prompts.append(prompt)
        if len(prompts) < MIN_PROMPTS:
            for question in generic_questions(
                self.request.group, taken=self.asked, count=MIN_PROMPTS - len(prompts)
            ):
                self.asked.add(question)
                prompts.append(question)
        if not quotes:
            self.notes.append(
                f"The corpus holds no sources for “{topic.title}”: its prompts are generic and uncited."
            )
        elif len(quotes) < MIN_PROMPTS:
            self.notes.append(f"The corpus holds little on “{topic.title}”: one of its prompts is generic.")
        self._add("discussion", prompts, citations, title=topic.title, minutes=minutes, source=source)
