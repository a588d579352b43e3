"""Fuzzing the loader: mutated files of every format and hostile file names end either
loaded or refused with a reason that names the file, never with another exception.

The cases come from ``random.Random(SEED)`` and seed files built with fixed dates, so every
run loads the same bytes under the same names.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import random
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from ctassist import LoadError
from ctassist.chunk import chunk_document
from ctassist.chunk._chunker import MAX_CHUNK_CHARS
from ctassist.index import Indexer
from ctassist.load import discover_files, display_id, document_id, load_document
from tests.helpers import (
    BILLION_LAUGHS,
    CHANNEL_MD,
    HTML_PAGE,
    PREVENT_TXT,
    Corpus,
    assert_index_matches_corpus,
)

SEED = 16
#: Cases per kind of seed file, and cases of random file names.
CASES = {"docx": 90, "docx-raw": 30, "pdf": 80, "note": 70, "md": 40, "html": 20, "txt": 20, "name": 50}
#: A reason quotes at most a short excerpt of anything read from the file.
MAX_REASON = 600

_FIXED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _stable_zip(data: bytes, parts: dict[str, bytes] | None = None) -> bytes:
    """``data``'s zip entries (or ``parts`` in their place) with a fixed timestamp."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            body = (parts or {}).get(info.filename, source.read(info.filename))
            out.writestr(zipfile.ZipInfo(info.filename, _FIXED.timetuple()[:6]), body, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _seed_docx() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = "Fuzz seed"
    document.core_properties.created = _FIXED.replace(tzinfo=None)
    document.core_properties.modified = _FIXED.replace(tzinfo=None)
    document.add_paragraph("Fuzz seed", style="Heading 1")
    document.add_paragraph("Channel supports people at risk. It is voluntary.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Role"
    table.cell(1, 1).text = "Refer cases"
    table.cell(0, 1).merge(table.cell(1, 1))
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue())


def _seed_pdf() -> bytes:
    """Uncompressed, so that mutations reach the page content and the object syntax."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_compression(False)
    pdf.set_creation_date(_FIXED)
    pdf.set_title("Fuzz seed")
    pdf.set_font("helvetica", size=12)
    for text in ("Page one says Prevent has three objectives.", "Page two says Channel is voluntary."):
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


NOTE = (
    '---\ngroup: public\ndate: 2024-03-05\ntitle: "Meeting 1"\nattendees:\n  - "Chair"\n'
    'actions:\n  - action: "Write"\n    owner: "Chair"\n    status: open\n    due: 2024-04-01\n---\n\n'
    "## Discussion\n\nThe group met. It agreed to meet again.\n"
)

YAML_TOKENS = [
    "&a ", "*a", "[", "]", "{", "}", ": ", "- ", "\n  ", "\t", "'", '"', "? ", "|", ">", "!!str ",
    "!!python/object/apply:os.system ", "<<: *a\n", "%YAML 1.1\n", "---\n", "...\n", "2024-02-30",
    "9" * 5000, "[" * 300, "{a: " * 100, BILLION_LAUGHS, "\x00", "\ufeff", "\udcff",
]  # fmt: skip
XML_TOKENS = [
    "<", ">", "&", "&amp;", "&#0;", "&#x110000;", "]]>", "<![CDATA[", "<!--", "<!DOCTYPE x [<!ENTITY e 'x'>]>",
    "&e;", "<w:p>", "</w:p>", "<w:tbl>", '<w:gridSpan w:val="2147483647"/>', '<w:vMerge w:val="continue"/>',
    '<w:pStyle w:val="Heading1"/>', "<w:t>" + "x" * 3000, '"', "\x00", "\xff", "<w:p>" * 300,
]  # fmt: skip
PDF_TOKENS = [
    "obj", "endobj", "stream\n", "endstream", "<<", ">>", "[", "]", "/Filter /FlateDecode", "/Filter /Nope",
    "/Length 99999999", "1 0 R", "3 0 R", "/Kids [3 0 R]", "/Type /Pages", "/Count -1", "/Encrypt 1 0 R",
    "startxref\n0\n", "xref\n0 1\n", "trailer", "(", ")", "\\", "Tj", "BT", "ET", "%%EOF", "9" * 400,
]  # fmt: skip
HTML_TOKENS = [
    "<div>" * 200,
    "<p>",
    "</p>",
    "<li>",
    "<script>",
    "<!--",
    "&",
    "<h1>",
    "</",
    "\x00",
    "<table><td>",
]
TEXT_TOKENS = [".", " ", "\n\n", "A. ", "\r", "\x00", "\x0c", "# ", "\ufeff", "x" * 5000, "\xff\xfe"]
NAME_BYTES = [*range(0x20, 0x7F), 0x80, 0xA0, 0xC3, 0xE9, 0xFE, 0xFF, 0x0A, 0x09, 0x1B, 0xE2, 0x98, 0x95]
EXTENSIONS = [".md", ".txt", ".html", ".pdf", ".docx", ".MD", ".markdown", ".htm", "", ".xyz", ".md.docx"]


def _insert(rng: random.Random, data: bytes, tokens: list[str]) -> bytes:
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(data) + 1)
        data = data[:at] + rng.choice(tokens).encode("utf-8", "surrogateescape") + data[at:]
    return data


def _mutate(rng: random.Random, data: bytes, tokens: list[str]) -> bytes:
    """One of: flipped bytes, a slice deleted, duplicated or moved, a cut, inserted tokens."""
    choice = rng.randrange(6)
    buffer = bytearray(data)
    if choice == 0:
        for _ in range(rng.randint(1, 12)):
            buffer[rng.randrange(len(buffer))] = rng.randrange(256)
        return bytes(buffer)
    a = rng.randrange(len(data))
    b = min(len(data), a + rng.randint(1, 400))
    if choice == 1:
        return data[:a] + data[b:]
    if choice == 2:
        return data[:b] + data[a:b] * rng.randint(1, 30) + data[b:]
    if choice == 3:
        at = rng.randrange(len(data))
        return data[:at] + data[a:b] + data[at:]
    if choice == 4:
        return data[: rng.randrange(len(data))]
    return _insert(rng, data, tokens)


def _mutated_docx(rng: random.Random, seed: bytes) -> bytes:
    """A mutation of one part's XML, zipped again soundly: the XML parser, not the zip, meets it."""
    with zipfile.ZipFile(io.BytesIO(seed)) as archive:
        names = [info.filename for info in archive.infolist()]
        name = rng.choice(["word/document.xml"] * 4 + names)
        part = archive.read(name)
    return _stable_zip(seed, {name: _mutate(rng, part, XML_TOKENS)})


def _mutated_front_matter(rng: random.Random, seed: bytes) -> bytes:
    """Mostly a mutation of the YAML between the ``---`` lines, so that the YAML parser
    rather than the search for the header meets it."""
    if rng.random() < 0.2:
        return _mutate(rng, seed, YAML_TOKENS)
    front, body = seed.removeprefix(b"---\n").split(b"\n---\n", 1)
    return b"---\n" + _mutate(rng, front, YAML_TOKENS).replace(b"\n---", b"\n- --") + b"\n---\n" + body


def _random_name(rng: random.Random, number: int) -> bytes:
    stem = bytes(rng.choice(NAME_BYTES) for _ in range(rng.randint(1, 40)))
    return f"{number:03d}-".encode() + stem + rng.choice(EXTENSIONS).encode()


def _cases() -> list[tuple[str, bytes, bytes]]:
    """``(kind, file name as bytes, content)`` for every case, the same on every run."""
    rng = random.Random(SEED)
    seeds = {
        "docx": _seed_docx(),
        "pdf": _seed_pdf(),
        "note": NOTE.encode(),
        "md": f"---\ntitle: Channel\n---\n{CHANNEL_MD}".encode(),
        "html": HTML_PAGE.encode(),
        "txt": PREVENT_TXT.encode(),
    }
    tokens = {"pdf": PDF_TOKENS, "html": HTML_TOKENS, "txt": TEXT_TOKENS}
    extension = {"note": ".md", "md": ".md", "docx-raw": ".docx"}
    cases: list[tuple[str, bytes, bytes]] = []
    for kind, count in CASES.items():
        for _ in range(count):
            number = len(cases)
            folder = b"notes/" if kind == "note" else b"sources/"
            if kind == "name":
                seed_kind = rng.choice(sorted(seeds))
                name = folder + _random_name(rng, number)
                cases.append((kind, name, seeds[seed_kind]))
                continue
            if kind == "docx":
                data = _mutated_docx(rng, seeds["docx"])
            elif kind in ("note", "md"):
                data = _mutated_front_matter(rng, seeds[kind])
            elif kind == "docx-raw":
                data = _mutate(rng, seeds["docx"], XML_TOKENS)
            else:
                data = _mutate(rng, seeds[kind], tokens[kind])
            cases.append(
                (kind, folder + f"{number:03d}-{kind}{extension.get(kind, '.' + kind)}".encode(), data)
            )
    return cases


@functools.cache
def _case_list() -> list[tuple[str, bytes, bytes]]:
    return _cases()


def _write(root: Path, name: bytes, data: bytes) -> Path:
    path = root / os.fsdecode(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _check_refusal(exc: LoadError, path: Path, root: Path) -> str:
    shown = display_id(document_id(path, root))
    assert exc.path == shown
    assert str(exc) == f"{shown}: {exc.reason}"
    assert exc.reason.strip()
    assert len(exc.reason) <= MAX_REASON, exc.reason[:MAX_REASON]
    str(exc).encode("utf-8")  # strict: printable as it is
    return exc.reason.split(" (", 1)[0].split(":", 1)[0]


def test_every_mutated_file_is_loaded_or_refused_with_a_reason(make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus()
    outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    failures: list[str] = []
    for kind, name, data in _case_list():
        path = _write(corpus.root, name, data)
        try:
            document = load_document(path, corpus.root)
        except LoadError as exc:
            outcomes[f"{kind} refused"] += 1
            reasons[_check_refusal(exc, path, corpus.root)] += 1
            continue
        except Exception as exc:  # noqa: BLE001 - the point of the test: collect, then fail with all
            failures.append(
                f"{display_id(name.decode('utf-8', 'surrogateescape'))}: {type(exc).__name__}: {exc}"
            )
            continue
        outcomes[f"{kind} loaded"] += 1
        assert document.doc_id == document_id(path, corpus.root) == display_id(document.doc_id)
        chunks = chunk_document(document)
        assert all(len(c.text) <= MAX_CHUNK_CHARS for c in chunks)
    assert not failures, "\n".join(failures)
    assert sum(outcomes.values()) == len(_case_list()) == sum(CASES.values())
    # The mutations are neither all fatal nor all harmless.
    for kind in ("docx", "pdf", "note", "md", "name"):
        assert outcomes[f"{kind} loaded"] and outcomes[f"{kind} refused"], (kind, outcomes)
    assert reasons["could not be read"] > 0, reasons


def test_a_corpus_of_mutated_files_indexes_what_loads_and_reports_the_rest(
    make_corpus: Callable[..., Corpus], make_indexer: Callable[..., Indexer]
) -> None:
    corpus = make_corpus({"sources/channel.md": CHANNEL_MD})
    rng = random.Random(SEED)
    written = [_write(corpus.root, name, data) for _, name, data in rng.sample(_case_list(), 16)]
    indexer = make_indexer(corpus.root)
    report = indexer.run()
    shown = {display_id(document_id(p, corpus.root)) for p in discover_files(corpus.root)}
    assert len(shown) == len(written) + 1
    assert {s.path for s in report.skipped} | set(report.added) == shown
    assert not {s.path for s in report.skipped} & set(report.added)
    assert "sources/channel.md" in report.added
    assert all(s.reason.strip() and len(s.reason) <= MAX_REASON for s in report.skipped)
    report.summary().encode("utf-8")
    assert_index_matches_corpus(indexer.store, indexer.settings)


def test_the_cases_do_not_depend_on_anything_but_the_seed() -> None:
    assert _cases() == _case_list()
