"""Write the unlabelled news as one tokenised, normalised sentence a line (input of the word vectors).

Run with the project venv (it needs ``articles.text``, i.e. camel-tools), so the vectors are keyed
exactly as the tagger looks words up at run time (``articles.enrich.ner.clusters.word_key``)::

    .venv/bin/python training/ner_corpus.py OUT.txt ../shared/data/ant/*.jsonl.gz ../shared/data/saudinewsnet/*.jsonl.gz
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from articles.enrich.ner.clusters import iter_texts, word_key
from articles.enrich.ner.segment import sentences_with_offsets


def main(out: str, paths: list[str]) -> None:
    n_tok = 0
    with open(out, "w", encoding="utf-8") as fh:
        for text in iter_texts(paths):
            for sent in sentences_with_offsets(text):
                toks = [word_key(t) for t, _ in sent]
                n_tok += len(toks)
                fh.write(" ".join(toks) + "\n")
    print(f"{n_tok} tokens -> {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
