"""PostgreSQL JIT on or off for the archive's own search queries: the measurement behind settings' ``jit=off``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archive_bench .venv/bin/python bench/bench_jit.py [--reps 5]

Captures the SQL of one search page per query kind (``articles.search.selectors.article_search``, planner hints
included), then re-runs those statements in one transaction per page with ``SET LOCAL jit = on`` and
``off`` (``jit_above_cost`` etc. at their defaults) and reports the median wall time of the page's queries
and the JIT compilation time PostgreSQL reports in ``EXPLAIN (ANALYZE, FORMAT JSON)``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = {"rare": "أزنافور", "medium": "أوكرانيا", "common": "الرئيس", "most": "في", "phrase": '"الأمم المتحدة"'}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.search.selectors import article_search

    out = {}
    for kind, text in QUERIES.items():
        with CaptureQueriesContext(connection) as captured:
            article_search(data={"q": text})
        statements = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
        hints = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SET LOCAL")]
        row = {}
        for jit in ("on", "off"):
            walls, compile_ms = [], 0.0
            for _ in range(args.reps):
                with connection.cursor() as cursor:
                    cursor.execute("BEGIN")
                    cursor.execute(f"SET LOCAL jit = {jit}")
                    for hint in hints:
                        cursor.execute(hint)
                    started = time.perf_counter()
                    for sql in statements:
                        cursor.execute(sql)
                        cursor.fetchall()
                    walls.append((time.perf_counter() - started) * 1000)
                    compile_ms = 0.0
                    for sql in statements:
                        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                        plan = cursor.fetchone()[0]
                        plan = json.loads(plan) if isinstance(plan, str) else plan
                        compile_ms += plan[0].get("JIT", {}).get("Timing", {}).get("Total", 0.0)
                    cursor.execute("ROLLBACK")
            row[jit] = {"median_ms": round(statistics.median(walls), 1), "jit_compile_ms": round(compile_ms, 1)}
        out[kind] = row
        print(kind, row, file=sys.stderr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
