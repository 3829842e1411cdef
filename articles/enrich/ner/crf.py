"""The default backend: a crfsuite model trained by ``train.py``, shipped in ``model/``."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from articles.enrich.ner.base import EntitySpan, NerBackend
from articles.enrich.ner.clusters import load_clusters, word_key
from articles.enrich.ner.features import Featurizer
from articles.enrich.ner.segment import sentences_with_offsets, spans_from_tags
from articles.enrich.ner.train import (
    CLUSTERS_FILE,
    DEFAULT_MODEL_DIR,
    GAZETTEER_FILE,
    META_FILE,
    MODEL_FILE,
    load_gazetteer,
)

# One-letter proclitics (and pairs) that ANERcorp leaves inside an entity token ("وبوتين");
# ``extract`` trims them from the reported span when the bare word is the commoner form.
_TRIM = ("وب", "ول", "وك", "فب", "فل", "و", "ف", "ب", "ل", "ك")


def _setting_model_dir() -> Path | None:
    try:
        from django.conf import settings

        if settings.configured:
            value = getattr(settings, "NER_MODEL_DIR", None)
            return Path(value) if value else None
    except ImportError:
        pass
    return None


class CrfBackend(NerBackend):
    def __init__(self, model_dir: str | Path | None = None) -> None:
        self.model_dir = Path(model_dir) if model_dir else (_setting_model_dir() or DEFAULT_MODEL_DIR)
        self._lock = threading.Lock()
        self._tagger = None
        self._feat: Featurizer | None = None
        self._rank: dict[str, int] = {}

    def _load(self) -> None:
        """Load once, on first use (importing the module stays cheap)."""
        if self._tagger is not None:
            return
        with self._lock:
            if self._tagger is not None:
                return
            import pycrfsuite

            d = self.model_dir
            if not (d / MODEL_FILE).exists():
                raise FileNotFoundError(f"no NER model in {d}: run `manage.py train_ner`")
            meta = json.loads((d / META_FILE).read_text(encoding="utf-8"))
            clusters = load_clusters(d / CLUSTERS_FILE) if (d / CLUSTERS_FILE).exists() else {}
            self._rank = {w: i for i, w in enumerate(clusters)}  # file is in frequency order
            self._feat = Featurizer(clusters, load_gazetteer(d / GAZETTEER_FILE), meta["groups"])
            tagger = pycrfsuite.Tagger()
            tagger.open(str(d / MODEL_FILE))
            self._tagger = tagger

    def tag_tokens(self, tokens: list[list[str]]) -> list[list[str]]:
        self._load()
        feat, tagger = self._feat, self._tagger
        return [tagger.tag(feat.sentence(s)) if s else [] for s in tokens]

    def extract(self, text: str) -> list[EntitySpan]:
        sents = sentences_with_offsets(text)
        tags = self.tag_tokens([[t for t, _ in s] for s in sents])
        return spans_from_tags(text, sents, tags, self._proclitic_len)

    def _proclitic_len(self, tok: str) -> int:
        """Length of a conjunction/preposition glued to an entity's first word, or 0."""
        full = self._rank.get(word_key(tok), len(self._rank))
        for p in _TRIM:
            if tok.startswith(p) and len(tok) - len(p) >= 3:
                bare = self._rank.get(word_key(tok[len(p) :]))
                if bare is not None and bare < full:
                    return len(p)
        return 0
