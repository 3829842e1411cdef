"""Cost of the index's word keys in two checkouts, side by side (issue 23: one more pass for ى).

    DEBUG=1 .venv/bin/python bench/bench_text_keys.py OTHER_CHECKOUT [--rounds 3]

Runs, alternately in fresh processes, ``articles.search.arabic.key_words`` on 1,000 ANT articles (every
10th of the training set) and ``candidates_compute`` on their distinct words, for this checkout and
OTHER_CHECKOUT (e.g. ``git archive <commit> | tar -x -C /tmp/old``); prints the best time of each and
their ratio. Skipped when ../shared/data is missing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "ant" / "ant_multisource_v2.1.train.jsonl.gz"
_CHILD = """
import gzip, json, sys, time
sys.path.insert(0, sys.argv[1])
from articles.search.arabic import candidates_compute, key_words
from articles.search.lexicon import folded_counts, word_counts
word_counts(), folded_counts()  # the lexicon loads once, outside the timings
texts = []
with gzip.open(sys.argv[2], "rt", encoding="utf-8") as f:
    for i, line in enumerate(f):
        if i % 10 == 0:
            r = json.loads(line)
            texts.append((r["title"] or "") + "\\n" + (r["text"] or ""))
        if len(texts) >= 1000:
            break
key_words(texts[0])  # regular expressions compiled, camel-tools warm
t = time.perf_counter()
words = [w for text in texts for w in key_words(text)]
kw = time.perf_counter() - t
distinct = set(words)
t = time.perf_counter()
for w in distinct:
    candidates_compute(w)
per_word = (time.perf_counter() - t) * 1e6 / len(distinct)
print(json.dumps({"key_words_ms": kw * 1000 / len(texts), "candidates_us": per_word}))
"""


def _once(root: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(root), str(CORPUS)], capture_output=True, text=True,
                         check=True, cwd=root)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("other", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} is missing")
        return
    best: dict[str, dict[str, float]] = {"this": {}, "other": {}}
    for _ in range(args.rounds):
        for name, root in (("other", args.other.resolve()), ("this", ROOT)):
            for key, value in _once(root).items():
                best[name][key] = min(value, best[name].get(key, value))
    print("| measure | other | this | this / other |")
    print("| --- | ---: | ---: | ---: |")
    for key in best["this"]:
        other, this = best["other"][key], best["this"][key]
        print(f"| {key} | {other:.3f} | {this:.3f} | {this / other:.2f} |")


if __name__ == "__main__":
    main()
