"""Offline operation: loading the model, indexing and searching never touch the network."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

import pytest

from ctassist import Settings
from ctassist.embed import Encoder
from ctassist.index import ChunkStore, Indexer
from tests.helpers import CHANNEL_MD, PREVENT_TXT, Corpus, note_text


def _is_loopback(address: Any) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX path
        return True
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False  # a host name: resolving it is already a network request


@pytest.fixture
def network_attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Blocks every non-loopback connection and name lookup in this process, and records them."""
    attempts: list[str] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection
    real_getaddrinfo = socket.getaddrinfo

    def refuse(what: str) -> OSError:
        attempts.append(what)
        return OSError(f"network blocked by test: {what}")

    def connect(self: socket.socket, address: Any) -> None:
        if not _is_loopback(address):
            raise refuse(f"connect {address!r}")
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not _is_loopback(address):
            raise refuse(f"connect_ex {address!r}")
        return real_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        if not _is_loopback(address):
            raise refuse(f"create_connection {address!r}")
        return real_create_connection(address, *args, **kwargs)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_loopback((host.decode() if isinstance(host, bytes) else host, 0)):
            raise refuse(f"getaddrinfo {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    return attempts


def test_the_network_block_works(network_attempts: list[str]) -> None:
    with pytest.raises(OSError, match="network blocked by test"):
        socket.create_connection(("203.0.113.7", 443), timeout=1)
    with pytest.raises(OSError, match="network blocked by test"):
        socket.getaddrinfo("huggingface.co", 443)
    assert len(network_attempts) == 2
    network_attempts.clear()


def test_build_and_search_offline(network_attempts: list[str], make_corpus: Callable[..., Corpus]) -> None:
    corpus = make_corpus(
        {
            "sources/channel.md": CHANNEL_MD,
            "sources/prevent.txt": PREVENT_TXT,
            "notes/2024-03-05.md": note_text(),
        }
    )
    settings = Settings(corpus_dir=corpus.root, index_dir=corpus.root.parent / "offline-index")
    encoder = Encoder()  # a fresh instance: its weights load inside the blocked region
    assert encoder._model is None
    store = ChunkStore(settings, model_name=encoder.model_name, dimension=encoder.dimension)
    try:
        report = Indexer(settings, store, encoder).run()
        assert encoder._model is not None
        assert report.ok
        assert sorted(report.added) == ["notes/2024-03-05.md", "sources/channel.md", "sources/prevent.txt"]
        query = encoder.embed_query("Which authorities does the Prevent duty apply to?")
        found = store.collection.query(
            query_embeddings=[query], n_results=3, include=["metadatas", "documents"]
        )
        assert len(found["ids"][0]) == 3
        assert found["metadatas"][0][0]["doc_id"] == "sources/prevent.txt"
    finally:
        store.client.close()
    assert network_attempts == []
