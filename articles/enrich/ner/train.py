"""Training the CRF model: clusters (cached), cross-fold gazetteers, crfsuite, dev report.

Rebuild the shipped model (about a few minutes on one core)::

    python manage.py train_ner --train ../shared/data/anercorp/train.txt --dev-split 0.1 \
        --unlabelled ../shared/data/ant/*.jsonl.gz ../shared/data/saudinewsnet/*.jsonl.gz
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from articles.enrich.ner.clusters import build_clusters, load_clusters, save_clusters
from articles.enrich.ner.conll import Sentence, evaluate, format_report, read_conll, split_dev
from articles.enrich.ner.docmem import memory_features
from articles.enrich.ner.embclusters import (
    EMB_CLUSTERS_FILE,
    build_emb_clusters,
    load_emb_clusters,
    save_emb_clusters,
)
from articles.enrich.ner.features import ALL_GROUPS, Featurizer, Gazetteer
from articles.enrich.ner.files import (
    CLUSTERS_FILE,
    DEFAULT_MODEL_DIR,
    GAZETTEER_FILE,
    META_FILE,
    MODEL2_FILE,
    MODEL_FILE,
)

DEFAULT_PARAMS = {"c1": 0.05, "c2": 0.01, "max_iterations": 120, "feature.possible_transitions": True}


def save_gazetteer(gz: Gazetteer, path: Path) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump(gz.to_json(), fh, ensure_ascii=False)


def crossfold_features(
    sents: Sequence[Sentence],
    clusters: dict,
    counts: dict,
    groups: frozenset[str],
    folds: int = 5,
    emb_clusters: dict | None = None,
) -> list[list[list[str]]]:
    """Features where each fold's gazetteer evidence comes from the OTHER folds only.

    With a gazetteer learnt from the very sentences being featurised, every training entity is
    "in the gazetteer" and the CRF learns to trust it blindly; on new text it is not.
    Folds are contiguous blocks so one article's repeated names stay inside one fold.
    """
    n = len(sents)
    bounds = [round(n * i / folds) for i in range(folds + 1)]
    out: list[list[list[str]]] = []
    for f in range(folds):
        lo, hi = bounds[f], bounds[f + 1]
        gz = Gazetteer.learn([*sents[:lo], *sents[hi:]]) if "gazetteer" in groups else None
        feat = Featurizer(clusters, gz, groups, counts, emb_clusters=emb_clusters)
        out.extend(feat.sentence([t for t, _ in s]) for s in sents[lo:hi])
    return out


def _fit(xs: Sequence[list[list[str]]], ys: Sequence[list[str]], path: Path, params: dict) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for x, y in zip(xs, ys, strict=True):
        trainer.append(x, y)
    trainer.set_params(params)
    trainer.train(str(path))


def crossfold_tags(
    xs: Sequence[list[list[str]]], ys: Sequence[list[str]], params: dict, tmp_dir: Path, folds: int = 5
) -> list[list[str]]:
    """First-pass tags of every training sentence from a model that did not see its fold.

    The second pass must learn how far to trust first-pass output of the quality it will get on
    new text, not the near-perfect tags of a model tagging its own training data.
    """
    import pycrfsuite

    n = len(xs)
    bounds = [round(n * i / folds) for i in range(folds + 1)]
    tags: list[list[str]] = []
    path = tmp_dir / "fold.crfsuite"
    for f in range(folds):
        lo, hi = bounds[f], bounds[f + 1]
        _fit([*xs[:lo], *xs[hi:]], [*ys[:lo], *ys[hi:]], path, params)
        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        tags.extend(tagger.tag(x) for x in xs[lo:hi])
        tagger.close()
    path.unlink()
    return tags


def get_clusters(
    out_dir: Path, unlabelled: Iterable[str | Path], log: Callable[[str], None]
) -> tuple[dict[str, tuple[str, ...]], dict[str, int]]:
    """Cached ``(clusters, counts)`` from ``out_dir``; built from the unlabelled corpora when missing."""
    path = out_dir / CLUSTERS_FILE
    unlabelled = list(unlabelled)
    if not path.exists():
        if not unlabelled:
            log("no clusters file and no --unlabelled corpora: training without clusters")
            return {}, {}
        t = time.time()
        save_clusters(build_clusters(unlabelled, log=log), path)
        log(f"built clusters in {time.time() - t:.0f}s -> {path}")
    return load_clusters(path)


def get_emb_clusters(out_dir: Path, log: Callable[[str], None]) -> dict[str, tuple[str, ...]]:
    """Cached embedding classes from ``out_dir``; built from the shipped FastText vectors when missing."""
    path = out_dir / EMB_CLUSTERS_FILE
    if not path.exists():
        t = time.time()
        save_emb_clusters(build_emb_clusters(log=log), path)
        log(f"built embedding clusters in {time.time() - t:.0f}s -> {path}")
    return load_emb_clusters(path)


def train(
    train_path: str | Path,
    dev_path: str | Path | None,
    out_dir: str | Path = DEFAULT_MODEL_DIR,
    unlabelled: Iterable[str | Path] = (),
    dev_split: float = 0.0,
    groups: Iterable[str] = ALL_GROUPS,
    params: dict | None = None,
    two_pass: bool = True,
    log: Callable[[str], None] = print,
) -> str | None:
    """Train and save a model into ``out_dir``; return the dev report (or None without dev data).

    ``dev_split`` > 0 holds out the last fraction of ``train_path`` (see ``conll.split_dev``)
    when no ``dev_path`` is given.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    groups = frozenset(groups)
    sents = read_conll(train_path)
    dev: list[Sentence] = read_conll(dev_path) if dev_path else []
    if not dev and dev_split > 0:
        sents, dev = split_dev(sents, dev_split)
    log(f"train: {len(sents)} sentences; dev: {len(dev)}")
    clusters, counts = get_clusters(out, unlabelled, log) if groups & {"cluster", "lexicon"} else ({}, {})
    emb = get_emb_clusters(out, log) if "embed" in groups else {}

    t = time.time()
    xs = crossfold_features(sents, clusters, counts, groups, emb_clusters=emb)
    ys = [[tag for _, tag in s] for s in sents]
    p = {**DEFAULT_PARAMS, **(params or {})}
    _fit(xs, ys, out / MODEL_FILE, p)
    log(f"trained pass 1 in {time.time() - t:.0f}s")
    (out / MODEL2_FILE).unlink(missing_ok=True)
    if two_pass:
        tags1 = crossfold_tags(xs, ys, p, out)
        log(f"cross-fold first-pass tags in {time.time() - t:.0f}s")
        mem = memory_features([[tok for tok, _ in s] for s in sents], tags1)
        _fit(
            [[a + b for a, b in zip(x, m, strict=True)] for x, m in zip(xs, mem, strict=True)], ys, out / MODEL2_FILE, p
        )
        log(f"trained pass 2 in {time.time() - t:.0f}s")

    gz = Gazetteer.learn(sents) if "gazetteer" in groups else Gazetteer()
    save_gazetteer(gz, out / GAZETTEER_FILE)
    meta = {
        "groups": sorted(groups),
        "params": p,
        "train_sentences": len(sents),
        "dev_sentences": len(dev),
        "clusters": bool(clusters),
        "two_pass": two_pass,
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    if not dev:
        return None
    from articles.enrich.ner.crf import CrfBackend

    backend = CrfBackend(out)
    pred = backend.tag_tokens([[t for t, _ in s] for s in dev])
    report = format_report(evaluate([[g for _, g in s] for s in dev], pred))
    meta["dev_report"] = report.splitlines()
    (out / META_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return report
