"""Agenda parts that need no model: argument checks, timings, question fitting, rendering."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import docx
import pytest

from ctassist import AgendaRequest, Assistant, ConfigError, CtassistError, Settings
from ctassist.agenda import (
    CHATHAM_HOUSE,
    Agenda,
    AgendaError,
    AgendaItem,
    allocate,
    minimum_duration,
)
from ctassist.agenda._draft import _welcome_line
from ctassist.agenda._evidence import near_duplicate, restates, standalone_query
from ctassist.agenda._groups import GROUPS, TOPICS, choose_question, topic_hits
from ctassist.types import Citation

VALID: dict[str, Any] = {
    "group": "user",
    "date": "2026-12-10",
    "duration_minutes": 90,
    "focus": None,
    "chair": "Chair (HMICFRS)",
    "chatham_house": True,
    "start_time": "10:00",
}


# --- arguments ----------------------------------------------------------------------------


def test_valid_request_is_normalised() -> None:
    request = AgendaRequest(
        **{
            **VALID,
            "group": " User ",
            "start_time": "9:30",
            "focus": ["  information   sharing ", "Training"],
        }
    )
    assert request.group == "user"
    assert request.start_time == "09:30"
    assert request.focus == ("information sharing", "Training")


def test_focus_as_one_string_and_duplicates() -> None:
    assert AgendaRequest(**{**VALID, "focus": "Channel"}).focus == ("Channel",)
    assert AgendaRequest(**{**VALID, "focus": ["Channel", "channel"]}).focus == ("Channel",)
    assert AgendaRequest(**{**VALID, "focus": []}).focus == ()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"group": "private"}, "group", "must be 'public' or 'user', got 'private'"),
        ({"group": ""}, "group", "must be 'public' or 'user'"),
        ({"date": "10/12/2026"}, "date", "YYYY-MM-DD, got '10/12/2026'"),
        ({"date": "2026-12-1"}, "date", "YYYY-MM-DD"),
        ({"date": "2026-02-30"}, "date", "is not a real date"),
        ({"start_time": "25:00"}, "start_time", "HH:MM (24-hour clock), got '25:00'"),
        ({"start_time": "ten"}, "start_time", "HH:MM"),
        ({"start_time": "10:75"}, "start_time", "HH:MM"),
        ({"duration_minutes": 0}, "duration_minutes", "positive number of minutes, got 0"),
        ({"duration_minutes": -30}, "duration_minutes", "positive"),
        ({"duration_minutes": 90.5}, "duration_minutes", "whole number of minutes"),
        ({"duration_minutes": True}, "duration_minutes", "whole number of minutes"),
        ({"start_time": "23:00", "duration_minutes": 90}, "duration_minutes", "run past midnight"),
        ({"focus": ["Channel", "  "]}, "focus", "a topic is empty"),
        ({"focus": [3]}, "focus", "must be text"),
        ({"focus": ["x" * 301]}, "focus", "longer than 300 characters"),
    ],
)
def test_bad_arguments_name_the_field(change: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(AgendaError) as caught:
        AgendaRequest(**{**VALID, **change})
    message = str(caught.value)
    assert message.startswith(f"{field}:"), message
    assert words in message
    assert isinstance(caught.value, ConfigError) and isinstance(caught.value, CtassistError)


def test_request_defaults_and_optional_fields_are_normalised() -> None:
    request = AgendaRequest(group="public", chair="  ", focus=None)  # type: ignore[arg-type]
    assert request == AgendaRequest(
        group="public",
        date=None,
        duration_minutes=120,
        focus=(),
        chair=None,
        chatham_house=True,
        start_time="10:00",
    )
    assert AgendaRequest(group="user", date=" 2026-12-10 ").date == "2026-12-10"


def test_past_dates_and_date_labels() -> None:
    request = AgendaRequest(group="user", date="2026-12-10")
    assert request.date_label == "Thursday 10 December 2026"
    assert request.is_past(today=dt.date(2026, 12, 11))
    assert not request.is_past(today=dt.date(2026, 12, 10))
    assert not AgendaRequest(group="user").is_past(today=dt.date(2026, 12, 11))
    assert AgendaRequest(group="user").date_label == "to be confirmed"
    yesterday = dt.date.today() - dt.timedelta(days=1)
    assert AgendaRequest(group="user", date=yesterday.isoformat()).is_past()


def test_assistant_takes_a_request_or_its_fields_never_both(tmp_path: Path) -> None:
    # Refused before any model or index is opened.
    settings = Settings.from_env(environ={}, corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    assistant = Assistant(settings=settings)
    request = AgendaRequest(group="user")
    with pytest.raises(TypeError, match="not both"):
        assistant.draft_agenda(request, group="public")
    with pytest.raises(TypeError, match="must be an AgendaRequest, got 'user'"):
        assistant.draft_agenda("user")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="duration"):
        assistant.draft_agenda(group="user", duration=90)
    with pytest.raises(AgendaError, match=r"^group: must be 'public' or 'user'"):
        assistant.draft_agenda(group="private")
    assert not (tmp_path / "index").exists()


# --- timings ------------------------------------------------------------------------------


@pytest.mark.parametrize("duration", [59, 60, 75, 90, 120, 180, 240, 480])
@pytest.mark.parametrize("open_actions", [0, 2, 9])
def test_timings_add_up_and_discussion_gets_most(duration: int, open_actions: int) -> None:
    has_previous = open_actions > 0
    if duration < minimum_duration(4, open_actions=open_actions, has_previous=has_previous):
        pytest.skip("below the minimum (tested separately)")
    timing = allocate(duration, 4, open_actions=open_actions, has_previous=has_previous)
    assert sum(timing.standard.values()) + sum(timing.discussion) == duration
    assert all(isinstance(m, int) and m > 0 for m in [*timing.standard.values(), *timing.discussion])
    assert sum(timing.discussion) > duration / 2
    assert min(timing.discussion) >= 10
    assert max(timing.discussion) - min(timing.discussion) <= 1
    assert 5 <= timing.standard["welcome"] <= 10
    assert 2 <= timing.standard["apologies"] <= 5
    assert 2 <= timing.standard["declarations"] <= 5
    assert 3 <= timing.standard["aob"] <= 5
    assert 2 <= timing.standard["next_meeting"] <= 5
    assert timing.standard["minutes"] <= 15


def test_matters_arising_grows_with_open_actions() -> None:
    few = allocate(240, 4, open_actions=1, has_previous=True).standard["minutes"]
    many = allocate(240, 4, open_actions=5, has_previous=True).standard["minutes"]
    none = allocate(240, 4, open_actions=0, has_previous=False).standard["minutes"]
    assert none < few < many <= 15


def test_short_meetings_scale_the_standard_items_down() -> None:
    short = allocate(60, 4, open_actions=2, has_previous=True).standard
    long = allocate(180, 4, open_actions=2, has_previous=True).standard
    assert sum(short.values()) < sum(long.values())


@pytest.mark.parametrize(("duration", "items"), [(10, 4), (45, 4), (25, 1), (1, 1)])
def test_too_short_gives_the_minimum(duration: int, items: int) -> None:
    minimum = minimum_duration(items, open_actions=1, has_previous=True)
    with pytest.raises(
        AgendaError,
        match=rf"^duration_minutes: {duration} minutes is too short .* minimum is {minimum} minutes",
    ):
        allocate(duration, items, open_actions=1, has_previous=True)
    assert sum(allocate(minimum, items, open_actions=1, has_previous=True).discussion) >= 10 * items


# --- prompts ------------------------------------------------------------------------------


def test_list_item_queries_are_made_standalone() -> None:
    assert (
        standalone_query(
            "What skills/powers are needed to do this and do they have them?", "What is the role of X?"
        )
        == "What skills, powers are needed to do this and do they have them? (the role of X)"
    )
    assert standalone_query("Where has X failed?", "What is Y?") == "Where has X failed?"
    assert standalone_query("What is needed for this?", None) == "What is needed for this?"


def test_questions_fit_the_topic_and_the_group() -> None:
    sentence = "Partner organisations were mostly positive about information sharing with the police."
    user = choose_question(sentence, "user", taken=())
    public = choose_question(sentence, "public", taken=())
    information = next(t for t in TOPICS if t.name == "information")
    assert user == information.user
    assert public == information.public
    consent = "For a person under 18, consent to support is given by a parent or guardian."
    assert (
        choose_question(consent, "public", taken=()) == next(t for t in TOPICS if t.name == "families").public
    )


def test_question_never_repeats_within_an_item() -> None:
    sentence = "Prevent referrals reach the police on a referral form."
    first = choose_question(sentence, "user", taken=())
    second = choose_question(sentence, "user", taken=(first,))
    assert first != second


def test_no_question_is_asked_twice_once_all_are_taken() -> None:
    sentence = "Prevent referrals reach the police on a referral form."
    asked: set[str] = set()
    while (question := choose_question(sentence, "user", taken=asked)) is not None:
        assert question not in asked
        asked.add(question)
    assert GROUPS["user"].generic_questions[0] in asked  # the generic ones came last, before None


@pytest.mark.parametrize(
    ("chair", "line"),
    [
        (None, "Welcome from the chair."),
        ("Jane Smith", "Welcome from the chair, Jane Smith."),
        ("Chair (HMICFRS)", "Welcome from the chair (HMICFRS)."),
        ("HMICFRS chair", "Welcome from the HMICFRS chair."),
        ("The chair of the group", "Welcome from the chair of the group."),
    ],
)
def test_welcome_line_never_doubles_the_word_chair(chair: str | None, line: str) -> None:
    assert _welcome_line(chair) == line


def test_unknown_topic_gets_a_generic_group_question() -> None:
    question = choose_question("The weather was mild.", "public", taken=())
    assert question in GROUPS["public"].generic_questions
    assert topic_hits("The weather was mild.") == {}


def test_restatement_and_near_duplicates() -> None:
    assert restates("What key areas should HMICFRS focus on?", "What key areas should HMICFRS focus on?")
    assert not restates(
        "Partners value information sharing with the police in Channel cases.", "information sharing"
    )
    assert near_duplicate(
        "The local authority chairs the panel.", "The panel is chaired by the local authority."
    )
    assert not near_duplicate("The local authority chairs the panel.", "Only the police refer people.")


# --- rendering ----------------------------------------------------------------------------


def _agenda() -> Agenda:
    cite = Citation(1, "sources/a.md", "A | brief", "Scope", None, "The police refer people.", 10, 34)
    items = (
        AgendaItem(1, "welcome", "Welcome and introductions", "10:00", 10, ("Welcome from the chair.",)),
        AgendaItem(
            2,
            "discussion",
            "Who refers | and why?",
            "10:10",
            40,
            ("“The police refer people.” [1] What do your staff see?", "What should HMICFRS ask?"),
            (cite,),
        ),
        AgendaItem(3, "aob", "Any other business", "10:50", 10),
    )
    return Agenda(
        "user", "Prevent user reference group", "2026-12-10", "10:00", 60, None, True, items, ("A note.",)
    )


def test_to_dict_contract() -> None:
    data = json.loads(json.dumps(_agenda().to_dict()))
    assert {"group", "date", "duration_minutes", "chair", "items", "notes"} <= set(data)
    assert (data["group"], data["date"], data["duration_minutes"], data["chair"]) == (
        "user",
        "2026-12-10",
        60,
        None,
    )
    item = data["items"][1]
    assert {"number", "title", "start", "minutes", "prompts", "citations"} <= set(item)
    assert (item["number"], item["start"], item["minutes"], item["end"]) == (2, "10:10", 40, "10:50")
    assert {"n", "doc", "title", "quote"} <= set(item["citations"][0])
    assert data["notes"] == ["A note."]


def test_markdown_to_circulate_has_no_paths_nor_drafting_notes() -> None:
    text = _agenda().to_markdown()
    assert "[1] A | brief (Scope): “The police refer people.”" in text
    assert "sources/a.md" not in text
    assert "Drafting notes" not in text and "A note." not in text


def test_markdown_has_title_block_table_prompts_and_sources() -> None:
    text = _agenda().to_markdown(drafting_notes=True)
    assert text.startswith("# Prevent user reference group: agenda\n")
    assert "**Date:** Thursday 10 December 2026" in text
    assert "**Chair:** to be confirmed" in text
    assert CHATHAM_HOUSE in text
    assert "| 2 | 10:10–10:50 | Who refers \\| and why? | 40 |" in text
    assert "- “The police refer people.” [1] What do your staff see?" in text
    assert "[1] A | brief (sources/a.md, Scope): “The police refer people.”" in text
    assert "## Drafting notes" in text


def test_docx_holds_title_block_table_and_sources(tmp_path: Path) -> None:
    agenda = _agenda()
    path = agenda.to_docx(tmp_path / "agenda.docx")
    document = docx.Document(str(path))
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["No.", "Time", "Item", "Minutes"]
    assert [row.cells[2].text for row in table.rows[1:]] == [item.title for item in agenda.items]
    assert [row.cells[3].text for row in table.rows[1:]] == ["10", "40", "10"]
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Prevent user reference group: agenda"
    assert "Chatham House Rule: " + CHATHAM_HOUSE in texts
    assert "Sources" in texts and "“The police refer people.”" in texts


def test_docx_to_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CtassistError, match="cannot write the Word document"):
        _agenda().to_docx(tmp_path / "missing" / "agenda.docx")
