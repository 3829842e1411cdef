"""Word classes from the FastText vectors of unlabelled news, for the CRF's ``embed`` feature group.

The PPMI clusters (``clusters.py``) see a word's immediate neighbours; the neural model's FastText
vectors (``neural_model/vectors.npz``: skip-gram with character n-grams over 11.3 M words of ANT and
SaudiNewsNet, no ANERcorp labels) group words by a wider context and by spelling, so a rare
organisation or place name falls into the class of its better-known kind. K-means on the unit
vectors at three granularities gives discrete ids a linear-chain CRF can weigh (cluster ids of
embeddings help a CRF more than the raw dimensions: Guo et al., EMNLP 2014).

Built once at training time (scikit-learn k-means, deterministic seed) and shipped as a
``word_key -> ids`` table; run time only reads the table.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import numpy as np

EMB_CLUSTERS_FILE = "embclusters.tsv.gz"
LEVELS = (1000, 250, 60)
DEFAULT_VECTORS_DIR = Path(__file__).resolve().parent / "neural_model"


def load_vectors(vectors_dir: Path) -> tuple[list[str], np.ndarray]:
    """``(words, unit vectors (n, d) float32)`` from a neural model directory (vocab.txt.gz, vectors.npz)."""
    with gzip.open(vectors_dir / "vocab.txt.gz", "rt", encoding="utf-8") as fh:
        words = fh.read().splitlines()
    data = np.load(vectors_dir / "vectors.npz")
    vec = data["q"].astype(np.float32) * data["scale"][:, None]
    if len(words) != len(vec):
        raise ValueError(f"{vectors_dir}: {len(words)} words but {len(vec)} vectors")
    norms = np.linalg.norm(vec, axis=1, keepdims=True)
    return words, vec / np.maximum(norms, 1e-8)


def build_emb_clusters(
    vectors_dir: Path = DEFAULT_VECTORS_DIR, levels: tuple[int, ...] = LEVELS, log: Callable[[str], None] = print
) -> dict[str, tuple[str, ...]]:
    """``word_key -> (id at levels[0], id at levels[1], ...)`` by k-means on the unit vectors.

    Words with an all-zero vector (none are shipped, but a rebuilt vocabulary might have them) get no entry.
    """
    from sklearn.cluster import MiniBatchKMeans

    words, vec = load_vectors(vectors_dir)
    keep = np.linalg.norm(vec, axis=1) > 0.5
    words = [w for w, k in zip(words, keep, strict=True) if k]
    vec = vec[keep]
    ids = []
    for k in levels:
        km = MiniBatchKMeans(n_clusters=k, random_state=0, batch_size=4096, n_init=1, max_iter=60)
        ids.append(km.fit_predict(vec))
        log(f"embedding k-means k={k} over {len(words)} words")
    return {w: tuple(str(int(col[i])) for col in ids) for i, w in enumerate(words)}


def save_emb_clusters(table: dict[str, tuple[str, ...]], path: Path) -> None:
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
        for w, ids in table.items():
            fh.write(w + "\t" + "\t".join(ids) + "\n")


def load_emb_clusters(path: Path) -> dict[str, tuple[str, ...]]:
    """The table written by ``save_emb_clusters``; ``{}`` when the file does not exist (older models)."""
    if not path.exists():
        return {}
    out: dict[str, tuple[str, ...]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            out[parts[0]] = tuple(parts[1:])
    return out
