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
from articles.enrich.ner.crf import proclitic_len
from articles.enrich.ner.neural_features import TokenEncoder
from articles.enrich.ner.neural_tags import viterbi_batch
from articles.enrich.ner.segment import sentences_with_offsets, spans_from_tags
from articles.enrich.ner.train import CLUSTERS_FILE, DEFAULT_MODEL_DIR

DEFAULT_NEURAL_DIR = Path(__file__).resolve().parent / "neural_model"
BATCH_TOKENS = 2048  # tokens per onnxruntime call: large enough to amortise the call, small in memory


def _setting(name: str) -> str | None:
    try:
        from django.conf import settings

        if settings.configured:
            return getattr(settings, name, None) or None
    except ImportError:
        pass
    return None


class NeuralBackend(NerBackend):
    """``model_dir``: encoder.onnx, vectors.npz, vocab.txt.gz, meta.json; ``threads``: onnxruntime intra-op
    threads (default 1: ingest parallelises across processes, not inside one)."""

    def __init__(self, model_dir: str | Path | None = None, threads: int | str = 1) -> None:
        self.model_dir = Path(model_dir or _setting("NER_NEURAL_MODEL_DIR") or DEFAULT_NEURAL_DIR)
        self.threads = int(threads)
        self._lock = threading.Lock()
        self._encoder: TokenEncoder | None = None
        self._session = None
        self._pid = -1
        self._counts: dict[str, int] = {}

    def _load(self) -> None:
        if self._encoder is not None and self._pid == os.getpid():
            return
        with self._lock:
            if self._encoder is not None and self._pid == os.getpid():
                return
            import onnxruntime

            d = self.model_dir
            if not (d / "encoder.onnx").exists():
                raise FileNotFoundError(f"no neural NER model in {d}: see docs/ner.md (training/ner_neural_train.py)")
            meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
            if self._encoder is None:
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
                self._encoder = TokenEncoder(vocab, meta["chars"], {w: int(ids[0]) for w, ids in table_c.items()})
            opts = onnxruntime.SessionOptions()
            opts.intra_op_num_threads = self.threads
            opts.inter_op_num_threads = 1
            self._session = onnxruntime.InferenceSession(
                str(d / "encoder.onnx"), opts, providers=["CPUExecutionProvider"]
            )
            self._inputs = [i.name for i in self._session.get_inputs()]
            self._pid = os.getpid()

    def tag_tokens(self, tokens: list[list[str]]) -> list[list[str]]:
        self._load()
        out: list[list[str]] = [[] for _ in tokens]
        # Similar lengths together: less padding. Results do not depend on the batch (see neural_features).
        order = sorted((i for i, s in enumerate(tokens) if s), key=lambda i: len(tokens[i]))
        k = 0
        while k < len(order):
            width = len(tokens[order[k]])
            j = k + 1
            while j < len(order) and (j - k + 1) * len(tokens[order[j]]) <= max(BATCH_TOKENS, width):
                j += 1
            idx = order[k:j]
            for i, path in zip(idx, self._tag_batch([tokens[i] for i in idx]), strict=True):
                out[i] = [self._tags[t] for t in path]
            k = j
        return out

    def _tag_batch(self, sents: list[list[str]]) -> list[list[int]]:
        arrs = self._encoder.batch(sents)
        feeds = {
            "vectors": self._table[arrs["words"]],
            "chars": arrs["chars"],
            "shapes": arrs["shapes"],
            "clusters": arrs["clusters"],
            "rev": arrs["rev"],
        }
        # An input the trained graph does not use (e.g. clusters switched off) is not in the graph.
        (em,) = self._session.run(None, {k: feeds[k] for k in self._inputs})
        lengths = np.array([len(s) for s in sents])
        return viterbi_batch(em, lengths, self._trans, self._start)

    def extract(self, text: str) -> list[EntitySpan]:
        sents = sentences_with_offsets(text)
        tags = self.tag_tokens([[t for t, _ in s] for s in sents])
        return spans_from_tags(text, sents, tags, lambda tok: proclitic_len(tok, self._counts))
