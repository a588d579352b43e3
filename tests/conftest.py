"""Shared fixtures: one real encoder per session, tmp corpora, assistants on tmp dirs."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from ctassist import Assistant, Settings
from ctassist.embed import Encoder
from ctassist.index import ChunkStore, Indexer
from tests.helpers import Corpus
from tests.retrieve.testcorpus import close, indexed_assistant


@pytest.fixture(autouse=True)
def _no_ctassist_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the CTASSIST_* variables they set themselves."""
    for key in list(os.environ):
        if key.startswith("CTASSIST_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The real all-MiniLM-L6-v2 encoder on the default backend, loaded once for the session."""
    loaded = Encoder(backend=Settings().embedding_backend)
    _ = loaded.model
    return loaded


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Assistant]:
    """The shipped corpus plus the test notes and injection source (``tests.retrieve.testcorpus``),
    indexed once per module; a module that needs another corpus defines its own."""
    built = indexed_assistant(tmp_path_factory.mktemp("assistant"), encoder)
    yield built
    close(built)


@pytest.fixture
def make_corpus(tmp_path: Path) -> Callable[..., Corpus]:
    """``make_corpus({"sources/a.md": "..."})`` writes a fresh corpus folder under tmp_path."""
    counter = itertools.count()

    def build(files: Mapping[str, str | bytes] | None = None) -> Corpus:
        corpus = Corpus(tmp_path / f"corpus{next(counter)}")
        for relative, content in (files or {}).items():
            corpus.write(relative, content)
        return corpus

    return build


@pytest.fixture
def make_assistant(tmp_path: Path, encoder: Encoder) -> Iterator[Callable[..., Assistant]]:
    """``make_assistant(corpus_dir, **settings)``: an Assistant on a fresh tmp index folder
    that reuses the session encoder. Its Chroma client is closed at teardown."""
    counter = itertools.count()
    made: list[Assistant] = []

    def build(corpus_dir: Path, index_dir: Path | None = None, **overrides: Any) -> Assistant:
        index_dir = index_dir or tmp_path / f"index{next(counter)}"
        assistant = Assistant(corpus_dir=corpus_dir, index_dir=index_dir, **overrides)
        if assistant.settings.embedding_model == encoder.model_name:
            # The session's model (its ~10 s load happens once), for the same settings.
            assistant = Assistant(settings=assistant.settings, encoder=encoder)
        made.append(assistant)
        return assistant

    yield build
    for assistant in made:
        if assistant._store is not None:
            assistant._store.client.close()


@pytest.fixture
def make_indexer(tmp_path: Path, encoder: Encoder) -> Iterator[Callable[..., Indexer]]:
    """``make_indexer(corpus_dir, **settings)``: an Indexer on a fresh embedded index."""
    counter = itertools.count()
    stores: list[ChunkStore] = []

    def build(corpus_dir: Path, index_dir: Path | None = None, **overrides: Any) -> Indexer:
        index_dir = index_dir or tmp_path / f"index{next(counter)}"
        settings = Settings.from_env(environ={}, corpus_dir=corpus_dir, index_dir=index_dir, **overrides)
        store = ChunkStore(settings, model_name=encoder.model_name, dimension=encoder.dimension)
        stores.append(store)
        return Indexer(settings, store, encoder)

    yield build
    for store in stores:
        store.client.close()
