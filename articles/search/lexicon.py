"""Word frequencies from ~10 million words of Arabic news: the evidence for the stemmer's strips
(:mod:`articles.search.arabic`). Pure module.

The table ships as ``data/lexicon.tsv.gz``: *spelled* key words (:func:`articles.text.spelled_words`:
the search key's normal form, but ة kept apart from ه, so حماسة "enthusiasm" and حماسه "Hamas + his"
are counted apart) and their counts, words seen at least ``MIN_COUNT`` times. Rebuild it from the news
corpora (JSON Lines with ``title`` and ``text`` or ``content``):

    .venv/bin/python -m articles.search.lexicon ../shared/data/ant/ant_multisource_v2.1.train.jsonl.gz \\
        ../shared/data/ant/ant_jawharafm_v1.1.jsonl.gz ../shared/data/saudinewsnet/saudinewsnet_sample5000.jsonl.gz

then ``manage.py search_reindex``.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from functools import lru_cache
from pathlib import Path

PATH = Path(__file__).with_name("data") / "lexicon.tsv.gz"
MIN_COUNT = 20


@lru_cache(maxsize=1)
def word_counts() -> dict[str, int]:
    """Spelled key word -> corpus count (empty when the table is missing: no evidence, no strip)."""
    if not PATH.exists():
        return {}
    with gzip.open(PATH, "rt", encoding="utf-8") as handle:
        return {word: int(count) for word, count in (line.rstrip("\n").split("\t")[:2] for line in handle)}


@lru_cache(maxsize=1)
def folded_counts() -> dict[str, int]:
    """Key word (ة folded to ه) -> corpus count: the spelled counts of the words that meet in the key."""
    counts: dict[str, int] = {}
    for word, count in word_counts().items():
        key = word.replace("ة", "ه")
        counts[key] = counts.get(key, 0) + count
    return counts


def build(sources: list[Path], target: Path = PATH) -> int:
    """Count the spelled key words of every article's title and body; returns the number of words kept."""
    from articles.text import spelled_words

    counts: Counter[str] = Counter()
    for source in sources:
        with gzip.open(source, "rt", encoding="utf-8") as handle:
            for line in handle:
                obj = json.loads(line)
                text = f"{obj.get('title') or ''}\n{obj.get('text') or obj.get('content') or ''}"
                counts.update(spelled_words(text))
    rows = [f"{word}\t{count}\n" for word, count in sorted(counts.items(), key=lambda x: (-x[1], x[0]))
            if count >= MIN_COUNT and len(word) <= 40]
    target.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same input gives byte-identical output.
    with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write("".join(rows).encode())
    return len(rows)


if __name__ == "__main__":
    print(build([Path(p) for p in sys.argv[1:]]), "words written to", PATH)
