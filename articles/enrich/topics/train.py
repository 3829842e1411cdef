"""Training, dev split and evaluation for :mod:`articles.enrich.topics.classifier`.

Pure module (no Django). sklearn is needed here only: the trained model is exported to plain
numpy arrays, so inference never imports it.

Records are dicts with ``title``, ``text`` and ``label`` (a topic slug). Any set of slugs works:
editors may add topics, and the archive retrains from editor-confirmed articles.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from articles.enrich.topics.classifier import (
    DEFAULT_PARAMS,
    TopicClassifier,
    doc_hashes,
    softmax,
    vectorize,
)
from articles.text import words

# ANT corpus category -> archive topic slug.
ANT_CATEGORY_TO_SLUG: dict[str, str] = {
    "internationalNews": "international",
    "middleEast": "middle-east",
    "economy": "economy",
    "sport": "sport",
    "technology": "technology",
    "culture": "culture",
}

DEFAULT_C = 0.2
# Threshold policy: the lowest confidence cut whose classified items reach this precision...
DEFAULT_TARGET_PRECISION = 0.95
# ...but never leave more than this share of articles unclassified.
DEFAULT_MIN_COVERAGE = 0.80
DEV_PER_CLASS = 300
NEAR_DUP_COSINE = 0.8


# -- data --------------------------------------------------------------------------------------


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield JSON objects from a ``.jsonl`` or ``.jsonl.gz`` file (blank lines skipped)."""
    p = Path(path)
    raw = gzip.open(p, "rb") if p.suffix == ".gz" else open(p, "rb")
    with raw, io.TextIOWrapper(raw, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def to_record(obj: dict[str, Any]) -> dict[str, Any] | None:
    """A training record from an ANT line or an already-labelled record; None when unlabelled.

    ANT lines carry ``category`` (mapped to a slug); other files may carry ``label``/``topic``
    directly, in which case the slug is taken as is (new editor topics pass through).
    """
    label = obj.get("label") or obj.get("topic")
    if not label and obj.get("category"):
        label = ANT_CATEGORY_TO_SLUG.get(obj["category"], obj["category"])
    if not label:
        return None
    return {
        "id": obj.get("docno") or obj.get("id"),
        "title": obj.get("title") or "",
        "text": obj.get("text") or obj.get("body") or "",
        "label": str(label),
    }


def load_records(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    out = []
    for path in paths:
        for obj in read_jsonl(path):
            rec = to_record(obj)
            if rec is not None:
                out.append(rec)
    return out


def _stable_hash(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8")).hexdigest()


def dev_split(records: Sequence[dict[str, Any]], per_class: int = DEV_PER_CLASS) -> tuple[list[int], list[int]]:
    """Deterministic balanced dev split: per label, the ``per_class`` records with the lowest
    sha1 of their id (or title+text when there is no id). Returns (train indices, dev indices)."""
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, rec in enumerate(records):
        by_label[rec["label"]].append(i)
    dev: set[int] = set()
    for ids in by_label.values():
        ordered = sorted(
            ids, key=lambda i: _stable_hash(str(records[i].get("id") or records[i]["title"] + records[i]["text"]))
        )
        dev.update(ordered[:per_class])
    train = [i for i in range(len(records)) if i not in dev]
    return train, sorted(dev)


def near_duplicates(
    records: Sequence[dict[str, Any]], left: Sequence[int], right: Sequence[int], cosine: float = NEAR_DUP_COSINE
) -> set[int]:
    """Indices in ``left`` whose normalised-word TF-IDF cosine to some item of ``right`` is
    >= ``cosine``. News corpora repost the same wire story (even under two categories), and a
    dev item whose twin is in training would flatter the dev score."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [words(r["title"]) + words(r["text"]) for r in records]
    vec = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True)
    matrix = vec.fit_transform(docs)
    left_m, right_m = matrix[list(left)], matrix[list(right)]
    hits: set[int] = set()
    for start in range(0, left_m.shape[0], 2000):
        sims = (left_m[start : start + 2000] @ right_m.T).tocsr()
        rows = np.unique(sims.multiply(sims >= cosine).nonzero()[0])
        hits.update(left[start + r] for r in rows)
    return hits


# -- training ----------------------------------------------------------------------------------


@dataclass
class _Hashed:
    words: list[np.ndarray]
    chars: list[np.ndarray]


def _hash_all(records: Sequence[dict[str, Any]], params: dict[str, Any]) -> _Hashed:
    w, c = [], []
    for rec in records:
        wh, ch = doc_hashes(rec["title"], rec["text"], params)
        w.append(wh)
        c.append(ch)
    return _Hashed(w, c)


def _fit_vocab(hashed: _Hashed, min_df: int) -> tuple[np.ndarray, np.ndarray]:
    """Keys with document frequency >= min_df, sorted, and their smoothed idf (as sklearn)."""
    n_docs = len(hashed.words)
    per_doc = [np.unique(np.concatenate([w, c])) for w, c in zip(hashed.words, hashed.chars)]
    uniq, df = np.unique(np.concatenate(per_doc) if per_doc else np.zeros(0, np.uint64), return_counts=True)
    keep = df >= min_df
    keys = uniq[keep]
    idf = (np.log((1.0 + n_docs) / (1.0 + df[keep])) + 1.0).astype(np.float32)
    return keys, idf


def _matrix(
    records: Sequence[dict[str, Any]], params: dict[str, Any], keys: np.ndarray, idf: np.ndarray
) -> sp.csr_matrix:
    indptr, indices, data = [0], [], []
    for rec in records:
        rows, vals = vectorize(rec["title"], rec["text"], params, keys, idf)
        indices.append(rows)
        data.append(vals)
        indptr.append(indptr[-1] + rows.size)
    return sp.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int64),
            np.asarray(indptr),
        ),
        shape=(len(records), keys.size),
        dtype=np.float32,
    )


def _fit_linear(x: sp.csr_matrix, y: Sequence[str], labels: list[str], c: float) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest linear SVM with balanced class weights (the archive's topics are skewed:
    culture is ~3% of ANT), returning (coef [n_features, n_labels], intercept)."""
    from sklearn.svm import LinearSVC

    model = LinearSVC(C=c, class_weight="balanced", max_iter=5000)
    model.fit(x, list(y))
    order = [list(model.classes_).index(lab) for lab in labels]
    coef = model.coef_
    intercept = model.intercept_
    if len(labels) == 2:
        # sklearn keeps one row for binary problems: scores for (negative, positive) = (-s, s).
        coef = np.vstack([-coef[0], coef[0]])
        intercept = np.array([-intercept[0], intercept[0]])
    return coef[order].T.astype(np.float32), intercept[order].astype(np.float32)


def fit_temperature(scores: np.ndarray, y_idx: np.ndarray) -> float:
    """Softmax temperature maximising held-out log-likelihood (golden-section search on log T)."""
    if scores.shape[0] == 0:
        return 1.0

    def nll(log_t: float) -> float:
        p = softmax(scores * math.exp(log_t))
        return float(-np.log(np.clip(p[np.arange(len(y_idx)), y_idx], 1e-12, None)).mean())

    lo, hi = math.log(0.05), math.log(200.0)
    g = (math.sqrt(5) - 1) / 2
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = nll(a), nll(b)
    for _ in range(60):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = nll(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = nll(b)
    return float(math.exp((lo + hi) / 2))


def choose_threshold(
    confidence: np.ndarray,
    correct: np.ndarray,
    target_precision: float = DEFAULT_TARGET_PRECISION,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
) -> float:
    """The lowest confidence cut at which the classified articles reach ``target_precision``;
    if that would leave less than ``min_coverage`` classified, the cut that keeps exactly
    ``min_coverage``. Returns 0.0 when everything already meets the target."""
    if confidence.size == 0:
        return 0.0
    order = np.argsort(-confidence, kind="stable")
    conf_sorted = confidence[order]
    prec = np.cumsum(correct[order]) / np.arange(1, confidence.size + 1)
    max_k = confidence.size
    min_k = int(math.ceil(min_coverage * confidence.size))
    # Largest k (most coverage) whose top-k precision reaches the target.
    ok = np.nonzero(prec >= target_precision)[0]
    k = int(ok.max()) + 1 if ok.size else 0
    k = max(k, min_k)
    if k >= max_k:
        return 0.0
    return float(conf_sorted[k - 1])


def train(
    records: Iterable[dict[str, Any]],
    *,
    params: dict[str, Any] | None = None,
    c: float = DEFAULT_C,
    min_df: int | None = None,
    calibration: Sequence[dict[str, Any]] | None = None,
    cv_folds: int = 3,
    target_precision: float = DEFAULT_TARGET_PRECISION,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    meta: dict[str, Any] | None = None,
) -> TopicClassifier:
    """Train a :class:`TopicClassifier` on records with ``title``, ``text`` and ``label``.

    Confidence calibration (softmax temperature) and the unclassified threshold come from
    ``calibration`` records when given, otherwise from ``cv_folds``-fold out-of-fold scores on
    the training data (skipped when a label has fewer than ``cv_folds`` examples or
    ``cv_folds < 2``: then temperature 1 and threshold 0).
    """
    recs = [r for r in records if r.get("label")]
    labels = sorted({r["label"] for r in recs})
    if len(labels) < 2:
        raise ValueError(f"need at least two topics to train, got {labels}")
    params = {**DEFAULT_PARAMS, **(params or {})}
    # On small (editor-sized) sets a feature seen once is still worth keeping.
    min_df = min_df if min_df is not None else (2 if len(recs) >= 1000 else 1)
    y = [r["label"] for r in recs]

    hashed = _hash_all(recs, params)
    keys, idf = _fit_vocab(hashed, min_df)
    x = _matrix(recs, params, keys, idf)
    coef, intercept = _fit_linear(x, y, labels, c)
    model = TopicClassifier(labels=labels, keys=keys, idf=idf, coef=coef, intercept=intercept, params=params)

    # Held-out scores for calibration.
    cal_scores: np.ndarray | None = None
    cal_y: np.ndarray | None = None
    source = "none"
    if calibration:
        known = [r for r in calibration if r["label"] in labels]
        cal_scores = model.decision_function((r["title"], r["text"]) for r in known)
        cal_y = np.array([labels.index(r["label"]) for r in known])
        source = "calibration set"
    elif cv_folds >= 2 and min(Counter(y).values()) >= cv_folds:
        cal_scores, cal_y = _oof_scores(recs, labels, params, c, min_df, cv_folds)
        source = f"{cv_folds}-fold out-of-fold"
    if cal_scores is not None and cal_y is not None and cal_y.size:
        model.temperature = fit_temperature(cal_scores, cal_y)
        proba = softmax(cal_scores * model.temperature)
        model.threshold = choose_threshold(
            proba.max(axis=1), proba.argmax(axis=1) == cal_y, target_precision, min_coverage
        )
    counts = Counter(y)
    model.meta = {
        "trained_on": len(recs),
        "label_counts": dict(sorted(counts.items())),
        "n_features": int(keys.size),
        "c": c,
        "min_df": min_df,
        "calibration": source,
        "target_precision": target_precision,
        "min_coverage": min_coverage,
        **(meta or {}),
    }
    return model


def _oof_scores(
    recs: Sequence[dict[str, Any]], labels: list[str], params: dict[str, Any], c: float, min_df: int, folds: int
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold linear scores. Exact duplicates (same normalised text) share a fold so that a
    reposted story does not make the calibration over-confident."""
    group = [int(_stable_hash(" ".join(words(r["title"] + " " + r["text"])))[:8], 16) % folds for r in recs]
    scores = np.zeros((len(recs), len(labels)), dtype=np.float32)
    for k in range(folds):
        tr = [r for r, g in zip(recs, group) if g != k]
        te_idx = [i for i, g in enumerate(group) if g == k]
        if len({r["label"] for r in tr}) < 2 or not te_idx:
            continue
        sub = train(tr, params=params, c=c, min_df=min_df, cv_folds=0)
        sub_scores = sub.decision_function((recs[i]["title"], recs[i]["text"]) for i in te_idx)
        for j, lab in enumerate(sub.labels):
            scores[te_idx, labels.index(lab)] = sub_scores[:, j]
        missing = [labels.index(lab) for lab in labels if lab not in sub.labels]
        if missing:
            # A label absent from this fold's training part can never be predicted there.
            scores[np.ix_(te_idx, missing)] = -1e3
    return scores, np.array([labels.index(r["label"]) for r in recs])


# -- evaluation --------------------------------------------------------------------------------


def evaluate(model: TopicClassifier, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy, per-topic P/R/F1, macro-F1, confusion matrix and threshold coverage.

    Predictions ignore the threshold (every article gets its best topic) so the figures compare
    with the usual top-1 metrics; coverage/precision at the model's threshold are reported
    separately. Gold labels the model does not know count as errors.
    """
    items = [(r["title"], r["text"]) for r in records]
    gold = [r["label"] for r in records]
    proba = model.predict_proba(items)
    pred = [model.labels[i] for i in proba.argmax(axis=1)] if len(items) else []
    conf = proba.max(axis=1) if len(items) else np.zeros(0)
    labels = sorted(set(model.labels) | set(gold))
    index = {lab: i for i, lab in enumerate(labels)}
    cm = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for g, p in zip(gold, pred):
        cm[index[g], index[p]] += 1
    per: dict[str, dict[str, float]] = {}
    for lab, i in index.items():
        tp = cm[i, i]
        prec = tp / cm[:, i].sum() if cm[:, i].sum() else 0.0
        rec = tp / cm[i].sum() if cm[i].sum() else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[lab] = {"precision": float(prec), "recall": float(rec), "f1": float(f1), "support": int(cm[i].sum())}
    present = [lab for lab in labels if per[lab]["support"] > 0]
    correct = np.array([g == p for g, p in zip(gold, pred)], dtype=bool)
    covered = conf >= model.threshold
    return {
        "n": len(records),
        "labels": labels,
        "accuracy": float(correct.mean()) if correct.size else 0.0,
        "per_topic": per,
        "macro_f1": float(np.mean([per[lab]["f1"] for lab in present])) if present else 0.0,
        "confusion": cm.tolist(),
        "threshold": model.threshold,
        "coverage": float(covered.mean()) if covered.size else 0.0,
        "precision_at_threshold": float(correct[covered].mean()) if covered.any() else 0.0,
    }


def format_report(result: dict[str, Any]) -> str:
    """Human-readable report; the LAST line is exactly ``macro-F1 0.xxxx`` (scripts grep it)."""
    labels = result["labels"]
    width = max([len(lab) for lab in labels] + [8])
    lines = [f"articles {result['n']}", f"accuracy {result['accuracy']:.4f}", ""]
    lines.append(f"{'topic':<{width}}  precision  recall  f1      support")
    for lab in labels:
        m = result["per_topic"][lab]
        lines.append(f"{lab:<{width}}  {m['precision']:.4f}     {m['recall']:.4f}  {m['f1']:.4f}  {m['support']}")
    lines += ["", "confusion matrix (rows = gold, columns = predicted)"]
    short = [lab[:6] for lab in labels]
    lines.append(" " * width + "  " + " ".join(f"{s:>6}" for s in short))
    for lab, row in zip(labels, result["confusion"]):
        lines.append(f"{lab:<{width}}  " + " ".join(f"{v:>6}" for v in row))
    lines += [
        "",
        f"threshold {result['threshold']:.4f}: coverage {result['coverage']:.4f}, "
        f"precision of classified {result['precision_at_threshold']:.4f}",
        f"macro-F1 {result['macro_f1']:.4f}",
    ]
    return "\n".join(lines)
