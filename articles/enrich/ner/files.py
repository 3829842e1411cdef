"""Where the shipped NER model lives: file names inside a model directory and the gazetteer loader.

Shared by the tagger (:mod:`articles.enrich.ner.crf`, :mod:`articles.enrich.ner.neural`) and its trainer
(:mod:`articles.enrich.ner.train`), so neither imports the other for them. Pure module, no Django.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from articles.enrich.ner.features import Gazetteer

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILE = "model.crfsuite"
MODEL2_FILE = "model2.crfsuite"  # optional second pass (document memory), see docmem.py
CLUSTERS_FILE = "clusters.tsv.gz"
GAZETTEER_FILE = "gazetteer.json.gz"
META_FILE = "meta.json"


def load_gazetteer(path: Path) -> Gazetteer:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return Gazetteer.from_json(json.load(fh))
