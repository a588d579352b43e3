"""Whether a question asks about meeting records, and what about: a small classifier
(multinomial logistic regression over the question's sentence embedding).

The weights are trained by ``python -m evals.train_intent`` from the labelled questions of
``evals/intent_questions.jsonl`` and shipped in ``data/intent.json``; ``INTENT_CARD.md``
reports how well it does. A question it does not place in a records kind with enough
confidence goes on to the ordinary answer path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal, get_args

import numpy as np

#: What a records question asks for; ``other`` is any other question.
IntentKind = Literal[
    "open_actions", "done_actions", "action_owner", "attendees", "decisions", "last_meeting", "other"
]
INTENTS: tuple[IntentKind, ...] = get_args(IntentKind)

#: The sentence-embedding model's ``encode``.
Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Intent:
    """The classifier's reading of a question.

    Attributes:
        kind: The most likely kind.
        probability: Its probability (0 to 1).
        records: Whether the question is answered from the records (a records kind, at
            least the model's threshold).
    """

    kind: IntentKind
    probability: float
    records: bool


@dataclass(frozen=True)
class IntentModel:
    """Softmax weights over a normalised sentence embedding.

    Attributes:
        labels: The classes, in the order of ``weights``' rows.
        weights: ``(classes, dimension)``.
        bias: ``(classes,)``.
        threshold: The least probability of a records kind that is acted on.
        embedding_model: The sentence-embedding model it was trained on.
    """

    labels: tuple[IntentKind, ...]
    weights: np.ndarray
    bias: np.ndarray
    threshold: float
    embedding_model: str

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Class probabilities of each row of ``vectors`` (normalised here)."""
        vectors = np.asarray(vectors, dtype=np.float64)
        vectors = vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12)
        logits = vectors @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def classify(self, question: str, encode: Encode) -> Intent:
        """The intent of one question."""
        probs = self.probabilities(np.asarray(encode([question])))[0]
        best = int(np.argmax(probs))
        kind = self.labels[best]
        return Intent(kind, float(probs[best]), kind != "other" and float(probs[best]) >= self.threshold)

    def to_json(self) -> str:
        return json.dumps(
            {
                "labels": list(self.labels),
                "weights": np.round(self.weights, 6).tolist(),
                "bias": np.round(self.bias, 6).tolist(),
                "threshold": self.threshold,
                "embedding_model": self.embedding_model,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> IntentModel:
        data = json.loads(text)
        labels = tuple(data["labels"])
        unknown = set(labels) - set(INTENTS)
        if unknown:
            raise ValueError(f"records/data/intent.json: unknown intent(s) {sorted(unknown)}")
        return cls(
            labels=labels,
            weights=np.asarray(data["weights"], dtype=np.float64),
            bias=np.asarray(data["bias"], dtype=np.float64),
            threshold=float(data["threshold"]),
            embedding_model=str(data["embedding_model"]),
        )


def train(
    vectors: np.ndarray,
    labels: Sequence[IntentKind],
    *,
    l2: float = 1e-4,
    steps: int = 3000,
    rate: float = 8.0,
    threshold: float = 0.5,
    embedding_model: str = "",
) -> IntentModel:
    """Fits the softmax regression by full-batch gradient descent (a few hundred examples).

    Args:
        vectors: ``(examples, dimension)`` sentence embeddings.
        labels: Each example's intent.
        l2: Weight decay.
        steps: Gradient steps.
        rate: Step size.
        threshold: Stored as the model's threshold.
        embedding_model: Stored as the model's embedding model.
    """
    classes = tuple(k for k in INTENTS if k in set(labels))
    x = np.asarray(vectors, dtype=np.float64)
    x = x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-12)
    y = np.zeros((len(labels), len(classes)))
    y[np.arange(len(labels)), [classes.index(k) for k in labels]] = 1.0
    # Classes weighted equally: "other" questions far outnumber each records kind.
    weight = (1.0 / y.sum(axis=0))[np.argmax(y, axis=1)]
    weight = weight / weight.sum()
    w = np.zeros((len(classes), x.shape[1]))
    b = np.zeros(len(classes))
    model = IntentModel(classes, w, b, threshold, embedding_model)
    for _ in range(steps):
        p = model.probabilities(x)
        error = (p - y) * weight[:, None]
        w -= rate * (error.T @ x + l2 * w)
        b -= rate * error.sum(axis=0)
    return model


@cache
def shipped_intent() -> IntentModel:
    """The shipped classifier (``data/intent.json``)."""
    text = resources.files("ctassist.records").joinpath("data/intent.json").read_text(encoding="utf-8")
    return IntentModel.from_json(text)
