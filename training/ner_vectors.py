"""Subword word vectors (gensim FastText) from the corpus written by ``ner_corpus.py``.

Run with the training venv (gensim; never imported by the archive)::

    /work/torchvenv/bin/python training/ner_vectors.py CORPUS.txt OUT.kv [--dim 100 --epochs 5 --min-count 3]

Saves gensim ``KeyedVectors`` (FastTextKeyedVectors); ``neural_train.py`` reads them and keeps a
capped vocabulary only (the n-gram buckets are not shipped: unseen words go through the char-CNN).
"""

from __future__ import annotations

import argparse
import logging
import time

from gensim.models import FastText
from gensim.models.word2vec import LineSentence


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    logging.basicConfig(format="%(asctime)s %(message)s", level=logging.INFO)
    t = time.time()
    model = FastText(
        sentences=LineSentence(args.corpus),
        vector_size=args.dim,
        window=5,
        min_count=args.min_count,
        min_n=2,
        max_n=5,
        sg=1,  # skip-gram: better vectors for rare words (names) than CBOW
        epochs=args.epochs,
        workers=args.workers,
        bucket=500_000,
        seed=13,
    )
    model.wv.save(args.out)
    print(f"trained in {time.time() - t:.0f}s: {len(model.wv.key_to_index)} words -> {args.out}")


if __name__ == "__main__":
    main()
