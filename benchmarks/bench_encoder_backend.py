"""ctassist's own ONNX encoder against sentence-transformers' ONNX backend, side by side.

Issue 18 asks whether sentence-transformers' ``backend="onnx"`` (with
``export_dynamic_quantized_onnx_model`` for int8) could replace ctassist's export in
``ctassist/embed/_onnx.py``. This measures, side by side in one run, on the shipped corpus's chunks
(exactly the texts ``ctassist index`` embeds) and on the evals questions:

- agreement with ctassist's fp32 vectors: max absolute difference, min and mean cosine;
- retrieval: per evals question, whether the top-5 chunks under cosine are the same set as
  with ctassist's fp32 vectors, and the dense document recall@5 over the gold documents;
- speed: chunks encoded in slices that every variant encodes in turn (rotating order), as
  chunks/s, the ratio to ctassist fp32 by wall clock and by process CPU seconds, and the
  median latency of one question encoded alone;
- load time: from the cached export, and (sentence-transformers) exporting again;
- cold start: a fresh Python process importing, loading and encoding one question (the
  first question of a ``ctassist ask``), and whether it imported torch;
- with ``--evals``: ``python -m evals`` (ctassist's retrieval recall@5, fact recall and
  abstention F1, and the dense baseline's recall@5) with each encoder behind
  ``ctassist.embed.Encoder``, fp32 and int8 (``CTASSIST_EMBEDDING_QUANTIZE``), each in a
  process of its own.

sentence-transformers' ONNX backend needs ``optimum-onnx``, whose only release pins
``transformers<4.58`` while the sentence-transformers ctassist uses (6.x) needs
``transformers>=5``: the two cannot be installed together. The benchmark therefore runs
with an overlay of the last compatible set ahead of the virtualenv on ``PYTHONPATH``
(commands in ``benchmarks/README.md``); ctassist's encoder only needs ``tokenizers`` and
``onnxruntime`` at run time, from its export cached by the regular environment.

Run:
    PYTHONPATH=/tmp/st-onnx:. .venv/bin/python benchmarks/bench_encoder_backend.py --evals
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
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
from bench_encoder import RESULTS, TOP_K, EncodeFn, top_k

from ctassist.embed import Encoder, resolve_model_path

REPO = Path(__file__).resolve().parents[1]
BASELINE = "ours-fp32"


@dataclass
class Variant:
    name: str
    description: str
    encode: EncodeFn
    load_seconds: float
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)


def _ours(quantize: bool, batch_size: int) -> EncodeFn:
    encoder = Encoder(backend="onnx", quantize=quantize, batch_size=batch_size)
    _ = encoder.model
    return encoder.encode


def _st_encode(model: Any, batch_size: int) -> EncodeFn:
    def encode(texts: list[str]) -> np.ndarray:
        return model.encode(  # type: ignore[no-any-return]
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    return encode


def _st_export(scratch: Path) -> tuple[Path, float]:
    """Exports with sentence-transformers into a copy of the model folder; returns it and the time."""
    from sentence_transformers import SentenceTransformer

    folder = scratch / "st-model"
    shutil.copytree(resolve_model_path("all-MiniLM-L6-v2"), folder)
    started = time.perf_counter()
    model = SentenceTransformer(str(folder), backend="onnx", device="cpu", local_files_only=True)
    seconds = time.perf_counter() - started
    model.save_pretrained(str(folder))  # writes onnx/model.onnx beside the weights
    return folder, seconds


def _st_int8(folder: Path) -> str:
    from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

    model = SentenceTransformer(str(folder), backend="onnx", device="cpu", local_files_only=True)
    export_dynamic_quantized_onnx_model(model, "avx512_vnni", str(folder))
    return "model_qint8_avx512_vnni.onnx"


def _st_load(folder: Path, batch_size: int, file_name: str | None = None) -> EncodeFn:
    from sentence_transformers import SentenceTransformer

    kwargs = {"file_name": file_name} if file_name else {}
    model = SentenceTransformer(
        str(folder), backend="onnx", device="cpu", local_files_only=True, model_kwargs=kwargs
    )
    return _st_encode(model, batch_size)


# A fresh process's first question: imports, model load, one encode.
_COLD_START = {
    BASELINE: "from ctassist.embed import Encoder\nEncoder(backend='onnx').encode([QUESTION])",
    "st-onnx-fp32": (
        "from sentence_transformers import SentenceTransformer\n"
        "SentenceTransformer(FOLDER, backend='onnx', device='cpu', local_files_only=True)"
        ".encode([QUESTION], normalize_embeddings=True)"
    ),
}


def cold_start(folder: Path, question: str, repeats: int) -> dict[str, dict[str, Any]]:
    """Median seconds to a first vector in a new process, alternating the variants."""
    seconds: dict[str, list[float]] = {name: [] for name in _COLD_START}
    torch_imported: dict[str, bool] = {}
    for _ in range(repeats):
        for name, body in _COLD_START.items():
            code = (
                f"import json, sys, time\nQUESTION, FOLDER = {question!r}, {str(folder)!r}\n"
                f"started = time.perf_counter()\n{body}\n"
                "print(json.dumps([time.perf_counter() - started, 'torch' in sys.modules]))"
            )
            done = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
            )
            elapsed, torch_imported[name] = json.loads(done.stdout.strip().splitlines()[-1])
            seconds[name].append(elapsed)
    return {
        name: {"median_s": float(np.median(values)), "imports_torch": torch_imported[name]}
        for name, values in seconds.items()
    }


_EVALS_METRICS = ("recall_at_5", "fact_recall", "abstention_f1")


def run_evals(backend: str, quantize: bool, out: Path) -> None:
    """``python -m evals --out out`` in this process, with ``backend``'s model behind ``Encoder``."""
    os.environ["CTASSIST_EMBEDDING_QUANTIZE"] = "true" if quantize else "false"
    if backend == "st":
        from sentence_transformers import SentenceTransformer

        folder, _ = _st_export(out)
        int8_file = _st_int8(folder)
        models: dict[bool, Any] = {}

        def model(self: Encoder) -> Any:
            if self.quantize not in models:
                kwargs = {"file_name": f"onnx/{int8_file}"} if self.quantize else {}
                models[self.quantize] = SentenceTransformer(
                    str(folder), backend="onnx", device="cpu", local_files_only=True, model_kwargs=kwargs
                )
            return models[self.quantize]

        # Encoder.encode calls SentenceTransformer.encode for any model that is not ctassist's own.
        Encoder.model = property(model)  # type: ignore[assignment,method-assign]
    from evals.__main__ import main as evals_main

    evals_main(["--out", str(out)])


def compare_evals() -> dict[str, dict[str, float]]:
    """ctassist's and the dense baseline's evals numbers per encoder, each run in a new process."""
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="ctassist-bench-evals-") as scratch:
        for quantize in (False, True):
            for backend in ("ours", "st"):
                name = f"{backend}-{'int8' if quantize else 'fp32'}"
                out = Path(scratch) / name
                command = [sys.executable, __file__, "--run-evals", backend, str(out)]
                # The report is read from report.json; the evals' own printout would bury the table.
                subprocess.run(
                    [*command, *(["--int8"] if quantize else [])],
                    check=True,
                    cwd=REPO,
                    stdout=subprocess.DEVNULL,
                )
                summary = json.loads((out / "report.json").read_text())["summary"]
                results[name] = {m: summary["ctassist"][m] for m in _EVALS_METRICS}
                results[name]["dense_recall_at_5"] = summary["dense"]["recall_at_5"]
                print(f"  evals {name}: {results[name]}", file=sys.stderr)
    return results


def build_variants(batch_size: int, scratch: Path) -> tuple[list[Variant], dict[str, Any]]:
    """ctassist fp32 and int8 from their cache, sentence-transformers fp32 and int8 from a saved export."""
    variants: list[Variant] = []
    extra: dict[str, Any] = {"st_folder": scratch / "st-model"}

    def add(name: str, description: str, factory: Callable[[], EncodeFn]) -> None:
        started = time.perf_counter()
        encode = factory()
        encode(["warm up the model and its kernels"] * 8)
        variants.append(Variant(name, description, encode, time.perf_counter() - started))
        print(f"  loaded {name} in {variants[-1].load_seconds:.1f} s", file=sys.stderr)

    add(BASELINE, "ctassist: Encoder(backend='onnx')", lambda: _ours(False, batch_size))
    add("ours-int8", "ctassist: Encoder(backend='onnx', quantize=True)", lambda: _ours(True, batch_size))
    folder, extra["st_export_and_load_s"] = _st_export(scratch)
    add("st-onnx-fp32", "SentenceTransformer(path, backend='onnx')", lambda: _st_load(folder, batch_size))
    started = time.perf_counter()
    int8_file = _st_int8(folder)
    extra["st_int8_quantize_s"] = time.perf_counter() - started
    add(
        "st-onnx-int8",
        "export_dynamic_quantized_onnx_model(model, 'avx512_vnni', path)",
        lambda: _st_load(folder, batch_size, f"onnx/{int8_file}"),
    )
    return variants, extra


def doc_recall_at_5(top: np.ndarray, chunk_docs: list[str], gold: list[list[str]]) -> float:
    """Mean recall@5 over the questions with gold documents, on the documents of the top chunks.

    As the evals' recall@k (BEIR's R_cap@k): gold documents found over ``min(k, |gold|)``.
    """
    scores = [
        len(set(docs) & {chunk_docs[i] for i in row}) / min(TOP_K, len(docs))
        for row, docs in zip(top, gold, strict=True)
        if docs
    ]
    return float(np.mean(scores))


def vector_agreement(reference: np.ndarray, other: np.ndarray) -> dict[str, float]:
    cosines = np.sum(reference * other, axis=1)
    return {
        "max_abs_diff": float(np.abs(reference - other).max()),
        "cos_min": float(cosines.min()),
        "cos_mean": float(cosines.mean()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus", help="default: corpus/")
    parser.add_argument("--rounds", type=int, default=5, help="passes over all chunks (default 5)")
    parser.add_argument("--slice", type=int, default=8, help="chunks per interleaved slice (default 8)")
    parser.add_argument("--batch-size", type=int, default=64, help="texts per forward pass (default 64)")
    parser.add_argument("--cold", type=int, default=3, help="fresh processes per variant (default 3)")
    parser.add_argument("--evals", action="store_true", help="also compare python -m evals with each encoder")
    parser.add_argument("--run-evals", nargs=2, metavar=("BACKEND", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--int8", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # A plain kill then unwinds like Ctrl-C, so the temporary export is removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ["HF_HUB_OFFLINE"] = "1"
    warnings.filterwarnings("ignore")
    if args.run_evals:
        backend, out = args.run_evals
        run_evals(backend, args.int8, Path(out))
        return 0

    ids, texts = corpusgen.corpus_chunks(args.corpus)
    chunk_docs = [chunk_id.split("#", 1)[0] for chunk_id in ids]
    lines = (REPO / "evals" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    question_texts = [q["question"] for q in questions]
    gold = [list(q["gold_docs"]) for q in questions]
    print(f"{len(texts)} chunks, {len(question_texts)} questions", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="ctassist-bench-backend-") as scratch:
        variants, extra = build_variants(args.batch_size, Path(scratch))
        slices = [texts[i : i + args.slice] for i in range(0, len(texts), args.slice)]
        chunk_vectors: dict[str, list[np.ndarray]] = {v.name: [] for v in variants}
        step = 0
        for round_ in range(args.rounds):
            for piece in slices:
                shift = step % len(variants)
                step += 1
                for variant in variants[shift:] + variants[:shift]:
                    cpu, started = time.process_time(), time.perf_counter()
                    vectors = variant.encode(piece)
                    variant.seconds.append(time.perf_counter() - started)
                    variant.cpu_seconds.append(time.process_time() - cpu)
                    if round_ == 0:
                        chunk_vectors[variant.name].append(vectors)
            print(f"  round {round_ + 1}/{args.rounds} done", file=sys.stderr)

        latencies: dict[str, list[float]] = {v.name: [] for v in variants}
        for number, question in enumerate(question_texts):
            shift = number % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                started = time.perf_counter()
                variant.encode([question])
                latencies[variant.name].append(time.perf_counter() - started)

        base = variants[0]
        ref_chunks = np.concatenate(chunk_vectors[BASELINE])
        ref_questions = base.encode(question_texts)
        ref_top = top_k(ref_chunks, ref_questions)
        rows: list[dict[str, Any]] = []
        for variant in variants:
            vectors = np.concatenate(chunk_vectors[variant.name])
            question_vectors = variant.encode(question_texts)
            top = top_k(vectors, question_vectors)
            same = [set(a) == set(b) for a, b in zip(ref_top, top, strict=True)]
            rows.append(
                {
                    "variant": variant.name,
                    "description": variant.description,
                    "chunks": vector_agreement(ref_chunks, vectors),
                    "questions": vector_agreement(ref_questions, question_vectors),
                    "top5_identical_pct": 100.0 * float(np.mean(same)),
                    "dense_doc_recall_at_5": doc_recall_at_5(top, chunk_docs, gold),
                    "chunks_per_s": len(texts) * args.rounds / sum(variant.seconds),
                    "ratio_to_ours_fp32": sum(base.seconds) / sum(variant.seconds),
                    "ratio_by_cpu_s": sum(base.cpu_seconds) / sum(variant.cpu_seconds),
                    "question_latency_ms_median": 1000 * float(np.median(latencies[variant.name])),
                    "load_s": variant.load_seconds,
                }
            )
        cold = cold_start(extra.pop("st_folder"), question_texts[0], args.cold)
    evals = compare_evals() if args.evals else {}

    print_table(rows, len(texts), len(question_texts), args)
    print(
        f"\nsentence-transformers: export at load (no saved export) {extra['st_export_and_load_s']:.1f} s; "
        f"int8 quantisation {extra['st_int8_quantize_s']:.1f} s"
    )
    for name, result in cold.items():
        print(
            f"cold start to the first vector, {name}: {result['median_s']:.1f} s "
            f"(median of {args.cold}; imports torch: {result['imports_torch']})"
        )
    if evals:
        print("\n| python -m evals | ctassist recall@5 | fact recall | abstention F1 | dense recall@5 |")
        print("|---|---:|---:|---:|---:|")
        for name, values in evals.items():
            print(
                f"| {name} | {values['recall_at_5']:.3f} | {values['fact_recall']:.3f} "
                f"| {values['abstention_f1']:.3f} | {values['dense_recall_at_5']:.3f} |"
            )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"encoder-backend-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps(
            {
                "command": " ".join([Path(sys.executable).name, *sys.argv]),
                "chunks": len(texts),
                "questions": len(question_texts),
                "rounds": args.rounds,
                "slice": args.slice,
                "batch_size": args.batch_size,
                **extra,
                "cold_start": cold,
                "evals": evals,
                "machine": _machine(),
                "results": rows,
            },
            indent=2,
        )
    )
    print(f"\nwrote {out}")
    return 0


def print_table(rows: list[dict[str, Any]], chunks: int, questions: int, args: argparse.Namespace) -> None:
    print(
        f"\n{chunks} chunks of {args.corpus.name}/, {questions} evals questions; batch {args.batch_size}, "
        f"{args.rounds} rounds in slices of {args.slice}\n"
    )
    print(
        "| variant | chunks: max abs diff / min cos | questions: max abs diff / min cos | top-5 identical "
        "| dense doc recall@5 | chunks/s | × ours-fp32 | × by CPU s | 1 question, ms | load, s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        c, q = row["chunks"], row["questions"]
        print(
            f"| {row['variant']} | {c['max_abs_diff']:.1e} / {c['cos_min']:.6f} "
            f"| {q['max_abs_diff']:.1e} / {q['cos_min']:.6f} | {row['top5_identical_pct']:.1f} % "
            f"| {row['dense_doc_recall_at_5']:.3f} | {row['chunks_per_s']:.1f} | {row['ratio_to_ours_fp32']:.2f} "
            f"| {row['ratio_by_cpu_s']:.2f} | {row['question_latency_ms_median']:.1f} | {row['load_s']:.1f} |"
        )


def _machine() -> dict[str, Any]:
    import onnxruntime
    import sentence_transformers
    import transformers

    return {
        "python": platform.python_version(),
        "sentence_transformers": sentence_transformers.__version__,
        "transformers": transformers.__version__,
        "onnxruntime": onnxruntime.__version__,
        "cpus": os.cpu_count(),
        "loadavg_at_end": os.getloadavg(),
    }


if __name__ == "__main__":
    raise SystemExit(main())
