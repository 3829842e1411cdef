"""The neural NER backend: a BiLSTM-CRF exported to ONNX, run with onnxruntime and numpy (no torch).

Inputs per token (``neural_features.py``): a word vector learnt from the unlabelled news (int8 table,
capped vocabulary), a char-CNN over the normalised word (for unseen words), its shape and its
distributional cluster (shared with the CRF's ``model/clusters.tsv.gz``). Output: BIO tag scores,
decoded by a constrained Viterbi (``neural_tags.py``), so every span is well-formed.

Trained by ``training/ner_neural_train.py`` (torch venv); see docs/ner.md for the rebuild commands.
The model is loaded on first use, once per process; the onnxruntime session is created lazily in the
process that tags, so a forked ingest worker builds its own (sessions are not shared across fork).
"""

from __future__ import annotations

import gzip
import json
import os
import threading
from pathlib import Path

import numpy as np

from articles.enrich.ner.base import EntitySpan, NerBackend
from articles.enrich.ner.clusters import load_clusters
from articles.enrich.ner.consistency import consistency_setting, propagate_tags
from articles.enrich.ner.crf import proclitic_len
from articles.enrich.ner.files import CLUSTERS_FILE, DEFAULT_MODEL_DIR
from articles.enrich.ner.known import apply_house_rules, known_clitic_len
from articles.enrich.ner.neural_features import TokenEncoder
from articles.enrich.ner.neural_tags import viterbi_batch
from articles.enrich.ner.segment import sentences_with_offsets, spans_from_tags

DEFAULT_NEURAL_DIR = Path(__file__).resolve().parent / "neural_model"
BATCH_TOKENS = 512  # tokens per onnxruntime call: measured fastest (512-1024 beat 128 and 8192 by 1.3-2x)


def _setting(name: str) -> str | None:
    try:
        from django.conf import settings

        if settings.configured:
            return getattr(settings, name, None) or None
    except ImportError:
        pass
    return None


class NeuralBackend(NerBackend):
    """``model_dir``: encoder.onnx (encoder2.onnx ... for an ensemble), vectors.npz, vocab.txt.gz, meta.json;
    ``threads``: onnxruntime intra-op threads (default 1: ingest parallelises across processes, not inside one)."""

    def __init__(
        self,
        model_dir: str | Path | None = None,
        threads: int | str = 1,
        crf_model_dir: str | Path | None = None,
        consistency: bool | str | None = None,
    ) -> None:
        """``consistency``: make repeated names agree within a stretch of sentences (``consistency.py``)."""
        self.consistency = consistency_setting() if consistency is None else consistency not in (False, "False", "0")
        self.model_dir = Path(model_dir or _setting("NER_NEURAL_MODEL_DIR") or DEFAULT_NEURAL_DIR)
        self.threads = int(threads)
        self.crf_model_dir = crf_model_dir  # the CRF of the ensemble (default: the crf backend's own)
        self._crf = None
        self._crf_weight = 0.0
        self._crf_passes = 2
        self._lock = threading.Lock()
        self._encoder: TokenEncoder | None = None
        self._sessions: list = []
        self._pid = -1
        self._counts: dict[str, int] = {}

    def _load(self) -> None:
        """Tables and the CRF on first use. The onnxruntime sessions come later (``_run``), per process."""
        if self._encoder is not None:
            return
        with self._lock:
            if self._encoder is not None:
                return
            d = self.model_dir
            if not (d / "encoder.onnx").exists():
                raise FileNotFoundError(f"no neural NER model in {d}: see docs/ner.md (training/ner_neural_train.py)")
            meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
            with gzip.open(d / "vocab.txt.gz", "rt", encoding="utf-8") as fh:
                vocab = fh.read().splitlines()
            vec = np.load(d / "vectors.npz")
            table = vec["q"].astype(np.float32) * vec["scale"][:, None]
            self._table = np.concatenate([np.zeros((2, table.shape[1]), np.float32), table])
            table_c, counts = load_clusters(DEFAULT_MODEL_DIR / CLUSTERS_FILE)
            self._counts = counts
            self._trans = np.asarray(meta["transitions"], dtype=np.float32)
            self._start = np.asarray(meta["start"], dtype=np.float32)
            self._tags = meta["tags"]
            ensemble = meta.get("crf_ensemble") or {}
            self._crf_weight = float(ensemble.get("weight", 0.0))
            self._crf_passes = int(ensemble.get("passes", 2))
            if self._crf_weight > 0:
                from articles.enrich.ner.crf import CrfBackend

                self._crf = CrfBackend(self.crf_model_dir)
                self._crf.tag_tokens([])  # load it now: forked workers then share it
            self._encoder = TokenEncoder(vocab, meta["chars"], {w: int(ids[0]) for w, ids in table_c.items()})

    def _run(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        """Mean emissions of the encoders. Sessions are created in the process that runs them: the ingest
        pool forks after warming the backend up on empty text, which creates none, so no onnxruntime
        thread exists at fork time, and a child never uses a session made by its parent."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    import onnxruntime

                    opts = onnxruntime.SessionOptions()
                    opts.intra_op_num_threads = self.threads
                    opts.inter_op_num_threads = 1
                    # Several encoders (encoder.onnx, encoder2.onnx, ...) form an ensemble.
                    paths = sorted(self.model_dir.glob("encoder*.onnx"))
                    self._sessions = [
                        onnxruntime.InferenceSession(str(p), opts, providers=["CPUExecutionProvider"]) for p in paths
                    ]
                    self._inputs = [[i.name for i in s.get_inputs()] for s in self._sessions]
                    self._pid = os.getpid()
        # An input a trained graph does not use (e.g. clusters switched off) is not in that graph.
        runs = zip(self._sessions, self._inputs, strict=True)
        return sum(sess.run(None, {k: feeds[k] for k in names})[0] for sess, names in runs) / len(self._sessions)

    def tag_tokens(self, tokens: list[list[str]], batch_tokens: int = BATCH_TOKENS) -> list[list[str]]:
        """BIO tags; ``batch_tokens`` bounds one onnxruntime call (the result does not depend on it).

        With the CRF ensemble the sentences should come in document order (its second pass reads the
        neighbouring sentences), as ``extract`` and ``evaluate_ner`` give them.
        """
        tags = self._raw_tags(tokens, batch_tokens)
        return propagate_tags(tokens, tags) if self.consistency else tags

    def _raw_tags(self, tokens: list[list[str]], batch_tokens: int = BATCH_TOKENS) -> list[list[str]]:
        self._load()
        marg = self._crf.marginals(tokens, self._tags, passes=self._crf_passes) if self._crf is not None else None
        out: list[list[str]] = [[] for _ in tokens]
        # Similar lengths together: less padding. Results do not depend on the batch (see neural_features).
        order = sorted((i for i, s in enumerate(tokens) if s), key=lambda i: len(tokens[i]))
        k = 0
        while k < len(order):
            width = len(tokens[order[k]])
            j = k + 1
            while j < len(order) and (j - k + 1) * len(tokens[order[j]]) <= max(batch_tokens, width):
                j += 1
            idx = order[k:j]
            paths = self._tag_batch([tokens[i] for i in idx], [marg[i] for i in idx] if marg is not None else None)
            for i, path in zip(idx, paths, strict=True):
                out[i] = [self._tags[t] for t in path]
            k = j
        return out

    def _tag_batch(self, sents: list[list[str]], marg: list[np.ndarray] | None) -> list[list[int]]:
        arrs = self._encoder.batch(sents)
        feeds = {
            "vectors": self._table[arrs["words"]],
            "chars": arrs["chars"],
            "shapes": arrs["shapes"],
            "clusters": arrs["clusters"],
            "rev": arrs["rev"],
        }
        em = self._run(feeds)
        if marg is not None:
            # Ensemble: the CRF's log marginal probabilities, weighted, are added to the encoder's scores.
            for i, m in enumerate(marg):
                em[i, : len(m)] += self._crf_weight * np.log(m + 1e-4)
        lengths = np.array([len(s) for s in sents])
        return viterbi_batch(em, lengths, self._trans, self._start)

    def extract(self, text: str) -> list[EntitySpan]:
        sents = sentences_with_offsets(text)
        toks = [[t for t, _ in s] for s in sents]
        tags = [apply_house_rules(t, g) for t, g in zip(toks, self._raw_tags(toks), strict=True)]
        if self.consistency:
            tags = propagate_tags(toks, tags)
        return spans_from_tags(text, sents, tags, self._lead_trim)

    def _lead_trim(self, tok: str) -> int:
        known = known_clitic_len(tok)
        return proclitic_len(tok, self._counts) if known is None else known
