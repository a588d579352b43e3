"""Encoder speed and retrieval agreement: plain sentence-transformers against int8 variants.

Every variant encodes the same chunks (those ``ctassist index`` would embed for a generated
corpus) in the same run, finely interleaved: the chunks are cut into slices of
``--slice`` chunks and every variant encodes each slice in turn (the order rotating from
slice to slice), so that load from other processes on the machine falls on all variants
alike. A variant's ratio is its total time over all rounds against plain fp32
sentence-transformers' total time; the spread of the per-slice ratios and the ratio of
process CPU seconds are reported beside it. Agreement: for a fixed query set, the top-5
chunk ids under cosine similarity, with chunks and queries both embedded by the variant,
against those of fp32 ("mixed" embeds the chunks with fp32 and only the queries with the
variant, as when an fp32 index is queried by a quantised encoder).

Run:
    .venv/bin/python benchmarks/bench_encoder.py --paragraphs 2000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpusgen

from ctassist.embed import (
    Encoder,
    OnnxSentenceEncoder,
    default_cache_dir,
    onnx_model_file,
    resolve_model_path,
)

RESULTS = Path(__file__).resolve().parent / "results"
BASELINE = "st-fp32"
TOP_K = 5

EncodeFn = Callable[[list[str]], np.ndarray]


@dataclass
class Variant:
    name: str
    description: str
    encode: EncodeFn
    seconds: list[float] = field(default_factory=list)  # per slice, over all rounds
    cpu_seconds: list[float] = field(default_factory=list)


def _torch_int8(per_channel: bool, batch_size: int) -> EncodeFn:
    import torch

    model = Encoder(batch_size=batch_size).model
    qconfig: Any = (
        torch.ao.quantization.per_channel_dynamic_qconfig
        if per_channel
        else torch.ao.quantization.default_dynamic_qconfig
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantized = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
            model, {torch.nn.Linear: qconfig}, dtype=torch.qint8
        )
    quantized.eval()

    def encode(texts: list[str]) -> np.ndarray:
        return quantized.encode(  # type: ignore[no-any-return]
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    return encode


def _onnx_per_tensor(batch_size: int, cache_dir: Path) -> EncodeFn:
    path = resolve_model_path("all-MiniLM-L6-v2")
    runner = OnnxSentenceEncoder(path, onnx_model_file(path, cache_dir, quantize=True, per_channel=False))
    return lambda texts: runner.encode(texts, batch_size)


def build_variants(names: list[str], batch_size: int, cache_dir: Path) -> list[Variant]:
    def shipped(**options: Any) -> Callable[[], EncodeFn]:
        return lambda: Encoder(batch_size=batch_size, cache_dir=cache_dir, **options).encode

    factories: dict[str, tuple[str, Callable[[], EncodeFn]]] = {
        BASELINE: ("sentence-transformers, torch fp32: Encoder() (the default)", shipped()),
        "torch-int8": (
            "torch quantize_dynamic(nn.Linear), per-tensor weights (ctassist's quantize=True before)",
            lambda: _torch_int8(False, batch_size),
        ),
        "torch-int8-pc": (
            "torch quantize_dynamic(nn.Linear), per-channel weights: Encoder(quantize=True)",
            shipped(quantize=True),
        ),
        "onnx-fp32": ("onnxruntime, fp32 export: Encoder(backend='onnx')", shipped(backend="onnx")),
        "onnx-int8": (
            "onnxruntime, quantize_dynamic(MatMul), per-tensor weights",
            lambda: _onnx_per_tensor(batch_size, cache_dir),
        ),
        "onnx-int8-pc": (
            "onnxruntime, quantize_dynamic(MatMul), per-channel weights: Encoder(backend='onnx', quantize=True)",
            shipped(backend="onnx", quantize=True),
        ),
    }
    unknown = sorted(set(names) - set(factories))
    if unknown:
        raise SystemExit(f"unknown variants {unknown}; known: {', '.join(factories)}")
    ordered = [BASELINE, *[n for n in names if n != BASELINE]]
    variants = []
    for name in ordered:
        description, factory = factories[name]
        started = time.perf_counter()
        variant = Variant(name, description, factory())
        variant.encode(["warm up the model and its kernels"] * 8)
        print(f"  loaded {name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        variants.append(variant)
    return variants


def top_k(chunks: np.ndarray, queries: np.ndarray, k: int = TOP_K) -> np.ndarray:
    """Per query, the indices of the ``k`` most similar chunks, best first (vectors are unit)."""
    scores = queries @ chunks.T
    best = np.argpartition(-scores, k, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, best, axis=1), axis=1, kind="stable")
    return np.take_along_axis(best, order, axis=1)


def agreement(reference: np.ndarray, other: np.ndarray) -> dict[str, float]:
    same_sets = [set(a) == set(b) for a, b in zip(reference, other, strict=True)]
    overlap = [len(set(a) & set(b)) / reference.shape[1] for a, b in zip(reference, other, strict=True)]
    return {
        "top5_identical_pct": 100.0 * float(np.mean(same_sets)),
        "top1_same_pct": 100.0 * float(np.mean(reference[:, 0] == other[:, 0])),
        "top5_overlap_pct": 100.0 * float(np.mean(overlap)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--paragraphs", type=int, default=2000, help="generated paragraphs (default 2000)")
    parser.add_argument("--rounds", type=int, default=1, help="passes over all chunks (default 1)")
    parser.add_argument("--slice", type=int, default=128, help="chunks per interleaved slice (default 128)")
    parser.add_argument("--queries", type=int, default=200, help="fixed query set size (default 200)")
    parser.add_argument("--batch-size", type=int, default=64, help="texts per forward pass (default 64)")
    parser.add_argument(
        "--variants",
        default="st-fp32,torch-int8,torch-int8-pc,onnx-fp32,onnx-int8,onnx-int8-pc",
        help="comma-separated variants to compare with st-fp32",
    )
    parser.add_argument(
        "--cache-dir", type=Path, default=None, help="ONNX export cache (default ~/.cache/ctassist)"
    )
    parser.add_argument("--quick", action="store_true", help="300 paragraphs, 1 round: a smoke run")
    args = parser.parse_args(argv)
    # A plain kill then unwinds like Ctrl-C, so the temporary corpus and index are removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.quick:
        args.paragraphs, args.rounds = 300, 1

    cache_dir = args.cache_dir or default_cache_dir()
    with tempfile.TemporaryDirectory(prefix="ctassist-bench-") as scratch:
        corpus = Path(scratch) / "corpus"
        corpusgen.write_corpus(corpus, args.paragraphs)
        _, texts = corpusgen.corpus_chunks(corpus)
    query_texts = corpusgen.queries(texts, args.queries)
    print(f"{args.paragraphs} paragraphs -> {len(texts)} chunks, {len(query_texts)} queries", file=sys.stderr)

    variants = build_variants(
        [v.strip() for v in args.variants.split(",") if v.strip()], args.batch_size, cache_dir
    )
    slices = [texts[i : i + args.slice] for i in range(0, len(texts), args.slice)]
    chunk_vectors: dict[str, list[np.ndarray]] = {v.name: [] for v in variants}
    step = 0
    for round_ in range(args.rounds):
        for number, piece in enumerate(slices):
            shift = step % len(variants)
            step += 1
            for variant in variants[shift:] + variants[:shift]:
                cpu, started = time.process_time(), time.perf_counter()
                vectors = variant.encode(piece)
                variant.seconds.append(time.perf_counter() - started)
                variant.cpu_seconds.append(time.process_time() - cpu)
                if round_ == 0:
                    chunk_vectors[variant.name].append(vectors)
            if number % 5 == 4 or number == len(slices) - 1:
                done = ", ".join(
                    f"{v.name} {sum(len(p) for p in slices[: number + 1]) / sum(v.seconds[-number - 1 :]):.1f}/s"
                    for v in variants
                )
                print(f"  round {round_ + 1}, slice {number + 1}/{len(slices)}: {done}", file=sys.stderr)

    base = variants[0]
    ref_chunks = np.concatenate(chunk_vectors[BASELINE])
    ref_queries = base.encode(query_texts)
    ref_top = top_k(ref_chunks, ref_queries)
    total = len(texts) * args.rounds
    rows: list[dict[str, Any]] = []
    for variant in variants:
        queries_vec = variant.encode(query_texts)
        vectors = np.concatenate(chunk_vectors[variant.name])
        cosines = np.sum(vectors * ref_chunks, axis=1)
        per_slice = [b / s for b, s in zip(base.seconds, variant.seconds, strict=True)]
        rows.append(
            {
                "variant": variant.name,
                "description": variant.description,
                "chunks_per_s": total / sum(variant.seconds),
                "ratio_to_st_fp32": sum(base.seconds) / sum(variant.seconds),
                "ratio_per_slice_p10_median_p90": [float(x) for x in np.percentile(per_slice, [10, 50, 90])],
                "ratio_by_cpu_s": sum(base.cpu_seconds) / sum(variant.cpu_seconds),
                "cosine_to_fp32_min": float(cosines.min()),
                "cosine_to_fp32_mean": float(cosines.mean()),
                **agreement(ref_top, top_k(vectors, queries_vec)),
                "mixed_top5_identical_pct": agreement(ref_top, top_k(ref_chunks, queries_vec))[
                    "top5_identical_pct"
                ],
            }
        )
    gaps = _score_gaps(ref_chunks, ref_queries)

    print_table(rows, args, len(texts), len(query_texts))
    print(
        "\nfp32 score gap between ranks 5 and 6 (10th, 25th, 50th percentile over the queries): "
        + ", ".join(f"{g:.4f}" for g in gaps)
        + " — a query keeps its top-5 only if its scores move by less than its gap."
    )
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"encoder-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "command": " ".join([Path(sys.executable).name, *sys.argv]),
                "paragraphs": args.paragraphs,
                "chunks": len(texts),
                "queries": len(query_texts),
                "rounds": args.rounds,
                "slice": args.slice,
                "fp32_gap_rank5_rank6_percentiles_10_25_50": gaps,
                "batch_size": args.batch_size,
                "machine": _machine(),
                "results": rows,
            },
            indent=2,
        )
    )
    print(f"\nwrote {out}")
    return 0


def _score_gaps(chunks: np.ndarray, queries: np.ndarray) -> list[float]:
    scores = -np.sort(-(queries @ chunks.T), axis=1)
    gap = scores[:, TOP_K - 1] - scores[:, TOP_K]
    return [float(x) for x in np.percentile(gap, [10, 25, 50])]


def print_table(rows: list[dict[str, Any]], args: argparse.Namespace, chunks: int, queries: int) -> None:
    print(
        f"\nEncoder on {chunks} chunks ({args.paragraphs} paragraphs), batch {args.batch_size}, "
        f"{args.rounds} round(s) in slices of {args.slice}, {queries} queries\n"
    )
    print(
        "| variant | chunks/s | × st-fp32 | per-slice × (p10–p90) | × by CPU s | top-5 identical | top-1 same "
        "| top-5 overlap | mixed top-5 identical | min cos to fp32 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        p10, _, p90 = row["ratio_per_slice_p10_median_p90"]
        print(
            f"| {row['variant']} | {row['chunks_per_s']:.1f} | {row['ratio_to_st_fp32']:.2f} "
            f"| {p10:.2f}–{p90:.2f} | {row['ratio_by_cpu_s']:.2f} "
            f"| {row['top5_identical_pct']:.1f}% | {row['top1_same_pct']:.1f}% "
            f"| {row['top5_overlap_pct']:.1f}% | {row['mixed_top5_identical_pct']:.1f}% "
            f"| {row['cosine_to_fp32_min']:.4f} |"
        )


def _machine() -> dict[str, Any]:
    import onnxruntime
    import torch

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "onnxruntime": onnxruntime.__version__,
        "cpus": os.cpu_count(),
        "loadavg_at_end": os.getloadavg(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", ""),
    }


if __name__ == "__main__":
    raise SystemExit(main())
