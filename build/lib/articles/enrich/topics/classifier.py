"""Topic classifier: hashed word + character n-gram TF-IDF with a linear model, numpy-only inference.

Pure module (no Django, no sklearn at inference). The model is a handful of numpy arrays in one
``.npz`` plus a small JSON metadata file, so it loads fast, serialises compactly and does not
depend on sklearn's pickled internals:

* ``keys``   sorted uint64 feature hashes kept at training time (the vocabulary, without strings);
* ``idf``    float32 inverse document frequency per key;
* ``coef``   float16 weight matrix, one row per key and one column per label;
* ``intercept`` float32 per label.

Features (all computed on :func:`articles.text.words`, i.e. normalised text, so spelling variants
meet):

* words with the common proclitics stripped (و ف ب ل ك + ال), body and title in separate
  namespaces, so a title word counts as its own, stronger feature;
* character n-grams (2-5) inside word boundaries, like sklearn's ``char_wb``, over the title and
  the start of the body; they catch stems and place-name morphology (مصري/مصريه/بمصر) without a
  stemmer.

Hashing means no vocabulary strings need storing; only hashes seen in training (df >= min_df)
are kept, so collisions are negligible and the model stays small.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from articles.text import words

FORMAT_VERSION = 1
MODEL_FILE = "model.npz"
META_FILE = "meta.json"
# The shipped model lives next to this module.
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "model"

DEFAULT_PARAMS: dict[str, Any] = {
    "char_min_n": 2,
    "char_max_n": 5,
    # Leads carry the topic; the tail of long articles adds cost more than signal.
    "char_max_chars": 1500,
    # Raw body characters read at all: normalisation is the main per-article cost, and topic
    # words concentrate in the lead.
    "body_max_chars": 3000,
    # Relative weight of the character block against the word block (each is l2-normalised).
    "char_weight": 1.0,
    "word_weight": 1.0,
    "title_prefix": True,
}

# Longest first, so "وال" wins over "و". Stripping only when >= 2 letters remain keeps short
# words such as "بل" or "لم" intact.
_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال", "و", "ف", "ب", "ل")
_MIN_STEM = 2

# Namespaces live in the top bits of the 64-bit key, so the blocks never collide.
_NS_BODY = np.uint64(1 << 60)
_NS_TITLE = np.uint64(2 << 60)
_NS_CHAR = np.uint64(3 << 60)
_LOW_MASK = np.uint64((1 << 60) - 1)
_CHAR_MUL = np.uint64(0x100000001B3)  # FNV prime: odd, good spread of low bits
_MIX = np.uint64(0x9E3779B97F4A7C15)  # golden-ratio constant: final avalanche step
_SPACE = 32


@lru_cache(maxsize=200_000)
def strip_clitics(token: str) -> str:
    """Drop one leading conjunction/preposition/article cluster (وال, بال, لل, ال, و, ...)."""
    for prefix in _PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= _MIN_STEM:
            return token[len(prefix) :]
    return token


@lru_cache(maxsize=200_000)
def _stem_hash(token: str) -> int:
    """Hash of the clitic-stripped token (one cached call per word keeps featurising cheap).

    crc32 is stable across processes, unlike the salted ``str.__hash__``."""
    return zlib.crc32(strip_clitics(token).encode("utf-8"))


def _char_hashes(text: str, min_n: int, max_n: int) -> np.ndarray:
    """Hashes of the character n-grams of ``text`` that do not span a word boundary.

    ``text`` is space-separated words; like sklearn's ``char_wb`` an n-gram may start or end on
    the padding space but never contain one inside. Vectorised: a polynomial rolling hash over
    the code points, so the cost is a few numpy calls per n rather than a Python loop per n-gram.
    """
    codes = np.frombuffer((" " + text + " ").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    length = codes.shape[0]
    space = (codes == _SPACE).astype(np.int32)
    cum = np.concatenate(([0], np.cumsum(space)))
    out = []
    h = codes.copy()
    for n in range(2, max_n + 1):
        if length < n:
            break
        # h[i] now covers codes[i : i + n].
        h = h[: length - n + 1] * _CHAR_MUL + codes[n - 1 :]
        if n < min_n:
            continue
        starts = np.arange(length - n + 1)
        # Spaces strictly inside the n-gram (positions 1 .. n-2).
        inner = cum[starts + n - 1] - cum[starts + 1]
        keep = inner == 0
        if n == 2:
            keep &= ~((space[:-1] == 1) & (space[1:] == 1))
        mixed = (h[keep] ^ np.uint64(n)) * _MIX
        out.append((mixed >> np.uint64(4)) & _LOW_MASK | _NS_CHAR)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.uint64)


def doc_hashes(title: str, text: str, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The hashed features of one article: (word-block keys, char-block keys), with repeats."""
    title_words = words(title or "")
    body_words = words((text or "")[: params["body_max_chars"]])
    word_arr = np.fromiter(map(_stem_hash, body_words), dtype=np.uint64, count=len(body_words)) | _NS_BODY
    title_ns = _NS_TITLE if params.get("title_prefix", True) else _NS_BODY
    title_arr = np.fromiter(map(_stem_hash, title_words), dtype=np.uint64, count=len(title_words)) | title_ns
    # Title first (counted twice) so truncation never cuts it and it weighs more.
    title_str = " ".join(title_words)
    char_text = (title_str + " " + title_str + " " + " ".join(body_words))[: params["char_max_chars"]]
    chars = _char_hashes(char_text, params["char_min_n"], params["char_max_n"])
    return np.concatenate([word_arr, title_arr]), chars


def vectorize(
    title: str, text: str, params: dict[str, Any], keys: np.ndarray, idf: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Sparse feature vector of one article: (row indices into ``keys``, float32 values).

    Sublinear tf x idf, restricted to known keys, each block (words, characters) l2-normalised
    on its own and then weighted, so long texts do not let one block drown the other.
    """
    word_h, char_h = doc_hashes(title, text, params)
    return vectorize_hashes(np.concatenate([word_h, char_h]), params, keys, idf)


def vectorize_hashes(
    hashes: np.ndarray, params: dict[str, Any], keys: np.ndarray, idf: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`vectorize` from precomputed hashes (training reuses them across folds)."""
    if hashes.size == 0 or keys.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    # One unique + one searchsorted per article: numpy call overhead dominates at this size.
    uniq, counts = np.unique(hashes, return_counts=True)
    pos = np.searchsorted(keys, uniq)
    pos[pos >= keys.size] = 0
    known = keys[pos] == uniq
    rows = pos[known]
    vals = (1.0 + np.log(counts[known].astype(np.float32))) * idf[rows]
    is_char = (uniq[known] >= _NS_CHAR).astype(np.int64)
    sq = np.bincount(is_char, weights=vals * vals, minlength=2)
    norms = np.sqrt(sq)
    norms[norms == 0] = 1.0
    weight = np.array([params["word_weight"], params["char_weight"]], dtype=np.float64) / norms
    return rows, (vals * weight[is_char]).astype(np.float32)


def softmax(scores: np.ndarray) -> np.ndarray:
    z = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass
class TopicClassifier:
    """A trained topic model. ``predict`` returns ``(slug, confidence)``; ``slug`` is ``None``
    when the confidence is below ``threshold`` (the article is left unclassified)."""

    labels: list[str]
    keys: np.ndarray
    idf: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    params: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PARAMS))
    # Softmax temperature applied to the linear scores to turn them into probabilities;
    # fitted on held-out data by the trainer (1.0 means uncalibrated).
    temperature: float = 1.0
    threshold: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.keys = np.asarray(self.keys, dtype=np.uint64)
        self.idf = np.asarray(self.idf, dtype=np.float32)
        # float32 at run time: float16 is only the storage format.
        self.coef = np.asarray(self.coef, dtype=np.float32)
        self.intercept = np.asarray(self.intercept, dtype=np.float32)

    # -- inference ---------------------------------------------------------------------------

    def decision_function(self, items: Iterable[tuple[str, str]]) -> np.ndarray:
        """Raw linear scores, shape (n_articles, n_labels)."""
        indptr, indices, data = [0], [], []
        for title, text in items:
            rows, vals = vectorize(title, text, self.params, self.keys, self.idf)
            indices.append(rows)
            data.append(vals)
            indptr.append(indptr[-1] + rows.size)
        if len(indptr) == 1:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        # One sparse x dense product for the whole batch instead of a gather per article.
        batch = sp.csr_matrix(
            (np.concatenate(data), np.concatenate(indices), np.asarray(indptr)),
            shape=(len(indptr) - 1, self.keys.size),
        )
        return np.asarray(batch @ self.coef, dtype=np.float32) + self.intercept

    def predict_proba(self, items: Iterable[tuple[str, str]]) -> np.ndarray:
        return softmax(self.decision_function(items) * self.temperature)

    def predict_many(
        self, items: Iterable[tuple[str, str]], *, threshold: float | None = None
    ) -> list[tuple[str | None, float]]:
        """Batched ``predict``: ``items`` are (title, text) pairs."""
        limit = self.threshold if threshold is None else threshold
        proba = self.predict_proba(items)
        out: list[tuple[str | None, float]] = []
        for row in proba:
            best = int(row.argmax())
            conf = float(row[best])
            out.append((self.labels[best] if conf >= limit else None, conf))
        return out

    def predict(self, title: str, text: str, *, threshold: float | None = None) -> tuple[str | None, float]:
        return self.predict_many([(title, text)], threshold=threshold)[0]

    def predict_label(self, items: Sequence[tuple[str, str]]) -> list[str]:
        """Best label for each item, ignoring the threshold (for evaluation)."""
        scores = self.decision_function(items)
        return [self.labels[i] for i in scores.argmax(axis=1)]

    # -- persistence -------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write ``model.npz`` + ``meta.json`` into the directory ``path``."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            out / MODEL_FILE,
            keys=self.keys,
            idf=self.idf.astype(np.float16),
            coef=self.coef.astype(np.float16),
            intercept=self.intercept.astype(np.float32),
        )
        meta = {
            "format_version": FORMAT_VERSION,
            "labels": self.labels,
            "params": self.params,
            "temperature": self.temperature,
            "threshold": self.threshold,
            **{k: v for k, v in self.meta.items() if k not in {"labels", "params", "temperature", "threshold"}},
        }
        (out / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return out

    @classmethod
    def load(cls, path: str | Path | None = None) -> TopicClassifier:
        """Load a model directory (cached per process and path; pass ``None`` for the shipped one)."""
        resolved = Path(path or DEFAULT_MODEL_DIR).resolve()
        return _load_cached(str(resolved))

    @classmethod
    def _read(cls, path: Path) -> TopicClassifier:
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"unsupported topic model format {meta.get('format_version')!r} in {path}")
        with np.load(path / MODEL_FILE) as arrays:
            model = cls(
                labels=list(meta["labels"]),
                keys=arrays["keys"],
                idf=arrays["idf"],
                coef=arrays["coef"],
                intercept=arrays["intercept"],
                params={**DEFAULT_PARAMS, **meta.get("params", {})},
                temperature=float(meta.get("temperature", 1.0)),
                threshold=float(meta.get("threshold", 0.0)),
                meta={k: v for k, v in meta.items() if k not in {"labels", "params", "temperature", "threshold"}},
            )
        if model.coef.shape != (model.keys.size, len(model.labels)) or not math.isfinite(model.temperature):
            raise ValueError(f"corrupt topic model in {path}")
        return model


@lru_cache(maxsize=8)
def _load_cached(path: str) -> TopicClassifier:
    return TopicClassifier._read(Path(path))


def clear_cache() -> None:
    """Forget loaded models (after retraining into the same directory)."""
    _load_cached.cache_clear()
