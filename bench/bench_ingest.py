"""Ingest throughput: articles per second through the real service (parse, dedupe, NER, topic, store).

    DEBUG=1 .venv/bin/python bench/bench_ingest.py [--n 2000] [--workers 0 2]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_ingest DEBUG=1 .venv/bin/python bench/bench_ingest.py

Reads real news text from ../shared/data/ant (skips when it is missing), writes a temporary JSON Lines
file, ingests it into a fresh database (a temporary SQLite file unless DATABASE_URL is set; that
database is flushed first) once per worker count, and appends the results to docs/bench-ingest.md.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ANT = ROOT.parent / "shared" / "data" / "ant" / "ant_multisource_v2.1.train.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 2])
    args = parser.parse_args()
    if not ANT.exists():
        print(f"skipped: {ANT} not found")
        return
    tmp = Path(tempfile.mkdtemp())
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from articles.ingest import ingest_stream
    from articles.models import Article

    data = tmp / "ant.jsonl"
    with gzip.open(ANT, "rt", encoding="utf-8") as src, open(data, "w", encoding="utf-8") as out:
        for record in itertools.islice(src, args.n):
            obj = json.loads(record)
            out.write(json.dumps({"title": obj["title"], "text": obj["text"], "source": obj["source"],
                                  "date": obj.get("date") or None}, ensure_ascii=False) + "\n")
    call_command("migrate", verbosity=0)
    rows = []
    for workers in args.workers:
        Article.objects.all().delete()
        started = time.perf_counter()
        with open(data, "rb") as handle:
            run = ingest_stream(handle, name=str(data), workers=workers)
        elapsed = time.perf_counter() - started
        rate = run.created_count / elapsed
        rows.append((connection.vendor, workers, run.created_count, run.duplicate_count, elapsed, rate))
        print(f"{connection.vendor} workers={workers}: {run.created_count} created, "
              f"{run.duplicate_count} duplicates in {elapsed:.1f}s = {rate:.1f} articles/s")
    with open(ROOT / "docs" / "bench-ingest.md", "a", encoding="utf-8") as out:
        for vendor, workers, created, dups, elapsed, rate in rows:
            out.write(f"| {time.strftime('%Y-%m-%d')} | {vendor} | {workers} | {created} | {dups} | "
                      f"{elapsed:.1f} s | {rate:.1f} |\n")


if __name__ == "__main__":
    main()
