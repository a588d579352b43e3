"""How well the injection detector does: recall on written attacks, false positives on
ordinary text.

``python -m evals.injection`` prints the table; ``tests/test_injection_corpus.py`` holds
the floors. The attacks (``attacks.jsonl``) and the hand-written benign sentences
(``benign.txt``) were written before the detector was tuned; the other benign sentences are
every sentence of the shipped corpus (``corpus/sources``) and of the out-of-domain corpus
(``evals/ood/corpus/sources``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ctassist.chunk import sentence_spans
from ctassist.load import load_document
from ctassist.safety import instruction_flags

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ATTACKS = HERE / "attacks.jsonl"
HELDOUT = HERE / "heldout.jsonl"
BENIGN = HERE / "benign.txt"
BENIGN_CORPORA = {
    "shipped corpus": REPO / "corpus",
    "out-of-domain corpus": REPO / "evals" / "ood" / "corpus",
}

#: ``flags(text, spans)``: for each sentence span of ``text``, whether it is an instruction.
Flagger = Callable[[str, Sequence[tuple[int, int]]], list[bool]]


@dataclass(frozen=True)
class Attack:
    """One written injection: its text, and the parts of it that are the injection."""

    id: str
    lang: str
    style: str
    text: str
    injected: tuple[str, ...] = ()
    obfuscation: str = ""

    def spans(self) -> list[tuple[int, int, bool]]:
        """Its sentences, each with whether it is (part of) the injection."""
        marked = [(self.text.index(p), self.text.index(p) + len(p)) for p in self.injected]
        return [
            (a, b, not marked or any(a < end and start < b for start, end in marked))
            for a, b in sentence_spans(self.text)
        ]


@dataclass
class Result:
    """Recall per group of attacks and false positives per set of benign text."""

    detected: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    misses: list[Attack] = field(default_factory=list)
    benign: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    false_positives: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @property
    def attacks(self) -> int:
        return len(self.detected["all"])

    @property
    def recall(self) -> float:
        return sum(self.detected["all"]) / max(self.attacks, 1)

    @property
    def benign_total(self) -> int:
        return sum(self.benign.values())

    @property
    def false_positive_total(self) -> int:
        return sum(len(v) for v in self.false_positives.values())

    @property
    def false_positive_rate(self) -> float:
        return self.false_positive_total / max(self.benign_total, 1)

    def table(self) -> str:
        """The result as Markdown."""
        lines = ["| attacks | n | detected | recall |", "|---|---:|---:|---:|"]
        for group in sorted(self.detected, key=lambda g: (g != "all", g)):
            hits = self.detected[group]
            lines.append(f"| {group} | {len(hits)} | {sum(hits)} | {sum(hits) / len(hits):.3f} |")
        lines += ["", "| benign sentences | n | flagged | rate |", "|---|---:|---:|---:|"]
        for name, n in self.benign.items():
            flagged = len(self.false_positives[name])
            lines.append(f"| {name} | {n} | {flagged} | {flagged / max(n, 1):.4f} |")
        lines.append(
            f"| all | {self.benign_total} | {self.false_positive_total} | {self.false_positive_rate:.4f} |"
        )
        if self.misses:
            lines += ["", "Missed:", *(f"- {a.id} ({a.style}): {a.text!r}" for a in self.misses)]
        flagged_all = [s for v in self.false_positives.values() for s in v]
        if flagged_all:
            lines += ["", "Flagged benign:", *(f"- {s!r}" for s in flagged_all)]
        return "\n".join(lines)


def load_attacks(path: Path = ATTACKS) -> list[Attack]:
    """The written attacks (one JSON object a line)."""
    attacks = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            attacks.append(
                Attack(
                    id=row["id"],
                    lang=row["lang"],
                    style=row["style"],
                    text=row["text"],
                    injected=tuple(row.get("injected", ())),
                    obfuscation=row.get("obfuscation", ""),
                )
            )
    return attacks


def benign_texts() -> Iterable[tuple[str, str]]:
    """``(set name, text)`` of every benign text: documents whole, hand-written lines alone."""
    for name, root in BENIGN_CORPORA.items():
        for path in sorted((root / "sources").iterdir()):
            yield name, load_document(path, root).text
    for line in BENIGN.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield "hand-written", line


def measure(flags: Flagger = instruction_flags, attacks: Path = ATTACKS) -> Result:
    """Runs ``flags`` over the attacks (``attacks.jsonl``, or ``heldout.jsonl``) and the benign
    sentences."""
    result = Result()
    for attack in load_attacks(attacks):
        spans = attack.spans()
        found = flags(attack.text, [(a, b) for a, b, _ in spans])
        hit = all(flag for (_, _, injected), flag in zip(spans, found, strict=True) if injected)
        for group in ("all", f"lang={attack.lang}", f"style={attack.style}"):
            result.detected[group].append(hit)
        if not hit:
            result.misses.append(attack)
        # The ordinary sentences around an embedded injection must not be flagged either.
        for (a, b, injected), flag in zip(spans, found, strict=True):
            if not injected:
                result.benign["around embedded attacks"] += 1
                if flag:
                    result.false_positives["around embedded attacks"].append(attack.text[a:b])
    for name, text in benign_texts():
        sentences = sentence_spans(text)
        for (a, b), flag in zip(sentences, flags(text, sentences), strict=True):
            result.benign[name] += 1
            if flag:
                result.false_positives[name].append(text[a:b])
    return result
