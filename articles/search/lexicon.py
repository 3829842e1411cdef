"""Word frequencies from ~10 million words of Arabic news: the evidence for stripping a one-letter
clitic from a short word. Pure module.

The table ships as ``data/lexicon.tsv.gz`` (normalised word, count; words seen at least
``MIN_COUNT`` times). Rebuild it from the NER model's word table, which counts the same news corpora:

    .venv/bin/python -m articles.search.lexicon articles/enrich/ner/model/clusters.tsv.gz
"""

from __future__ import annotations

import gzip
import sys
from functools import lru_cache
from pathlib import Path

PATH = Path(__file__).with_name("data") / "lexicon.tsv.gz"
MIN_COUNT = 20


@lru_cache(maxsize=1)
def word_counts() -> dict[str, int]:
    """Normalised word -> corpus count (empty when the table is missing: no evidence, no strip)."""
    if not PATH.exists():
        return {}
    with gzip.open(PATH, "rt", encoding="utf-8") as handle:
        return {word: int(count) for word, count in (line.rstrip("\n").split("\t")[:2] for line in handle)}


def build(source: Path, target: Path = PATH) -> int:
    """Write the table from a ``word<TAB>count<TAB>...`` file (gzipped); returns the word count."""
    rows = []
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        for line in handle:
            word, count = line.rstrip("\n").split("\t")[:2]
            if int(count) >= MIN_COUNT:
                rows.append(f"{word}\t{count}\n")
    target.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same input gives byte-identical output.
    with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write("".join(rows).encode())
    return len(rows)


if __name__ == "__main__":
    print(build(Path(sys.argv[1])), "words written to", PATH)
