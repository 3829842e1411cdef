"""Word clusters from unlabelled news: k-means over the SVD of a PPMI co-occurrence matrix.

Arabic has no capital letters, so distributional classes are the cheapest signal that a rare
word behaves like a name. One k-means run gives the finest level; coarser levels come from
agglomerating its centroids, so the levels nest like Brown-cluster prefixes.
Only the resulting ``word -> ids`` table is shipped; the corpora are read at build time only.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from articles.text import normalize

_WORD_RE = re.compile(r"\w+")
_DIGIT_RE = re.compile(r"\d")
LEVELS = (1024, 256, 64, 16)


def word_key(token: str) -> str:
    """Key a token is looked up by: normalised, digits folded so numbers share a class."""
    return _DIGIT_RE.sub("0", normalize(token))


def fold_digits(norm: str) -> str:
    """``word_key`` of an already normalised form."""
    return _DIGIT_RE.sub("0", norm)


def iter_texts(paths: Iterable[str | Path]) -> Iterator[str]:
    """Title and body of every record of JSONL(.gz) news files (ANT: text, SaudiNewsNet: content)."""
    for path in paths:
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                for field in ("title", "text", "content"):
                    value = rec.get(field)
                    if value:
                        yield value


def corpus_ids(paths: Iterable[str | Path], max_vocab: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Tokenise the corpora; return the vocabulary (frequency order) and the token id stream.

    Also returns each vocabulary word's corpus count (morphology features use them).
    Out-of-vocabulary tokens get id -1 and break no windows: they are skipped as contexts.
    Sentence/document boundaries are marked with -1 too.
    """
    docs: list[list[str]] = []
    counts: Counter[str] = Counter()
    for text in iter_texts(paths):
        toks = _WORD_RE.findall(_DIGIT_RE.sub("0", normalize(text)))
        docs.append(toks)
        counts.update(toks)
    top = [(w, c) for w, c in counts.most_common(max_vocab) if c >= 3]
    vocab = [w for w, _ in top]
    index = {w: i for i, w in enumerate(vocab)}
    stream: list[int] = []
    for toks in docs:
        stream.extend(index.get(t, -1) for t in toks)
        stream.append(-1)
    return vocab, np.asarray([c for _, c in top], dtype=np.int64), np.asarray(stream, dtype=np.int64)


def build_clusters(
    paths: Iterable[str | Path],
    max_vocab: int = 120_000,
    n_context: int = 10_000,
    window: int = 2,
    dim: int = 100,
    levels: tuple[int, ...] = LEVELS,
    seed: int = 13,
    log=print,
) -> dict[str, tuple[int, ...]]:
    from scipy import sparse
    from sklearn.cluster import AgglomerativeClustering, MiniBatchKMeans
    from sklearn.utils.extmath import randomized_svd

    vocab, counts, ids = corpus_ids(paths, max_vocab)
    log(f"clusters: {len(ids):,} tokens, vocab {len(vocab):,}")
    v = len(vocab)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    # Direction-aware contexts (left and right are separate columns): word order carries a lot
    # in Arabic (title before name, nisba adjective after it).
    for off in range(1, window + 1):
        a, b = ids[:-off], ids[off:]
        ok = (a >= 0) & (b >= 0) & (b < n_context)
        rows.append(a[ok])
        cols.append(b[ok] + (off - 1) * 2 * n_context)  # right context
        ok = (a >= 0) & (b >= 0) & (a < n_context)
        rows.append(b[ok])
        cols.append(a[ok] + ((off - 1) * 2 + 1) * n_context)  # left context
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    m = sparse.coo_matrix((np.ones(len(r), dtype=np.float64), (r, c)), shape=(v, 2 * window * n_context)).tocsr()
    m.sum_duplicates()
    # PPMI with context-distribution smoothing (alpha 0.75).
    total = m.sum()
    wsum = np.asarray(m.sum(axis=1)).ravel()
    csum = np.asarray(m.sum(axis=0)).ravel() ** 0.75
    csum /= csum.sum()
    m = m.tocoo()
    pmi = np.log(m.data * 1.0 / total) - np.log(wsum[m.row] / total) - np.log(csum[m.col])
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (m.row[keep], m.col[keep])), shape=m.shape)
    log(f"clusters: PPMI nnz {ppmi.nnz:,}")
    u, s, _ = randomized_svd(ppmi, n_components=dim, random_state=seed, n_iter=5)
    vecs = u * np.sqrt(s)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-9
    finest = levels[0]
    km = MiniBatchKMeans(n_clusters=finest, random_state=seed, batch_size=4096, n_init=3, max_iter=100)
    fine = km.fit_predict(vecs)
    labels = [fine]
    for k in levels[1:]:
        agg = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(km.cluster_centers_)
        labels.append(agg[fine])
    log("clusters: done")
    return {w: (int(counts[i]), *(int(lab[i]) for lab in labels)) for i, w in enumerate(vocab)}


def save_clusters(table: dict[str, tuple[int, ...]], path: str | Path) -> None:
    """One line per word, in corpus frequency order: ``word<TAB>count<TAB>id id id id``."""
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for w, (count, *ids) in table.items():
            fh.write(f"{w}\t{count}\t{' '.join(map(str, ids))}\n")


def load_clusters(path: str | Path) -> tuple[dict[str, tuple[str, ...]], dict[str, int]]:
    """``(clusters, counts)``: cluster ids as strings (they are only ever feature values)."""
    table: dict[str, tuple[str, ...]] = {}
    counts: dict[str, int] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            w, count, ids = line.rstrip("\n").split("\t")
            table[w] = tuple(ids.split())
            counts[w] = int(count)
    return table, counts
