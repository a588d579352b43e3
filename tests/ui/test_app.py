"""The UI's pure helpers and handlers, without a browser or models (a fake assistant)."""

from __future__ import annotations

import datetime as dt
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from ctassist import CtassistError, LoadError
from ctassist.agenda import AgendaError, AgendaRequest
from ctassist.index import IndexReport, SkippedFile
from ctassist.safety import markdown_literal
from ctassist.types import Answer, Citation
from tests.helpers import free_port
from ui._handlers import Handlers, filters_for
from ui._render import (
    ABSTAIN_LABEL,
    ChatState,
    Turn,
    corpus_summary,
    document_rows,
    escape_html,
    format_indexed_at,
    parse_source_ref,
    render_answer_text,
    render_index_report,
    render_messages,
    render_passage,
    render_sources,
    source_ref,
)
from ui._serving import host_warning, is_loopback, parse_auth

DOC = (
    "# Channel\n\nIntro paragraph about <b>Channel</b> & panels.\n\n## Referral\n\n"
    "Only the police can refer a person to a Channel panel. Panels meet monthly.\n"
)
QUOTE = "Only the police can refer a person to a Channel panel."


def _citation(n: int = 1, **changes: Any) -> Citation:
    values: dict[str, Any] = {
        "n": n,
        "doc": "sources/channel.md",
        "title": "Channel <guidance>",
        "section": "Referral",
        "page": None,
        "quote": QUOTE,
        "start": DOC.index(QUOTE),
        "end": DOC.index(QUOTE) + len(QUOTE),
        "kind": "source",
    }
    values.update(changes)
    return Citation(**values)


# --- escaping and rendering ---------------------------------------------------------------------


def test_escape_html_neutralises_markup_and_templates() -> None:
    escaped = escape_html('<script>alert("x")</script> ${value} {{x}} `c`')
    assert "<" not in escaped and ">" not in escaped
    assert "${" not in escaped and "{{" not in escaped and "`" not in escaped
    assert "&lt;script&gt;" in escaped


def test_document_text_renders_literally_never_as_tags_links_or_images() -> None:
    text = "**bold** <img src=x onerror=alert(1)> ![i](http://a.test/i.png) [click](javascript:x) $x$ & www.a.test b@c.test"
    escaped = markdown_literal(text)
    assert re.search(r"(?<!\\)[<>\[\]!*$&@]", escaped) is None  # every opener escaped
    assert "http\\://a.test" in escaped and "www\\.a.test" in escaped  # no autolinks either
    assert re.sub(r"\\(.)", r"\1", escaped) == text  # and it renders as written


def test_answer_markers_become_source_links_only_for_known_numbers() -> None:
    rendered = render_answer_text("Police refer. [1] Other. [3] <i>x</i>", 4, [1])
    assert '<a class="ct-cite" href="#ct-src-4-1"' in rendered
    assert "ct-src-4-3" not in rendered and "\\[3\\]" in rendered
    assert "<i>" not in rendered
    assert render_answer_text("Police refer. [1]") == "Police refer. \\[1\\]"  # while streaming


def test_sources_list_numbers_titles_and_sections_escaped() -> None:
    html = render_sources(2, [_citation(1), _citation(2, section=None, page=7, kind="notes", title="Note")])
    assert html.count('class="ct-src"') == 2
    assert 'href="#ct-src-2-1"' in html and 'href="#ct-src-2-2"' in html
    assert "Channel &lt;guidance&gt;" in html and "<guidance>" not in html
    assert "Referral · Source document" in html
    assert "page 7 · Meeting note" in html
    assert "\n\n" not in html  # one Markdown HTML block
    assert render_sources(0, []) == ""


def test_sources_of_one_section_are_told_apart_by_their_opening_words() -> None:
    other = "Panels meet monthly and review every case they support with the police."
    html = render_sources(1, [_citation(1), _citation(2, quote=other)])
    assert "“Only the police can refer a person to …”" in html
    assert "“Panels meet monthly and review every case they …”" in html
    alone = render_sources(1, [_citation(1), _citation(2, section="Support")])
    assert "“" not in alone  # different sections already tell them apart


def test_hard_wrapped_lines_of_an_answer_join_but_list_items_stay() -> None:
    rendered = render_answer_text("The group agreed\nto meet in March. [1]\n- first item\n- second item")
    assert rendered.startswith("The group agreed to meet in March.")
    assert "\n- first item\n- second item" in rendered


def test_passage_shows_headings_without_marks_and_joins_wrapped_lines() -> None:
    doc = "# Title\n\n## Referral ##\n\nPanels meet\nmonthly.\n\n" + QUOTE + "\n- an item\n"
    start = doc.index(QUOTE)
    html = render_passage(doc, _citation(start=start, end=start + len(QUOTE)))
    assert '<span class="ct-passage-heading">Referral</span>' in html and "##" not in html
    assert "Panels meet monthly." in html
    assert "</mark>\n- an item" in html


def test_source_refs_round_trip_and_reject_garbage() -> None:
    assert parse_source_ref("#ct-src-3-12") == (3, 12)
    assert parse_source_ref("ct-src-0-1") == (0, 1)
    for bad in (None, "", "ct-src-x-1", "ct-src-1", "javascript:alert(1)", "ct-src-1-1-1"):
        assert parse_source_ref(bad) is None


def test_passage_highlights_the_quote_in_escaped_context() -> None:
    html = render_passage(DOC, _citation())
    assert f"<mark>{QUOTE}</mark>" in html
    assert "&lt;b&gt;Channel&lt;/b&gt; &amp; panels" in html  # context, escaped
    assert "Panels meet monthly." in html
    assert "Referral · sources/channel.md" in html


def test_passage_context_is_bounded_and_marked_as_cut() -> None:
    long_doc = ("filler words here. " * 200) + QUOTE + (" more text follows." * 200)
    start = long_doc.index(QUOTE)
    html = render_passage(long_doc, _citation(start=start, end=start + len(QUOTE)), context=100)
    body = re.sub(r"<[^>]+>", "", html.split('class="ct-passage-body">')[1])
    assert body.startswith("… ") and body.endswith(" …")
    assert len(body) < len(QUOTE) + 2 * 100 + 10


def test_passage_falls_back_to_searching_the_quote_when_offsets_moved() -> None:
    html = render_passage("New first line.\n" + DOC, _citation())
    assert f"<mark>{QUOTE}</mark>" in html
    gone = render_passage("Nothing of it left.", _citation())
    assert "has changed" in gone and f"<mark>{QUOTE}</mark>" in gone


def test_abstention_is_labelled_and_not_an_answer() -> None:
    closest = replace(_citation(), title="Channel guidance")
    turn = Turn(
        question="Capital of France?",
        text="The corpus does not cover this question. The closest passages, which may not answer it, "
        "are in: Channel guidance (sources/a.md).",
        abstained=True,
        closest=(closest,),
    )
    content = render_messages(ChatState([turn]))[1]["content"]
    assert ABSTAIN_LABEL in content and "ct-abstain-label" in content
    # The closest passages are offered to open, labelled as possibly not answering.
    assert "they may not answer the question" in content
    assert f'href="#{source_ref(0, closest.n)}"' in content and "Channel guidance" in content


def test_error_turns_are_shown_and_left_out_of_the_history() -> None:
    state = ChatState([Turn("q1", "a1 [1]"), Turn("q2", error="index unavailable")])
    assert state.history() == [("q1", "a1 [1]")]
    assert "Could not answer" in render_messages(state)[3]["content"]


def test_corpus_table_and_summary() -> None:
    @dataclass
    class Record:
        doc_id: str
        title: str
        kind: str
        chunks: int
        indexed_at: str
        group: str = ""
        date: str = ""

    records = [
        Record("sources/a.md", "A", "source", 5, "2026-11-27T17:24:29+00:00"),
        Record("notes/b.md", "B", "notes", 2, "2026-11-28T09:05:00+00:00", "user", "2026-11-20"),
    ]
    rows = document_rows(records)
    assert rows[1] == ["B", "Meeting note", "User", "2026-11-20", 2, "28 Nov 2026, 09:05 UTC", "notes/b.md"]
    assert "2 documents indexed" in corpus_summary(records) and "7 passages" in corpus_summary(records)
    assert "empty" in corpus_summary([])
    assert format_indexed_at("not a date") == "not a date"


def test_index_report_lists_each_skipped_file() -> None:
    report = IndexReport(added=["sources/a.md"], skipped=[SkippedFile("sources/b.pdf", "no text layer <x>")])
    text = render_index_report(report)
    assert "1 added" in text and "1 skipped" in text
    assert "sources/b.pdf" in text and "no text layer \\<x\\>" in text


# --- running for a team ---------------------------------------------------------------------------


def test_parse_auth_pair_and_file(tmp_path: Path) -> None:
    assert parse_auth(None) is None and parse_auth("  ") is None
    assert parse_auth("inspector:pa:ss") == [("inspector", "pa:ss")]
    users = tmp_path / "users.txt"
    users.write_text("# team\nalice:one\n\nbob:two:three\n", encoding="utf-8")
    assert parse_auth(str(users)) == [("alice", "one"), ("bob", "two:three")]


@pytest.mark.parametrize("value", ["nocolon", ":password", "user:", "user: "[:-1]])
def test_parse_auth_rejects_malformed_values(value: str) -> None:
    with pytest.raises(CtassistError, match="user:password"):
        parse_auth(value)


def test_parse_auth_names_the_bad_line_of_a_file(tmp_path: Path) -> None:
    users = tmp_path / "users.txt"
    users.write_text("alice:one\nbob\n", encoding="utf-8")
    with pytest.raises(CtassistError, match="line 2"):
        parse_auth(str(users))
    with pytest.raises(CtassistError, match="no such file"):
        parse_auth(str(tmp_path / "missing.txt"))


def test_loopback_and_host_warning() -> None:
    for host in ("127.0.0.1", "127.0.1.1", "localhost", "::1", "[::1]"):
        assert is_loopback(host) and host_warning(host, has_auth=False) is None
    for host in ("0.0.0.0", "192.168.1.20", "::", "inspection-box"):
        assert not is_loopback(host)
        warning = host_warning(host, has_auth=False)
        assert warning is not None and "WITHOUT authentication" in warning and "--auth" in warning
        assert host_warning(host, has_auth=True) is None


def test_filters_for_scopes() -> None:
    assert filters_for("all") is None and filters_for(None) is None
    assert filters_for("sources") == {"kind": "source"}
    assert filters_for("notes") == {"kind": "notes"}


# --- handlers over a fake assistant -------------------------------------------------------------------


@dataclass
class FakeDocument:
    text: str
    title: str = "Channel"


@dataclass
class FakeStream:
    answer_value: Answer
    answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        self.answer = self.answer_value
        yield from re.findall(r".+?(?:\]\s+|$)", self.answer_value.text)


@dataclass
class FakeAssistant:
    """Answers from a script; records what it was asked."""

    answers: dict[str, Answer] = field(default_factory=dict)
    asked: list[tuple[str, Any, Any]] = field(default_factory=list)
    stored: list[tuple[bytes, str, str | None]] = field(default_factory=list)

    def stream(self, question: str, history: Any, filters: Any) -> FakeStream:
        self.asked.append((question, history, filters))
        if question not in self.answers:
            raise CtassistError("question: nothing scripted")
        return FakeStream(self.answers[question])

    def document(self, doc_id: str) -> FakeDocument:
        if doc_id != "sources/channel.md":
            raise LoadError(doc_id, "no such document in the corpus")
        return FakeDocument(DOC)

    def add_document(self, data: bytes, *, kind: str, filename: str | None) -> Any:
        self.stored.append((data, kind, filename))
        if b"bad" in data:
            raise LoadError(filename or "", "notes/upload.md: front matter: missing field 'group'")

        @dataclass
        class Added:
            doc_id: str = "notes/20261210-0123456789-note.md"
            title: str = "Meeting"
            report: IndexReport = field(default_factory=IndexReport)

        return Added()

    def documents(self) -> list[Any]:
        return []


def _answer(text: str, citations: tuple[Citation, ...] = (), abstained: bool = False) -> Answer:
    return Answer(text=text, citations=citations, abstained=abstained, question="", standalone_question="")


def test_ask_streams_then_shows_sources_and_opens_them() -> None:
    fake = FakeAssistant(
        answers={"Who refers?": _answer(f"{QUOTE} [1] Panels meet monthly. [1]", (_citation(),))}
    )
    handlers = Handlers(fake)
    steps = list(handlers.ask("Who refers?", "sources", ChatState()))
    assert steps[0][0][-1]["content"].startswith('<span class="ct-pending">')
    partial = [s[0][-1]["content"] for s in steps[1:-1]]
    assert len(partial) == 2 and partial[0] in partial[1]  # the answer grows
    messages, state, box = steps[-1]
    assert box == "" and len(state.turns) == 1
    assert 'href="#ct-src-0-1"' in messages[-1]["content"]
    assert fake.asked[0][2] == {"kind": "source"}
    passage = handlers.open_source("ct-src-0-1", state)
    assert f"<mark>{QUOTE}</mark>" in passage
    assert "no longer" in handlers.open_source("ct-src-5-1", state)
    assert "not part" in handlers.open_source("ct-src-0-9", state)


def test_follow_ups_send_the_conversation() -> None:
    fake = FakeAssistant(
        answers={"Q1": _answer("A1. [1]", (_citation(),)), "And Q2?": _answer("A2. [1]", (_citation(),))}
    )
    handlers = Handlers(fake)
    state = list(handlers.ask("Q1", "all", ChatState()))[-1][1]
    state = list(handlers.ask("And Q2?", "all", state))[-1][1]
    assert fake.asked[1][1] == [("Q1", "A1. [1]")]
    assert len(state.turns) == 2


def test_ask_shows_errors_as_messages_not_tracebacks() -> None:
    handlers = Handlers(FakeAssistant())
    messages, state, _ = list(handlers.ask("unscripted", "all", ChatState()))[-1]
    assert "Could not answer" in messages[-1]["content"] and "nothing scripted" in messages[-1]["content"]
    assert state.history() == []
    assert list(handlers.ask("   ", "all", ChatState())) == [([], ChatState(), "")]


def test_upload_checks_type_and_reports_each_file(tmp_path: Path) -> None:
    good = tmp_path / "note.md"
    good.write_bytes(b"---\ngroup: user\n---\n")
    bad = tmp_path / "broken.md"
    bad.write_bytes(b"bad note")
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ")
    fake = FakeAssistant()
    result, summary, rows = Handlers(fake).upload([str(good), str(bad), str(exe)], "notes")
    lines = result.splitlines()
    assert (
        lines[0].startswith('- <span class="ct-badge ct-ok">Added</span> **note.md**')
        and "notes/20261210-0123456789-note.md" in lines[0]
    )
    assert (
        lines[1].startswith('- <span class="ct-badge ct-fail">Not added</span> **broken.md**')
        and "missing field 'group'" in lines[1]
    )
    assert "**tool.exe**" in lines[2] and "Not added" in lines[2] and "not accepted" in lines[2]
    assert [s[1:] for s in fake.stored] == [("notes", "note.md"), ("notes", "broken.md")]  # never the .exe
    assert "empty" in summary and rows == []


def test_agenda_errors_are_shown_without_files() -> None:
    @dataclass
    class Failing(FakeAssistant):
        requests: list[AgendaRequest] = field(default_factory=list)

        def draft_agenda(self, request: AgendaRequest) -> Any:
            self.requests.append(request)
            raise CtassistError("the index is busy")

    fake = Failing()
    text, *paths = Handlers(fake).draft_agenda("user", "12/10/2026", 120, "", "", True, "10:00")
    assert "ct-error-box" in text and escape_html("Meeting date: must be a date as YYYY-MM-DD") in text
    assert paths == [None, None, None] and fake.requests == []  # refused by the request itself
    text, *paths = Handlers(fake).draft_agenda(
        "User", "2030-03-14", 90.0, "- Channel\n\n* Prevent", " Chair ", False, ""
    )
    assert "ct-error-box" in text and "the index is busy" in text
    assert paths == [None, None, None]
    assert fake.requests == [
        AgendaRequest(
            group="user",
            date="2030-03-14",
            duration_minutes=90,
            focus=("Channel", "Prevent"),
            chair="Chair",
            chatham_house=False,
            start_time="10:00",
        )
    ]


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (
            AgendaError(
                "45 minutes is too short for this agenda; the minimum is 59 minutes", field="duration_minutes"
            ),
            "Duration: 45 minutes is too short for this agenda; the minimum is 59 minutes.",
        ),
        (AgendaError("must be a time as HH:MM", field="start_time"), "Start time: must be a time as HH:MM."),
        (AgendaError("the index is empty"), "the index is empty."),
    ],
)
def test_agenda_errors_use_the_form_s_words(error: AgendaError, shown: str) -> None:
    class Refusing(FakeAssistant):
        def draft_agenda(self, request: AgendaRequest) -> Any:
            raise error

    text, *paths = Handlers(Refusing()).draft_agenda("user", "", 45, "", "", True, "10:00")
    assert escape_html(shown) in text
    assert "duration_minutes" not in text and "start_time" not in text
    assert paths == [None, None, None]


def test_a_meeting_date_in_the_past_is_refused_before_drafting() -> None:
    class Recording(FakeAssistant):
        drafted: int = 0

        def draft_agenda(self, request: AgendaRequest) -> Any:
            self.drafted += 1
            raise CtassistError("drafted")

    fake = Recording()
    yesterday = dt.date.today() - dt.timedelta(days=1)
    text, *paths = Handlers(fake).draft_agenda("user", yesterday.isoformat(), 120, "", "", True, "10:00")
    assert f"{yesterday.day} {yesterday:%B %Y} is in the past" in text and "ct-error-box" in text
    assert paths == [None, None, None] and fake.drafted == 0
    text, *_ = Handlers(fake).draft_agenda("user", dt.date.today().isoformat(), 120, "", "", True, "10:00")
    assert fake.drafted == 1 and "in the past" not in text


def test_app_builds_and_requires_login_when_auth_is_set() -> None:
    from ui.app import build_app, start

    app = build_app(FakeAssistant())
    url = start(
        app, host="127.0.0.1", port=free_port(), auth=[("inspector", "secret")], block=False, quiet=True
    )
    try:
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(f"{url.rstrip('/')}/config", timeout=10)
        assert denied.value.code == 401
    finally:
        app.close()


def test_serve_reads_auth_from_the_environment_and_warns_beyond_localhost(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ctassist
    import ui.app

    started: list[dict[str, Any]] = []
    made: list[dict[str, Any]] = []

    class Settings:
        max_file_mb = 5.0

    class Fake(FakeAssistant):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__()
            made.append(kwargs)
            self.settings = Settings()

    monkeypatch.setattr(ctassist, "Assistant", Fake)
    monkeypatch.setattr(ui.app, "warm", lambda assistant: 0.0)
    monkeypatch.setattr(ui.app, "start", lambda app, **kwargs: started.append(kwargs) or "")

    monkeypatch.setenv("CTASSIST_UI_AUTH", "inspector:secret")
    assert ui.app.serve(corpus_dir="c", index_dir="i", host="0.0.0.0", port=8123) == 0
    assert made == [{"corpus_dir": "c", "index_dir": "i"}]
    assert started[-1]["auth"] == [("inspector", "secret")] and started[-1]["host"] == "0.0.0.0"
    assert started[-1]["port"] == 8123 and started[-1]["max_file_mb"] == 5.0
    assert "WITHOUT authentication" not in capsys.readouterr().err

    monkeypatch.delenv("CTASSIST_UI_AUTH")
    ui.app.serve(host="0.0.0.0")
    assert started[-1]["auth"] is None
    assert "WITHOUT authentication" in capsys.readouterr().err

    ui.app.serve(auth="admin:pw")  # --auth wins; loopback by default: no warning
    assert started[-1]["auth"] == [("admin", "pw")] and started[-1]["host"] == "127.0.0.1"
    assert started[-1]["port"] == 7860
    assert "WITHOUT" not in capsys.readouterr().err

    with pytest.raises(CtassistError, match="user:password"):
        ui.app.serve(auth="no-colon")
