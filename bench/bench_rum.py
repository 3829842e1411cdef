"""GIN against RUM (PostgreSQL's ``rum`` extension) on the benchmark database, side by side in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archive_perf_big .venv/bin/python bench/bench_rum.py \
        [--reps 7] [--inserts 10000] [--out var/bench/rum.json]

For each of ``search_exact`` and ``search_stemmed`` it builds a RUM index (``rum_tsvector_ops``) beside the
existing GIN one, timing the build and reporting both sizes, then times the search kinds' index work with
only GIN visible and with only RUM visible (the other index dropped inside a transaction that is rolled
back, so each plan is the planner's own choice with one index type): a phrase (``<->``: GIN rechecks each
candidate's stored positions; RUM keeps positions in the index), its count to the cap, a common word's
count to the cap, the newest 20 of a common word, and relevance ranking (GIN: ``ts_rank`` over the newest
1,000 matches as the archive does; RUM: ``ORDER BY vector <=> query`` from the index). Then the cost of
inserting ``--inserts`` articles (copies of existing rows, in a rolled-back transaction) with GIN only
(before), with RUM for ``search_exact`` only (migration 0019_rum_exact_index), and with RUM for both
vectors. Searches: median of ``--reps`` runs after one warm-up, in ms.

Leaves the RUM indexes built when ``--keep`` is given (else drops them). Needs ``CREATE EXTENSION rum``
to succeed (Debian: ``apt-get install postgresql-15-rum``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

CAP = 10_000
# The benchmark's search kinds (bench/bench_pages.py): their tsqueries as the archive builds them.
QUERIES = {"phrase": '"الأمم المتحدة"', "common": "الرئيس", "medium": "أوكرانيا", "rare": "أزنافور"}


def tsqueries() -> dict[str, tuple[str, str]]:
    """label → (column, tsquery literal), from articles.search.postgres's own term SQL."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from articles.search.postgres import _term_sql
    from articles.search.query import query_parse

    out = {}
    for label, text in QUERIES.items():
        term = query_parse(text).clauses[0][0]
        sql, literal = _term_sql(term)
        out[f"{label} {text}"] = ("search_exact" if "search_exact" in sql else "search_stemmed", literal)
    return out
COLUMNS = ("search_exact", "search_stemmed")


def timed(cursor, sql: str, params=(), reps: int = 7) -> float:
    cursor.execute(sql, params)
    cursor.fetchall()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        cursor.execute(sql, params)
        cursor.fetchall()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def kinds(column: str, query: str) -> dict[str, str]:
    where = f"{column} @@ %(q)s::tsquery"
    return {
        "count to cap": f"SELECT count(*) FROM (SELECT id FROM articles_article WHERE {where} LIMIT {CAP + 1}) s",
        "newest 20": f"SELECT id FROM articles_article WHERE {where} "
        "ORDER BY published_on DESC NULLS LAST, id DESC LIMIT 20",
        "ranked 20 (GIN: ts_rank of newest 1,000)": (
            f"SELECT id FROM (SELECT id, {column} AS v FROM articles_article WHERE {where} "
            "ORDER BY published_on DESC NULLS LAST, id DESC LIMIT 1000) w "
            "ORDER BY ts_rank(v, %(q)s::tsquery) DESC LIMIT 20"
        ),
        "ranked 20 (RUM: <=> from the index)": f"SELECT id FROM articles_article WHERE {where} "
        f"ORDER BY {column} <=> %(q)s::tsquery LIMIT 20",
    }


def size(cursor, index: str) -> int:
    cursor.execute("SELECT pg_relation_size(%s::regclass)", [index])
    return cursor.fetchone()[0]


def gin_name(cursor, column: str) -> str:
    cursor.execute(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'articles_article' AND indexdef LIKE %s "
        "AND indexdef NOT LIKE '%%WHERE%%'",
        [f"%USING gin ({column})%"],
    )
    return cursor.fetchone()[0]


def insert_ms(conn, n: int, drop: list[str]) -> float:
    """Inserting ``n`` copies of existing articles with the ``drop`` indexes invisible (rolled back)."""
    with conn.transaction(force_rollback=True), conn.cursor() as cursor:
        for index in drop:
            cursor.execute(f"DROP INDEX {index}")
        cursor.execute(
            f"CREATE TEMP TABLE copies ON COMMIT DROP AS SELECT * FROM articles_article ORDER BY id LIMIT {n}"
        )
        cursor.execute(
            "UPDATE copies SET id = id + 100000000, fingerprint = md5('copy' || fingerprint), story_id = NULL"
        )
        start = time.perf_counter()
        cursor.execute("INSERT INTO articles_article SELECT * FROM copies")
        return round((time.perf_counter() - start) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--inserts", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--columns", nargs="+", default=list(COLUMNS), choices=COLUMNS, help="vectors to RUM-index")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    out: dict = {"load_before": os.getloadavg()}
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM articles_article")
        out["articles"] = cursor.fetchone()[0]
        cursor.execute("CREATE EXTENSION IF NOT EXISTS rum")
        cursor.execute("SET work_mem = '64MB'")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        gins = {column: gin_name(cursor, column) for column in COLUMNS}
        rums = {column: f"bench_rum_{column}" for column in args.columns}
        out["indexes"] = {}
        for column in args.columns:
            cursor.execute(f"DROP INDEX IF EXISTS {rums[column]}")
            start = time.perf_counter()
            cursor.execute(f"CREATE INDEX {rums[column]} ON articles_article USING rum ({column} rum_tsvector_ops)")
            built = time.perf_counter() - start
            out["indexes"][column] = {
                "gin_mb": round(size(cursor, gins[column]) / 2**20, 1),
                "rum_mb": round(size(cursor, rums[column]) / 2**20, 1),
                "rum_build_s": round(built, 1),
            }
        cursor.execute("ANALYZE articles_article")
        out["search_ms"] = {}
        queries = tsqueries()
        out["tsqueries"] = queries
        for label, (column, query) in queries.items():
            row: dict = {}
            if column not in rums:
                continue
            for kind, sql in kinds(column, query).items():
                for name, hidden in (("GIN", rums[column]), ("RUM", gins[column])):
                    if (name == "GIN" and "RUM:" in kind) or (name == "RUM" and "GIN:" in kind):
                        continue
                    with conn.transaction(force_rollback=True):
                        cursor.execute(f"DROP INDEX {hidden}")
                        cursor.execute("SET LOCAL enable_seqscan = off")
                        row[f"{kind} [{name}]"] = timed(cursor, sql, {"q": query}, args.reps)
            out["search_ms"][label] = row
            print(label, row, flush=True)
        out["matches"] = {}
        for label, (column, query) in queries.items():
            cursor.execute(f"SELECT count(*) FROM articles_article WHERE {column} @@ %s::tsquery", [query])
            out["matches"][label] = cursor.fetchone()[0]
        variants = {"GIN only (before)": list(rums.values())}
        if "search_exact" in rums:
            variants["GIN stemmed + RUM exact (the migration's choice)"] = [
                *(rums[c] for c in rums if c != "search_exact"),
                gins["search_exact"],
            ]
        if len(rums) == len(COLUMNS):
            variants["RUM both"] = list(gins.values())
        out["insert_ms"] = {
            f"{args.inserts} articles, {name}": insert_ms(conn, args.inserts, drop) for name, drop in variants.items()
        } if args.inserts else {}
        print(out["insert_ms"], flush=True)
        if not args.keep:
            for index in rums.values():
                cursor.execute(f"DROP INDEX {index}")
    out["load_after"] = os.getloadavg()
    text = json.dumps(out, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
