"""Embed: the local sentence-transformers encoder behind dense retrieval."""

from ctassist.embed._encoder import Encoder, resolve_model_path
from ctassist.embed._onnx import OnnxSentenceEncoder, default_cache_dir, onnx_model_file

__all__ = ["Encoder", "OnnxSentenceEncoder", "default_cache_dir", "onnx_model_file", "resolve_model_path"]
