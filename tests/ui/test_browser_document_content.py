"""In Debian's Chromium: links, images and bare addresses inside a document never become
live in the page. A document whose title and text hold Markdown images, a Markdown link, an
HTML image, a bare URL and an e-mail address, all pointing at a local HTTP server started
here, is indexed; a question is answered from it, its passage opened, an agenda drafted from
it and the Corpus table shown. The server must receive no request, and the page must hold no
``<img>`` and no ``<a>`` made from the document's content.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from ctassist import Assistant, Settings
from ctassist.embed import Encoder
from tests.helpers import SHIPPED_CORPUS, free_port
from tests.ui.test_browser import ANSWER_TIMEOUT, CHROMIUM, _ask, _open_tab

pytestmark = pytest.mark.browser

if not CHROMIUM.is_file():
    pytest.skip("browser tests need Debian's Chromium at /usr/bin/chromium", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra)")

DOC_ID = "sources/fieldwork-logistics.md"


def document(base: str) -> str:
    return (
        f"# Fieldwork logistics ![logo]({base}/title.png)\n\n"
        "## Fieldwork visits\n\n"
        f"Inspection fieldwork visits to each force last three days ![chart]({base}/chart.png) and end "
        "with a hot debrief to the chief constable. "
        f"The visit timetable is published at {base}/timetable and [the fieldwork schedule]({base}/link) "
        "is shared with each force in advance. "
        "Forces send changes to the fieldwork visits to fieldwork@example.org or www.fieldwork.example "
        f'before the visits begin. <img src="{base}/html.png"> Inspectors arrive on the first morning.\n'
    )


class _Recorder(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Served:
    url: str
    base: str
    requests: list[str]
    assistant: Assistant


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Served]:
    """A recording HTTP server, and the real app over the shipped corpus plus the document."""
    from ui.app import build_app, start, warm

    recorder = ThreadingHTTPServer(("127.0.0.1", free_port()), _Recorder)
    _Recorder.requests = []
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{recorder.server_address[1]}"

    root = tmp_path_factory.mktemp("ui-content")
    corpus = root / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus)
    (corpus / DOC_ID).write_text(document(base), encoding="utf-8")
    settings = Settings.from_env(environ={}, corpus_dir=corpus, index_dir=root / "index")
    assistant = Assistant(settings=settings, encoder=encoder)
    report = assistant.index()
    assert report.ok and DOC_ID in report.added, report.summary()
    warm(assistant)
    app = build_app(assistant)
    url = start(
        app, host="127.0.0.1", port=free_port(), max_file_mb=settings.max_file_mb, block=False, quiet=True
    )
    try:
        yield Served(url=url.rstrip("/"), base=base, requests=_Recorder.requests, assistant=assistant)
    finally:
        app.close()
        recorder.shutdown()
        recorder.server_close()
        if assistant._store is not None:
            assistant._store.client.close()


def _live_from_document(page: Any, selector: str) -> list[str]:
    """``<img>`` and ``<a>`` elements under ``selector`` that are not the app's own source
    and copy links (``#ct-src-…``, ``#ct-copy``): any is a document's link or image made live."""
    return list(
        page.evaluate(
            """(selector) => [...document.querySelectorAll(selector)].flatMap((root) =>
                [...root.querySelectorAll('img, a, image, iframe, object, embed, video, audio, source')]
                .filter((e) => !(e.tagName === 'A' && /^#ct-(src-\\d+-\\d+|copy)$/.test(e.getAttribute('href') || '')))
                .map((e) => e.outerHTML))""",
            selector,
        )
    )


def test_links_images_and_addresses_from_a_document_stay_text(page: Any, served: Served) -> None:
    # Chat: the answer quotes the sentences with the image, the bare URL and the link.
    reply = _ask(page, "How long do inspection fieldwork visits to each force last?")
    text = reply.inner_text()
    assert "three days" in text, text
    assert "chart.png" in text or "timetable" in text  # shown, as text
    sources = reply.locator("a.ct-src")
    assert sources.count() >= 1
    titles = reply.locator(".ct-src-title").all_inner_texts()
    assert any("title.png" in t for t in titles), titles  # the title's image, as text
    second = _ask(page, "Where is the fieldwork visit timetable published and where do forces send changes?")
    assert "timetable" in second.inner_text() or "fieldwork@example.org" in second.inner_text()
    # The passage panel shows the document around the quote.
    reply.locator("a.ct-src").first.click()
    page.locator("#ct-passage mark").wait_for()
    assert "chart.png" in page.locator("#ct-passage").inner_text()

    # Agenda: drafted from the document, previewed.
    _open_tab(page, "Agenda")
    page.get_by_label("User reference group").check()
    page.fill("#ct-agenda-date input, #ct-agenda-date textarea", "2026-12-10")
    page.fill("#ct-agenda-focus textarea", "Inspection fieldwork visits to forces")
    page.click("#ct-agenda-draft")
    page.wait_for_function(
        "() => document.querySelector('#ct-agenda-preview').innerText.includes('Inspection fieldwork visits')",
        timeout=ANSWER_TIMEOUT,
    )
    preview = page.locator("#ct-agenda-preview").inner_text()
    assert "fieldwork-logistics.md" in preview, preview  # the document is cited there

    # Corpus table: the title with its image.
    _open_tab(page, "Corpus")
    page.locator("#ct-documents").get_by_text("Fieldwork logistics", exact=False).first.wait_for()
    page.wait_for_timeout(1000)  # anything the page would fetch has been asked for by now

    for selector in ("#ct-chatbot", "#ct-passage", "#ct-agenda-preview", "#ct-documents"):
        assert _live_from_document(page, selector) == [], selector
    assert served.requests == [], served.requests
