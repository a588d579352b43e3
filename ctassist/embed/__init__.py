"""Embed: the local sentence-transformers encoder behind dense retrieval."""

from ctassist.embed._encoder import Encoder, resolve_model_path

__all__ = ["Encoder", "resolve_model_path"]
