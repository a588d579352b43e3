"""Chunks: whole sentences, never across a heading, within the size, with their place."""

from __future__ import annotations

import itertools
import re
import time

import pytest

from ctassist.chunk import Chunk, chunk_document, sentence_spans
from ctassist.chunk._chunker import MAX_CHUNK_CHARS
from ctassist.chunk._sentences import MAX_SENTENCE_CHARS
from ctassist.load import LoadedDocument, PageSpan, load_bytes
from tests.helpers import CHANNEL_MD, HTML_PAGE, PREVENT_TXT, docx_bytes, note_text, pdf_bytes

LONG_SENTENCE = "This single sentence " + "keeps going without any full stop " * 12 + "until here."


def _long_markdown() -> str:
    parts = ["# Prevent review", ""]
    for section in range(3):
        parts += [f"## Section {section}", ""]
        for p in range(6):
            parts.append(
                f"Paragraph {p} of section {section} notes that 6,922 referrals were made under s.26 of the Act. "
                f"Referrals came from many bodies, e.g. schools and councils, in {2015 + p}. "
                "The panel met monthly."
            )
            parts.append("")
        parts += ["### Detail", "", LONG_SENTENCE, ""]
    return "\n".join(parts)


DOCUMENTS = {
    "sources/channel.md": CHANNEL_MD.encode(),
    "sources/review.md": _long_markdown().encode(),
    "sources/prevent.txt": PREVENT_TXT.encode(),
    "sources/stats.html": HTML_PAGE.encode(),
    "sources/guidance.docx": docx_bytes(),
    "sources/report.pdf": pdf_bytes(["Page one. " * 30, "Page two. " * 30, "Page three. " * 30]),
    "notes/2024-03-05.md": note_text().encode(),
}


def _expected_path(document: LoadedDocument, offset: int) -> tuple[str, ...]:
    """The enclosing headings, less the document's own title heading (a citation shows the
    title anyway)."""
    path = document.heading_path_at(offset)
    return path[1:] if path and path[0] == document.title else path


@pytest.fixture(params=sorted(DOCUMENTS), scope="module")
def document(request: pytest.FixtureRequest) -> LoadedDocument:
    return load_bytes(request.param, DOCUMENTS[request.param])


@pytest.mark.parametrize(("size", "overlap"), [(100, 0), (300, 1), (700, 1), (700, 2)])
def test_chunk_invariants(document: LoadedDocument, size: int, overlap: int) -> None:
    chunks = chunk_document(document, chunk_size=size, overlap=overlap)
    assert chunks
    assert [c.index for c in chunks] == list(range(len(chunks)))
    heading_starts = [h.start for h in document.headings]
    for chunk in chunks:
        assert chunk.doc_id == document.doc_id
        assert chunk.text == document.text[chunk.start : chunk.end]
        assert chunk.start >= document.body_start
        # Never across a heading: no heading begins inside the chunk.
        assert not [s for s in heading_starts if chunk.start <= s < chunk.end]
        assert chunk.heading_path == _expected_path(document, chunk.start)
        assert document.heading_path_at(chunk.end - 1) == document.heading_path_at(chunk.start)
        # Nor across a PDF page: the chunk's page holds all of it.
        assert {document.page_at(a) for a, _ in chunk.sentences} == {chunk.page}
        # Whole sentences: the chunk starts and ends on sentence boundaries.
        assert (chunk.sentences[0][0], chunk.sentences[-1][1]) == (chunk.start, chunk.end)
        # The size is kept, except by a chunk that is one long sentence.
        assert len(chunk.text) <= size or len(chunk.sentences) == 1


def test_every_sentence_is_in_exactly_one_chunk_without_overlap(document: LoadedDocument) -> None:
    chunks = chunk_document(document, chunk_size=300, overlap=0)
    in_chunks = [s for c in chunks for s in c.sentences]
    assert len(in_chunks) == len(set(in_chunks))
    headings = [(h.start, h.end) for h in document.headings]
    body_sentences = {
        s
        for s in sentence_spans(document.text, document.body_start)
        if not any(a <= s[0] < b for a, b in headings)
    }
    assert set(in_chunks) == body_sentences


def test_overlap_repeats_the_last_sentence_within_a_section() -> None:
    document = load_bytes("sources/review.md", DOCUMENTS["sources/review.md"])
    chunks = chunk_document(document, chunk_size=300, overlap=1)
    pairs = [(a, b) for a, b in itertools.pairwise(chunks) if a.heading_path == b.heading_path]
    assert pairs
    for previous, following in pairs:
        assert following.sentences[0] == previous.sentences[-1]
        assert following.sentences[1:]  # and always brings new text
    sections = [(a, b) for a, b in itertools.pairwise(chunks) if a.heading_path != b.heading_path]
    for previous, following in sections:
        assert following.start > previous.end


def test_long_sentence_is_a_chunk_of_its_own() -> None:
    document = load_bytes("sources/review.md", DOCUMENTS["sources/review.md"])
    chunks = chunk_document(document, chunk_size=200, overlap=1)
    long_chunks = [c for c in chunks if LONG_SENTENCE in c.text]
    assert len(long_chunks) == 3
    for chunk in long_chunks:
        assert chunk.text == LONG_SENTENCE
        assert len(chunk.text) > 200


@pytest.mark.parametrize("chunk_size", [700, 100_000])
def test_a_megabyte_line_never_becomes_one_chunk(chunk_size: int) -> None:
    line = " ".join(f"word{i}" for i in range(120_000))
    document = load_bytes("sources/one-line.txt", f"Title\n\n{line}\n".encode())
    chunks = chunk_document(document, chunk_size=chunk_size, overlap=1)
    assert len(chunks) > len(line) // MAX_CHUNK_CHARS
    assert max(len(c.text) for c in chunks) <= min(max(chunk_size, MAX_SENTENCE_CHARS), MAX_CHUNK_CHARS)
    assert MAX_SENTENCE_CHARS <= MAX_CHUNK_CHARS  # so a chunk of one sentence fits too


def test_many_short_sections_chunk_in_linear_time() -> None:
    # Each chunk's heading path and page were found by a scan of every heading or page:
    # 5,000 headings took 2.6 s, these 20,000 would take 40 s.
    text = "".join(f"# Heading {i}\n\nSentence number {i} here.\n\n" for i in range(20_000))
    document = load_bytes("sources/many.md", text.encode())
    started = time.perf_counter()
    chunks = chunk_document(document)
    assert time.perf_counter() - started < 5
    assert len(chunks) == 20_000
    assert chunks[-1].heading_path == ("Heading 19999",)


def test_many_pages_chunk_in_linear_time() -> None:
    pages = [PageSpan(i * 20, i * 20 + 18, i + 1) for i in range(20_000)]
    text = "".join(f"Page {i:>6} text.\n\n"[:18].ljust(18) + "\n\n" for i in range(20_000))
    document = LoadedDocument(
        doc_id="sources/many.pdf", title="", kind="source", text=text, content_hash="", pages=tuple(pages)
    )
    started = time.perf_counter()
    chunks = chunk_document(document, chunk_size=100)
    assert time.perf_counter() - started < 5
    assert [c.page for c in chunks[:3]] == [1, 2, 3]
    assert chunks[-1].page == 20_000


@pytest.mark.parametrize(
    ("fragment", "pattern"),
    [
        (
            "s.26 of the Act",
            r"Paragraph \d of section \d notes that 6,922 referrals were made under s\.26 of the Act\.",
        ),
        (
            "6,922 referrals",
            r"Paragraph \d of section \d notes that 6,922 referrals were made under s\.26 of the Act\.",
        ),
        ("e.g. schools", r"Referrals came from many bodies, e\.g\. schools and councils, in 20\d\d\."),
    ],
)
def test_tricky_sentences_stay_intact(fragment: str, pattern: str) -> None:
    document = load_bytes("sources/review.md", DOCUMENTS["sources/review.md"])
    chunks = chunk_document(document, chunk_size=120, overlap=0)
    sentences = [document.text[a:b] for c in chunks for a, b in c.sentences]
    holding = [s for s in sentences if fragment in s]
    assert len(holding) == 18
    for sentence in holding:
        assert re.fullmatch(pattern, sentence), sentence


def test_nested_markdown_heading_paths() -> None:
    document = load_bytes("sources/channel.md", DOCUMENTS["sources/channel.md"])
    chunks = chunk_document(document, chunk_size=700)
    by_text = {c.text.split(".")[0]: c for c in chunks}
    assert document.title == "Channel"
    assert by_text["Channel is a multi-agency programme"].heading_path == ()
    assert by_text["Only the police can refer a person to a Channel panel"].heading_path == ("Referrals",)
    panels = by_text["The local authority chairs the panel"]
    assert panels.heading_path == ("Referrals", "Panels")
    assert panels.section == "Referrals > Panels"
    assert by_text["Support offered through a Channel panel requires consent"].heading_path == ("Support",)
    assert all(c.page is None for c in chunks)


def test_heading_paths_of_html_and_docx() -> None:
    html = chunk_document(load_bytes("sources/stats.html", DOCUMENTS["sources/stats.html"]))
    assert [c.heading_path for c in html] == [(), ("Referrals by sector",)]
    assert html[1].text == (
        "Education made the largest share of referrals.\n\n• Education referrals\n\n• Police referrals"
    )
    assert [html[1].text[a - html[1].start : b - html[1].start] for a, b in html[1].sentences] == [
        "Education made the largest share of referrals.",
        "Education referrals",
        "Police referrals",
    ]
    docx = chunk_document(load_bytes("sources/guidance.docx", DOCUMENTS["sources/guidance.docx"]))
    assert [c.heading_path for c in docx] == [(), ("Panel membership",), ("Consent",)]
    assert docx[1].text == "The local authority chairs the panel.\n\nRole | Duty\n\nPolice | Refer cases"


def test_pdf_chunks_carry_page_numbers() -> None:
    pages = [
        "Alpha page sentence about Prevent. " * 8,
        "Bravo page sentence about Channel. " * 8,
        "Charlie page sentence about CONTEST. " * 8,
    ]
    document = load_bytes("sources/report.pdf", pdf_bytes(pages))
    chunks = chunk_document(document, chunk_size=150, overlap=0)
    assert {c.page for c in chunks} == {1, 2, 3}
    for chunk in chunks:
        word = chunk.text.split()[0]
        assert {"Alpha": 1, "Bravo": 2, "Charlie": 3}[word] == chunk.page
        assert chunk.page == document.page_at(chunk.start)


def test_pdf_chunks_never_cross_a_page() -> None:
    """A citation shows its chunk's page, so every sentence of a chunk must be on that page."""
    pages = ["Alpha page sentence about Prevent. " * 5, "Bravo page sentence about Channel. " * 5]
    document = load_bytes("sources/report.pdf", pdf_bytes(pages))
    for size, overlap in [(700, 1), (300, 1), (100, 0)]:
        chunks = chunk_document(document, chunk_size=size, overlap=overlap)
        assert {c.page for c in chunks} == {1, 2}
        for chunk in chunks:
            assert [document.page_at(a) for a, _ in chunk.sentences] == [chunk.page] * len(chunk.sentences)
            assert chunk.text.split()[0] == ("Alpha" if chunk.page == 1 else "Bravo")


def test_note_chunks_leave_out_the_front_matter() -> None:
    document = load_bytes("notes/2024-03-05.md", DOCUMENTS["notes/2024-03-05.md"])
    chunks = chunk_document(document)
    assert [c.heading_path for c in chunks] == [("Discussion",), ("Decisions",)]
    assert all("group:" not in c.text and "attendees" not in c.text for c in chunks)


def test_title_heading_is_left_out_of_paths_but_other_top_headings_stay() -> None:
    text = "Preamble sentence.\n\n# Title\n\nBody sentence.\n\n# Annex\n\nAnnex sentence.\n"
    document = load_bytes("sources/a.md", text.encode())
    assert document.title == "Title"
    chunks = chunk_document(document)
    assert [(c.text, c.heading_path) for c in chunks] == [
        ("Preamble sentence.", ()),
        ("Body sentence.", ()),
        ("Annex sentence.", ("Annex",)),
    ]
    titled = load_bytes("sources/b.md", b"---\ntitle: Other title\n---\n# Heading\n\nBody sentence.\n")
    assert chunk_document(titled)[0].heading_path == ("Heading",)


def test_chunk_hash_is_the_sha256_of_its_text() -> None:
    import hashlib

    chunk = Chunk("a.md", 0, 0, 5, "Text.", (), None, ((0, 5),))
    assert chunk.chunk_hash == hashlib.sha256(b"Text.").hexdigest()
    assert chunk.section == ""
