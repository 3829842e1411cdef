"""The default backend: a crfsuite model trained by ``train.py``, shipped in ``model/``."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from articles.enrich.ner.base import EntitySpan, NerBackend
from articles.enrich.ner.clusters import load_clusters, word_key
from articles.enrich.ner.consistency import consistency_setting, propagate_tags
from articles.enrich.ner.docmem import WINDOW as MEMORY_WINDOW
from articles.enrich.ner.docmem import memory_features
from articles.enrich.ner.embclusters import EMB_CLUSTERS_FILE, load_emb_clusters
from articles.enrich.ner.features import Featurizer
from articles.enrich.ner.files import (
    CLUSTERS_FILE,
    DEFAULT_MODEL_DIR,
    GAZETTEER_FILE,
    META_FILE,
    MODEL2_FILE,
    MODEL_FILE,
    load_gazetteer,
)
from articles.enrich.ner.known import apply_house_rules, known_clitic_len
from articles.enrich.ner.segment import sentences_with_offsets, spans_from_tags

# One-letter proclitics (and pairs) that ANERcorp leaves inside an entity token ("وبوتين");
# ``extract`` trims them from the reported span when the bare word is the commoner form.
_TRIM = ("وب", "ول", "وك", "فب", "فل", "و", "ف", "ب", "ل", "ك")
_TRIM_RATIO, _TRIM_RATIO_AL, _TRIM_MIN = 10, 2, 20

# Sentences tagged at once (bounded memory); real articles have far fewer, so they are tagged in one piece.
TAG_BLOCK = 200


def _setting_model_dir() -> Path | None:
    try:
        from django.conf import settings

        if settings.configured:
            value = getattr(settings, "NER_MODEL_DIR", None)
            return Path(value) if value else None
    except ImportError:
        pass
    return None


def _setting_passes() -> int:
    try:
        from django.conf import settings

        if settings.configured:
            return int(getattr(settings, "NER_CRF_PASSES", 2))
    except ImportError:
        pass
    return 2


class CrfBackend(NerBackend):
    def __init__(
        self,
        model_dir: str | Path | None = None,
        consistency: bool | str | None = None,
        passes: int | str | None = None,
    ) -> None:
        """``consistency``: make repeated names agree within a stretch of sentences (``consistency.py``).
        ``passes``: 1 tags with the first pass only, 2 adds the document-memory pass when the model has
        one; default ``settings.NER_CRF_PASSES`` (2; the neural ensemble reads pass 1 only)."""
        self.consistency = consistency_setting() if consistency is None else consistency not in (False, "False", "0")
        self.passes = int(passes or _setting_passes())
        self.model_dir = Path(model_dir) if model_dir else (_setting_model_dir() or DEFAULT_MODEL_DIR)
        self._lock = threading.Lock()
        self._tag_lock = threading.Lock()
        self._tagger = None
        self._tagger2 = None
        self._feat: Featurizer | None = None
        self._counts: dict[str, int] = {}

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
            clusters, counts = load_clusters(d / CLUSTERS_FILE) if (d / CLUSTERS_FILE).exists() else ({}, {})
            self._counts = counts
            self._feat = Featurizer(
                clusters,
                load_gazetteer(d / GAZETTEER_FILE),
                meta["groups"],
                counts,
                emb_clusters=load_emb_clusters(d / EMB_CLUSTERS_FILE) if "embed" in meta["groups"] else None,
            )
            tagger = pycrfsuite.Tagger()
            tagger.open(str(d / MODEL_FILE))
            known = {attr for attr, _ in tagger.info().state_features}
            if self.passes >= 2 and (d / MODEL2_FILE).exists():
                self._tagger2 = pycrfsuite.Tagger()
                self._tagger2.open(str(d / MODEL2_FILE))
                known |= {attr for attr, _ in self._tagger2.info().state_features}
            self._feat.known = known
            self._tagger = tagger

    def tag_tokens(self, tokens: list[list[str]]) -> list[list[str]]:
        return self._finish(tokens, self._raw_tags(tokens))

    def _raw_tags(self, tokens: list[list[str]]) -> list[list[str]]:
        self._load()
        with self._tag_lock:  # a crfsuite Tagger keeps per-call state: one sentence at a time
            return self._tag(tokens)

    def _finish(self, tokens: list[list[str]], tags: list[list[str]]) -> list[list[str]]:
        return propagate_tags(tokens, tags) if self.consistency else tags

    def _tag(self, tokens: list[list[str]]) -> list[list[str]]:
        """Tags of every sentence, computed TAG_BLOCK sentences at a time so memory stays flat on any text:
        the features of a whole 10 MB paragraph at once took 2.3 GB (issue 13 item 10). The second pass of a
        sentence needs the first pass of MEMORY_WINDOW sentences either side, so each block is tagged with
        that context around it; the tags are the same as in one piece."""
        out: list[list[str]] = []
        n = len(tokens)
        for start in range(0, n, TAG_BLOCK):
            end = min(n, start + TAG_BLOCK)
            lo = max(0, start - MEMORY_WINDOW) if self._tagger2 is not None else start
            hi = min(n, end + MEMORY_WINDOW) if self._tagger2 is not None else end
            out.extend(self._tag_block(tokens[lo:hi])[start - lo : end - lo])
        return out

    def _tag_block(self, tokens: list[list[str]]) -> list[list[str]]:
        feat, tagger = self._feat, self._tagger
        xs = [feat.sentence(s) for s in tokens]
        tags = [tagger.tag(x) if x else [] for x in xs]
        if self._tagger2 is None:
            return tags
        # Second pass: the same features plus what the first pass said about the same words nearby.
        mem = memory_features(tokens, tags, window=MEMORY_WINDOW, stems=[feat.stems(s) for s in tokens])
        t2 = self._tagger2
        return [t2.tag([a + b for a, b in zip(x, m, strict=True)]) if x else [] for x, m in zip(xs, mem, strict=True)]

    def marginals(self, tokens: list[list[str]], labels: Sequence[str], passes: int = 2) -> list[np.ndarray]:
        """Per sentence, a (tokens, len(labels)) array of the CRF's marginal probabilities of each label.

        ``passes=2`` uses the second (document-memory) pass when the model has one. The neural backend
        adds their logarithm to its own scores (an ensemble, see neural.py).
        """
        self._load()
        with self._tag_lock:
            feat, tagger = self._feat, self._tagger
            xs = [feat.sentence(s) for s in tokens]
            if passes == 2 and self._tagger2 is not None:
                tags = [tagger.tag(x) if x else [] for x in xs]
                mem = memory_features(tokens, tags, stems=[feat.stems(s) for s in tokens])
                xs = [[a + b for a, b in zip(x, m, strict=True)] for x, m in zip(xs, mem, strict=True)]
                tagger = self._tagger2
            out = []
            for x in xs:
                if not x:
                    out.append(np.zeros((0, len(labels))))
                    continue
                tagger.set(x)
                out.append(np.array([[tagger.marginal(y, i) for y in labels] for i in range(len(x))]))
            return out

    def extract(self, text: str) -> list[EntitySpan]:
        sents = sentences_with_offsets(text)
        toks = [[t for t, _ in s] for s in sents]
        tags = self._finish(toks, [apply_house_rules(t, g) for t, g in zip(toks, self._raw_tags(toks), strict=True)])
        return spans_from_tags(text, sents, tags, self._proclitic_len)

    def _proclitic_len(self, tok: str) -> int:
        known = known_clitic_len(tok)
        return proclitic_len(tok, self._counts) if known is None else known


def proclitic_len(tok: str, counts: dict[str, int]) -> int:
    """Length of a conjunction/preposition glued to an entity's first word, or 0.

    ``counts``: corpus counts of ``word_key`` forms (``clusters.load_clusters``).
    """
    full = counts.get(word_key(tok), 0)
    for p in _TRIM:
        if tok.startswith(p) and len(tok) - len(p) >= 3:
            # The bare word must be far commoner than the glued form in the unlabelled news:
            # موسكو is 50x بموسكو, but ريكس only 5x بريكس (whose ب belongs to the name).
            # Before the article ال the letter is practically always a clitic: والصين.
            bare = tok[len(p) :]
            ratio = _TRIM_RATIO_AL if bare.startswith("ال") else _TRIM_RATIO
            if counts.get(word_key(bare), 0) >= max(ratio * full, _TRIM_MIN):
                return len(p)
    return 0
