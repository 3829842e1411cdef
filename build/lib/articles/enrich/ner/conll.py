"""CoNLL reading, BIO span extraction and CoNLL-style (exact span + type) evaluation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

KINDS = ("PERS", "LOC", "ORG", "MISC")

Sentence = list[tuple[str, str]]


def read_conll(path: str | Path) -> list[Sentence]:
    """Sentences of ``token TAG`` lines; a blank line ends a sentence. The tag is the last field."""
    sents: list[Sentence] = []
    cur: Sentence = []
    with open(path, encoding="utf-8-sig") as fh:
        for line in fh:
            parts = line.split()
            if not parts:
                if cur:
                    sents.append(cur)
                    cur = []
                continue
            if len(parts) == 1:  # a tag with no token: skip rather than crash on a stray line
                continue
            cur.append((parts[0], parts[-1]))
    if cur:
        sents.append(cur)
    return sents


def write_conll(sents: Iterable[Sentence], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for sent in sents:
            fh.writelines(f"{tok} {tag}\n" for tok, tag in sent)
            fh.write("\n")


def bio_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """``(start, end_exclusive, kind)`` token spans, conlleval-style.

    An ``I-X`` that does not continue an ``X`` entity starts a new one (as conlleval does), so
    an ill-formed sequence is still scored instead of silently dropped.
    """
    spans: list[tuple[int, int, str]] = []
    start, kind = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, k = tag.partition("-")
        if kind and (prefix != "I" or k != kind):
            spans.append((start, i, kind))
            kind = ""
        if prefix == "B" or (prefix == "I" and not kind):
            start, kind = i, k
    return spans


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, Score]:
    """Per-kind and ``"ALL"`` (micro) counts of exact-match entity spans."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        if len(g) != len(p):
            raise ValueError("gold and predicted sentence lengths differ")
        gs, ps = set(bio_spans(g)), set(bio_spans(p))
        for s in gs & ps:
            tp[s[2]] += 1
        for s in ps - gs:
            fp[s[2]] += 1
        for s in gs - ps:
            fn[s[2]] += 1
    kinds = sorted(set(tp) | set(fp) | set(fn), key=lambda k: (k not in KINDS, KINDS.index(k) if k in KINDS else 0, k))
    scores = {k: Score(tp[k], fp[k], fn[k]) for k in kinds}
    scores["ALL"] = Score(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return scores


def format_report(scores: dict[str, Score]) -> str:
    """Per-kind table; the last line is exactly ``micro-F1 0.xxxx`` (scripts parse it)."""
    lines = [f"{'type':<6} {'prec':>7} {'rec':>7} {'F1':>7} {'gold':>6} {'pred':>6}"]
    for kind, s in scores.items():
        if kind == "ALL":
            continue
        lines.append(f"{kind:<6} {s.precision:7.4f} {s.recall:7.4f} {s.f1:7.4f} {s.tp + s.fn:6d} {s.tp + s.fp:6d}")
    a = scores["ALL"]
    lines.append(f"{'ALL':<6} {a.precision:7.4f} {a.recall:7.4f} {a.f1:7.4f} {a.tp + a.fn:6d} {a.tp + a.fp:6d}")
    lines.append(f"micro-F1 {a.f1:.4f}")
    return "\n".join(lines)


def split_dev(sents: Sequence[Sentence], dev_fraction: float = 0.1) -> tuple[list[Sentence], list[Sentence]]:
    """The fixed dev split: the LAST ``dev_fraction`` of sentences, in file order.

    A contiguous tail (not every n-th sentence) keeps whole articles out of training, as the real
    test split does; otherwise names repeated within an article leak and inflate dev scores.
    """
    cut = len(sents) - round(len(sents) * dev_fraction)
    return list(sents[:cut]), list(sents[cut:])
