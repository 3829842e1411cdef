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
from articles.enrich.ner.features import ALL_GROUPS, Featurizer, Gazetteer

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILE = "model.crfsuite"
CLUSTERS_FILE = "clusters.tsv.gz"
GAZETTEER_FILE = "gazetteer.json.gz"
META_FILE = "meta.json"

DEFAULT_PARAMS = {"c1": 0.05, "c2": 0.01, "max_iterations": 250, "feature.possible_transitions": True}


def save_gazetteer(gz: Gazetteer, path: Path) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump(gz.to_json(), fh, ensure_ascii=False)


def load_gazetteer(path: Path) -> Gazetteer:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return Gazetteer.from_json(json.load(fh))


def crossfold_features(
    sents: Sequence[Sentence], clusters: dict, groups: frozenset[str], folds: int = 5
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
        feat = Featurizer(clusters, gz, groups)
        out.extend(feat.sentence([t for t, _ in s]) for s in sents[lo:hi])
    return out


def get_clusters(out_dir: Path, unlabelled: Iterable[str | Path], log: Callable[[str], None]) -> dict:
    """Cached clusters from ``out_dir``; built from the unlabelled corpora when missing."""
    path = out_dir / CLUSTERS_FILE
    unlabelled = list(unlabelled)
    if not path.exists():
        if not unlabelled:
            log("no clusters file and no --unlabelled corpora: training without clusters")
            return {}
        t = time.time()
        save_clusters(build_clusters(unlabelled, log=log), path)
        log(f"built clusters in {time.time() - t:.0f}s -> {path}")
    return load_clusters(path)


def train(
    train_path: str | Path,
    dev_path: str | Path | None,
    out_dir: str | Path = DEFAULT_MODEL_DIR,
    unlabelled: Iterable[str | Path] = (),
    dev_split: float = 0.0,
    groups: Iterable[str] = ALL_GROUPS,
    params: dict | None = None,
    log: Callable[[str], None] = print,
) -> str | None:
    """Train and save a model into ``out_dir``; return the dev report (or None without dev data).

    ``dev_split`` > 0 holds out the last fraction of ``train_path`` (see ``conll.split_dev``)
    when no ``dev_path`` is given.
    """
    import pycrfsuite

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    groups = frozenset(groups)
    sents = read_conll(train_path)
    dev: list[Sentence] = read_conll(dev_path) if dev_path else []
    if not dev and dev_split > 0:
        sents, dev = split_dev(sents, dev_split)
    log(f"train: {len(sents)} sentences; dev: {len(dev)}")
    clusters = get_clusters(out, unlabelled, log) if "cluster" in groups else {}

    t = time.time()
    xs = crossfold_features(sents, clusters, groups)
    trainer = pycrfsuite.Trainer(verbose=False)
    for x, s in zip(xs, sents, strict=True):
        trainer.append(x, [tag for _, tag in s])
    p = {**DEFAULT_PARAMS, **(params or {})}
    trainer.set_params(p)
    model_path = out / MODEL_FILE
    trainer.train(str(model_path))
    log(f"trained in {time.time() - t:.0f}s")

    gz = Gazetteer.learn(sents) if "gazetteer" in groups else Gazetteer()
    save_gazetteer(gz, out / GAZETTEER_FILE)
    meta = {
        "groups": sorted(groups),
        "params": p,
        "train_sentences": len(sents),
        "dev_sentences": len(dev),
        "clusters": bool(clusters),
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
