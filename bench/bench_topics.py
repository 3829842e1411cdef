"""Throughput of the topic classifier: articles classified per second on one core.

    .venv/bin/python bench/bench_topics.py [--data PATH.jsonl.gz] [--n 3000] [--batch 200] [--model DIR]

Pure Python (no database). Articles come from --data (default: the ANT training file under
../shared/data; their titles and texts, the labels are ignored), else the seed dump repeated.
Includes everything inference does: normalisation, hashing, the sparse product, softmax.
Reports wall-clock and CPU-time rates: on a busy shared machine the CPU figure is the one that
says what one free core does. Run with OMP_NUM_THREADS=1 (and nothing else) for a one-core figure.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from articles.enrich.topics.classifier import DEFAULT_MODEL_DIR, TopicClassifier  # noqa: E402
from articles.enrich.topics.train import load_records  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "ant" / "ant_multisource_v2.1.train.jsonl.gz"


def _articles(path: Path, n: int) -> list[tuple[str, str]]:
    if path.exists():
        records = load_records([path])
        # Evenly spaced records: a spread over sources and topics, not one block of the file.
        picked = records[:: max(1, len(records) // n)][:n]
        return [(r["title"], r["text"]) for r in picked]
    from articles.ingest.readers.base import clippings
    from articles.ingest.readers.formats import parse_path

    seed = [(c.title, c.body) for c in clippings(parse_path(ROOT / "fixtures" / "seed_dump.txt"))]
    return (seed * (n // len(seed) + 1))[:n]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR)
    args = parser.parse_args()

    t0 = time.perf_counter()
    model = TopicClassifier.load(args.model)
    load_s = time.perf_counter() - t0
    items = _articles(args.data, args.n)
    chars = sum(len(t) + len(x) for t, x in items) / len(items)
    model.predict_many(items[: args.batch])  # warm caches (lru of word hashes), as in a long run

    wall0, cpu0 = time.perf_counter(), time.process_time()
    classified = 0
    for start in range(0, len(items), args.batch):
        classified += sum(slug is not None for slug, _ in model.predict_many(items[start : start + args.batch]))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0

    size = sum(p.stat().st_size for p in Path(args.model).iterdir() if p.is_file())
    print(f"model {args.model} ({size / 1e6:.1f} MB, {model.keys.size} features, loaded in {load_s:.2f}s)")
    print(f"articles {len(items)} (mean {chars:.0f} characters), batch {args.batch}")
    print(f"wall {wall:.2f}s: {len(items) / wall:.0f} articles/s")
    print(f"cpu  {cpu:.2f}s: {len(items) / cpu:.0f} articles/s")
    print(f"classified at threshold {model.threshold:.3f}: {classified / len(items):.3f}")


if __name__ == "__main__":
    main()
