"""Where ``ctassist index`` spends its time besides the encoder.

Runs the real indexer (``Assistant.index``) on a generated corpus with the encoder replaced
by a stub that returns fixed unit vectors at once, so that everything left is indexer
overhead: finding, hashing, loading and chunking files, Chroma upserts and deletes, and
reading the index back. Prints the cProfile of that run grouped by stage, then times Chroma
upserts of the same chunks at several call sizes (the indexer upserts once per file).

Overhead per chunk against the encoder's time per chunk bounds the index ÷ raw ratio:
``ratio = encode / (encode + overhead)`` for a serial indexer.

Run:
    .venv/bin/python benchmarks/profile_indexer.py --paragraphs 2000
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpusgen

from ctassist import Assistant
from ctassist.config import Settings
from ctassist.embed import Encoder
from ctassist.index import ChunkStore

# (label, substrings of "file:function" that belong to the stage)
STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("stub encode", ("profile_indexer.py:encode",)),
    ("Chroma upsert", ("_store.py:upsert",)),
    ("Chroma delete", ("_store.py:delete",)),
    ("file_records (read metadata back)", ("_store.py:file_records",)),
    ("load_document", ("_loader.py:load_document",)),
    ("chunk_document", ("_chunker.py:chunk_document",)),
    ("file hash", ("_indexer.py:_file_hash",)),
    ("chunk_metadata + chunk_id", ("_indexer.py:chunk_metadata", "_store.py:chunk_id")),
    ("count", ("_store.py:count",)),
]


class StubEncoder(Encoder):
    """Fixed random unit vectors: no model, no cost."""

    def __init__(self, dimension: int = 384) -> None:
        super().__init__()
        self._vectors = np.random.default_rng(0).standard_normal((4096, dimension)).astype(np.float32)
        self._vectors /= np.linalg.norm(self._vectors, axis=1, keepdims=True)

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.resize(self._vectors, (len(texts), self._vectors.shape[1]))


def stage_times(stats: pstats.Stats) -> dict[str, float]:
    raw: Any = stats.stats  # type: ignore[attr-defined]
    result: dict[str, float] = {}
    for label, keys in STAGES:
        total = 0.0
        for (filename, _, function), (_, _, _, cumulative, _) in raw.items():
            name = f"{Path(filename).name}:{function}"
            if any(name == key or name.endswith(key) for key in keys):
                total += cumulative
        result[label] = total
    return result


def upsert_sizes(
    settings: Settings, texts: list[str], sizes: list[int], scratch: Path
) -> dict[int, tuple[float, float]]:
    """``{chunks per call: (wall seconds, process CPU seconds)}`` to upsert all ``texts``."""
    vectors = StubEncoder().encode(texts)
    ids = [f"id{i}" for i in range(len(texts))]
    metadata = [{"doc_id": f"d{i // 58}", "n_chunks": 58, "chunk_index": i % 58} for i in range(len(texts))]
    seconds: dict[int, tuple[float, float]] = {}
    for size in sizes:
        store = ChunkStore(
            Settings.from_env(environ={}, index_dir=scratch / f"upsert{size}"),
            model_name=settings.embedding_model,
            dimension=vectors.shape[1],
        )
        cpu, started = time.process_time(), time.perf_counter()
        for start in range(0, len(texts), size):
            stop = start + size
            store.upsert(ids[start:stop], texts[start:stop], vectors[start:stop], metadata[start:stop])
        seconds[size] = (time.perf_counter() - started, time.process_time() - cpu)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--paragraphs", type=int, default=2000)
    parser.add_argument("--top", type=int, default=25, help="functions listed by own time")
    args = parser.parse_args(argv)
    # A plain kill then unwinds like Ctrl-C, so the temporary corpus and index are removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    settings = Settings.from_env()
    with tempfile.TemporaryDirectory(prefix="ctassist-profile-") as scratch_name:
        scratch = Path(scratch_name)
        corpus = scratch / "corpus"
        corpusgen.write_corpus(corpus, args.paragraphs)
        _, texts = corpusgen.corpus_chunks(corpus, settings)

        import chromadb  # noqa: F401 - imported before timing, as a running service would have it

        assistant = Assistant(
            corpus_dir=corpus,
            index_dir=scratch / "index",
            settings=settings,
            encoder=StubEncoder(Encoder(settings.embedding_model).dimension),
        )
        profiler = cProfile.Profile()
        cpu, started = time.process_time(), time.perf_counter()
        profiler.enable()
        report = assistant.index()
        profiler.disable()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        again = Assistant(corpus_dir=corpus, index_dir=scratch / "index", settings=settings)
        reindex_started = time.perf_counter()
        again.index()
        reindex = time.perf_counter() - reindex_started

        stats = pstats.Stats(profiler)
        print(f"{args.paragraphs} paragraphs, {report.chunks_embedded} chunks, {len(report.added)} files")
        print(
            f"indexer without encoder: {wall:.2f} s wall, {cpu:.2f} s CPU, {1000 * wall / len(texts):.2f} ms/chunk"
        )
        print(f"unchanged re-index: {reindex:.2f} s\n")
        print("| stage | seconds (cProfile, cumulative) | ms per chunk |")
        print("|---|---:|---:|")
        for label, seconds in stage_times(stats).items():
            print(f"| {label} | {seconds:.2f} | {1000 * seconds / len(texts):.2f} |")

        sizes = [58, 256, 1024, len(texts)]
        print(f"\nChroma upsert of the same {len(texts)} chunks, by chunks per call:\n")
        print("| chunks per call | wall s | CPU s | CPU ms per chunk |")
        print("|---:|---:|---:|---:|")
        for size, (wall_s, cpu_s) in upsert_sizes(settings, texts, sizes, scratch).items():
            print(f"| {size} | {wall_s:.2f} | {cpu_s:.2f} | {1000 * cpu_s / len(texts):.2f} |")

        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(args.top)
        print("\nTop functions by own time:\n")
        print("\n".join(line for line in buffer.getvalue().splitlines() if line.strip()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
