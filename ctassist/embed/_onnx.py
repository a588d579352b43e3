"""The encoder as an ONNX graph run by onnxruntime, optionally with int8 weights.

The graph is exported once, offline, from the local sentence-transformers folder (never
downloaded) and cached under ``cache_dir/<key>/``, where ``<key>`` hashes the model's files
and the export recipe, so a changed model or recipe gets a fresh export. Mean pooling and
L2 normalisation are part of the graph, so that its output is the sentence vector, as
``SentenceTransformer.encode(..., normalize_embeddings=True)`` gives it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ctassist.errors import ConfigError

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

#: Bump when the export or quantisation recipe changes: old cache entries are then ignored.
EXPORT_VERSION = "1"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/ctassist``, else ``~/.cache/ctassist``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ctassist"


def supports_onnx(model_path: str) -> bool:
    """True for folders this module can export: a transformer, mean pooling, normalisation."""
    folder = Path(model_path)
    try:
        modules = json.loads((folder / "modules.json").read_text())
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError):
        return False
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    only_mean = pooling.get("pooling_mode_mean_tokens") and not any(
        v for k, v in pooling.items() if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"
    )
    return (
        kinds == ["Transformer", "Pooling", "Normalize"]
        and bool(only_mean)
        and (folder / "tokenizer.json").is_file()
    )


def model_key(model_path: str, *, quantize: bool, per_channel: bool) -> str:
    """A hash of the model folder's files and of the export recipe."""
    digest = hashlib.sha256(f"{EXPORT_VERSION}\0{quantize}\0{per_channel}".encode())
    folder = Path(model_path)
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def onnx_model_file(
    model_path: str, cache_dir: Path, *, quantize: bool = True, per_channel: bool = True
) -> Path:
    """The cached ONNX file for ``model_path``, exported (and quantised) on first use.

    Several processes may ask at once: one exports under a file lock, the others wait
    and reuse its file. Files are written to a temporary name and renamed into place, so
    a killed export never leaves a half-written model behind.
    """
    key = model_key(model_path, quantize=quantize, per_channel=per_channel)
    folder = cache_dir / "onnx" / key
    target = folder / ("model-int8.onnx" if quantize else "model-fp32.onnx")
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder / ".lock"):
        if target.is_file():
            return target
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            fp32 = Path(scratch) / "model-fp32.onnx"
            _export(model_path, fp32)
            produced = fp32
            if quantize:
                produced = Path(scratch) / "model-int8.onnx"
                _quantize(fp32, produced, per_channel=per_channel)
            produced.replace(target)
    return target


class OnnxSentenceEncoder:
    """Runs an exported sentence encoder: tokenise, batch by length, run, reorder.

    Args:
        model_path: The sentence-transformers folder (for the tokenizer and max length).
        onnx_file: The graph from :func:`onnx_model_file`.
        threads: Intra-op threads; 0 lets onnxruntime choose (one per physical core).
    """

    def __init__(self, model_path: str, onnx_file: Path, *, threads: int = 0) -> None:
        import onnxruntime as ort

        self.tokenizer = _tokenizer(model_path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Idle worker threads would spin for a while after each run, taking the cores
        # from the cross-encoder session that runs next.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session: onnxruntime.InferenceSession = ort.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """An ``(n, dimension)`` float32 array of unit vectors, in the order of ``texts``."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch([text.strip() for text in texts])
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(-lengths, kind="stable")
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for i, row in enumerate(rows):
                n = lengths[row]
                ids[i, :n] = encodings[row].ids
                mask[i, :n] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            out[rows] = self.session.run(None, feeds)[0]
        return out


def _tokenizer(model_path: str) -> Tokenizer:
    from tokenizers import Tokenizer

    folder = Path(model_path)
    config = folder / "sentence_bert_config.json"
    max_length = 256
    if config.is_file():
        max_length = int(json.loads(config.read_text()).get("max_seq_length") or max_length)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()  # tokenizer.json pads to a fixed 128; batches are padded here
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer


def _export(model_path: str, target: Path) -> None:
    try:
        import onnx  # noqa: F401 - torch.onnx.export and the quantiser need it
    except ImportError:
        raise ConfigError(
            "the onnx embedding backend needs the 'onnx' package once, to export the model "
            "(pip install onnx); or use the torch backend"
        ) from None
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    # A one-off step of `ctassist index`: its own progress bar would only be noise there.
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    # Eager attention exports as plain MatMul/Softmax, which the quantiser handles.
    model = AutoModel.from_pretrained(model_path, local_files_only=True, attn_implementation="eager").eval()

    class _Pooled(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            hidden = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    sample = torch.ones((2, 8), dtype=torch.long)
    axes: dict[str, Any] = {name: {0: "batch", 1: "tokens"} for name in _INPUTS}
    axes["sentence_embedding"] = {0: "batch"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Pooled(model),
            (sample, sample, torch.zeros_like(sample)),
            str(target),
            input_names=list(_INPUTS),
            output_names=["sentence_embedding"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _quantize(source: Path, target: Path, *, per_channel: bool) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_dynamic(
            str(source),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=per_channel,
            op_types_to_quantize=["MatMul"],
        )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
