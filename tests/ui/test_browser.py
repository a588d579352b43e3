"""The real app in Debian's Chromium, driven by pip's playwright.

One app per module, on a free loopback port, over a tmp copy of the shipped corpus with its
own tmp index. Screenshots of each tab go to ``artifacts/screenshots/`` (git-ignored).
Never ``playwright install``: the browser is ``/usr/bin/chromium`` (``apt-get install chromium``).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ctassist import Assistant, Settings
from ctassist.embed import Encoder
from tests.helpers import REPO, SHIPPED_CORPUS, free_port, generated_markdown, note_text

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
ANSWER_TIMEOUT = 90_000  # ms; a question takes a few seconds on two cores

if not CHROMIUM.is_file():
    pytest.skip(
        "browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium); "
        "never `playwright install`",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra)")

NOTE_TITLE = "Prevent user reference group: meeting on case management"
NOTE = note_text(
    group="user",
    date="2026-10-14",
    title=NOTE_TITLE,
    attendees='\n  - "Chair (HMICFRS)"\n  - "Department for Education"\n  - "NHS England"',
    actions='\n  - action: "Share the draft inspection questions"\n    owner: "Secretariat"\n    status: open',
    body=(
        "## Discussion\n\n"
        "The Department for Education said that schools rarely hear back after a Prevent referral "
        "is closed.\n\n"
        "## Decisions\n\n"
        "The user reference group agreed that the inspection should examine how police forces "
        "feed back to referrers when a Prevent referral is closed.\n"
    ),
)
EVIL_SOURCE = (
    "# Inspection logistics briefing\n\n"
    "## Fieldwork visits\n\n"
    "Inspection fieldwork visits to each force are planned to last three days, with a hot debrief "
    "to the chief constable on the final afternoon.\n"
)


@dataclass
class Served:
    url: str
    root: Path
    corpus: Path
    assistant: Assistant


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Served]:
    """The real app over a tmp copy of the shipped corpus, indexed, on a free loopback port."""
    from ui.app import build_app, start, warm

    root = tmp_path_factory.mktemp("ui")
    corpus = root / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus)
    settings = Settings.from_env(environ={}, corpus_dir=corpus, index_dir=root / "index")
    assistant = Assistant(settings=settings, encoder=encoder)
    report = assistant.index()
    assert report.ok and report.added, report.summary()
    warm(assistant)
    app = build_app(assistant)
    url = start(
        app, host="127.0.0.1", port=free_port(), max_file_mb=settings.max_file_mb, block=False, quiet=True
    )
    try:
        yield Served(url=url.rstrip("/"), root=root, corpus=corpus, assistant=assistant)
    finally:
        app.close()
        if assistant._store is not None:
            assistant._store.client.close()


def _screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _ask(page: Any, question: str, *, how: str = "button") -> Any:
    """Asks a question (Ask button, Enter key or the example button of that text); returns
    the locator of the finished assistant message."""
    before = _count_finished(page)
    if how == "example":
        page.locator("button.ct-example", has_text=question).click()
    else:
        page.fill("#ct-question textarea", question)
        if how == "enter":
            page.press("#ct-question textarea", "Enter")
        else:
            page.click("#ct-ask")
    page.wait_for_function(
        """(before) => {
            const done = document.querySelectorAll(
                '#ct-chatbot .ct-sources, #ct-chatbot .ct-abstain-label, #ct-chatbot .ct-error-label');
            return done.length > before && !document.querySelector('#ct-chatbot .ct-pending');
        }""",
        arg=before,
        timeout=ANSWER_TIMEOUT,
    )
    return page.locator("#ct-chatbot .message-content").last


def _count_finished(page: Any) -> int:
    return int(
        page.evaluate(
            "() => document.querySelectorAll('#ct-chatbot .ct-sources, #ct-chatbot .ct-abstain-label, "
            "#ct-chatbot .ct-error-label').length"
        )
    )


def _open_tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_answer_with_sources_opens_highlighted_passage_and_follows_up(page: Any, served: Served) -> None:
    reply = _ask(page, "Who can refer a person to a Channel panel?", how="example")
    text = reply.inner_text()
    assert "Only the police can refer a person to a Channel panel." in text
    sources = reply.locator("a.ct-src")
    assert sources.count() >= 1
    assert "Channel" in sources.first.inner_text()
    assert "Source document" in reply.locator(".ct-src-where").first.inner_text()

    sources.first.click()
    mark = page.locator("#ct-passage mark")
    mark.wait_for()
    quote = mark.inner_text()
    document = served.assistant.document("sources/channel.md")
    assert quote and quote in document.text
    assert "Only the police can refer" in quote
    context = page.locator("#ct-passage .ct-passage-body").inner_text()
    assert len(context) > len(quote) + 100  # the passage sits in its surrounding text
    assert "sources/channel.md" in page.locator("#ct-passage .ct-passage-where").inner_text()
    _screenshot(page, "chat")

    follow_up = _ask(page, "And who chairs it?", how="enter")
    assert "local authority chairs" in follow_up.inner_text()
    # The inline [n] marker opens its source too.
    follow_up.locator("a.ct-cite").first.click()
    page.wait_for_function(
        "() => (document.querySelector('#ct-passage mark') || {}).innerText?.includes('local authority')"
    )


def test_the_answer_is_shown_growing_before_it_is_finished(page: Any) -> None:
    """Every state the chat's last answer goes through is recorded in the page: some show
    part of the answer, without sources, before the finished answer with its sources."""
    page.evaluate(
        """() => {
            window.ctStates = [];
            const chat = document.querySelector('#ct-chatbot');
            new MutationObserver(() => {
                const bot = chat.querySelectorAll('.message-content');
                const last = bot[bot.length - 1];
                if (!last || chat.querySelector('.ct-pending')) return;
                window.ctStates.push({text: last.innerText.trim(), sources: !!last.querySelector('.ct-sources')});
            }).observe(chat, {subtree: true, childList: true, characterData: true});
        }"""
    )
    reply = _ask(page, "What are the four strands of CONTEST?")
    final = reply.inner_text()
    states = page.evaluate("() => window.ctStates")
    growing = [s["text"] for s in states if not s["sources"] and final.startswith(s["text"])]
    # At least two growing states (the first sentence, then more), each shorter than the answer.
    assert len({text for text in growing if 0 < len(text) < len(final)}) >= 2, (states, final)
    assert states[-1]["sources"]


def test_unanswerable_question_is_shown_as_an_abstention(page: Any) -> None:
    reply = _ask(page, "What is the recipe for a Victoria sponge cake?")
    label = reply.locator(".ct-abstain-label")
    assert label.inner_text() == "Not covered by the corpus"
    assert "does not cover" in reply.inner_text()
    # The closest passages are offered, labelled as possibly not answering, and open like sources.
    assert "they may not answer the question" in reply.inner_text().lower()
    closest = reply.locator("a.ct-src")
    assert 1 <= closest.count() <= 3
    closest.first.click()
    page.wait_for_function("() => (document.querySelector('#ct-passage mark') || {}).innerText?.length > 0")
    _screenshot(page, "chat-abstention")
    page.click("#ct-clear")
    page.wait_for_function("() => !document.querySelector('#ct-chatbot .ct-abstain-label')")


def test_draft_agenda_preview_and_downloads(page: Any, tmp_path: Path) -> None:
    import docx

    _open_tab(page, "Agenda")
    page.get_by_label("User reference group").check()
    page.fill("#ct-agenda-date input, #ct-agenda-date textarea", "2026-12-10")
    page.fill("#ct-agenda-chair input, #ct-agenda-chair textarea", "HMICFRS lead")
    page.fill("#ct-agenda-focus textarea", "Prevent Case Management\nInformation sharing with partners")
    page.click("#ct-agenda-draft")
    preview = page.locator("#ct-agenda-preview")
    page.wait_for_function(
        "() => document.querySelector('#ct-agenda-preview').innerText.includes('Prevent Case Management')",
        timeout=ANSWER_TIMEOUT,
    )
    shown = preview.inner_text()
    assert "user reference group" in shown.lower() and "HMICFRS lead" in shown and "Chatham House" in shown
    _screenshot(page, "agenda")

    page.wait_for_selector("#ct-agenda-docx:not([disabled])")
    with page.expect_download() as info:
        page.click("#ct-agenda-docx")
    download = info.value
    assert download.suggested_filename.endswith(".docx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    document = docx.Document(str(saved))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert "Prevent Case Management" in paragraphs and "HMICFRS lead" in paragraphs
    assert round(document.sections[0].page_height.mm) == 297  # A4
    assert document.sections[0].header.paragraphs[0].text == "OFFICIAL"
    assert document.core_properties.author == "HMICFRS"
    assert "sources/" not in paragraphs and "Drafting notes" not in paragraphs

    with page.expect_download() as info:
        page.click("#ct-agenda-docx-notes")
    assert info.value.suggested_filename.endswith("-with-drafting-notes.docx")
    with_notes = tmp_path / info.value.suggested_filename
    info.value.save_as(with_notes)
    noted = "\n".join(p.text for p in docx.Document(str(with_notes)).paragraphs)
    assert "Drafting notes" in noted and "sources/" in noted

    with page.expect_download() as info:
        page.click("#ct-agenda-md")
    markdown_file = tmp_path / info.value.suggested_filename
    info.value.save_as(markdown_file)
    markdown = markdown_file.read_text(encoding="utf-8")
    assert markdown_file.suffix == ".md"
    assert markdown.startswith("# ") and "Prevent Case Management" in markdown and "HMICFRS lead" in markdown


def test_agenda_error_is_shown_clearly(page: Any) -> None:
    _open_tab(page, "Agenda")
    page.fill("#ct-agenda-date input, #ct-agenda-date textarea", "10/12/2026")
    page.click("#ct-agenda-draft")
    error = page.locator("#ct-agenda-preview .ct-error-box")
    error.wait_for(timeout=ANSWER_TIMEOUT)
    assert "date" in error.inner_text() and "YYYY-MM-DD" in error.inner_text()
    assert page.locator("#ct-agenda-docx").is_disabled()


AGENDA_FILES = ("#ct-agenda-docx", "#ct-agenda-docx-notes", "#ct-agenda-md")


def _draft_until(page: Any, selector: str) -> None:
    """Clicks Draft agenda and waits for ``selector`` (absent before the click)."""
    page.click("#ct-agenda-draft")
    page.wait_for_selector(selector, timeout=ANSWER_TIMEOUT)


def test_an_agenda_error_clears_the_previous_downloads(page: Any, served: Served) -> None:
    from ctassist.agenda import AgendaRequest, minimum_minutes

    _open_tab(page, "Agenda")
    page.get_by_label("User reference group").check()
    page.fill("#ct-agenda-date input, #ct-agenda-date textarea", "2030-03-14")
    page.fill("#ct-agenda-focus textarea", "Channel panels")
    page.click("#ct-agenda-chair input, #ct-agenda-chair textarea")  # leaving the topics box
    request = AgendaRequest(group="user", date="2030-03-14", focus=("Channel panels",))
    minimum = minimum_minutes(served.assistant, request)
    # The Duration field states the real minimum, as the assistant computes it.
    page.wait_for_function(
        "(text) => document.querySelector('#ct-agenda-duration').innerText.includes(text)",
        arg=f"At least {minimum} minutes for this agenda.",
    )
    _draft_until(page, "#ct-agenda-docx:not([disabled])")
    for button in AGENDA_FILES:
        assert not page.locator(button).is_disabled(), button

    page.fill("#ct-agenda-duration input", str(minimum - 1))
    _draft_until(page, "#ct-agenda-preview .ct-error-box")
    preview = page.locator("#ct-agenda-preview")
    error = preview.locator(".ct-error-box").inner_text()
    assert (
        f"Duration: {minimum - 1} minutes is too short for this agenda; the minimum is {minimum} minutes"
        in error
    )
    assert "duration_minutes" not in preview.inner_text()
    assert "Channel panels" not in preview.inner_text()  # the earlier draft is gone ...
    for button in AGENDA_FILES:  # ... and so are its downloads
        assert page.locator(button).is_disabled(), button
    assert f"At least {minimum} minutes for this agenda." in page.locator("#ct-agenda-duration").inner_text()
    _screenshot(page, "agenda-error")

    page.fill("#ct-agenda-duration input", str(minimum))
    _draft_until(page, "#ct-agenda-docx:not([disabled])")
    page.fill("#ct-agenda-date input, #ct-agenda-date textarea", "2020-01-09")
    _draft_until(page, "#ct-agenda-preview .ct-error-box")
    error = preview.locator(".ct-error-box").inner_text()
    assert "Meeting date: Thursday 9 January 2020 is in the past" in error
    for button in AGENDA_FILES:
        assert page.locator(button).is_disabled(), button


DETECT = "Detect (a note has front matter naming its group)"


def _upload(page: Any, files: list[dict[str, Any]], kind: str) -> str:
    _open_tab(page, "Corpus")
    page.get_by_label(kind, exact=True).check()
    page.set_input_files("#ct-upload input[type=file]", files=files)
    for payload in files:  # uploaded to the server and listed (stem and extension are separate elements)
        page.wait_for_function(
            "(stem) => document.querySelector('#ct-upload').textContent.includes(stem)",
            arg=Path(payload["name"]).stem,
        )
    page.click("#ct-upload-add")
    page.wait_for_function(
        "(n) => document.querySelectorAll('#ct-upload-result li').length >= n",
        arg=len(files),
        timeout=ANSWER_TIMEOUT,
    )
    return str(page.locator("#ct-upload-result").inner_text())


def test_uploaded_note_is_indexed_and_cited(page: Any, served: Served) -> None:
    result = _upload(
        page,
        [
            {"name": "user-group-2026-10-14.md", "mimeType": "text/markdown", "buffer": NOTE.encode()},
            {
                "name": "no-header.md",
                "mimeType": "text/markdown",
                "buffer": b"# Notes\n\nNo front matter here.\n",
            },
        ],
        "Meeting note",
    )
    good, bad = result.splitlines()
    assert good.startswith("Added") and "user-group-2026-10-14.md" in good and "notes/" in good
    assert bad.startswith("Not added") and "no-header.md" in bad and re.search("front.matter", bad.lower())
    stored = sorted(p.name for p in (served.corpus / "notes").glob("*.md") if p.name != "README.md")
    assert len(stored) == 1 and re.fullmatch(r"20261014-[0-9a-f]{10}-user-group-2026-10-14\.md", stored[0])
    page.locator("#ct-documents").get_by_text(NOTE_TITLE).first.wait_for()
    _screenshot(page, "corpus")

    _open_tab(page, "Chat")
    page.get_by_label("Meeting notes only").check()
    reply = _ask(page, "What did the user reference group agree the inspection should examine?")
    assert "feed back to referrers" in reply.inner_text()
    where = reply.locator(".ct-src-where").all_inner_texts()
    titles = reply.locator(".ct-src-title").all_inner_texts()
    assert any("Meeting note" in w for w in where) and NOTE_TITLE in titles


def test_upload_detects_a_note_by_its_front_matter(page: Any, served: Served) -> None:
    # The default choice: a note dropped in with a source is stored as a note, and said so.
    _open_tab(page, "Corpus")
    assert page.get_by_label(DETECT, exact=True).is_checked()
    note = NOTE.replace("2026-10-14", "2026-10-21").encode()
    source = b"# Detected brief\n\nA plain source document uploaded beside a note.\n"
    result = _upload(
        page,
        [
            {"name": "minutes.md", "mimeType": "text/markdown", "buffer": note},
            {"name": "brief.md", "mimeType": "text/markdown", "buffer": source},
        ],
        DETECT,
    )
    as_note, as_source = result.splitlines()
    assert (
        "minutes.md" in as_note and "recognised as a meeting note" in as_note and "notes/20261021-" in as_note
    )
    assert "brief.md" in as_source and "sources/" in as_source and "recognised" not in as_source


def test_records_answer_states_its_scope(page: Any) -> None:
    public_note = (REPO / "tests" / "records" / "notes" / "2026-10-08-public.md").read_text(encoding="utf-8")
    result = _upload(
        page,
        [{"name": "public-2026-10-08.md", "mimeType": "text/markdown", "buffer": public_note.encode()}],
        "Meeting note",
    )
    assert result.startswith("Added"), result
    _open_tab(page, "Chat")
    reply = _ask(page, "Which decisions did the public group make?")
    assert "report back on how it measures public confidence" in reply.inner_text()
    assert reply.locator(".ct-scope").inner_text() == "Searched: notes of the Prevent public reference group"
    assert any("Meeting note" in w for w in reply.locator(".ct-src-where").all_inner_texts())
    _screenshot(page, "chat-records")


def test_upload_with_a_path_in_its_name_is_stored_safely(page: Any, served: Served) -> None:
    outside_before = _files_outside_corpus(served)
    result = _upload(
        page,
        [{"name": "../../evil.md", "mimeType": "text/markdown", "buffer": EVIL_SOURCE.encode()}],
        "Source document",
    )
    assert result.startswith("Added") and "sources/" in result
    stored = [p for p in (served.corpus / "sources").iterdir() if "evil" in p.name]
    assert len(stored) == 1
    assert re.fullmatch(r"\d{8}-[0-9a-f]{10}-evil\.md", stored[0].name)
    assert stored[0].read_text(encoding="utf-8") == EVIL_SOURCE
    assert stored[0].resolve().is_relative_to(served.corpus.resolve())
    assert _files_outside_corpus(served) == outside_before  # nothing written beside the corpus
    for folder in (served.corpus.parent, served.corpus.parent.parent, served.corpus / "sources" / ".."):
        assert not (folder / "evil.md").exists()
    assert any(r.doc_id == f"sources/{stored[0].name}" for r in served.assistant.documents())


def test_reindex_shows_progress_and_does_not_break_a_chat(page: Any, served: Served) -> None:
    sources = served.corpus / "sources"
    added = [sources / f"generated-{i:02d}.md" for i in range(40)]
    for i, path in enumerate(added):
        path.write_text(generated_markdown(i, paragraphs=30), encoding="utf-8")
    broken = sources / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really a pdf")
    chat = page.context.new_page()
    try:
        chat.goto(served.url + "/", wait_until="domcontentloaded")
        chat.wait_for_selector("#ct-question textarea")
        _open_tab(page, "Corpus")
        page.evaluate(
            """() => {
                window.__ctProgress = [];
                new MutationObserver(() => {
                    document.querySelectorAll('.progress-level-inner, .progress-text').forEach(
                        (e) => e.innerText && window.__ctProgress.push(e.innerText));
                }).observe(document.body, {subtree: true, childList: true, characterData: true});
            }"""
        )
        page.click("#ct-reindex")
        reply = _ask(chat, "What is the Prevent duty?")  # while the re-index runs
        assert reply.locator("a.ct-src").count() >= 1
        page.wait_for_function(
            "() => document.querySelector('#ct-reindex-result').innerText.includes('Re-index finished')",
            timeout=ANSWER_TIMEOUT,
        )
        progress = page.evaluate("() => window.__ctProgress")
        assert any("Indexed sources/generated-" in text for text in progress), progress[:5]
        text = page.locator("#ct-reindex-result").inner_text()
        assert "40 added" in text and "1 skipped" in text and "sources/broken.pdf" in text
        count = len(served.assistant.documents())
        assert f"{count} documents indexed" in page.locator("#ct-corpus-summary").inner_text()
        assert "sources/generated-07.md" in {r.doc_id for r in served.assistant.documents()}
    finally:
        chat.close()
        for path in [*added, broken]:
            path.unlink()
        served.assistant.index()


def _files_outside_corpus(served: Served) -> set[Path]:
    """Files in the test's folder (beside the corpus and index) and the two folders above it."""
    found = {
        p
        for p in served.root.rglob("*")
        if p.is_file() and not p.is_relative_to(served.corpus) and not p.is_relative_to(served.root / "index")
    }
    for folder in (served.root.parent, served.root.parent.parent):
        found |= {p for p in folder.iterdir() if p.is_file()}
    return found


def test_note_upload_shows_name_warnings_and_every_problem(page: Any, served: Served) -> None:
    """A note naming a person is stored with a warning on its line; a note with several
    problems is refused with all of them, each with its line and field."""
    from ctassist.intake._names import ADVICE

    named = note_text(
        group="public",
        date="2026-10-20",
        title="Prevent public reference group: meeting with a name in it",
        attendees='\n  - "Chair (HMICFRS)"\n  - "Jane Smith"',
        actions=" []",
        body="## Discussion\n\nThe Chair said that the group would meet again in the spring.\n",
    )
    broken = note_text(group="staff", date="2999-01-01", actions=" []")
    before = sorted((served.corpus / "notes").glob("*.md"))
    result = _upload(
        page,
        [
            {"name": "named.md", "mimeType": "text/markdown", "buffer": named.encode()},
            {"name": "broken.md", "mimeType": "text/markdown", "buffer": broken.encode()},
        ],
        "Meeting note",
    )
    lines = [line.strip() for line in result.splitlines() if line.strip()]
    assert lines[0].startswith("Added") and "named.md" in lines[0] and "stored as notes/" in lines[0]
    assert lines[2].startswith("Not added") and "broken.md — 2 problems in the front matter:" in lines[2]
    # Each warning and each problem is an item of its own under its file.
    assert page.locator("#ct-upload-result li li").all_inner_texts() == [
        f"warning: line 7: field 'attendees[2]' looks like a personal name: 'Jane Smith'; {ADVICE}",
        "line 2: field 'group' must be 'public' or 'user', got 'staff'",
        "line 3: field 'date' is 2999-01-01, in the future: notes record meetings that have taken place",
    ]
    new = sorted(set((served.corpus / "notes").glob("*.md")) - set(before))
    assert len(new) == 1 and new[0].name.endswith("-named.md")  # the warned note is stored, the other not
    _screenshot(page, "note-upload-warnings")


def test_sign_in_page_works_behind_the_guard(browser: Any, served: Served) -> None:
    """With a login, the sign-in page (which gets no API description) still signs a user in,
    and the app then works: the Corpus tab lists the corpus."""
    from ui.app import build_app, start

    app = build_app(served.assistant)
    url = start(
        app,
        host="127.0.0.1",
        port=free_port(),
        auth=[("inspector", "a long passphrase")],
        block=False,
        quiet=True,
    ).rstrip("/")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(url + "/", wait_until="domcontentloaded")
        page.fill("input[type=password]", "wrong")
        page.locator("input[type=text]").first.fill("inspector")
        page.get_by_role("button", name="Login").click()
        page.get_by_text("Incorrect Credentials", exact=False).wait_for()
        page.locator("input[type=text]").first.fill("inspector")  # the form clears after a failure
        page.fill("input[type=password]", "a long passphrase")
        page.get_by_role("button", name="Login").click()
        page.wait_for_selector("#ct-question textarea")
        _open_tab(page, "Corpus")
        page.wait_for_function(
            "() => document.querySelector('#ct-documents') && "
            "document.querySelector('#ct-documents').innerText.includes('Prevent')",
            timeout=ANSWER_TIMEOUT,
        )
    finally:
        context.close()
        app.close()


def test_answers_and_passages_are_announced_and_labels_hold_no_markup(page: Any) -> None:
    reply = _ask(page, "What is Channel?")
    for region in ("#ct-chatbot", "#ct-passage"):
        assert page.get_attribute(region, "aria-live") == "polite", region
    labels = page.evaluate(
        "() => [...document.querySelectorAll('[aria-label]')].map((e) => e.getAttribute('aria-label'))"
    )
    assert labels and not [label for label in labels if "<" in label]
    # The answer's own label, when Gradio gives one, is its text.
    assert "Channel" in reply.inner_text()


#: The focused element, described: its id or its nearest ancestor's, its tag and its role.
FOCUSED_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) { return {id: '', tag: 'BODY', role: '', text: ''}; }
  const owner = e.id ? e : e.closest('[id]');
  return {id: owner ? owner.id : '', tag: e.tagName, role: e.getAttribute('role') || '',
          text: (e.innerText || e.value || '').slice(0, 80), classes: e.className.toString()};
}"""


def _next_month() -> str:
    """A meeting date a month ahead (a date in the past is refused)."""
    return (dt.date.today() + dt.timedelta(days=30)).isoformat()


def _tab_to(page: Any, wanted: Any, *, limit: int = 60) -> dict[str, str]:
    """Presses Tab until the focused element satisfies ``wanted`` (a predicate on
    :data:`FOCUSED_JS`'s description); fails naming the stops seen, so a control that Tab never
    reaches (or a focus trap that keeps it elsewhere) fails the test."""
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused: dict[str, str] = page.evaluate(FOCUSED_JS)
        if wanted(focused):
            return focused
        seen.append(f"{focused['tag']}#{focused['id']}")
    raise AssertionError(f"Tab never reached the control; stops: {seen}")


def test_a_working_session_by_keyboard_alone(page: Any) -> None:
    # Each radio group is one Tab stop; arrow keys choose within it.
    groups = page.evaluate(
        """() => [...document.querySelectorAll('#ct-scope input[type=radio]')].map((r) => r.name)"""
    )
    assert len(groups) >= 2 and len(set(groups)) == 1 and groups[0]
    # The page opens with the question box focused: type, Tab to Ask, Enter.
    assert page.evaluate(FOCUSED_JS)["id"] == "ct-question"
    page.keyboard.type("Who can refer a person to a Channel panel?")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_JS)["id"] == "ct-ask"
    before = _count_finished(page)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(n) => document.querySelectorAll('#ct-chatbot .ct-sources').length > n",
        arg=before,
        timeout=ANSWER_TIMEOUT,
    )
    # The answer's first source is reached by Tab and opens its passage with Enter.
    _tab_to(page, lambda f: f["tag"] == "A" and "ct-src" in f["classes"].split())
    page.keyboard.press("Enter")
    page.locator("#ct-passage mark").first.wait_for(timeout=ANSWER_TIMEOUT)
    assert "Only the police can refer" in page.locator("#ct-passage mark").inner_text()

    # The tab bar is one Tab stop, the selected tab; the arrow keys select the others.
    stops = page.evaluate("() => [...document.querySelectorAll('[role=tab]')].map((t) => t.tabIndex)")
    assert sorted(stops) == [-1, -1, 0]
    _tab_to(page, lambda f: f["role"] == "tab")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(FOCUSED_JS)["id"] == "ct-tab-agenda-button"
    page.locator("#ct-agenda-draft").wait_for()
    assert page.get_attribute("#ct-tab-agenda-button", "aria-selected") == "true"

    # The agenda form, field by field: the group by arrow key, text typed, the checkbox by Space.
    _tab_to(page, lambda f: f["id"] == "ct-agenda-group")
    page.keyboard.press("ArrowRight")
    assert page.locator("#ct-agenda-group input[value=user]").is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_JS)["id"] == "ct-agenda-date"
    page.keyboard.type(_next_month())
    _tab_to(page, lambda f: f["id"] == "ct-agenda-chair", limit=4)
    page.keyboard.type("HMICFRS lead")
    _tab_to(page, lambda f: f["id"] == "ct-agenda-chatham", limit=3)
    page.keyboard.press("Space")
    assert not page.locator("#ct-agenda-chatham input").is_checked()
    _tab_to(page, lambda f: f["id"] == "ct-agenda-draft", limit=3)
    page.keyboard.press("Enter")
    page.wait_for_selector("#ct-agenda-docx:not([disabled])", timeout=ANSWER_TIMEOUT)
    preview = page.locator("#ct-agenda-preview").inner_text()
    assert "user reference group" in preview.lower() and "HMICFRS lead" in preview
    assert "Chatham House" not in preview
    # The drafted agenda's download is the next Tab stop after the form.
    assert _tab_to(page, lambda f: f["id"] == "ct-agenda-docx", limit=3)["tag"] == "BUTTON"

    # End selects the last tab from the tab bar; Home the first, and the chat is as it was.
    _tab_to(page, lambda f: f["role"] == "tab")
    page.keyboard.press("End")
    assert page.evaluate(FOCUSED_JS)["id"] == "ct-tab-corpus-button"
    page.locator("#ct-reindex").wait_for()
    page.keyboard.press("Home")
    page.locator("#ct-question textarea").wait_for()
    assert "Only the police can refer" in page.locator("#ct-passage mark").inner_text()


#: WCAG 2.1 contrast of an element's text against the first opaque background behind it.
CONTRAST_JS = """(selector) => {
  const rgba = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const linear = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const background = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const color = rgba(getComputedStyle(e).backgroundColor);
      if (color.length === 3 || (color.length === 4 && color[3] > 0.5)) { return color.slice(0, 3); }
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll(selector)]
    .filter((e) => e.offsetParent !== null && (e.textContent || '').trim())
    .map((e) => {
      const [fore, back] = [luminance(rgba(getComputedStyle(e).color)), luminance(background(e))];
      const ratio = (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
      return [selector, (e.textContent || '').trim().slice(0, 40), Math.round(ratio * 100) / 100];
    });
}"""
#: Text the user reads: the answer, its source labels, the passage panel (its placeholder and
#: its text), the examples, the scope and the header.
READ_TEXT = (
    "#ct-chatbot .message-content p",
    ".ct-src-title",
    ".ct-src-where",
    ".ct-passage-hint",
    ".ct-passage-title",
    ".ct-passage-where",
    ".ct-passage-body",
    ".ct-header p",
    ".ct-help",
)
WCAG_AA = 4.5


def _contrast_failures(page: Any) -> list[Any]:
    rows: list[Any] = []
    for selector in READ_TEXT:
        rows.extend(page.evaluate(CONTRAST_JS, selector))
    return [row for row in rows if row[2] < WCAG_AA]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_both_themes_are_readable(browser: Any, served: Served, scheme: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(served.url + "/", wait_until="domcontentloaded")
        page.wait_for_selector("#ct-question textarea")
        assert page.evaluate("() => document.body.classList.contains('dark')") == (scheme == "dark")
        assert _contrast_failures(page) == []  # the empty passage panel's hint included
        reply = _ask(page, "What is Channel?")
        reply.locator("a.ct-src").first.click()
        page.locator("#ct-passage mark").first.wait_for(timeout=ANSWER_TIMEOUT)
        assert _contrast_failures(page) == []
        _screenshot(page, f"chat-{scheme}")
    finally:
        context.close()


#: How far the page scrolls sideways: what is laid out beyond the screen's width (a phone's
#: browser widens its layout viewport, window.innerWidth, to fit it, so that is no measure).
SIDEWAYS_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"

#: Words of the documents table's cells that are broken across lines (letter by letter in a
#: column too narrow); paths and hyphenated words may break at their slashes and hyphens.
BROKEN_WORDS_JS = """() => {
  const broken = [];
  const cells = document.querySelectorAll('#ct-documents [role=gridcell], #ct-documents [role=columnheader]');
  for (const cell of cells) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[^\\s\\/-]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) { broken.push(match[0]); }
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("width", [360, 390])
def test_a_phone_sees_header_and_question_and_never_scrolls_sideways(
    browser: Any, served: Served, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(served.url + "/", wait_until="domcontentloaded")
        page.wait_for_selector("#ct-question textarea")
        page.wait_for_timeout(500)  # let autofocus and layout settle
        assert page.evaluate(SIDEWAYS_JS) <= 0
        in_view = """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
            return r.top >= 0 && r.bottom <= window.innerHeight; }"""
        assert page.evaluate(in_view, ".ct-header h1"), "the header is scrolled off screen"
        assert page.evaluate(in_view, "#ct-question textarea"), "the question box is off screen"
        # A passage whose document holds a long web address (the Channel briefing's sources).
        reply = _ask(page, "Who can refer a person to a Channel panel?")
        reply.locator("a.ct-src").first.tap()
        page.locator("#ct-passage mark").first.wait_for(timeout=ANSWER_TIMEOUT)
        page.wait_for_timeout(800)  # the scroll to the passage is smooth
        assert "https://" in page.locator("#ct-passage .ct-passage-body").inner_text()
        assert page.evaluate(SIDEWAYS_JS) <= 0, "the passage widened the page"
        top = page.evaluate("() => document.querySelector('#ct-passage').getBoundingClientRect().top")
        assert 0 <= top < 844, f"the passage opened {top:.0f} px from the top of the screen"
        _screenshot(page, f"phone-{width}-passage")

        # The conversation list, and a deletion's Undo, below the chat.
        page.locator("#ct-delete").tap()
        page.locator("#ct-undo-row").wait_for()
        assert page.evaluate(SIDEWAYS_JS) <= 0, "the conversation list widened the page"
        page.locator("#ct-undo").tap()
        page.locator("#ct-undo-row").wait_for(state="hidden")

        _open_tab(page, "Agenda")
        page.fill("#ct-agenda-date textarea, #ct-agenda-date input", _next_month())
        page.locator("#ct-agenda-draft").tap()
        page.wait_for_selector("#ct-agenda-docx:not([disabled])", timeout=ANSWER_TIMEOUT)
        assert page.evaluate(SIDEWAYS_JS) <= 0, "the agenda widened the page"

        _open_tab(page, "Corpus")
        page.wait_for_function(
            "() => document.querySelectorAll('#ct-documents [role=gridcell]').length > 0",
            timeout=ANSWER_TIMEOUT,
        )
        page.wait_for_timeout(500)  # the table sizes its columns once shown
        assert page.evaluate(SIDEWAYS_JS) <= 0, "the documents table widened the page"
        assert page.evaluate(BROKEN_WORDS_JS) == []  # the table scrolls in its frame instead
        page.locator("#ct-doc-choice input").tap()
        page.get_by_role("option", name="sources/channel.md").tap()
        page.locator("#ct-doc-view").tap()
        page.locator("#ct-doc-viewer .ct-passage-body").wait_for()
        assert page.evaluate(SIDEWAYS_JS) <= 0, "the document viewer widened the page"
    finally:
        context.close()


def test_a_document_can_be_viewed_downloaded_and_deleted_after_confirming(page: Any, served: Served) -> None:
    doomed = served.corpus / "sources" / "doomed-brief.md"
    doomed.write_text(
        "# Doomed brief\n\n## Plans\n\nThe doomed fieldwork was\nmoved to May.\n", encoding="utf-8"
    )
    served.assistant.index()
    page.reload(wait_until="domcontentloaded")  # the chooser lists what was indexed when the page loaded
    page.wait_for_selector("#ct-question textarea")
    try:
        _open_tab(page, "Corpus")
        choice = page.locator("#ct-doc-choice input")
        # Selecting a row of the table chooses its document.
        first = served.assistant.documents()[0]
        page.locator("#ct-documents").get_by_text(first.title).first.click()
        page.wait_for_function(
            "(id) => document.querySelector('#ct-doc-choice input').value.includes(id)", arg=first.doc_id
        )
        choice.click()
        choice.fill("doomed")
        page.get_by_role("option", name="sources/doomed-brief.md").click()
        page.wait_for_function(
            "() => document.querySelector('#ct-doc-choice input').value.includes('sources/doomed-brief.md')"
        )
        page.click("#ct-doc-view")
        viewer = page.locator("#ct-doc-viewer .ct-passage-body")
        viewer.wait_for()
        assert (
            "The doomed fieldwork was moved to May." in viewer.inner_text()
            and "##" not in viewer.inner_text()
        )
        with page.expect_download() as download:
            page.click("#ct-doc-download")
        assert Path(download.value.path()).read_bytes() == doomed.read_bytes()

        page.click("#ct-doc-delete")  # asks first; "Keep it" keeps it
        page.locator("#ct-doc-confirm-text").get_by_text("sources/doomed-brief.md").wait_for()
        page.click("#ct-doc-cancel")
        page.locator("#ct-doc-confirm").wait_for(state="hidden")
        assert doomed.exists()
        page.click("#ct-doc-delete")
        page.click("#ct-doc-confirm-delete")
        page.locator("#ct-doc-result").get_by_text("Deleted").wait_for(timeout=ANSWER_TIMEOUT)
        assert not doomed.exists()
        assert "sources/doomed-brief.md" not in {r.doc_id for r in served.assistant.documents()}
        assert page.locator("#ct-documents").get_by_text("Doomed brief").count() == 0
        choice.click()
        assert page.get_by_role("option", name="doomed").count() == 0
        page.keyboard.press("Escape")
        assert "doomed" not in choice.input_value()
    finally:
        doomed.unlink(missing_ok=True)
        served.assistant.index()
