"""Server mode: the index on a real Chroma server (``chroma run``) started by the tests."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ctassist import Assistant, IndexMismatchError, IndexUnavailableError, Settings
from ctassist.embed import Encoder
from ctassist.index import ChunkStore
from ctassist.types import Answer
from tests.helpers import (
    CHANNEL_MD,
    PREVENT_TXT,
    ChromaServer,
    Corpus,
    HeldIndexRun,
    assert_index_matches_corpus,
    chroma_server,
    clean_env,
    free_port,
    generated_markdown,
    note_text,
    run_cli,
    run_index,
)
from ui._handlers import UNEXPECTED, Handlers

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chroma_server(tmp_path_factory.mktemp("chroma-server") / "data") as url:
        yield url


def test_index_and_query_through_the_server(
    server_url: str,
    make_corpus: Callable[..., Corpus],
    make_assistant: Callable[..., Assistant],
    encoder: Encoder,
) -> None:
    corpus = make_corpus(
        {
            "sources/channel.md": CHANNEL_MD,
            "sources/prevent.txt": PREVENT_TXT,
            "notes/2024-03-05.md": note_text(),
        }
    )
    assistant = make_assistant(corpus.root, chroma_url=server_url, collection="server-test")
    report = assistant.index()
    assert report.ok
    assert sorted(report.added) == ["notes/2024-03-05.md", "sources/channel.md", "sources/prevent.txt"]
    assert assistant.store.location == server_url
    assert not (assistant.settings.index_dir / "chroma").exists()  # nothing embedded locally
    assert_index_matches_corpus(assistant.store, assistant.settings)

    documents = assistant.documents()
    assert [d.doc_id for d in documents] == [
        "notes/2024-03-05.md",
        "sources/channel.md",
        "sources/prevent.txt",
    ]
    assert all(d.healthy and d.chunks > 0 for d in documents)
    assert documents[0].kind == "notes"
    assert (documents[0].group, documents[0].date) == ("public", "2024-03-05")

    query = encoder.embed_query("Who chairs a Channel panel?")
    found = assistant.store.collection.query(query_embeddings=[query], n_results=3, include=["metadatas"])
    assert found["metadatas"][0][0]["doc_id"] == "sources/channel.md"

    # A second client (another machine, in real life) sees the same index, incrementally.
    settings = Settings(
        corpus_dir=corpus.root,
        index_dir=corpus.root.parent / "other-host",
        chroma_url=server_url,
        collection="server-test",
    )
    other = ChunkStore(settings, model_name=encoder.model_name, dimension=encoder.dimension)
    try:
        assert other.count() == report.chunks_total
        corpus.remove("sources/prevent.txt")
        again = assistant.index()
        assert again.removed == ["sources/prevent.txt"]
        assert sorted(again.unchanged) == ["notes/2024-03-05.md", "sources/channel.md"]
        assert again.chunks_embedded == 0
        assert other.count() == again.chunks_total < report.chunks_total
    finally:
        other.client.close()

    # The command line reads the same collection (listing needs no model weights).
    env = clean_env(CTASSIST_CHROMA_URL=server_url, CTASSIST_COLLECTION="server-test")
    listed = run_cli(
        "documents", "--corpus", str(corpus.root), "--index", str(corpus.root.parent / "cli"), env=env
    )
    assert listed.returncode == 0, listed.stderr
    assert [line.split("\t")[:2] for line in listed.stdout.splitlines()] == [
        ["document", "kind"],  # the header
        ["notes/2024-03-05.md", "notes"],
        ["sources/channel.md", "source"],
    ]


def test_model_mismatch_on_the_server(server_url: str, tmp_path: Path, encoder: Encoder) -> None:
    settings = Settings(index_dir=tmp_path / "index", chroma_url=server_url, collection="mismatch-test")
    ChunkStore(settings, model_name=encoder.model_name, dimension=encoder.dimension).client.close()
    with pytest.raises(IndexMismatchError, match=r"Rebuild it with `ctassist index --rebuild`") as caught:
        ChunkStore(settings, model_name="other-model", dimension=384)
    assert f"the index at {server_url} was built with embedding model 'all-MiniLM-L6-v2'" in str(caught.value)


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    settings = Settings(corpus_dir=tmp_path, index_dir=tmp_path / "index", chroma_url=url)
    with pytest.raises(IndexUnavailableError) as caught:
        ChunkStore(settings, model_name="all-MiniLM-L6-v2", dimension=384)
    assert str(caught.value).startswith(f"cannot reach the index server at {url} (CTASSIST_CHROMA_URL): ")


def test_cli_exits_2_when_the_server_is_unreachable(make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus({"sources/channel.md": CHANNEL_MD})
    url = f"http://127.0.0.1:{free_port()}"
    returncode, _, stderr = run_index(corpus, CTASSIST_CHROMA_URL=url)
    assert returncode == 2
    assert stderr.startswith(f"ctassist: error: cannot reach the index server at {url} (CTASSIST_CHROMA_URL)")


# --- a shared index on the server -------------------------------------------------------------

SHARED_FILES = 12
SHARED_QUESTION = "What does paragraph 3 of document 7 note?"
#: Written to the index every 16 chunks, so a run held after 8 files has written part of them.
ONE_PER_BATCH = {"CTASSIST_EMBEDDING_BATCH_SIZE": "1"}


def _generation(corpus: Corpus, name: str, version: int) -> None:
    sources = corpus.root / "sources"
    for path in sources.glob("*.md") if sources.is_dir() else []:
        path.unlink()
    for n in range(SHARED_FILES):
        corpus.write(f"sources/{name}-{n:02d}.md", generated_markdown(n, 20, version=version))


def _origin(answer: Answer) -> str:
    origins = {p.doc_id.split("/")[-1].split("-")[0] for p in answer.passages}
    assert len(origins) == 1, f"one answer from two indexes: {sorted(origins)}"
    return origins.pop()


def _held(pause_after: int, corpus: Corpus, index_dir: Path, *extra: str, **env: str) -> HeldIndexRun:
    """``ctassist index`` of ``corpus`` held after ``pause_after`` files, with its own local folder."""
    return HeldIndexRun(
        pause_after, *extra, "--corpus", str(corpus.root), "--index", str(index_dir), env=clean_env(**env)
    )


def test_questions_while_another_machine_rebuilds_see_the_old_or_the_new_index(
    server_url: str, make_corpus: Callable[..., Corpus], make_assistant: Callable[..., Assistant]
) -> None:
    corpus = make_corpus()
    _generation(corpus, "old", version=1)
    reader = make_assistant(corpus.root, chroma_url=server_url, collection="shared-rebuild")
    reader.index()
    assert _origin(reader.ask(SHARED_QUESTION)) == "old"

    _generation(corpus, "new", version=2)
    server_env = {"CTASSIST_CHROMA_URL": server_url, "CTASSIST_COLLECTION": "shared-rebuild"}
    rebuild = _held(8, corpus, corpus.root.parent / "other-host", "--rebuild", **server_env, **ONE_PER_BATCH)
    rebuild.wait_until_paused()
    try:
        assert reader.store.client.get_collection("shared-rebuild.g1").count() > 0  # half-built
        assert [_origin(reader.ask(SHARED_QUESTION)) for _ in range(3)] == ["old"] * 3
        rebuild.go_on()
        while rebuild.process.poll() is None:
            _origin(reader.ask(SHARED_QUESTION))
    finally:
        code, _, stderr = rebuild.finish()
    assert code == 0, stderr
    assert _origin(reader.ask(SHARED_QUESTION)) == "new"
    assert reader.store.pointer.active == "shared-rebuild.g1"
    names = {c.name for c in reader.store.client.list_collections() if c.name.startswith("shared-rebuild")}
    assert names == {"shared-rebuild.meta", "shared-rebuild.g1"}
    assert len(reader.index().unchanged) == SHARED_FILES  # this process writes it again too


def test_writers_on_two_machines_wait_for_a_lease_kept_in_the_server(
    server_url: str, make_corpus: Callable[..., Corpus]
) -> None:
    corpus = make_corpus()
    _generation(corpus, "old", version=1)
    server_env = {"CTASSIST_CHROMA_URL": server_url, "CTASSIST_COLLECTION": "shared-lease"}
    first = _held(8, corpus, corpus.root.parent / "host-a", "--rebuild", **server_env, **ONE_PER_BATCH)
    first.wait_until_paused()
    # Another local folder: no lock file in common, only the server.
    second = _held(10_000, corpus, corpus.root.parent / "host-b", **server_env)
    try:
        assert second.process.stderr is not None
        waiting = second.process.stderr.readline()
        assert waiting.startswith(
            f"ctassist: waiting for the index at {server_url}: "
            f"process {first.pid} on {socket.gethostname()} has been rebuilding it since 20"
        ), waiting
        assert second.process.poll() is None
    finally:
        first_code, _, first_err = first.finish()
        second_code, second_out, second_err = second.finish()
    assert (first_code, second_code) == (0, 0), first_err + second_err
    assert second_out.startswith(f"files: 0 added, 0 updated, 0 removed, {SHARED_FILES} unchanged")


def test_a_killed_writer_s_lease_is_taken_over(
    server_url: str, make_corpus: Callable[..., Corpus], encoder: Encoder
) -> None:
    corpus = make_corpus()
    _generation(corpus, "old", version=1)
    server_env = {"CTASSIST_CHROMA_URL": server_url, "CTASSIST_COLLECTION": "shared-killed"}
    killed = _held(
        8, corpus, corpus.root.parent / "host-a", "--rebuild", CTASSIST_INDEX_LEASE_SECONDS="1", **server_env
    )
    killed.wait_until_paused()
    killed.kill()
    code, stdout, stderr = run_index(corpus, "--no-progress", **server_env)
    assert code == 0, stderr
    assert stderr.startswith(f"ctassist: waiting for the index at {server_url}: process {killed.pid} on "), (
        stderr
    )
    assert "taking over the index lock" in stderr
    assert stdout.startswith(f"files: {SHARED_FILES} added")
    settings = Settings(corpus_dir=corpus.root, chroma_url=server_url, collection="shared-killed")
    store = ChunkStore(settings, model_name=encoder.model_name, dimension=encoder.dimension)
    try:
        assert_index_matches_corpus(store, settings)
        names = {c.name for c in store.client.list_collections() if c.name.startswith("shared-killed")}
        assert names == {"shared-killed", "shared-killed.meta"}  # the killed rebuild's half is gone
    finally:
        store.client.close()


def test_a_stalled_writer_whose_lease_was_taken_over_stops_in_words(
    server_url: str, make_corpus: Callable[..., Corpus], make_assistant: Callable[..., Assistant]
) -> None:
    corpus = make_corpus()
    _generation(corpus, "old", version=1)
    reader = make_assistant(corpus.root, chroma_url=server_url, collection="shared-stalled")
    reader.index()
    server_env = {"CTASSIST_CHROMA_URL": server_url, "CTASSIST_COLLECTION": "shared-stalled"}
    stalled = _held(
        8,
        corpus,
        corpus.root.parent / "host-a",
        "--rebuild",
        CTASSIST_INDEX_LEASE_SECONDS="1",
        **server_env,
        **ONE_PER_BATCH,
    )
    stalled.wait_until_paused()
    stalled.process.send_signal(signal.SIGSTOP)  # frozen: it renews its lease no more
    try:
        code, stdout, stderr = run_index(corpus, "--no-progress", **server_env)
    finally:
        stalled.process.send_signal(signal.SIGCONT)
    assert code == 0, stderr
    assert "taking over the index lock" in stderr
    assert stdout.startswith(f"files: 0 added, 0 updated, 0 removed, {SHARED_FILES} unchanged")

    stalled_code, _, stalled_err = stalled.finish()
    assert stalled_code == 2
    assert stalled_err.strip().splitlines()[-1] == (
        f"ctassist: error: another writer took over the index lock at {server_url} because this run "
        "did not renew it for 1 s (CTASSIST_INDEX_LEASE_SECONDS); this run stopped. Run it again."
    )
    # Its half-built rebuild never replaced the index.
    assert reader.store.pointer.active == "shared-stalled"
    assert not reader.store.refresh()
    assert _origin(reader.ask(SHARED_QUESTION)) == "old"
    assert_index_matches_corpus(reader.store, reader.settings)


def test_a_lost_server_ends_in_words_then_everything_recovers(
    tmp_path: Path, make_corpus: Callable[..., Corpus], make_assistant: Callable[..., Assistant]
) -> None:
    server = ChromaServer(tmp_path / "chroma-data")
    url = server.start()
    try:
        corpus = make_corpus({"sources/channel.md": CHANNEL_MD, "sources/prevent.txt": PREVENT_TXT})
        assistant = make_assistant(corpus.root, chroma_url=url)
        assistant.index()
        question = "Who chairs a Channel panel?"
        assert assistant.ask(question).citations
        session = subprocess.Popen(
            [sys.executable, "-m", "ctassist.cli", "ask", "--corpus", str(corpus.root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(CTASSIST_CHROMA_URL=url, CTASSIST_INDEX_DIR=str(tmp_path / "cli-index")),
        )
        assert session.stdin is not None and session.stdout is not None and session.stderr is not None
        session.stdin.write(question + "\n")
        session.stdin.flush()
        while "Sources:" not in session.stdout.readline():  # answered
            assert session.poll() is None

        server.kill()
        expected = f"cannot reach the index server at {url} (CTASSIST_CHROMA_URL): "
        for call in (lambda: assistant.ask(question), assistant.documents, assistant.index):
            with pytest.raises(IndexUnavailableError) as caught:
                call()
            assert str(caught.value).startswith(expected)
        # The chat UI shows the message as the answer.
        *_, (messages, state, _) = Handlers(assistant).ask(question, "all", None)
        assert state.turns[-1].error.startswith(expected)
        assert UNEXPECTED not in str(messages)
        returncode, _, stderr = run_index(corpus, CTASSIST_CHROMA_URL=url)
        assert returncode == 2
        assert stderr.startswith(f"ctassist: error: {expected}")
        session.stdin.write(question + "\n")  # the interactive session asks with the server down
        session.stdin.flush()
        said = ""
        while not said.startswith("ctassist: error:"):
            said = session.stderr.readline()
            assert said, "the session ended"
        assert said.startswith(f"ctassist: error: {expected}")

        server.start()
        assert assistant.ask(question).citations[0].doc == "sources/channel.md"
        assert assistant.index().unchanged == ["sources/channel.md", "sources/prevent.txt"]
        out, err = session.communicate(question + "\n", timeout=300)
        assert session.returncode == 0, err
        assert "Sources:" in out  # the session answers again
        assert "Traceback" not in err
    finally:
        server.stop()
