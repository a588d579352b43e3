"""One embedded index shared by processes: a reader keeps answering while another process
rebuilds, indexes or adds a note; writers wait for each other; old indexes still open."""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from ctassist import Assistant
from ctassist.retrieve import Filters
from ctassist.types import Answer
from tests.helpers import (
    CHANNEL_MD,
    PREVENT_TXT,
    Corpus,
    HeldIndexRun,
    assert_index_matches_corpus,
    clean_env,
    generated_markdown,
    note_text,
    run_cli,
)

MakeCorpus = Callable[..., Corpus]
MakeAssistant = Callable[..., Assistant]

FILES = 12
#: Written to the index every 16 chunks (one encoder batch of 1 per write group), so a run
#: held after 8 files has written part of its files.
ENV = {"CTASSIST_EMBEDDING_BATCH_SIZE": "1"}
QUESTION = "What does paragraph 3 of document 7 note?"
NOTE_QUESTION = "What did the Academic say about Prevent referrals from schools?"


def _write_generation(corpus: Corpus, name: str, version: int) -> None:
    """The corpus as ``sources/<name>-NN.md`` files only (the others removed)."""
    for path in (corpus.root / "sources").glob("*.md") if (corpus.root / "sources").is_dir() else []:
        path.unlink()
    for n in range(FILES):
        corpus.write(f"sources/{name}-{n:02d}.md", generated_markdown(n, 20, version=version))


def _origin(answer: Answer) -> str:
    """``"old"`` or ``"new"``: which index every passage of the answer came from."""
    origins = {p.doc_id.split("/")[-1].split("-")[0] for p in answer.passages}
    assert len(origins) == 1, f"one answer from two indexes: {sorted(origins)}"
    return origins.pop()


def _collections(index_dir: Path) -> set[str]:
    client = chromadb.PersistentClient(
        path=str(index_dir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    return {c.name for c in client.list_collections()}


def _cli_args(corpus: Corpus, index_dir: Path) -> list[str]:
    return ["--corpus", str(corpus.root), "--index", str(index_dir)]


def test_questions_while_another_process_rebuilds_see_the_old_or_the_new_index(
    make_corpus: MakeCorpus, make_assistant: MakeAssistant
) -> None:
    corpus = make_corpus()
    _write_generation(corpus, "old", version=1)
    index_dir = corpus.root.parent / "index"
    reader = make_assistant(corpus.root, index_dir)
    reader.index()
    assert _origin(reader.ask(QUESTION)) == "old"

    _write_generation(corpus, "new", version=2)
    rebuild = HeldIndexRun(8, "--rebuild", *_cli_args(corpus, index_dir), env=clean_env(**ENV))
    rebuild.wait_until_paused()
    try:
        # The rebuild has written part of the new index, beside the old one...
        assert reader.store.client.get_collection("ctassist.g1").count() > 0
        # ...and questions see none of it.
        assert [_origin(reader.ask(QUESTION)) for _ in range(3)] == ["old"] * 3
        rebuild.go_on()
        while rebuild.process.poll() is None:  # however many fit while it ends and swaps
            _origin(reader.ask(QUESTION))
    finally:
        code, _, stderr = rebuild.finish()
    assert code == 0, stderr
    assert _origin(reader.ask(QUESTION)) == "new"
    assert reader.store.pointer.active == "ctassist.g1"
    assert [d.doc_id for d in reader.documents()] == [f"sources/new-{n:02d}.md" for n in range(FILES)]
    # BM25 follows too: it finds chunks of the new index only.
    found = reader.retriever.lexical.search(QUESTION, Filters(), 30)
    assert found
    assert {cid for cid, _ in found} <= set(reader.store.ids())
    assert _collections(index_dir) == {"ctassist.meta", "ctassist.g1"}  # the old one is gone
    # This process can write it again too (the UI's Re-index).
    assert len(reader.index().unchanged) == FILES


def test_a_note_added_by_another_process_is_found_by_a_running_reader(
    make_corpus: MakeCorpus, make_assistant: MakeAssistant, tmp_path: Path
) -> None:
    corpus = make_corpus({"sources/channel.md": CHANNEL_MD, "sources/prevent.txt": PREVENT_TXT})
    index_dir = corpus.root.parent / "index"
    reader = make_assistant(corpus.root, index_dir)
    reader.index()
    before = reader.ask(NOTE_QUESTION)
    assert not any(c.doc.startswith("notes/") for c in before.citations)

    failures: list[BaseException] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            try:
                reader.ask(NOTE_QUESTION)
            except Exception as exc:  # noqa: BLE001 - collected for the assertion below
                failures.append(exc)

    asking = threading.Thread(target=keep_asking)
    asking.start()
    note = tmp_path / "meeting.md"
    note.write_text(note_text())
    try:
        added = run_cli("notes", "add", str(note), *_cli_args(corpus, index_dir))
    finally:
        stop.set()
        asking.join()
    assert added.returncode == 0, added.stderr
    assert failures == []

    answer = reader.ask(NOTE_QUESTION)
    assert any(c.doc.startswith("notes/") for c in answer.citations), answer.text
    # The embedded index's vectors were reloaded: the dense search alone finds the note.
    dense = reader.retriever.dense.search(NOTE_QUESTION, Filters(), 3)
    assert dense[0][3]["doc_id"].startswith("notes/")


def test_a_second_writer_waits_and_says_for_whom(make_corpus: MakeCorpus) -> None:
    corpus = make_corpus()
    _write_generation(corpus, "old", version=1)
    index_dir = corpus.root.parent / "index"
    rebuild = HeldIndexRun(8, "--rebuild", *_cli_args(corpus, index_dir), env=clean_env(**ENV))
    rebuild.wait_until_paused()
    second = HeldIndexRun(10_000, "--no-progress", *_cli_args(corpus, index_dir), env=clean_env())
    try:
        assert second.process.stderr is not None
        waiting = second.process.stderr.readline()
        assert waiting.startswith(
            f"ctassist: waiting for the index at {index_dir / 'chroma'}: "
            f"process {rebuild.pid} on {socket.gethostname()} has been rebuilding it since 20"
        ), waiting
        assert waiting.rstrip().endswith("(waiting up to 600 s, CTASSIST_INDEX_LOCK_TIMEOUT)")
        assert second.process.poll() is None  # still waiting
    finally:
        first_code, _, first_err = rebuild.finish()
        second_code, second_out, second_err = second.finish()
    assert first_code == 0, first_err
    assert second_code == 0, second_err
    assert "Traceback" not in second_err
    # It ran after the rebuild, on the rebuilt index.
    assert second_out.startswith(f"files: 0 added, 0 updated, 0 removed, {FILES} unchanged, 0 skipped")


def test_a_writer_gives_up_after_the_lock_timeout(make_corpus: MakeCorpus) -> None:
    corpus = make_corpus()
    _write_generation(corpus, "old", version=1)
    index_dir = corpus.root.parent / "index"
    first = HeldIndexRun(4, *_cli_args(corpus, index_dir), env=clean_env(**ENV))
    first.wait_until_paused()
    try:
        second = run_cli(
            "index", *_cli_args(corpus, index_dir), env=clean_env(CTASSIST_INDEX_LOCK_TIMEOUT="0")
        )
    finally:
        code, _, stderr = first.finish()
    assert second.returncode == 2
    last = second.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"ctassist: error: the index at {index_dir / 'chroma'} is being written by process {first.pid} on "
    )
    assert last.endswith(
        "gave up after waiting 0 s (CTASSIST_INDEX_LOCK_TIMEOUT). Try again when it has finished."
    )
    assert code == 0, stderr


def test_a_killed_rebuild_changes_nothing_and_the_next_writer_drops_its_leftovers(
    make_corpus: MakeCorpus, make_assistant: MakeAssistant
) -> None:
    corpus = make_corpus()
    _write_generation(corpus, "old", version=1)
    index_dir = corpus.root.parent / "index"
    reader = make_assistant(corpus.root, index_dir)
    reader.index()
    rebuild = HeldIndexRun(8, "--rebuild", *_cli_args(corpus, index_dir), env=clean_env(**ENV))
    rebuild.wait_until_paused()
    rebuild.kill()
    assert rebuild.process.returncode == -signal.SIGKILL
    assert _collections(index_dir) == {"ctassist", "ctassist.meta", "ctassist.g1"}
    assert _origin(reader.ask(QUESTION)) == "old"

    report = reader.index()
    assert len(report.unchanged) == FILES
    assert _collections(index_dir) == {"ctassist", "ctassist.meta"}
    assert_index_matches_corpus(reader.store, reader.settings)


def test_an_index_built_before_generations_opens_and_rebuilds(
    make_corpus: MakeCorpus, make_assistant: MakeAssistant
) -> None:
    corpus = make_corpus({"sources/channel.md": CHANNEL_MD, "sources/prevent.txt": PREVENT_TXT})
    index_dir = corpus.root.parent / "index"
    built = make_assistant(corpus.root, index_dir)
    built.index()
    # Earlier versions kept the chunks in one collection under the plain name, with no record.
    built.store.client.delete_collection("ctassist.meta")
    built.store.client.close()
    built._store = None
    assert _collections(index_dir) == {"ctassist"}

    opened = make_assistant(corpus.root, index_dir)
    assert opened.ask("Who chairs a Channel panel?").citations[0].doc == "sources/channel.md"
    assert opened.store.pointer.active == "ctassist"
    assert opened.index().unchanged == ["sources/channel.md", "sources/prevent.txt"]
    opened.index(rebuild=True)
    assert opened.store.pointer.active == "ctassist.g1"
    assert _collections(index_dir) == {"ctassist.meta", "ctassist.g1"}
    assert opened.ask("Who chairs a Channel panel?").citations[0].doc == "sources/channel.md"
    assert_index_matches_corpus(opened.store, opened.settings)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CTASSIST_INDEX_LOCK_TIMEOUT", "-1", "must be a number of seconds, 0 or more"),
        ("CTASSIST_INDEX_LEASE_SECONDS", "0", "must be a positive number of seconds"),
        ("CTASSIST_INDEX_LEASE_SECONDS", "nan", "expected a finite number"),
    ],
)
def test_lock_settings_are_checked(variable: str, value: str, message: str) -> None:
    from ctassist import ConfigError, Settings

    with pytest.raises(ConfigError, match=f"^{variable}: {message}"):
        Settings.from_env(environ={variable: value})
