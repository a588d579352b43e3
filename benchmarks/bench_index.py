"""Indexing throughput against the raw encoder, and the cost of an unchanged re-index.

For each corpus size N (generated paragraphs, see ``corpusgen``), in one run:

(a) raw: ``Encoder.encode`` on the exact chunk texts ``ctassist index`` embeds (ctassist's
    own loader and chunker, then :func:`ctassist.index.embedding_text`), in one call: the
    limit for this design. Measured before and after (b), so that load from other
    processes on the machine falls on both sides alike; the mean is the reference. Above
    ``--raw-max-chunks`` chunks, raw runs on a fixed random sample of that many chunks
    (throughput does not depend on the count once the length sort has this many texts).
(b) index: ``Assistant(corpus_dir=..., index_dir=<fresh>).index()``, chunks/s and the
    ratio to (a). The encoder is loaded and warmed once, before any timing, and shared.
(c) re-index: a new ``Assistant`` on the same folders, corpus unchanged: seconds, and
    percentage of the full index time.

Targets (issue #2): index ≥ 0.9 × raw; unchanged re-index ≤ 2 % of the full index.

Besides wall-clock throughput, the ratio of process CPU seconds per chunk (all threads,
``time.process_time``) is reported: on a machine shared with other jobs it shows the
indexer's own overhead even when the wall clock is dominated by others' load.

Run:
    .venv/bin/python benchmarks/bench_index.py --paragraphs 2000 20000
    .venv/bin/python benchmarks/bench_index.py --quick            # N=300 smoke run
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpusgen

from ctassist import Assistant
from ctassist.config import Settings
from ctassist.embed import Encoder

RESULTS = Path(__file__).resolve().parent / "results"
INDEX_TARGET = 0.9
REINDEX_TARGET_PCT = 2.0

T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def timed_cpu(fn: Callable[[], T]) -> tuple[T, float, float]:
    """``(value, wall seconds, process CPU seconds)``."""
    cpu = time.process_time()
    value, wall = timed(fn)
    return value, wall, time.process_time() - cpu


def indexer_groups(corpus_dir: Path, settings: Settings) -> list[int]:
    """Chunk counts of the groups the indexer hands to ``encode`` (files are gathered until
    a group holds at least ``4 × embedding_batch_size`` chunks)."""
    from ctassist.chunk import chunk_document
    from ctassist.load import discover_files, load_document

    groups: list[int] = []
    pending = 0
    for path in discover_files(corpus_dir):
        document = load_document(path, corpus_dir, max_file_mb=settings.max_file_mb)
        pending += len(
            chunk_document(document, chunk_size=settings.chunk_size, overlap=settings.chunk_overlap)
        )
        if pending >= settings.embedding_batch_size * 4:
            groups.append(pending)
            pending = 0
    if pending:
        groups.append(pending)
    return groups


def run_size(
    paragraphs: int, encoder: Encoder, settings: Settings, args: argparse.Namespace, scratch: Path
) -> dict[str, Any]:
    root = scratch / f"n{paragraphs}"
    corpus, index_dir = root / "corpus", root / "index"
    files, gen_s = timed(lambda: corpusgen.write_corpus(corpus, paragraphs))
    (_, texts), chunk_s = timed(lambda: corpusgen.corpus_chunks(corpus, settings))
    log(f"N={paragraphs}: {len(files)} files, {len(texts)} chunks (load+chunk {chunk_s:.1f} s)")

    sample = texts
    if len(texts) > args.raw_max_chunks:
        sample = random.Random(corpusgen.DEFAULT_SEED).sample(texts, args.raw_max_chunks)
    _, raw_before, raw_cpu_before = timed_cpu(lambda: encoder.encode(sample))
    log(f"  raw encode ({len(sample)} chunks): {len(sample) / raw_before:.1f} chunks/s")

    grouped_s = None
    if args.grouped and len(texts) <= args.raw_max_chunks:
        groups = indexer_groups(corpus, settings)

        def encode_grouped() -> None:
            offset = 0
            for size in groups:
                encoder.encode(texts[offset : offset + size])
                offset += size

        _, grouped_s = timed(encode_grouped)
        log(f"  raw encode in the indexer's groups: {len(texts) / grouped_s:.1f} chunks/s")

    assistant = Assistant(corpus_dir=corpus, index_dir=index_dir, settings=settings, encoder=encoder)
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    report, index_s, index_cpu = timed_cpu(assistant.index)
    if profiler:
        profiler.disable()
        _write_profile(profiler, paragraphs)
    if report.chunks_embedded != len(texts) or not report.ok:
        raise SystemExit(
            f"index embedded {report.chunks_embedded} chunks, expected {len(texts)}: {report.summary()}"
        )
    log(f"  index: {len(texts) / index_s:.1f} chunks/s ({index_s:.1f} s)")

    raw_after, raw_cpu_after = None, None
    if not args.no_aba:
        _, raw_after, raw_cpu_after = timed_cpu(lambda: encoder.encode(sample))
        log(f"  raw encode again: {len(sample) / raw_after:.1f} chunks/s")
    raw_s = raw_before if raw_after is None else (raw_before + raw_after) / 2
    raw_cpu = raw_cpu_before if raw_cpu_after is None else (raw_cpu_before + raw_cpu_after) / 2

    reindex_runs: list[float] = []
    for _ in range(args.reindex_runs):
        fresh = Assistant(corpus_dir=corpus, index_dir=index_dir, settings=settings)
        again, seconds = timed(fresh.index)
        if again.chunks_embedded or len(again.unchanged) != len(files):
            raise SystemExit(f"re-index of an unchanged corpus did work: {again.summary()}")
        reindex_runs.append(seconds)
    _, records_s = timed(lambda: assistant.store.file_records())
    log(f"  re-index: {reindex_runs[0]:.2f} s ({100 * reindex_runs[0] / index_s:.2f} % of full)")

    raw_cps, index_cps = len(sample) / raw_s, len(texts) / index_s
    cpu_ratio = (raw_cpu / len(sample)) / (index_cpu / len(texts))
    return {
        "paragraphs": paragraphs,
        "files": len(files),
        "chunks": len(texts),
        "generate_s": round(gen_s, 3),
        "load_chunk_s": round(chunk_s, 3),
        "raw_chunks": len(sample),
        "raw_s": round(raw_s, 3),
        "raw_before_s": round(raw_before, 3),
        "raw_after_s": None if raw_after is None else round(raw_after, 3),
        "raw_chunks_per_s": round(raw_cps, 2),
        "raw_grouped_chunks_per_s": None if grouped_s is None else round(len(texts) / grouped_s, 2),
        "index_s": round(index_s, 3),
        "index_chunks_per_s": round(index_cps, 2),
        "index_to_raw": round(index_cps / raw_cps, 3),
        "index_target_met": index_cps / raw_cps >= INDEX_TARGET,
        "raw_cpu_s_per_chunk": round(raw_cpu / len(sample), 5),
        "index_cpu_s_per_chunk": round(index_cpu / len(texts), 5),
        "index_to_raw_by_cpu": round(cpu_ratio, 3),
        "reindex_s": [round(s, 3) for s in reindex_runs],
        "reindex_pct_of_full": round(100 * reindex_runs[0] / index_s, 3),
        "reindex_target_met": 100 * reindex_runs[0] / index_s <= REINDEX_TARGET_PCT,
        "file_records_s": round(records_s, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--paragraphs", type=int, nargs="+", default=[2000, 20000], help="corpus sizes N")
    parser.add_argument("--quick", action="store_true", help="N=300 only: a smoke run")
    parser.add_argument("--reindex-runs", type=int, default=2, help="unchanged re-index runs (default 2)")
    parser.add_argument(
        "--grouped",
        action="store_true",
        help="also time raw encode in the indexer's groups (up to --raw-max-chunks chunks)",
    )
    parser.add_argument("--no-aba", action="store_true", help="time raw encode only before the index")
    parser.add_argument(
        "--raw-max-chunks",
        type=int,
        default=6000,
        help="raw encode on at most this many chunks (default 6000)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the index; writes results/profile-N.txt"
    )
    parser.add_argument(
        "--backend",
        choices=["torch", "onnx"],
        default=None,
        help="Encoder backend for both raw and index (default: ctassist's, CTASSIST_EMBEDDING_BACKEND)",
    )
    args = parser.parse_args(argv)
    # A plain kill then unwinds like Ctrl-C, so the temporary corpus and index are removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sizes = [300] if args.quick else args.paragraphs

    settings = Settings.from_env()
    encoder = Encoder(
        settings.embedding_model,
        quantize=settings.embedding_quantize,
        batch_size=settings.embedding_batch_size,
        backend=args.backend or settings.embedding_backend,
    )
    args.backend = encoder.backend
    _, load_s = timed(
        lambda: encoder.encode(["Warm the model and its kernels once."] * settings.embedding_batch_size)
    )
    log(f"model loaded and warmed in {load_s:.1f} s")
    import chromadb  # noqa: F401 - imported before timing, like the model: a one-off cost, not throughput

    rows: list[dict[str, Any]] = []
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"index-{time.strftime('%Y%m%d-%H%M%S')}.json"
    with tempfile.TemporaryDirectory(prefix="ctassist-bench-index-") as scratch:
        for paragraphs in sizes:
            rows.append(run_size(paragraphs, encoder, settings, args, Path(scratch)))
            _write_json(
                out, rows, settings, load_s, args.backend
            )  # after each size: a long run keeps what it measured
    print_table(rows, settings, args.backend)
    print(f"\nwrote {out}")
    return 0


def _write_json(
    out: Path, rows: list[dict[str, Any]], settings: Settings, load_s: float, backend: str
) -> None:
    out.write_text(
        json.dumps(
            {
                "command": " ".join([Path(sys.executable).name, *sys.argv]),
                "settings": {
                    "embedding_model": settings.embedding_model,
                    "embedding_quantize": settings.embedding_quantize,
                    "embedding_backend": backend,
                    "embedding_batch_size": settings.embedding_batch_size,
                    "chunk_size": settings.chunk_size,
                    "chunk_overlap": settings.chunk_overlap,
                },
                "model_load_s": round(load_s, 3),
                "machine": _machine(),
                "results": rows,
            },
            indent=2,
        )
    )


def print_table(rows: list[dict[str, Any]], settings: Settings, backend: str) -> None:
    print(
        f"\nIndex benchmark: {settings.embedding_model}, backend={backend}, "
        f"quantize={settings.embedding_quantize}, "
        f"batch {settings.embedding_batch_size}, chunk_size {settings.chunk_size}\n"
    )
    print(
        "| N paragraphs | files | chunks | raw encode chunks/s | index chunks/s | index ÷ raw (≥ 0.9) "
        "| index ÷ raw by CPU s | full index s | unchanged re-index s | re-index % of full (≤ 2 %) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['paragraphs']} | {r['files']} | {r['chunks']} | {r['raw_chunks_per_s']:.1f} "
            f"| {r['index_chunks_per_s']:.1f} | {r['index_to_raw']:.3f} {_mark(r['index_target_met'])} "
            f"| {r['index_to_raw_by_cpu']:.3f} | {r['index_s']:.1f} | {r['reindex_s'][0]:.2f} "
            f"| {r['reindex_pct_of_full']:.2f} {_mark(r['reindex_target_met'])} |"
        )


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _write_profile(profiler: cProfile.Profile, paragraphs: int) -> None:
    RESULTS.mkdir(exist_ok=True)
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer).sort_stats("cumulative")
    stats.print_stats(60)
    stats.sort_stats("tottime").print_stats(30)
    path = RESULTS / f"profile-{paragraphs}.txt"
    path.write_text(buffer.getvalue())
    log(f"  profile written to {path}")


def _machine() -> dict[str, Any]:
    import torch

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "loadavg_at_end": os.getloadavg(),
    }


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
