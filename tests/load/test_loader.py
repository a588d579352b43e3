"""Finding corpus files and loading each one: ids, kinds, titles, hashes and bad inputs."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ctassist import LoadError
from ctassist.load import content_hash, discover_files, document_id, kind_of, load_document
from ctassist.load._zip import MAX_ZIP_ENTRIES, UNZIPPED_FACTOR
from tests.helpers import (
    CHANNEL_MD,
    PREVENT_TXT,
    SHIPPED_CORPUS,
    Corpus,
    docx_bytes,
    docx_with,
    docx_xml_padding,
    note_text,
    pdf_bytes,
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
    assert (
        load_document(corpus.path("sources/inside-link.md"), corpus.root).doc_id == "sources/inside-link.md"
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
