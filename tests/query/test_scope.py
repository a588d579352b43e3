"""The scope a question names, read with the shipped language data, also in its conversation."""

from __future__ import annotations

import datetime as dt

import pytest

import ctassist.records
from ctassist.query import Scope, asked_scope, parse_scope, resolve_follow_up


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Who attended the user reference group meeting in November 2026?",
            Scope(group="user", year=2026, month=11),
        ),
        ("What did the PUBLIC group decide?", Scope(group="public")),
        ("What did the users' group say at its last meeting?", Scope(group="user", last_meeting=True)),
        ("Which actions are due in December 2026?", Scope(year=2026, month=12, by_due=True)),
        ("What was agreed on 2026-09-03?", Scope(day=dt.date(2026, 9, 3))),
        ("What do the meeting notes say about training?", Scope(kind="notes")),
        ("What do the source documents say about Channel?", Scope(kind="source")),
        # Both groups named: neither is a filter.
        ("Did the public reference group meet more often than the user reference group?", Scope()),
        # "may" is a month only beside a year.
        ("Who may refer a person to Channel?", Scope()),
        ("Who attended in May 2026?", Scope(year=2026, month=5)),
        ("What did HMICFRS find in 2020?", Scope(year=2020)),
    ],
)
def test_parse_scope(question: str, expected: Scope) -> None:
    assert parse_scope(question) == expected


def test_describe_and_covers() -> None:
    scope = parse_scope("Who attended the public group meeting in November 2026?")
    assert scope.describe(records=True) == "notes of the Prevent public reference group, November 2026"
    assert scope.describe() == "sources and notes of the Prevent public reference group, November 2026"
    assert scope.covers("2026-11-30") and not scope.covers("2026-12-01") and not scope.covers(None)
    assert Scope().describe() == "all sources and notes" and Scope().covers(None)
    assert scope.to_dict(records=True) == {
        "kind": "notes",
        "group": "public",
        "period": "November 2026",
        "last_meeting": False,
        "by_due": False,
        "text": "notes of the Prevent public reference group, November 2026",
    }


def test_a_follow_up_keeps_the_group_and_period_or_takes_the_other_group() -> None:
    history = [("Who attended the public group meeting in November 2026?", "...")]
    kept = asked_scope(resolve_follow_up("And what did they decide?", history))
    assert kept == Scope(group="public", year=2026, month=11)
    other = asked_scope(resolve_follow_up("And the other group?", history))
    assert other == Scope(group="user", year=2026, month=11)
    # A follow-up that names its own group keeps it.
    named = asked_scope(resolve_follow_up("And what did the user group decide?", history))
    assert named.group == "user"
    # A question that is not a follow-up has only its own scope.
    assert asked_scope(resolve_follow_up("Who chairs a Channel panel?", history)) == Scope()


def test_the_records_read_the_same_scope() -> None:
    assert ctassist.records.Scope is Scope and ctassist.records.parse_scope is parse_scope
