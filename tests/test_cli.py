"""The ``ctassist`` command line, run as a real process: exit codes, reports, error messages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ctassist import Settings
from ctassist.index import ChunkStore
from tests.helpers import (
    CHANNEL_MD,
    PREVENT_TXT,
    Corpus,
    note_text,
    pdf_bytes,
    run_cli,
    run_index,
    scanned_pdf_bytes,
)

BAD_FILES: dict[str, tuple[bytes, str]] = {
    "sources/empty.txt": (b"", "empty file"),
    "sources/corrupt.pdf": (b"%PDF-1.5\n" + b"\x00\x13\x37" * 100, "corrupt or unreadable PDF ("),
    "sources/locked.pdf": (
        pdf_bytes(["Secret."], user_password="secret"),
        "encrypted PDF (password-protected)",
    ),
    "sources/scan.pdf": (scanned_pdf_bytes(), "no extractable text in 1 page(s): a scanned PDF"),
    "sources/binary.txt": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary content in a text file"),
    "sources/cp1252.md": ("Prevent “quotes”".encode("cp1252"), "not valid UTF-8 (byte 0x93 at offset 8)"),
    "sources/huge.md": (
        b"Too big to index. " * 2000,
        "file is 0.0343 MB, over the limit of 0.02 MB (CTASSIST_MAX_FILE_MB)",
    ),
    "sources/table.xyz": (b"a,b\n1,2\n", "unsupported file type .xyz"),
    "notes/2024-05-01.md": (
        note_text(date="1 May 2024").encode(),
        "line 3: field 'date' must be a date as YYYY-MM-DD",
    ),
}


def test_skipped_files_exit_1_and_a_clean_corpus_exits_0(make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus(
        {
            "sources/channel.md": CHANNEL_MD,
            "sources/prevent.txt": PREVENT_TXT,
            **{path: data for path, (data, _) in BAD_FILES.items()},
        }
    )
    code, stdout, stderr = run_index(corpus, "--no-progress", CTASSIST_MAX_FILE_MB="0.02")
    assert code == 1
    assert stderr == ""  # every problem is in the report, with its file; no stray log lines
    lines = stdout.splitlines()
    assert lines[0].startswith(
        f"files: 2 added, 0 updated, 0 removed, 0 unchanged, {len(BAD_FILES)} skipped; chunks: "
    )
    skipped = {line.split(": ", 1)[0].removeprefix("skipped "): line.split(": ", 1)[1] for line in lines[1:]}
    assert sorted(skipped) == sorted(BAD_FILES)
    for path, (_, reason) in BAD_FILES.items():
        assert skipped[path].startswith(reason), (path, skipped[path])

    for path in BAD_FILES:
        corpus.remove(path)
    code, stdout, _ = run_index(corpus, "--json", CTASSIST_MAX_FILE_MB="0.02")
    assert code == 0
    report = json.loads(stdout)
    assert sorted(report["unchanged"]) == ["sources/channel.md", "sources/prevent.txt"]
    assert report["skipped"] == []
    assert report["chunks_embedded"] == 0
    assert report["chunks_total"] > 0

    listed = run_cli("documents", "--corpus", str(corpus.root), "--index", str(corpus.root.parent / "index"))
    assert listed.returncode == 0
    header, *lines = listed.stdout.splitlines()
    assert header.split("\t") == ["document", "kind", "chunks", "indexed at", "title"]
    rows = [line.split("\t") for line in lines]
    assert all(re.fullmatch(r"1 chunk|([02-9]|\d\d+) chunks", r[2]) for r in rows), rows
    assert [(r[0], r[1], r[4]) for r in rows] == [
        ("sources/channel.md", "source", "Channel"),
        ("sources/prevent.txt", "source", "Prevent duty guidance"),
    ]


def test_missing_corpus_folder_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "no-corpus"
    result = run_cli("index", "--corpus", str(missing), "--index", str(tmp_path / "index"))
    assert result.returncode == 2
    assert result.stderr == f"ctassist: error: {missing}: corpus folder not found (CTASSIST_CORPUS_DIR)\n"
    assert result.stdout == ""


def _index_of_another_model(index_dir: Path) -> None:
    store = ChunkStore(Settings(index_dir=index_dir), model_name="other-model", dimension=384)
    store.client.close()


def test_index_of_another_model_exits_2(make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus({"sources/channel.md": CHANNEL_MD})
    _index_of_another_model(corpus.root.parent / "index")
    code, stdout, stderr = run_index(corpus)
    assert code == 2
    assert stdout == ""
    assert stderr.startswith("ctassist: error: the index at ")
    assert "was built with embedding model 'other-model' (dimension 384)" in stderr
    assert "the configured model is 'all-MiniLM-L6-v2' (dimension 384)" in stderr
    assert "Rebuild it with `ctassist index --rebuild`" in stderr


def test_rebuild_replaces_an_index_of_another_model(make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus({"sources/channel.md": CHANNEL_MD})
    _index_of_another_model(corpus.root.parent / "index")
    code, stdout, stderr = run_index(corpus, "--rebuild", "--json")
    assert code == 0, stderr
    assert json.loads(stdout)["added"] == ["sources/channel.md"]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "CTASSIST_CHUNK_SIZE",
            "small",
            "ctassist: error: CTASSIST_CHUNK_SIZE: expected a number, got 'small'\n",
        ),
        ("CTASSIST_MAX_FILE_MB", "-1", "ctassist: error: CTASSIST_MAX_FILE_MB: must be positive\n"),
        (
            "CTASSIST_EMBEDDING_MODEL",
            "no-such-model",
            "ctassist: error: CTASSIST_EMBEDDING_MODEL: 'no-such-model' is neither 'all-MiniLM-L6-v2' nor a local "
            "folder holding a sentence-transformers model (models are never downloaded)\n",
        ),
    ],
)
def test_bad_configuration_exits_2(
    make_corpus: Callable[..., Corpus], variable: str, value: str, message: str
) -> None:
    corpus = make_corpus({"sources/channel.md": CHANNEL_MD})
    code, stdout, stderr = run_index(corpus, **{variable: value})
    assert (code, stdout, stderr) == (2, "", message)


def test_no_command_prints_help_and_exits_2() -> None:
    result = run_cli()
    assert result.returncode == 2
    assert "usage: ctassist" in result.stdout


def test_an_internal_error_is_one_line_and_exit_3(
    make_corpus: Callable[..., Corpus], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A fault of ours (not bad input): injected where the answer is composed.
    from ctassist import cli
    from ctassist.assistant import Assistant

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the composer fell over\nsecond line")

    monkeypatch.setattr(Assistant, "ask", broken)
    corpus = make_corpus({"sources/a.md": "# A\n\nThe local authority chairs the panel.\n"}).root
    where = ["--corpus", str(corpus), "--index", str(corpus.parent / "index")]
    assert cli.main(["ask", *where, "Who chairs the panel?"]) == cli.EXIT_INTERNAL
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "ctassist: internal error: RuntimeError: the composer fell over (run with --debug for the traceback)\n"
    )
    assert cli.main(["ask", *where, "--json", "Who chairs the panel?"]) == cli.EXIT_INTERNAL
    out, err = capsys.readouterr()
    assert json.loads(out) == {"error": "internal error: RuntimeError: the composer fell over"}
    assert cli.main(["ask", *where, "--debug", "Who chairs the panel?"]) == cli.EXIT_INTERNAL
    _, err = capsys.readouterr()
    assert "Traceback (most recent call last)" in err
    assert err.rstrip().endswith("ctassist: internal error: RuntimeError: the composer fell over")
