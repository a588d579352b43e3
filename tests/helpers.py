"""Builders for test inputs (PDF, DOCX, HTML, notes, generated corpora) and a Chroma server."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path

from ctassist import LoadError, Settings
from ctassist.chunk import Chunk, chunk_document
from ctassist.index import ChunkStore, StoredChunk, chunk_id
from ctassist.load import LoadedDocument, discover_files, load_document

REPO = Path(__file__).resolve().parents[1]
SHIPPED_CORPUS = REPO / "corpus"
CHROMA_BIN = Path(sys.executable).with_name("chroma")
HELD_CLI = REPO / "tests" / "index" / "held_cli.py"


class Corpus:
    """A corpus folder under a test's tmp dir; paths are relative to it, with ``/``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def write(self, relative: str, content: str | bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_bytes(content.encode("utf-8"))
        else:
            path.write_bytes(content)
        return path

    def remove(self, relative: str) -> None:
        (self.root / relative).unlink()

    def path(self, relative: str) -> Path:
        return self.root / relative


# --- text formats -------------------------------------------------------------------------

CHANNEL_MD = """# Channel

Channel is a multi-agency programme. It supports people at risk of being drawn into terrorism.

## Referrals

Only the police can refer a person to a Channel panel. In 2022 there were 6,922 referrals to Prevent, e.g. schools made many of them. The duty under s.26 of the Act applies to specified authorities.

### Panels

The local authority chairs the panel. Panel partners must co-operate under s. 38 of the Act.

## Support

Support offered through a Channel panel requires consent. For a person under 18, a parent gives consent.
"""

PREVENT_TXT = """Prevent duty guidance

The Prevent duty applies to schools, universities, health bodies and the police. It came into force in 2015.

Who the duty applies to

Specified authorities must have due regard to the need to prevent people from being drawn into terrorism.
"""

HTML_PAGE = """<!doctype html>
<html><head><title>Prevent statistics</title>
<script>var tracking = "do not index this script";</script>
<style>body { color: red; }</style></head>
<body>
<nav>Home | About</nav>
<h1>Prevent statistics</h1>
<p>The Home Office publishes Prevent referral statistics every year.</p>
<h2>Referrals by sector</h2>
<p>Education made the largest share of referrals.</p>
<ul><li>Education referrals</li><li>Police referrals</li></ul>
<footer>Crown copyright</footer>
</body></html>
"""


def note_text(
    *,
    group: str = "public",
    date: str = "2024-03-05",
    title: str = "Prevent public reference group: meeting 1",
    attendees: str = '\n  - "Chair (HMICFRS)"\n  - "Academic"',
    actions: str = '\n  - action: "Circulate the terms of reference"\n    owner: "Secretariat"\n    status: open\n    due: 2024-04-01',
    body: str = "## Discussion\n\nThe Academic said that Prevent referrals from schools had risen.\n\n## Decisions\n\nThe group agreed to meet again in April.\n",
) -> str:
    """A meeting note in the format of corpus/notes/README.md; each argument is the raw YAML
    after its field's colon, so a test can put any (bad) value there."""
    return (
        "---\n"
        f"group: {group}\n"
        f"date: {date}\n"
        f'title: "{title}"\n'
        f"attendees:{attendees}\n"
        f"actions:{actions}\n"
        "---\n\n"
        f"{body}"
    )


_LAUGHS = "\n".join(
    [f"{chr(97 + i)}: &{chr(97 + i)} [{','.join(['*' + chr(96 + i)] * 9)}]" for i in range(1, 9)]
)
# Nine levels of nine aliases: 387 million strings once expanded, from under 400 bytes.
BILLION_LAUGHS = f'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n{_LAUGHS}\n'


def generated_markdown(number: int, paragraphs: int = 20, *, version: int = 1) -> str:
    """A Markdown file with a heading every five paragraphs; ``version`` changes every paragraph."""
    lines = [f"# Generated document {number}", ""]
    for p in range(paragraphs):
        if p % 5 == 0:
            lines += [f"## Part {p // 5 + 1}", ""]
        lines += [
            f"Paragraph {p} of document {number} (version {version}) notes referral {number * 100 + p}.",
            "",
        ]
    return "\n".join(lines)


# --- binary formats -----------------------------------------------------------------------


def pdf_bytes(pages: list[str], *, title: str = "", user_password: str | None = None) -> bytes:
    """A PDF with one page per text, drawn with a core font."""
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    if user_password is not None:
        pdf.set_encryption(owner_password="owner-secret", user_password=user_password)
    return bytes(pdf.output())


def scanned_pdf_bytes() -> bytes:
    """A PDF page holding only a filled rectangle: no text layer, like a scan."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(40, 40, 40)
    pdf.rect(20, 20, 120, 80, style="F")
    return bytes(pdf.output())


def docx_bytes() -> bytes:
    """A Word document with a title, nested headings, paragraphs and a table."""
    import docx

    document = docx.Document()
    document.core_properties.title = "Channel guidance"
    document.add_paragraph("Channel guidance", style="Heading 1")
    document.add_paragraph("Channel supports people at risk of radicalisation. It is voluntary.")
    document.add_paragraph("Panel membership", style="Heading 2")
    document.add_paragraph("The local authority chairs the panel.")
    table = document.add_table(rows=2, cols=2)
    for row, (role, duty) in enumerate([("Role", "Duty"), ("Police", "Refer cases")]):
        table.cell(row, 0).text = role
        table.cell(row, 1).text = duty
    document.add_paragraph("Consent", style="Heading 2")
    document.add_paragraph("Support requires consent.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_with(parts: Mapping[str, bytes], *, base: bytes | None = None) -> bytes:
    """:func:`docx_bytes` (or ``base``) with the named zip entries replaced or added, deflated."""
    source = zipfile.ZipFile(io.BytesIO(base if base is not None else docx_bytes()))
    buffer = io.BytesIO()
    with source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in source.infolist():
            if info.filename not in parts:
                out.writestr(info.filename, source.read(info.filename))
        for name, data in parts.items():
            out.writestr(name, data)
    return buffer.getvalue()


def docx_xml_padding(size: int) -> bytes:
    """The main part of :func:`docx_bytes` grown to ``size`` bytes with repeated paragraphs:
    valid XML that deflates about a thousandfold."""
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as archive:
        xml = archive.read("word/document.xml")
    paragraph = b"<w:p><w:r><w:t>lol</w:t></w:r></w:p>"
    head, tail = xml.split(b"<w:body>", 1)
    count = max(0, (size - len(xml)) // len(paragraph))
    return head + b"<w:body>" + paragraph * count + tail


def docx_with_corrupt_stream() -> bytes:
    """A Word document whose zip directory is sound but whose main part's deflate stream is
    not: the first byte of the stream declares a block type that does not exist."""
    data = bytearray(docx_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_length + extra_length
    data[start : start + 16] = b"\xff" * 16
    return bytes(data)


def pdf_with_filter(filter_name: str = "NoSuchDecode") -> bytes:
    """A one-page PDF whose content stream names ``filter_name`` as its /Filter."""
    content = b"BT /F1 12 Tf 72 720 Td (Text behind an unknown filter.) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /%s >>\nstream\n%s\nendstream"
        % (len(content), filter_name.encode(), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a ``ctassist`` subprocess: no CTASSIST_* variables of the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTASSIST_")}
    env.update(extra)
    return env


def run_cli(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ctassist.cli", *args],
        capture_output=True,
        text=True,
        env=dict(env) if env is not None else clean_env(),
        timeout=timeout,
        check=False,
    )


def run_index(corpus: Corpus, *extra: str, **env: str) -> tuple[int, str, str]:
    """``ctassist index`` on ``corpus`` (index beside it) in a subprocess; never a traceback.

    Returns:
        The exit code, standard output and standard error.
    """
    result = run_cli(
        "index",
        "--corpus",
        str(corpus.root),
        "--index",
        str(corpus.root.parent / "index"),
        *extra,
        env=clean_env(**env),
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, result.stderr


def _heartbeat(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


class ChromaServer:
    """``chroma run`` on a loopback port, over a data folder; it can be killed and started
    again on the same port and data (a server that goes away and comes back).

    Args:
        data_dir: The server's data folder.
        startup_timeout: Seconds to wait for it to answer.
    """

    def __init__(self, data_dir: Path, *, startup_timeout: float = 60) -> None:
        self.data_dir = data_dir
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._log = data_dir.parent / "chroma-server.log"

    def start(self) -> str:
        with self._log.open("a") as log:
            self.process = subprocess.Popen(
                [
                    str(CHROMA_BIN),
                    "run",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--path",
                    str(self.data_dir),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=clean_env(ANONYMIZED_TELEMETRY="False"),
            )
        deadline = time.monotonic() + self.startup_timeout
        while not _heartbeat(self.url):
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.process.returncode}; see {self._log}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"chroma run did not answer on {self.url}; see {self._log}")
            time.sleep(0.2)
        return self.url

    def kill(self) -> None:
        """Ends the server at once (SIGKILL), as a crash would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


@contextlib.contextmanager
def chroma_server(data_dir: Path, *, startup_timeout: float = 60) -> Iterator[str]:
    """Runs ``chroma run`` on a free loopback port; yields its URL, stops it afterwards."""
    server = ChromaServer(data_dir, startup_timeout=startup_timeout)
    try:
        yield server.start()
    finally:
        server.stop()


class HeldIndexRun:
    """``ctassist index`` in another process, held after ``pause_after`` files while it
    holds the writer lock (``tests/index/held_cli.py``).

    Args:
        pause_after: Files done before it pauses.
        *arguments: Arguments after ``ctassist index``.
        env: Its environment.
    """

    def __init__(self, pause_after: int, *arguments: str, env: Mapping[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HELD_CLI), str(pause_after), "index", *arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(env),
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_until_paused(self) -> None:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line != "paused\n":
            _, stderr = self.process.communicate(timeout=60)
            raise AssertionError(f"the held run did not pause (exit {self.process.returncode}): {stderr}")

    def go_on(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("\n")
        self.process.stdin.flush()

    def finish(self, timeout: float = 600) -> tuple[int, str, str]:
        """Lets it go on (if paused) and waits for it: exit code, stdout, stderr."""
        stdout, stderr = self.process.communicate("\n", timeout=timeout)
        return self.process.returncode, stdout, stderr

    def kill(self) -> None:
        self.process.kill()
        self.process.communicate(timeout=60)


# --- index checks -------------------------------------------------------------------------


def assert_index_matches_corpus(store: ChunkStore, settings: Settings) -> int:
    """Checks that ``store`` holds exactly what a clean build of the corpus would: every
    loadable file once, at its current content hash, with all of its chunks and no others.

    Returns:
        The number of chunks in the index.
    """
    expected: dict[str, tuple[LoadedDocument, list[Chunk]]] = {}
    for path in discover_files(settings.corpus_dir):
        try:
            document = load_document(path, settings.corpus_dir, max_file_mb=settings.max_file_mb)
        except LoadError:
            continue
        chunks = chunk_document(document, chunk_size=settings.chunk_size, overlap=settings.chunk_overlap)
        if chunks:
            expected[document.doc_id] = (document, chunks)
    stored = list(store.iter_chunks())
    keys = [(c.metadata["doc_id"], c.metadata["chunk_index"]) for c in stored]
    duplicates = {k for k in keys if keys.count(k) > 1}
    assert not duplicates, f"chunks stored twice: {sorted(duplicates)[:5]}"
    by_doc: dict[str, list[StoredChunk]] = defaultdict(list)
    for chunk in stored:
        by_doc[chunk.metadata["doc_id"]].append(chunk)
    assert sorted(by_doc) == sorted(expected)
    for doc_id, (document, chunks) in expected.items():
        held = sorted(by_doc[doc_id], key=lambda c: int(c.metadata["chunk_index"]))
        file_hash = hashlib.sha256((settings.corpus_dir / doc_id).read_bytes()).hexdigest()
        assert document.content_hash == file_hash
        assert {c.metadata["content_hash"] for c in held} == {file_hash}, doc_id
        assert [c.metadata["chunk_index"] for c in held] == list(range(len(chunks))), doc_id
        assert {c.metadata["n_chunks"] for c in held} == {len(chunks)}, doc_id
        assert [c.text for c in held] == [c.text for c in chunks], doc_id
        assert [c.id for c in held] == [chunk_id(doc_id, file_hash, c.index) for c in chunks], doc_id
    assert store.count() == len(stored)
    return len(stored)
