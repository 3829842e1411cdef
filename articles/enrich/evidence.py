"""Corpus evidence about words, for cleaning NER spans and guarding name merges. Pure module.

The table ``data/name_evidence.tsv.gz`` has one row per normalised word seen at least ``MIN_COUNT``
times in ~10 M words of unlabelled news (the NER model's word clusters):

    word <TAB> cluster_share <TAB> own_share <TAB> given

- ``cluster_share``: the share of ANERcorp-train tokens of the word's distributional class (the
  256-class level of the clusters) that are tagged as part of an entity. Verbs, prepositions,
  conjunctions and reporting words sit in classes below 1 %; names in classes above 80 %.
- ``own_share``: the word's own entity share in ANERcorp train ("-" when it does not occur there).
- ``given``: 1 when ANERcorp has the word as the first word of a multi-word person
  name (حسن, حسين, محمد, محمود): a given name, whose long vowels tell names apart (حسن ≠ حسين).

Rebuild (the data are read at build time only, never shipped)::

    .venv/bin/python -m articles.enrich.evidence ../shared/data/anercorp/train.txt \\
        articles/enrich/ner/model/clusters.tsv.gz
"""

from __future__ import annotations

import gzip
import sys
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from articles.text import normalize

PATH = Path(__file__).with_name("data") / "name_evidence.tsv.gz"
MIN_COUNT = 20
# A class whose ANERcorp tokens are entities less than this often is a non-name class (verbs,
# particles, reporting words); measured: verbs 0.6 %, prepositions 0.4-1 %, name classes 80-90 %; the class of
# التيار (التيار الوطني الحر) is at 2.3 %, so the bound stays below it.
EDGE_CLASS_SHARE = 0.02
# ...unless the word itself is often an entity in ANERcorp (a name that landed in a verb class).
EDGE_OWN_SHARE = 0.2
# Class level used (index into the cluster ids: 1024, 256, 64, 16 classes).
LEVEL = 1


@dataclass(frozen=True)
class WordEvidence:
    cluster_share: float
    own_share: float | None
    given: bool


@lru_cache(maxsize=1)
def _table() -> dict[str, WordEvidence]:
    if not PATH.exists():  # no evidence: spans are left as the tagger gave them
        return {}
    out: dict[str, WordEvidence] = {}
    with gzip.open(PATH, "rt", encoding="utf-8") as handle:
        for line in handle:
            word, cluster, own, given = line.rstrip("\n").split("\t")
            out[word] = WordEvidence(float(cluster), None if own == "-" else float(own), given == "1")
    return out


def word_evidence(word: str) -> WordEvidence | None:
    """Evidence for a normalised word, or None when the corpus has not seen it often enough."""
    return _table().get(word)


def is_edge_word(word: str) -> bool:
    """A normalised word of a non-name class (a verb, particle, reporting word): never a name's edge."""
    ev = _table().get(word)
    if ev is None:
        return False
    return ev.cluster_share < EDGE_CLASS_SHARE and (ev.own_share is None or ev.own_share < EDGE_OWN_SHARE)


def is_given_name(word: str) -> bool:
    ev = _table().get(word)
    return bool(ev and ev.given)


def name_likeness(word: str) -> float | None:
    """The entity share of the word's class (0..1), None when unseen."""
    ev = _table().get(word)
    return None if ev is None else ev.cluster_share


def build(anercorp: Path, clusters: Path, target: Path = PATH) -> int:
    """Write the table from ANERcorp (CoNLL: token tag) and the clusters file; returns its rows."""
    classes: dict[str, str] = {}
    counts: dict[str, int] = {}
    with gzip.open(clusters, "rt", encoding="utf-8") as handle:
        for line in handle:
            word, count, ids = line.rstrip("\n").split("\t")[:3]
            classes[word], counts[word] = ids.split()[LEVEL], int(count)
    tokens: list[tuple[str, str] | None] = []
    with open(anercorp, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            tokens.append((normalize(parts[0]), parts[-1]) if len(parts) >= 2 else None)
    own_total: Counter[str] = Counter()
    own_entity: Counter[str] = Counter()
    class_total: Counter[str] = Counter()
    class_entity: Counter[str] = Counter()
    given: Counter[str] = Counter()
    for i, token in enumerate(tokens):
        if token is None:
            continue
        word, tag = token
        is_entity = tag != "O"
        own_total[word] += 1
        own_entity[word] += is_entity
        if word in classes:
            class_total[classes[word]] += 1
            class_entity[classes[word]] += is_entity
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if tag == "B-PERS" and following and following[1] == "I-PERS":
            given[word] += 1
    rows = []
    for word, cls in sorted(classes.items()):
        if counts[word] < MIN_COUNT or not class_total[cls]:
            continue
        share = class_entity[cls] / class_total[cls]
        own = f"{own_entity[word] / own_total[word]:.2f}" if own_total[word] else "-"
        rows.append(f"{word}\t{share:.3f}\t{own}\t{int(given[word] >= 1)}\n")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write("".join(rows).encode())
    return len(rows)


if __name__ == "__main__":
    print(build(Path(sys.argv[1]), Path(sys.argv[2])), "words written to", PATH)
