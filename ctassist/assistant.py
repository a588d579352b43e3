"""The public entry point: :class:`Assistant` ties load → chunk → index → retrieve → answer."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from ctassist.config import Settings
from ctassist.embed import Encoder
from ctassist.index import ChunkStore, FileRecord, Indexer, IndexReport
from ctassist.index._indexer import ProgressCallback


class Assistant:
    """A document assistant over one corpus and its index.

    Models and the index open lazily, once per instance, and are shared by every call,
    so one ``Assistant`` serves many threads (e.g. the chat UI's users).

    Args:
        corpus_dir: Folder with ``sources/`` and ``notes/``; default from settings.
        index_dir: Folder for the persisted index; default from settings.
        settings: A full :class:`Settings`; built from ``CTASSIST_*`` variables when omitted.
        **overrides: Any other :class:`Settings` field, e.g. ``chroma_url=...``.

    Example:
        >>> from ctassist import Assistant
        >>> assistant = Assistant(corpus_dir="corpus", index_dir="index")
        >>> print(assistant.index().summary())
    """

    def __init__(
        self,
        corpus_dir: str | Path | None = None,
        index_dir: str | Path | None = None,
        *,
        settings: Settings | None = None,
        **overrides: Any,
    ) -> None:
        if settings is None:
            settings = Settings.from_env(corpus_dir=corpus_dir, index_dir=index_dir, **overrides)
        elif corpus_dir is not None or index_dir is not None or overrides:
            settings = Settings.from_env(
                environ={},
                **{**_settings_dict(settings), "corpus_dir": corpus_dir, "index_dir": index_dir, **overrides},
            )
        self.settings = settings
        self._lock = threading.RLock()
        self._encoder: Encoder | None = None
        self._store: ChunkStore | None = None

    @property
    def encoder(self) -> Encoder:
        with self._lock:
            if self._encoder is None:
                self._encoder = Encoder(
                    self.settings.embedding_model,
                    quantize=self.settings.embedding_quantize,
                    batch_size=self.settings.embedding_batch_size,
                )
            return self._encoder

    @property
    def store(self) -> ChunkStore:
        with self._lock:
            if self._store is None:
                self._store = ChunkStore(
                    self.settings, model_name=self.settings.embedding_model, dimension=self.encoder.dimension
                )
            return self._store

    def index(self, rebuild: bool = False, progress: ProgressCallback | None = None) -> IndexReport:
        """Brings the index in step with the corpus.

        Args:
            rebuild: Drop the index and embed everything again (needed after changing
                the embedding model).
            progress: Called as ``progress(done, total, doc_id)`` after each file.

        Returns:
            The report: files added, updated, removed, unchanged, repaired and skipped
            (with reasons), chunk counts and seconds.
        """
        report = Indexer(self.settings, self.store, self.encoder).run(rebuild=rebuild, progress=progress)
        return report

    def documents(self) -> list[FileRecord]:
        """The documents in the index, sorted by document id."""
        records, _ = self.store.file_records()
        return [records[k] for k in sorted(records)]


def _settings_dict(settings: Settings) -> dict[str, Any]:
    import dataclasses

    return {
        f.name: getattr(settings, f.name) for f in dataclasses.fields(settings) if not f.name.startswith("_")
    }
