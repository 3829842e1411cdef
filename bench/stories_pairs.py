"""Candidate near-duplicate pairs from the shared corpora, for judging by hand and scoring story grouping.

    python bench/stories_pairs.py mine  --out /tmp/pairs.jsonl      # candidates, stratified by Jaccard (seeded)
    python bench/stories_pairs.py show  --pairs /tmp/pairs.jsonl      # print each pair to read and judge
    python bench/stories_pairs.py score --labels docs/stories_labels.tsv  # P/R per shingle size, threshold

``mine`` finds the pairs whose 2-word shingle sets have Jaccard >= 0.2 with a MinHash LSH index
over the corpora (ANT multi-source, ANT JawharaFM, SaudiNewsNet sample; texts of 8 words or more,
titles undecorated as at ingest), samples up to ``--per-bin`` pairs from each 0.1-wide bin of that
Jaccard (reservoir sampling, seeded) and records the exact Jaccard of their k-word shingle sets, k = 1..5.
The labels file (committed) keeps only document numbers/URLs and the judgement, no text;
``score`` recomputes the Jaccards from the corpora.
Reads ../shared/data (ARCHIVE_SHARED_DATA overrides); nothing from it is written into the repository.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from datasketch import MinHash, MinHashLSH  # noqa: E402

from articles.stories.signature import title_undecorated  # noqa: E402
from articles.text import search_key  # noqa: E402

DATA = Path(os.environ.get("ARCHIVE_SHARED_DATA", ROOT.parent / "shared" / "data"))
FILES = (
    "ant/ant_multisource_v2.1.train.jsonl.gz",
    "ant/ant_jawharafm_v1.1.jsonl.gz",
    "saudinewsnet/saudinewsnet_sample5000.jsonl.gz",
)
KS = (1, 2, 3, 4, 5)


def corpus() -> dict[str, dict]:
    """id -> {source, date, title, body}; id is the docno (ANT) or the URL (SaudiNewsNet)."""
    docs = {}
    for name in FILES:
        with gzip.open(DATA / name, "rt", encoding="utf-8") as handle:
            for line in handle:
                obj = json.loads(line)
                key = obj.get("docno") or obj.get("url")
                body = obj.get("text") or obj.get("content") or ""
                docs[key] = {
                    "source": obj.get("source") or "",
                    "date": (obj.get("date") or obj.get("date_extracted") or "")[:10],
                    "title": obj.get("title") or "",
                    "body": body,
                }
    return docs


def tokens_of(doc: dict) -> list[str]:
    return f"{search_key(title_undecorated(doc['title']))} {search_key(doc['body'])}".split()


def shingle_set(tokens: list[str], k: int) -> set[str]:
    if len(tokens) <= k:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + k]) for i in range(len(tokens) - k + 1)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def jaccards(ta: list[str], tb: list[str]) -> dict[int, float]:
    return {k: round(jaccard(shingle_set(ta, k), shingle_set(tb, k)), 4) for k in KS}


def mine(args) -> None:
    docs = corpus()
    keys = list(docs)
    tokens = [tokens_of(docs[key]) for key in keys]
    bigrams = [shingle_set(toks, 2) for toks in tokens]
    lsh = MinHashLSH(threshold=0.2, num_perm=64)
    rng = random.Random(args.seed)
    # Reservoir sample per 0.1-wide bin of 2-shingle Jaccard: the candidate pairs can number millions.
    bins: dict[int, list] = defaultdict(list)
    seen: dict[int, int] = defaultdict(int)
    for i, grams in enumerate(bigrams):
        if len(tokens[i]) < 8:
            continue
        m = MinHash(num_perm=64, seed=1)
        m.update_batch([g.encode() for g in grams])
        for j in lsh.query(m):  # each pair once: queried before this document is inserted
            similarity = jaccard(bigrams[i], bigrams[j])
            if similarity < 0.2:
                continue
            b = min(int(similarity * 10), 9)
            seen[b] += 1
            if len(bins[b]) < args.per_bin:
                bins[b].append((j, i))
            elif (r := rng.randrange(seen[b])) < args.per_bin:
                bins[b][r] = (j, i)
        lsh.insert(i, m)
    with open(args.out, "w", encoding="utf-8") as out:
        for b in sorted(bins):
            print(f"bin {b / 10:.1f}: {seen[b]} pairs", file=sys.stderr)
            for j, i in bins[b]:
                pair = {"a": keys[j], "b": keys[i], "jaccard": jaccards(tokens[j], tokens[i]), "bin_size": seen[b]}
                out.write(json.dumps(pair, ensure_ascii=False) + "\n")


def show(args) -> None:
    docs = corpus()
    for n, line in enumerate(open(args.pairs, encoding="utf-8")):
        pair = json.loads(line)
        a, b = docs[pair["a"]], docs[pair["b"]]
        print(f"=== {n} {pair['a']} | {pair['b']} J={pair['jaccard']}")
        for doc in (a, b):
            print(f"  [{doc['source']} {doc['date']}] {doc['title']}")
            print(f"    {doc['body'][: args.chars].replace(chr(10), ' ')}")


def score(args) -> None:
    """Precision and recall of "same story iff Jaccard_k >= t" on the judged pairs, each pair weighted
    by its bin's size over the bin's sample size (the sample is stratified)."""
    docs = corpus()
    rows = []
    for line in open(args.labels, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        a, b, label, weight = line.rstrip("\n").split("\t")[:4]
        rows.append((jaccards(tokens_of(docs[a]), tokens_of(docs[b])), label == "same", float(weight)))
    print(f"{len(rows)} judged pairs, {sum(r[1] for r in rows)} same-story")
    print("k  t     precision  recall  (weighted)   precision recall (unweighted)")
    for k in KS:
        for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
            tp = sum(w for j, y, w in rows if y and j[k] >= t)
            fp = sum(w for j, y, w in rows if not y and j[k] >= t)
            fn = sum(w for j, y, w in rows if y and j[k] < t)
            utp = sum(1 for j, y, w in rows if y and j[k] >= t)
            ufp = sum(1 for j, y, w in rows if not y and j[k] >= t)
            ufn = sum(1 for j, y, w in rows if y and j[k] < t)
            p = tp / (tp + fp) if tp + fp else 1.0
            r = tp / (tp + fn) if tp + fn else 1.0
            up = utp / (utp + ufp) if utp + ufp else 1.0
            ur = utp / (utp + ufn) if utp + ufn else 1.0
            print(f"{k}  {t:.1f}   {p:.3f}      {r:.3f}                {up:.3f}     {ur:.3f}")
    # The rule as shipped: the pair shares an LSH band and the MinHash estimate reaches the threshold.
    from articles.stories import signature as sig

    shipped = []
    for line in open(args.labels, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        a, b, label, weight = line.rstrip("\n").split("\t")[:4]
        sa = sig.signature_compute(docs[a]["title"], docs[a]["body"])
        sb = sig.signature_compute(docs[b]["title"], docs[b]["body"])
        found = bool(set(sig.band_hashes(sa)) & set(sig.band_hashes(sb)))
        grouped = found and sig.similarity_estimate(sa.hashvalues, sb.hashvalues) >= sig.THRESHOLD
        shipped.append((grouped, label == "same", float(weight)))
    tp = sum(w for g, y, w in shipped if g and y)
    fp = sum(w for g, y, w in shipped if g and not y)
    fn = sum(w for g, y, w in shipped if not g and y)
    utp = sum(1 for g, y, w in shipped if g and y)
    ufp = sum(1 for g, y, w in shipped if g and not y)
    ufn = sum(1 for g, y, w in shipped if not g and y)
    print(
        f"shipped (k={sig.SHINGLE_SIZE}, {sig.NUM_PERM} permutations, {sig.BANDS}x{sig.ROWS} bands, "
        f"t={sig.THRESHOLD}): "
        f"weighted P={tp / (tp + fp):.3f} R={tp / (tp + fn):.3f}; unweighted P={utp / (utp + ufp):.3f} "
        f"R={utp / (utp + ufn):.3f} (TP {utp}, FP {ufp}, FN {ufn})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("mine")
    p.add_argument("--out", required=True)
    p.add_argument("--per-bin", type=int, default=15)
    p.add_argument("--seed", type=int, default=14)
    p = sub.add_parser("show")
    p.add_argument("--pairs", required=True)
    p.add_argument("--chars", type=int, default=400)
    p = sub.add_parser("score")
    p.add_argument("--labels", required=True)
    args = parser.parse_args()
    {"mine": mine, "show": show, "score": score}[args.command](args)


if __name__ == "__main__":
    main()
