"""Finding corpus files and loading each one: ids, kinds, titles, hashes and bad inputs."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from ctassist import LoadError
from ctassist.load import content_hash, discover_files, display_id, document_id, kind_of, load_document
from ctassist.load._zip import MAX_ZIP_ENTRIES, UNZIPPED_FACTOR
from tests.helpers import (
    CHANNEL_MD,
    PREVENT_TXT,
    SHIPPED_CORPUS,
    Corpus,
    docx_bytes,
    docx_with,
    docx_with_corrupt_stream,
    docx_xml_padding,
    note_text,
    pdf_bytes,
    pdf_with_filter,
    scanned_pdf_bytes,
)


def test_discover_skips_readme_dotfiles_and_underscore_names(make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus(
        {
            "sources/a.md": "A.",
            "sources/b.xyz": "unsupported but reported",
            "sources/sub/c.txt": "C.",
            "sources/README.md": "docs",
            "notes/README.md": "docs",
            "notes/2024-01-01.md": "note",
            "sources/.hidden.md": "hidden",
            ".git/config": "x",
            "sources/.cache/d.md": "hidden folder",
            "sources/_drafts/e.md": "draft",
            "sources/_f.md": "draft",
            "sources/.gitkeep": "",
        }
    )
    (corpus.root / "sources" / "empty-folder").mkdir()
    found = [p.relative_to(corpus.root).as_posix() for p in discover_files(corpus.root)]
    assert found == ["notes/2024-01-01.md", "sources/a.md", "sources/b.xyz", "sources/sub/c.txt"]


def test_document_id_is_relative_with_forward_slashes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    assert document_id(corpus / "sources" / "sub" / "a.md", corpus) == "sources/sub/a.md"
    assert document_id(Path("corpus/sources/channel.md"), Path("corpus")) == "sources/channel.md"


@pytest.mark.parametrize(
    ("doc_id", "kind"),
    [
        ("notes/2024-01-01.md", "notes"),
        ("notes/2024/01.md", "notes"),
        ("sources/notes.md", "source"),
        ("sources/notes/a.md", "source"),
        ("notes.md", "source"),
        ("other/a.md", "source"),
    ],
)
def test_kind_is_notes_only_under_the_notes_folder(doc_id: str, kind: str) -> None:
    assert kind_of(doc_id) == kind


def test_load_markdown_source(make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus({"sources/channel.md": CHANNEL_MD})
    document = load_document(corpus.path("sources/channel.md"), corpus.root)
    assert document.doc_id == "sources/channel.md"
    assert document.kind == "source"
    assert document.title == "Channel"
    assert document.text == CHANNEL_MD
    assert document.note is None
    assert document.content_hash == hashlib.sha256(CHANNEL_MD.encode()).hexdigest()
    assert document.content_hash == content_hash(corpus.path("sources/channel.md").read_bytes())


def test_load_crlf_file_normalises_text_but_hashes_bytes(make_corpus: Callable[..., Corpus]) -> None:
    data = PREVENT_TXT.replace("\n", "\r\n").encode()
    corpus = make_corpus({"sources/prevent.txt": data})
    document = load_document(corpus.path("sources/prevent.txt"), corpus.root)
    assert document.text == PREVENT_TXT
    assert document.content_hash == hashlib.sha256(data).hexdigest()


def test_load_note(make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus({"notes/2024-03-05.md": note_text()})
    document = load_document(corpus.path("notes/2024-03-05.md"), corpus.root)
    assert document.doc_id == "notes/2024-03-05.md"
    assert document.kind == "notes"
    assert document.note is not None
    assert (document.note.group, document.note.date) == ("public", "2024-03-05")


def test_title_falls_back_to_the_file_name(make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus({"sources/prevent_duty-guidance.md": "Some text without headings.\n"})
    document = load_document(corpus.path("sources/prevent_duty-guidance.md"), corpus.root)
    assert document.title == "Prevent duty guidance"


def test_title_from_a_stored_upload_name_leaves_out_its_date_and_hash(
    make_corpus: Callable[..., Corpus],
) -> None:
    name = "sources/20261203-3f2a9c1b07-prevent-duty-guidance.md"
    corpus = make_corpus({name: "Some text without headings.\n"})
    assert load_document(corpus.path(name), corpus.root).title == "Prevent duty guidance"


def test_shipped_txt_title_is_its_first_line() -> None:
    document = load_document(SHIPPED_CORPUS / "sources" / "counter-terrorism-inspections.txt", SHIPPED_CORPUS)
    assert document.doc_id == "sources/counter-terrorism-inspections.txt"
    assert document.title == "Counter-terrorism inspections"


def test_every_shipped_file_loads() -> None:
    paths = list(discover_files(SHIPPED_CORPUS))
    assert len(paths) >= 8
    assert all(p.name != "README.md" for p in paths)
    for path in paths:
        document = load_document(path, SHIPPED_CORPUS)
        assert document.text.strip()
        assert document.title


def _reason(corpus: Corpus, relative: str, **kwargs: float) -> str:
    with pytest.raises(LoadError) as caught:
        load_document(corpus.path(relative), corpus.root, **kwargs)
    assert caught.value.path == relative
    assert str(caught.value) == f"{relative}: {caught.value.reason}"
    return caught.value.reason


def test_bad_inputs_are_refused_with_path_and_reason(make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus(
        {
            "sources/empty.md": b"",
            "sources/blank.txt": b"  \n\n\t\n",
            "sources/corrupt.pdf": b"%PDF-1.4\nthis is not really a PDF" * 10,
            "sources/locked.pdf": pdf_bytes(["Secret."], user_password="secret"),
            "sources/scan.pdf": scanned_pdf_bytes(),
            "sources/binary.txt": bytes(range(256)) * 8,
            "sources/latin1.md": "Prevent in Sheffield — café".encode("cp1252"),
            "sources/data.xyz": b"some data",
            "sources/Makefile": b"all:\n",
            "sources/front-matter-only.md": "---\ntitle: Nothing else\n---\n",
        }
    )
    assert _reason(corpus, "sources/empty.md") == "empty file"
    assert _reason(corpus, "sources/blank.txt") == "empty file"
    assert _reason(corpus, "sources/corrupt.pdf").startswith("corrupt or unreadable PDF")
    assert _reason(corpus, "sources/locked.pdf").startswith("encrypted PDF")
    assert _reason(corpus, "sources/scan.pdf").startswith("no extractable text in 1 page(s)")
    assert _reason(corpus, "sources/binary.txt").startswith("binary content in a text file")
    assert _reason(corpus, "sources/latin1.md").startswith("not valid UTF-8 (byte 0x97 at offset 21)")
    assert _reason(corpus, "sources/data.xyz") == (
        "unsupported file type .xyz; supported: .docx, .htm, .html, .markdown, .md, .pdf, .txt"
    )
    assert _reason(corpus, "sources/Makefile").startswith("unsupported file type (none)")
    assert _reason(corpus, "sources/front-matter-only.md").startswith("no text to index")


def test_file_over_the_size_limit_is_refused(make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus({"sources/big.md": "A sentence of the big file.\n" * 100})  # 2.8 kB
    assert _reason(corpus, "sources/big.md", max_file_mb=0.001) == (
        "file is 0.00267 MB, over the limit of 0.001 MB (CTASSIST_MAX_FILE_MB)"
    )
    assert load_document(corpus.path("sources/big.md"), corpus.root, max_file_mb=0.01).text


def test_extension_is_case_insensitive(make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus({"sources/UPPER.MD": "# Upper\n\nText.\n"})
    assert load_document(corpus.path("sources/UPPER.MD"), corpus.root).title == "Upper"


def test_link_to_a_file_outside_the_corpus_is_refused(
    make_corpus: Callable[..., Corpus], tmp_path: Path
) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("# Outside\n\nNot part of the corpus.\n")
    corpus = make_corpus({"sources/real.md": "# Real\n\nInside the corpus.\n"})
    corpus.path("sources/outside-link.md").symlink_to(outside)
    corpus.path("sources/inside-link.md").symlink_to(corpus.path("sources/real.md"))
    found = [document_id(p, corpus.root) for p in discover_files(corpus.root)]
    assert found == ["sources/inside-link.md", "sources/outside-link.md", "sources/real.md"]
    assert _reason(corpus, "sources/outside-link.md") == (
        "a link to a file outside the corpus folder; copy the file into the corpus"
    )
    assert _reason(corpus, "sources/inside-link.md") == "symlink to sources/real.md (indexed there)"


# --- what is not a file of its own ------------------------------------------------------------


def test_pipes_sockets_devices_and_linked_folders_are_refused_unread(
    make_corpus: Callable[..., Corpus], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = make_corpus(
        {
            "sources/real.md": "# Real\n\nInside the corpus.\n",
            "sources/sub/doc.md": "# Sub\n\nIn a subfolder.\n",
            "sources/_draft.md": "# Draft\n\nPassed over, but readable through a link.\n",
        }
    )
    src = corpus.path("sources")
    os.mkfifo(src / "pipe.md")  # reading it would wait for a writer forever
    (src / "device.md").symlink_to("/dev/zero")  # reading it would never end
    (src / "folder-link").symlink_to(src / "sub")
    (src / "outer-folder-link").symlink_to(tmp_path)  # holds the corpus itself
    (src / "broken.md").symlink_to(src / "missing.md")
    (src / "loop.md").symlink_to(src / "loop.md")
    (src / "same.md").symlink_to(src / "real.md")
    (src / "relative.md").symlink_to("sub/doc.md")
    (src / "draft-link.md").symlink_to(src / "_draft.md")
    monkeypatch.chdir(src)  # a tmp path can be longer than a socket address may be
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("socket.md")
        reasons: dict[str, str] = {}
        loaded: list[str] = []
        for path in discover_files(corpus.root):
            try:
                loaded.append(load_document(path, corpus.root).doc_id)
            except LoadError as exc:
                assert exc.path == document_id(path, corpus.root)
                reasons[exc.path] = exc.reason
    assert loaded == ["sources/draft-link.md", "sources/real.md", "sources/sub/doc.md"]
    folder = "a link to a folder; linked folders are not followed, move the files into the corpus"
    assert reasons == {
        "sources/broken.md": "a link to nothing (its target does not exist)",
        "sources/device.md": "not a regular file: a link to a character device",
        "sources/folder-link": folder,
        "sources/loop.md": "cannot read the file (Too many levels of symbolic links)",
        "sources/outer-folder-link": folder,
        "sources/pipe.md": "not a regular file: a named pipe (FIFO)",
        "sources/relative.md": "symlink to sources/sub/doc.md (indexed there)",
        "sources/same.md": "symlink to sources/real.md (indexed there)",
        "sources/socket.md": "not a regular file: a socket",
    }


@pytest.mark.parametrize("raw", [b"sources/caf\xe9.md", b"sources/\xff\xfe/page.md", b"\x80.md"])
def test_file_name_that_is_not_utf8_is_refused_with_a_printable_path(
    make_corpus: Callable[..., Corpus], raw: bytes
) -> None:
    corpus = make_corpus({"sources/good.md": "# Good\n\nA good file.\n"})
    path = corpus.root / os.fsdecode(raw)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"# Name\n\nThe text is fine, the name is not.\n")
    assert path in list(discover_files(corpus.root))
    with pytest.raises(LoadError) as caught:
        load_document(path, corpus.root)
    shown = raw.decode("utf-8", "backslashreplace")
    assert caught.value.path == shown == display_id(document_id(path, corpus.root))
    assert caught.value.reason == "the file name is not valid UTF-8; rename the file"
    str(caught.value).encode("utf-8")  # strict: it can be printed


def test_display_id_leaves_valid_names_alone() -> None:
    assert display_id("sources/café ☕.md") == "sources/café ☕.md"
    assert display_id(os.fsdecode(b"a\xe9b.md")) == "a\\xe9b.md"
    assert display_id("lone \ud800 surrogate") == "lone \\ud800 surrogate"


def test_utf16_and_utf32_text_with_a_byte_order_mark_is_decoded(make_corpus: Callable[..., Corpus]) -> None:
    text = "# Réunion\r\n\r\nLe groupe s’est réuni. ☕\r\n"
    corpus = make_corpus(
        {
            "sources/utf16le.md": text.encode("utf-16"),  # with the platform's mark, little-endian
            "sources/utf16be.txt": codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
            "sources/utf32.md": text.encode("utf-32"),
            "sources/odd.txt": text.encode("utf-16")[:-1],
        }
    )
    for relative in ("sources/utf16le.md", "sources/utf16be.txt", "sources/utf32.md"):
        document = load_document(corpus.path(relative), corpus.root)
        assert document.text == text.replace("\r\n", "\n"), relative
    assert _reason(corpus, "sources/odd.txt").startswith(
        "not valid UTF-16 although it starts with a UTF-16 byte-order mark"
    )


# --- zip archives ---------------------------------------------------------------------------------


def test_docx_is_measured_unpacked(make_corpus: Callable[..., Corpus]) -> None:
    bomb = docx_with({"customXml/item1.xml": b"<a>" + b" " * (6 * 1024 * 1024) + b"</a>"})
    corpus = make_corpus({"sources/bomb.docx": bomb})
    assert len(bomb) < 50_000
    reason = _reason(corpus, "sources/bomb.docx", max_file_mb=1)
    assert re.fullmatch(
        r"unpacks to 6\.79 MB from 0\.0\d+ MB, over the limit of 5 MB for its unpacked parts "
        r"\(2 x CTASSIST_MAX_FILE_MB, at least 5 MB\)",
        reason,
    ), reason
    assert (
        load_document(corpus.path("sources/bomb.docx"), corpus.root, max_file_mb=4).title
        == "Channel guidance"
    )


def test_small_docx_loads_under_a_small_file_limit(make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus({"sources/guidance.docx": docx_bytes()})  # 36 kB that unpack to 0.8 MB
    assert load_document(corpus.path("sources/guidance.docx"), corpus.root, max_file_mb=0.05).title


def test_docx_of_50_mb_of_xml_in_a_small_file_is_refused_at_the_default_limit(
    make_corpus: Callable[..., Corpus],
) -> None:
    xml = docx_xml_padding(50 * 1024 * 1024)
    corpus = make_corpus({"sources/bomb.docx": docx_with({"word/document.xml": xml})})
    assert corpus.path("sources/bomb.docx").stat().st_size < 200_000
    reason = _reason(corpus, "sources/bomb.docx")
    assert reason.startswith("unpacks to 50.8 MB from 0.")
    assert reason.endswith(
        f"over the limit of {UNZIPPED_FACTOR * 20} MB for its unpacked parts "
        "(2 x CTASSIST_MAX_FILE_MB, at least 5 MB)"
    )


def test_zip_with_too_many_entries_is_refused(make_corpus: Callable[..., Corpus]) -> None:
    parts = {f"customXml/item{i}.xml": b"<a/>" for i in range(MAX_ZIP_ENTRIES)}
    corpus = make_corpus({"sources/many.docx": docx_with(parts)})
    reason = _reason(corpus, "sources/many.docx")
    assert re.fullmatch(rf"the zip archive holds \d+ entries, over the limit of {MAX_ZIP_ENTRIES}", reason)


# --- files that break a reader ------------------------------------------------------------


def test_files_that_break_a_reader_are_refused_with_the_error(make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus(
        {
            "sources/malformed.docx": docx_with({"word/document.xml": b"<w:document><w:body>"}),
            "sources/stream.docx": docx_with_corrupt_stream(),
            "sources/filter.pdf": pdf_with_filter("NoSuchDecode"),
        }
    )
    malformed = _reason(corpus, "sources/malformed.docx")
    assert malformed.startswith("could not be read: lxml.etree.XMLSyntaxError: "), malformed
    stream = _reason(corpus, "sources/stream.docx")
    assert stream.startswith("could not be read: zlib.error: Error -3 while decompressing data"), stream
    pdf = _reason(corpus, "sources/filter.pdf")
    assert pdf.startswith("could not be read: NotImplementedError: "), pdf
    assert "NoSuchDecode" in pdf
    for reason in (malformed, stream, pdf):
        assert len(reason) < 300
