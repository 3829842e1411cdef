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
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from articles.enrich.topics.categories import ANT_CATEGORY_TO_SLUG
from articles.enrich.topics.classifier import (
    DEFAULT_PARAMS,
    TopicClassifier,
    doc_hashes,
    softmax,
    vectorize_hashes,
)
from articles.text import words

DEFAULT_C = 0.1
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
    return hashlib.sha1(value.encode("utf-8"), usedforsecurity=False).hexdigest()


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


def _hash_all(records: Sequence[dict[str, Any]], params: dict[str, Any]) -> list[np.ndarray]:
    """Feature hashes of every record, computed once and shared by all folds."""
    return [np.concatenate(doc_hashes(r["title"], r["text"], params)) for r in records]


def _fit_vocab(hashed: Sequence[np.ndarray], min_df: int) -> tuple[np.ndarray, np.ndarray]:
    """Keys with document frequency >= min_df, sorted, and their smoothed idf (as sklearn)."""
    n_docs = len(hashed)
    per_doc = [np.unique(h) for h in hashed]
    uniq, df = np.unique(np.concatenate(per_doc) if per_doc else np.zeros(0, np.uint64), return_counts=True)
    keep = df >= min_df
    keys = uniq[keep]
    idf = (np.log((1.0 + n_docs) / (1.0 + df[keep])) + 1.0).astype(np.float32)
    return keys, idf


def _matrix(hashed: Sequence[np.ndarray], params: dict[str, Any], keys: np.ndarray, idf: np.ndarray) -> sp.csr_matrix:
    indptr, indices, data = [0], [np.zeros(0, np.int64)], [np.zeros(0, np.float32)]
    for h in hashed:
        rows, vals = vectorize_hashes(h, params, keys, idf)
        indices.append(rows)
        data.append(vals)
        indptr.append(indptr[-1] + rows.size)
    return sp.csr_matrix(
        (np.concatenate(data), np.concatenate(indices), np.asarray(indptr)),
        shape=(len(hashed), keys.size),
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


def _fit_model(
    hashed: Sequence[np.ndarray], y: Sequence[str], labels: list[str], params: dict[str, Any], c: float, min_df: int
) -> TopicClassifier:
    keys, idf = _fit_vocab(hashed, min_df)
    coef, intercept = _fit_linear(_matrix(hashed, params, keys, idf), y, labels, c)
    return TopicClassifier(labels=labels, keys=keys, idf=idf, coef=coef, intercept=intercept, params=params)


def _scores(model: TopicClassifier, hashed: Sequence[np.ndarray]) -> np.ndarray:
    x = _matrix(hashed, model.params, model.keys, model.idf)
    return np.asarray(x @ model.coef, dtype=np.float32) + model.intercept


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


def _balanced_macro_f1(pred: np.ndarray, y_idx: np.ndarray, n_labels: int) -> float:
    """Macro-F1 with every gold class reweighted to equal mass, i.e. as on a balanced test set."""
    counts = np.bincount(y_idx, minlength=n_labels).astype(np.float64)
    w = 1.0 / np.maximum(counts, 1.0)
    cm = np.zeros((n_labels, n_labels))
    np.add.at(cm, (y_idx, pred), w[y_idx])
    tp = np.diag(cm)
    prec = np.divide(tp, cm.sum(axis=0), out=np.zeros(n_labels), where=cm.sum(axis=0) > 0)
    rec = np.divide(tp, cm.sum(axis=1), out=np.zeros(n_labels), where=cm.sum(axis=1) > 0)
    f1 = np.divide(2 * prec * rec, prec + rec, out=np.zeros(n_labels), where=(prec + rec) > 0)
    return float(f1[counts > 0].mean())


def fit_offsets(scores: np.ndarray, y_idx: np.ndarray, *, span: float = 0.6, rounds: int = 3) -> np.ndarray:
    """Per-topic score offsets maximising class-balanced macro-F1 of held-out scores.

    Balanced class weights in the SVM only partly undo the skew: a rare topic (culture) still
    loses borderline articles to the catch-all "international". Coordinate ascent on a grid,
    on out-of-fold scores of the whole training set (tens of thousands of articles, so the
    few offsets are not fitted to noise).
    """
    n_labels = scores.shape[1]
    offsets = np.zeros(n_labels, dtype=np.float32)
    grid = np.linspace(-span, span, 25)
    best = _balanced_macro_f1((scores + offsets).argmax(axis=1), y_idx, n_labels)
    for _ in range(rounds):
        changed = False
        for j in range(n_labels):
            for value in grid:
                trial = offsets.copy()
                trial[j] = value
                f = _balanced_macro_f1((scores + trial).argmax(axis=1), y_idx, n_labels)
                if f > best + 1e-6:
                    best, offsets, changed = f, trial, True
        if not changed:
            break
    return offsets - offsets.mean()


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
    min_k = math.ceil(min_coverage * confidence.size)
    # Largest k (most coverage) whose top-k precision reaches the target.
    ok = np.nonzero(prec >= target_precision)[0]
    k = max(int(ok.max()) + 1 if ok.size else 0, min_k)
    if k >= confidence.size:
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
    balance_offsets: bool = True,
    target_precision: float = DEFAULT_TARGET_PRECISION,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    meta: dict[str, Any] | None = None,
    log: Any = None,
) -> TopicClassifier:
    """Train a :class:`TopicClassifier` on records with ``title``, ``text`` and ``label``.

    Any label set works (at least two labels). Held-out scores -- from ``calibration`` records
    when given, otherwise ``cv_folds``-fold out-of-fold scores on the training data -- set the
    per-topic prior offsets (``balance_offsets``), the softmax temperature and the
    unclassified threshold. Calibration is skipped (offsets 0, temperature 1, threshold 0)
    when a label has fewer than ``cv_folds`` examples or ``cv_folds < 2``.
    """
    say = log or (lambda _msg: None)
    recs = [r for r in records if r.get("label")]
    labels = sorted({r["label"] for r in recs})
    if len(labels) < 2:
        raise ValueError(f"need at least two topics to train, got {labels}")
    params = {**DEFAULT_PARAMS, **(params or {})}
    # On small (editor-sized) sets a feature seen once is still worth keeping.
    min_df = min_df if min_df is not None else (2 if len(recs) >= 1000 else 1)
    y = [r["label"] for r in recs]
    y_idx = np.array([labels.index(lab) for lab in y])

    say(f"hashing {len(recs)} articles")
    hashed = _hash_all(recs, params)
    say(f"fitting on {len(recs)} articles, {len(labels)} topics")
    model = _fit_model(hashed, y, labels, params, c, min_df)

    cal_scores: np.ndarray | None = None
    cal_y: np.ndarray | None = None
    source = "none"
    if calibration:
        known = [r for r in calibration if r["label"] in labels]
        cal_scores = _scores(model, _hash_all(known, params))
        cal_y = np.array([labels.index(r["label"]) for r in known])
        source = f"calibration set ({len(known)} articles)"
    elif cv_folds >= 2 and min(Counter(y).values()) >= cv_folds:
        say(f"{cv_folds}-fold out-of-fold scores for calibration")
        cal_scores = _oof_scores(recs, hashed, y_idx, labels, params, c, min_df, cv_folds)
        cal_y = y_idx
        source = f"{cv_folds}-fold out-of-fold"
    offsets = np.zeros(len(labels), dtype=np.float32)
    if cal_scores is not None and cal_y is not None and cal_y.size:
        if balance_offsets:
            offsets = fit_offsets(cal_scores, cal_y)
            model.intercept = model.intercept + offsets
            cal_scores = cal_scores + offsets
        model.temperature = fit_temperature(cal_scores, cal_y)
        proba = softmax(cal_scores * model.temperature)
        model.threshold = choose_threshold(
            proba.max(axis=1), proba.argmax(axis=1) == cal_y, target_precision, min_coverage
        )
    model.meta = {
        "trained_on": len(recs),
        "label_counts": dict(sorted(Counter(y).items())),
        "n_features": int(model.keys.size),
        "c": c,
        "min_df": min_df,
        "calibration": source,
        "prior_offsets": {lab: round(float(o), 4) for lab, o in zip(labels, offsets, strict=True)},
        "target_precision": target_precision,
        "min_coverage": min_coverage,
        **(meta or {}),
    }
    return model


def _oof_scores(
    recs: Sequence[dict[str, Any]],
    hashed: Sequence[np.ndarray],
    y_idx: np.ndarray,
    labels: list[str],
    params: dict[str, Any],
    c: float,
    min_df: int,
    folds: int,
) -> np.ndarray:
    """Out-of-fold linear scores. Exact duplicates (same normalised text) share a fold so that a
    reposted story does not make the calibration over-confident."""
    group = np.array([int(_stable_hash(" ".join(words(r["title"] + " " + r["text"])))[:8], 16) % folds for r in recs])
    scores = np.zeros((len(recs), len(labels)), dtype=np.float32)
    for k in range(folds):
        tr = np.nonzero(group != k)[0]
        te = np.nonzero(group == k)[0]
        present = sorted({int(i) for i in y_idx[tr]})
        if len(present) < 2 or te.size == 0:
            continue
        sub_labels = [labels[i] for i in present]
        sub = _fit_model([hashed[i] for i in tr], [labels[i] for i in y_idx[tr]], sub_labels, params, c, min_df)
        sub_scores = _scores(sub, [hashed[i] for i in te])
        # A label absent from this fold's training part can never be predicted there.
        scores[te] = -1e3
        for j, lab_i in enumerate(present):
            scores[te, lab_i] = sub_scores[:, j]
    return scores


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
    for g, p in zip(gold, pred, strict=True):
        cm[index[g], index[p]] += 1
    per: dict[str, dict[str, float]] = {}
    for lab, i in index.items():
        tp = cm[i, i]
        prec = tp / cm[:, i].sum() if cm[:, i].sum() else 0.0
        rec = tp / cm[i].sum() if cm[i].sum() else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[lab] = {"precision": float(prec), "recall": float(rec), "f1": float(f1), "support": int(cm[i].sum())}
    present = [lab for lab in labels if per[lab]["support"] > 0]
    correct = np.array([g == p for g, p in zip(gold, pred, strict=True)], dtype=bool)
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
    for lab, row in zip(labels, result["confusion"], strict=True):
        lines.append(f"{lab:<{width}}  " + " ".join(f"{v:>6}" for v in row))
    lines += [
        "",
        f"threshold {result['threshold']:.4f}: coverage {result['coverage']:.4f}, "
        f"precision of classified {result['precision_at_threshold']:.4f}",
        f"macro-F1 {result['macro_f1']:.4f}",
    ]
    return "\n".join(lines)
