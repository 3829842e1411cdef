"""Cost of the search index system check (articles.search.checks) as the archive grows, beside the rest of
``manage.py check`` in the same run.

    DEBUG=1 .venv/bin/python bench/bench_index_check.py [--sizes 10000,100000,1000000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archive_x DEBUG=1 .venv/bin/python bench/bench_index_check.py

For each size the article table and the index are filled to that many rows by SQL (short filler rows: the
check reads counts and catalogues, not text; on PostgreSQL the vectors are set, so the unindexed partial
index is empty as in a healthy archive), then the check and the other registered checks are each timed
(median of 7 runs) and their ratio printed. The database (a temporary SQLite file unless DATABASE_URL is set)
must be empty or disposable: its articles are deleted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _median_ms(fn, runs: int = 7) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def _fill(connection, n: int) -> None:
    """``n`` rows in articles_article (every NOT NULL column given a value of its type) and the index."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM articles_storyband")
        cursor.execute("UPDATE articles_story SET lead_id = NULL")
        cursor.execute("DELETE FROM articles_article")
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM article_fts")
        columns = [
            c
            for c in connection.introspection.get_table_description(cursor, "articles_article")
            if c.name != "id" and not c.null_ok
        ]
        from articles.ingest.store import source_get_or_create

        source_id = source_get_or_create("bench").pk

        def value(column) -> str:
            if column.name == "source_id":
                return str(source_id)
            if column.name == "fingerprint":
                return "'f' || i"
            kind = connection.introspection.get_field_type(column.type_code, column).lower()
            if "bool" in kind:
                return "false" if connection.vendor == "postgresql" else "0"
            if "int" in kind or "float" in kind or "decimal" in kind:
                return "0"
            if "datetime" in kind:
                return "CURRENT_TIMESTAMP"
            if "date" in kind:
                return "CURRENT_DATE"
            if "json" in kind:
                return "'[]'"
            return "'x'"

        names = ", ".join(c.name for c in columns)
        values = ", ".join(value(c) for c in columns)
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO articles_article ({names}, search_stemmed, search_exact) "
                f"SELECT {values}, 'x'::tsvector, 'x'::tsvector FROM generate_series(1, %s) AS i",
                [n],
            )
            cursor.execute("VACUUM ANALYZE articles_article")
        else:
            cursor.execute(
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %s) "
                f"INSERT INTO articles_article ({names}) SELECT {values} FROM s",
                [n],
            )
            cursor.execute(
                "INSERT INTO article_fts (rowid, title_stem, body_stem, title_exact, body_exact) "
                "SELECT id, 'x', 'x', 'x', 'x' FROM articles_article"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    import django

    django.setup()
    from django.core import checks
    from django.core.management import call_command
    from django.db import connection

    from articles.search.checks import search_index_check, search_index_inspect

    call_command("migrate", verbosity=0)
    others = [check for check in checks.registry.registry.get_checks() if check is not search_index_check]
    print(f"{connection.vendor}: search index check beside the other {len(others)} registered checks (median of 7)")
    for n in (int(size) for size in args.sizes.split(",")):
        _fill(connection, n)
        assert search_index_inspect(connection=connection) == [], search_index_inspect(connection=connection)
        ours = _median_ms(lambda: search_index_inspect(connection=connection))
        rest = _median_ms(lambda: [check(app_configs=None, databases=None) for check in others])
        print(f"  {n:>9,} articles: index check {ours:8.1f} ms, other checks {rest:7.1f} ms, ratio {ours / rest:5.2f}")


if __name__ == "__main__":
    main()
