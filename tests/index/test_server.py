"""Server mode: the index on a real Chroma server (``chroma run``) started by the tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ctassist import Assistant, IndexMismatchError, IndexUnavailableError, Settings
from ctassist.embed import Encoder
from ctassist.index import ChunkStore
from tests.helpers import (
    CHANNEL_MD,
    PREVENT_TXT,
    Corpus,
    assert_index_matches_corpus,
    chroma_server,
    clean_env,
    free_port,
    note_text,
    run_cli,
    run_index,
)

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
    assert stderr.startswith(
        f"ctassist: error: cannot reach the index server at {url} (CTASSIST_CHROMA_URL)"
    )
