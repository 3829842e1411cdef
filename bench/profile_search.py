"""One search request end to end, in process: where its time goes (database vs Python) and the plans.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archive_perf_big .venv/bin/python bench/profile_search.py \
        --q الرئيس [--root var/base] [--explain] [--reps 5]

Runs the search page's view (``/search/?q=…`` through Django's test client: view, selectors, template)
with the search cache off, ``--reps`` times after one warm-up, and reports per request: wall ms, ms in
database statements (timed around each ``cursor.execute``), the rest (Python: ORM, tallies, template),
the number of statements, and cProfile's top functions by own time. ``--explain`` prints ``EXPLAIN
(ANALYZE, BUFFERS)`` of each statement of one request. ``--root`` profiles another checkout's code
(e.g. main's, unpacked into var/base) on the same database.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--q", default="الرئيس")
    parser.add_argument("--extra", default="", help="more query-string parameters, e.g. 'date_from=2015-01-01'")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    sys.path.insert(0, str(args.root.resolve()))
    os.chdir(args.root)
    os.environ.update(DJANGO_SETTINGS_MODULE="newsarchive.settings", SEARCH_CACHE_SECONDS="0", RATELIMIT_ENABLE="0")
    os.environ.setdefault("DEBUG", "1")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    import urllib.parse

    from django.db import connection
    from django.test import Client

    path = "/search/?" + urllib.parse.urlencode({"q": args.q}) + (f"&{args.extra}" if args.extra else "")
    client = Client()
    statements: list[tuple[str, tuple, float]] = []

    def timer(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((sql, params, time.perf_counter() - start))

    assert client.get(path).status_code == 200
    walls, dbs, counts = [], [], []
    profile = cProfile.Profile()
    for _ in range(args.reps):
        statements.clear()
        with connection.execute_wrapper(timer):
            start = time.perf_counter()
            profile.enable()
            response = client.get(path)
            profile.disable()
            walls.append(time.perf_counter() - start)
        assert response.status_code == 200
        dbs.append(sum(s[2] for s in statements))
        counts.append(len(statements))
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
    summary = {
        "root": str(args.root),
        "path": path,
        "wall_ms": round(sorted(walls)[len(walls) // 2] * 1000, 1),
        "db_ms": round(sorted(dbs)[len(dbs) // 2] * 1000, 1),
        "python_ms": round((sorted(walls)[len(walls) // 2] - sorted(dbs)[len(dbs) // 2]) * 1000, 1),
        "statements": counts[-1],
        "slowest_statements_ms": sorted((round(s[2] * 1000, 1) for s in statements), reverse=True)[:6],
    }
    print(json.dumps(summary, ensure_ascii=False))
    print("\n".join(out.getvalue().splitlines()[:args.top + 12]))
    if args.explain:
        with connection.cursor() as cursor:
            for sql, params, seconds in sorted(statements, key=lambda s: -s[2])[:4]:
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                cursor.execute("BEGIN")
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL work_mem = '64MB'")
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                print(f"\n-- {seconds * 1000:.1f} ms: {sql[:160]}")
                print("\n".join(row[0] for row in cursor.fetchall()))
                cursor.execute("ROLLBACK")


if __name__ == "__main__":
    main()
