"""The readers of each file format: text, headings, pages, titles, and their refusals."""

from __future__ import annotations

import codecs
import io
import time
from collections.abc import Callable
from typing import Any

import pytest

from ctassist.errors import LoadError
from ctassist.load._formats import (
    READERS,
    decode_text,
    read_docx,
    read_html,
    read_markdown,
    read_pdf,
    read_plain_text,
)
from tests.helpers import (
    CHANNEL_MD,
    HTML_PAGE,
    PREVENT_TXT,
    docx_bytes,
    docx_with,
    docx_xml_padding,
    pdf_bytes,
    scanned_pdf_bytes,
)


def test_every_supported_extension_has_a_reader() -> None:
    assert set(READERS) == {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"}


# --- decode_text --------------------------------------------------------------------------


def test_decode_normalises_line_endings_and_drops_bom() -> None:
    assert decode_text("a.txt", b"\xef\xbb\xbfone\r\ntwo\rthree\n") == "one\ntwo\nthree\n"


def test_decode_refuses_non_utf8_naming_byte_and_offset() -> None:
    with pytest.raises(LoadError) as caught:
        decode_text("sources/latin1.txt", "Café Prevent".encode("latin-1"))
    assert caught.value.path == "sources/latin1.txt"
    assert caught.value.reason == "not valid UTF-8 (byte 0xe9 at offset 3); re-save the file as UTF-8"


@pytest.mark.parametrize(
    "data",
    [b"text\x00with a NUL byte", bytes(range(1, 32)) * 20, b"PK\x03\x04\x14\x00\x06\x00\x08\x00" * 30],
)
def test_decode_refuses_binary_content(data: bytes) -> None:
    with pytest.raises(LoadError) as caught:
        decode_text("sources/binary.txt", data)
    assert caught.value.reason == "binary content in a text file (is the extension wrong?)"


def test_decode_accepts_tabs_and_form_feeds() -> None:
    assert decode_text("a.txt", b"col\tcol\n\x0cnext page\n") == "col\tcol\n\x0cnext page\n"


# --- Markdown and plain text --------------------------------------------------------------


def test_markdown_headings_levels_offsets_and_title() -> None:
    extracted = read_markdown("sources/channel.md", CHANNEL_MD.encode())
    assert extracted.text == CHANNEL_MD
    assert [(h.level, h.title) for h in extracted.headings] == [
        (1, "Channel"),
        (2, "Referrals"),
        (3, "Panels"),
        (2, "Support"),
    ]
    for heading in extracted.headings:
        assert extracted.text[heading.start : heading.end].lstrip("# ") == heading.title
    assert extracted.title == "Channel"


def test_markdown_ignores_hash_lines_inside_code_fences() -> None:
    text = "# Real\n\n```\n# not a heading\n```\n\n## Also real ##\n\nText.\n"
    extracted = read_markdown("a.md", text.encode())
    assert [h.title for h in extracted.headings] == ["Real", "Also real"]


def test_markdown_title_falls_back_to_first_heading_of_any_level() -> None:
    assert read_markdown("a.md", b"## Only level two\n\nText.\n").title == "Only level two"
    assert read_markdown("a.md", b"No headings at all.\n").title == ""


def test_plain_text_title_is_first_line_and_short_lines_are_headings() -> None:
    extracted = read_plain_text("sources/prevent.txt", PREVENT_TXT.encode())
    assert extracted.title == "Prevent duty guidance"
    assert [(h.level, h.title) for h in extracted.headings] == [
        (1, "Prevent duty guidance"),
        (2, "Who the duty applies to"),
    ]
    for heading in extracted.headings:
        assert extracted.text[heading.start : heading.end] == heading.title


def test_plain_text_sentences_and_bullets_are_not_headings() -> None:
    text = "Title line\n\nA sentence that ends.\n\n• a bullet point\n\n1. numbered item\n\nShort one:\n"
    extracted = read_plain_text("a.txt", text.encode())
    assert [h.title for h in extracted.headings] == ["Title line"]


# --- HTML ---------------------------------------------------------------------------------


def test_html_blocks_headings_lists_and_no_script() -> None:
    extracted = read_html("sources/stats.html", HTML_PAGE.encode())
    assert extracted.title == "Prevent statistics"
    assert extracted.text == (
        "Prevent statistics\n\n"
        "The Home Office publishes Prevent referral statistics every year.\n\n"
        "Referrals by sector\n\n"
        "Education made the largest share of referrals.\n\n"
        "• Education referrals\n\n"
        "• Police referrals"
    )
    assert "tracking" not in extracted.text
    assert "color" not in extracted.text
    assert "Home | About" not in extracted.text
    assert "Crown copyright" not in extracted.text
    assert [(h.level, h.title) for h in extracted.headings] == [
        (1, "Prevent statistics"),
        (2, "Referrals by sector"),
    ]
    for heading in extracted.headings:
        assert extracted.text[heading.start : heading.end] == heading.title


def test_html_title_falls_back_to_h1_and_loose_text_is_kept() -> None:
    assert read_html("a.html", b"<body><h1>Heading title</h1><p>Body.</p></body>").title == "Heading title"
    assert read_html("a.html", b"<div>Just a <b>div</b> of text</div>").text == "Just a div of text"


# --- PDF ----------------------------------------------------------------------------------


def test_pdf_pages_are_kept_as_spans() -> None:
    pages = [
        "Page one text. Prevent is one of four strands of CONTEST.",
        "Page two text. Channel supports vulnerable people.",
        "Page three text. The police make referrals.",
    ]
    extracted = read_pdf("sources/report.pdf", pdf_bytes(pages, title="Prevent report"))
    assert extracted.title == "Prevent report"
    assert [span.number for span in extracted.pages] == [1, 2, 3]
    for span, page in zip(extracted.pages, pages, strict=True):
        assert extracted.text[span.start : span.end] == page


def test_pdf_page_numbers_skip_blank_pages() -> None:
    extracted = read_pdf("a.pdf", pdf_bytes(["First page.", "", "Third page."]))
    assert [(extracted.text[s.start : s.end], s.number) for s in extracted.pages] == [
        ("First page.", 1),
        ("Third page.", 3),
    ]


def test_encrypted_pdf_is_refused() -> None:
    with pytest.raises(LoadError) as caught:
        read_pdf("sources/locked.pdf", pdf_bytes(["Secret text."], user_password="secret"))
    assert caught.value.path == "sources/locked.pdf"
    assert caught.value.reason == "encrypted PDF (password-protected); save an unprotected copy"


def test_pdf_with_owner_password_only_is_read() -> None:
    extracted = read_pdf("a.pdf", pdf_bytes(["Readable without a password."], user_password=""))
    assert extracted.text == "Readable without a password."


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n" + b"garbage \x00\xff" * 50,
        bytes(range(256)) * 4,
        pdf_bytes(["A normal page that is cut short."])[:400],
    ],
    ids=["garbage", "random-bytes", "truncated"],
)
def test_corrupt_pdf_is_refused(data: bytes) -> None:
    with pytest.raises(LoadError) as caught:
        read_pdf("sources/broken.pdf", data)
    assert caught.value.path == "sources/broken.pdf"
    assert caught.value.reason.startswith("corrupt or unreadable PDF (")


def test_scanned_pdf_without_text_layer_is_refused() -> None:
    with pytest.raises(LoadError) as caught:
        read_pdf("sources/scan.pdf", scanned_pdf_bytes())
    assert caught.value.reason == (
        "no extractable text in 1 page(s): a scanned PDF without a text layer? Run OCR on it first"
    )


# --- DOCX ---------------------------------------------------------------------------------


def test_docx_headings_paragraphs_and_table_rows() -> None:
    extracted = read_docx("sources/guidance.docx", docx_bytes())
    assert extracted.title == "Channel guidance"
    assert extracted.text.split("\n\n") == [
        "Channel guidance",
        "Channel supports people at risk of radicalisation. It is voluntary.",
        "Panel membership",
        "The local authority chairs the panel.",
        "Role | Duty",
        "Police | Refer cases",
        "Consent",
        "Support requires consent.",
    ]
    assert [(h.level, h.title) for h in extracted.headings] == [
        (1, "Channel guidance"),
        (2, "Panel membership"),
        (2, "Consent"),
    ]
    for heading in extracted.headings:
        assert extracted.text[heading.start : heading.end] == heading.title


@pytest.mark.parametrize("data", [b"not a zip file at all", b"PK\x05\x06" + b"\x00" * 18])
def test_corrupt_docx_is_refused(data: bytes) -> None:
    with pytest.raises(LoadError) as caught:
        read_docx("sources/broken.docx", data)
    assert caught.value.path == "sources/broken.docx"
    assert caught.value.reason.startswith("corrupt or unreadable Word document (")


def _docx_of(build: Callable[[Any], None]) -> bytes:
    import docx

    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_table_rows_are_python_docx_cells_with_merges() -> None:
    def build(document: Any) -> None:
        table = document.add_table(rows=6, cols=3)
        for r in range(6):
            for c in range(3):
                table.cell(r, c).text = f"r{r}c{c}"
        table.cell(0, 0).merge(table.cell(2, 0))  # down three rows
        table.cell(3, 1).merge(table.cell(3, 2))  # across two columns
        table.cell(4, 0).merge(table.cell(5, 1))  # down and across
        table.cell(1, 2).text = ""

    import docx

    data = _docx_of(build)
    expected = [
        " | ".join(c for c in (" ".join(cell.text.split()) for cell in row.cells) if c)
        for row in docx.Document(io.BytesIO(data)).tables[0].rows
    ]
    assert read_docx("a.docx", data).text.split("\n\n") == expected


def test_docx_with_a_long_merge_down_reads_in_linear_time() -> None:
    # python-docx finds the cell above a merge by recursion and a search of all rows: a first
    # column merged down 600 rows took 17 s to read.
    def build(document: Any) -> None:
        document.add_paragraph("A table follows.")
        table = document.add_table(rows=600, cols=2)
        table.cell(0, 0).text = "Merged"
        table.cell(0, 0).merge(table.cell(599, 0))
        table.cell(599, 1).text = "Last"

    data = _docx_of(build)
    started = time.perf_counter()
    extracted = read_docx("a.docx", data)
    assert time.perf_counter() - started < 5
    assert extracted.text.split("\n\n")[-1] == "Merged | Last"


def test_docx_with_many_paragraphs_reads_in_linear_time() -> None:
    # Each paragraph's style was resolved by a scan of every style: 2 ms a paragraph.
    data = docx_with({"word/document.xml": docx_xml_padding(300 * 1024)})
    started = time.perf_counter()
    extracted = read_docx("a.docx", data)
    assert time.perf_counter() - started < 5
    assert extracted.text.count("lol") > 8000


def test_deeply_nested_html_reads_in_linear_time() -> None:
    # Each block's search of its parents for another block: 19 s for these 36 kB.
    markup = "<div>" * 2000 + "<p>Nested text here.</p>" * 2000
    started = time.perf_counter()
    extracted = read_html("a.html", markup.encode())
    assert time.perf_counter() - started < 5
    assert extracted.text.split("\n\n") == ["Nested text here."] * 2000


def test_markdown_of_many_fences_and_headings_reads_in_linear_time() -> None:
    text = "".join(f"```\n# not a heading {i}\n```\n\n# Heading {i}\n\nText {i}.\n\n" for i in range(20_000))
    started = time.perf_counter()
    extracted = read_markdown("a.md", text.encode())
    assert time.perf_counter() - started < 5
    assert [h.title for h in extracted.headings[:2]] == ["Heading 0", "Heading 1"]
    assert len(extracted.headings) == 20_000


# --- other encodings ------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_decode_reads_utf16_and_utf32_after_their_byte_order_mark(codec: str) -> None:
    marks = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
    marks |= {"utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}
    text = "Réunion ☕\r\nsecond line\n"
    data = marks.get(codec, b"") + text.encode(codec)
    assert decode_text("a.txt", data) == "Réunion ☕\nsecond line\n"


def test_decode_refuses_binary_after_a_utf16_mark() -> None:
    with pytest.raises(LoadError) as caught:
        decode_text("a.txt", codecs.BOM_UTF16_LE + "".join(map(chr, range(1, 32))).encode("utf-16-le") * 40)
    assert caught.value.reason == "binary content in a text file (is the extension wrong?)"


def test_pdf_without_metadata_title_is_titled_by_its_first_line() -> None:
    pages = ["Prevent duty monitoring 2026\nThe first paragraph says what the report covers.", "More."]
    assert read_pdf("sources/upload.pdf", pdf_bytes(pages)).title == "Prevent duty monitoring 2026"


@pytest.mark.parametrize(
    "first_line",
    [
        "This opening line is a sentence, not a heading, so it is not taken for the title.",
        "2026 / 11 / 04",
    ],
)
def test_pdf_first_line_that_is_not_a_heading_is_no_title(first_line: str) -> None:
    assert read_pdf("sources/upload.pdf", pdf_bytes([f"{first_line}\nBody text."])).title == ""


def test_pdf_metadata_title_wins_over_its_first_line() -> None:
    extracted = read_pdf("a.pdf", pdf_bytes(["Cover line\nBody."], title="Metadata title"))
    assert extracted.title == "Metadata title"
