"""Rebuild fixtures/ant_demo_sample.jsonl.gz: the demo's ~1,000 ANT Corpus articles (seeded, reproducible).

    python bench/demo_sample.py [--corpus ../shared/data/ant/ant_multisource_v2.1.train.jsonl.gz] [--seed 14]

Make-up: every (source, category) cell of ANT multi-source v2.1 (5 outlets x 6 categories) gets an equal
share, picked evenly along the cell's dates so the sample covers every month the cell has; every article
dated before 2018 is kept (the corpus has only 60: nearly all of it is from 2018); and 60 near-duplicate
pairs across outlets (estimated shingle Jaccard >= 0.5, articles.stories.signature) are added, so the demo
shows stories. Dates, titles, texts, URLs and categories are kept as published (Apache-2.0; see
fixtures/ANT-LICENSE.txt and the citation in fixtures/README.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.stories import signature as sig  # noqa: E402

DEFAULT = Path(os.environ.get("ARCHIVE_SHARED_DATA", ROOT.parent / "shared" / "data")) / "ant"
OUT = ROOT / "fixtures" / "ant_demo_sample.jsonl.gz"
KEEP = ("docno", "source", "category", "title", "date", "url", "text")
TARGET = 1000
PAIRS = 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(DEFAULT / "ant_multisource_v2.1.train.jsonl.gz"))
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with gzip.open(args.corpus, "rt", encoding="utf-8") as handle:
        docs = [json.loads(line) for line in handle]
    docs = [d for d in docs if d.get("title") and d.get("text") and d.get("date")]
    docs.sort(key=lambda d: (d["date"], d["docno"]))
    chosen: dict[str, dict] = {d["docno"]: d for d in docs if d["date"][:4] < "2018"}

    # Near-duplicate pairs across outlets, found as at ingest (LSH bands, then the MinHash estimate).
    by_band: dict[int, list[int]] = defaultdict(list)
    signatures = []
    for i, doc in enumerate(docs):
        values = sig.signature_compute(doc["title"], doc["text"]).hashvalues
        signatures.append(values)
        for band in sig.band_hashes(values):
            by_band[band].append(i)
    pairs = set()
    for members in by_band.values():
        for a in members:
            for b in members:
                if a < b and docs[a]["source"] != docs[b]["source"]:
                    pairs.add((a, b))
    pairs = sorted(p for p in pairs if sig.similarity_estimate(signatures[p[0]], signatures[p[1]]) >= sig.THRESHOLD)
    for a, b in rng.sample(pairs, min(PAIRS, len(pairs))):
        chosen[docs[a]["docno"]] = docs[a]
        chosen[docs[b]["docno"]] = docs[b]

    cells: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for doc in docs:
        cells[(doc["source"], doc["category"])].append(doc)
    share = max(1, (TARGET - len(chosen)) // len(cells))
    for key in sorted(cells):
        cell = [d for d in cells[key] if d["docno"] not in chosen]
        step = max(1, len(cell) // share)
        offset = rng.randrange(step)
        for doc in cell[offset::step][:share]:
            chosen[doc["docno"]] = doc

    sample = sorted(chosen.values(), key=lambda d: (d["date"], d["docno"]))
    with gzip.open(args.out, "wt", encoding="utf-8", compresslevel=9) as out:
        for doc in sample:
            out.write(json.dumps({k: doc.get(k) for k in KEEP}, ensure_ascii=False) + "\n")
    print(f"{len(sample)} articles ({len(pairs)} cross-outlet near-duplicate pairs, {PAIRS} sampled) -> {args.out}")
    print("sources:", dict(Counter(d["source"] for d in sample)))
    print("categories:", dict(Counter(d["category"] for d in sample)))
    print("years:", dict(sorted(Counter(d["date"][:4] for d in sample).items())))
    print("months of 2018:", dict(sorted(Counter(d["date"][:7] for d in sample if d["date"] >= "2018").items())))


if __name__ == "__main__":
    main()
