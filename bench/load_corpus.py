"""Bulk loader for the benchmark corpus (bench/make_corpus.py): COPY on PostgreSQL, batched inserts on SQLite.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archive_bench .venv/bin/python bench/load_corpus.py \
        var/bench/corpus-100k.jsonl.gz [--limit N] [--workers 2]

EMPTIES the target database's articles, mentions, entities and sources first (a benchmark database only).
It is not a second ingest: the fingerprint (``articles.ingest.store.fingerprint_compute``), the search keys and index
documents (``articles.search.base.IndexDoc``), the PostgreSQL vectors (``articles.search.postgres.vectors``) and
the SQLite FTS rows (``SqliteBackend.index``) are the ingest path's own functions. What it skips is NER and topic
classification: the corpus carries its mentions and its topic. Row values come from model instances
(``Field.pre_save`` / ``get_db_prep_save``), so a column another change adds gets its model default.

PostgreSQL: the article and mention indexes (except primary keys and unique constraints) are dropped during the
load and re-created from their saved definitions at the end, then ANALYZE. Vectors are computed in ``--workers``
processes (the CPU part: ~90% of the time).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BATCH = 2000


def records(path: Path, limit: int | None):
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in itertools.islice(handle, limit):
            yield json.loads(line)


def _prepare(batch: list[dict]) -> list[tuple]:
    """Worker: (fingerprint, index doc, postgres vectors or None) per record: the CPU-heavy part."""
    from django.db import connection

    from articles.ingest.store import fingerprint_compute
    from articles.search.base import IndexDoc

    out = []
    for record in batch:
        doc = IndexDoc.from_text(id=0, title=record["title"], body=record["text"])
        vectors = None
        if connection.vendor == "postgresql":
            from articles.search.postgres import vectors as pg_vectors

            vectors = pg_vectors(doc)
        out.append((fingerprint_compute(record["title"], record["text"]), doc, vectors))
    return out


def _field_values(obj, fields, connection) -> list:
    return [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]


def _tables_empty(connection) -> None:
    from articles.models import Article, Entity, EntityAlias, Mention, Source

    tables = [m._meta.db_table for m in (Mention, EntityAlias, Entity, Article, Source)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            cursor.execute("DELETE FROM article_fts")
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def _indexes_drop(connection) -> list[str]:
    """Drop the secondary indexes of the article and mention tables; returns their definitions.

    The definitions are kept in a table until they are re-created, so a load that was interrupted leaves them
    for the next one instead of losing the indexes."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_load_indexes (name text PRIMARY KEY, definition text)")
        cursor.execute(
            "INSERT INTO bench_load_indexes SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid "
            "WHERE i.tablename IN ('articles_article', 'articles_mention') AND NOT x.indisunique "
            "AND NOT x.indisprimary ON CONFLICT DO NOTHING"
        )
        cursor.execute("SELECT name, definition FROM bench_load_indexes")
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    return [definition for _, definition in found]


def load(path: Path, *, limit: int | None, workers: int) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from articles.enrich.entity_service import entities_recount
    from articles.enrich.topics.train import ANT_CATEGORY_TO_SLUG
    from articles.models import Article, Entity, EntityAlias, Mention, Source, Topic
    from articles.search.sqlite import SqliteBackend
    from articles.text import search_key

    postgres = connection.vendor == "postgresql"
    started = time.perf_counter()
    _tables_empty(connection)
    definitions = _indexes_drop(connection) if postgres else []
    if postgres:
        with connection.cursor() as cursor:
            # A benchmark load: losing the last commits in a crash costs a rerun, not data.
            cursor.execute("SET synchronous_commit = off")
    topics = {t.slug: t for t in Topic.objects.all()}
    sources: dict[str, Source] = {}
    entities: dict[tuple[str, str], int] = {}
    article_fields = [f for f in Article._meta.concrete_fields if not f.primary_key]
    mention_fields = [f for f in Mention._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in article_fields]
    fingerprints: set[str] = set()
    next_id = 1
    loaded = mentions_loaded = duplicates = 0
    now = timezone.now()

    def source_of(name: str) -> Source:
        if name not in sources:
            key = search_key(name) or name
            sources[name] = Source.objects.create(name=name, key=key, slug=f"s{len(sources) + 1}")
        return sources[name]

    def entity_of(kind: str, name: str) -> int:
        key = search_key(name)
        if (kind, key) not in entities:
            entity = Entity.objects.create(name=name, kind=kind, key=key, slug=f"e{len(entities) + 1}")
            EntityAlias.objects.create(entity=entity, name=name, key=key)
            entities[(kind, key)] = entity.pk
        return entities[(kind, key)]

    pool = multiprocessing.get_context("fork").Pool(workers) if workers > 1 else None
    for batch, results in _prepared(records(path, limit), pool, workers):
        with transaction.atomic():
            rows, mention_rows, fts_docs = [], [], []
            for record, (fingerprint, doc, vectors) in zip(batch, results, strict=True):
                if fingerprint in fingerprints:
                    duplicates += 1
                    continue
                fingerprints.add(fingerprint)
                article = Article(
                    id=next_id,
                    title=record["title"],
                    body=record["text"],
                    source=source_of(record["source"]),
                    published_on=record.get("date"),
                    url=record.get("url") or "",
                    fingerprint=fingerprint,
                    topic=topics.get(ANT_CATEGORY_TO_SLUG.get(record.get("category") or "", "")),
                    entities_extracted_at=now,
                )
                values = _field_values(article, article_fields, connection)
                rows.append([next_id, *values, *(vectors or ())])
                fts_docs.append(type(doc)(id=next_id, title=doc.title, body=doc.body))
                for start, end, kind, name in record.get("mentions") or []:
                    mention = Mention(
                        article_id=next_id,
                        entity_id=entity_of(kind, name),
                        start=start,
                        end=end,
                        surface=record["text"][start:end],
                    )
                    mention_rows.append(_field_values(mention, mention_fields, connection))
                next_id += 1
            _rows_write(
                connection,
                Article._meta.db_table,
                ["id", *columns, *(["search_stemmed", "search_exact"] if postgres else [])],
                rows,
            )
            _rows_write(connection, Mention._meta.db_table, [f.column for f in mention_fields], mention_rows)
            if not postgres:
                SqliteBackend().index(fts_docs)
        loaded += len(rows)
        mentions_loaded += len(mention_rows)
        print(
            f"\r{loaded} articles, {mentions_loaded} mentions, {time.perf_counter() - started:.0f} s",
            end="",
            file=sys.stderr,
        )
    if pool:
        pool.close()
        pool.join()
    copied = time.perf_counter()
    # Entities' article counts decide what facets show (junk seen once is hidden): count them as
    # an ingest does at its end.
    entities_recount()
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SELECT setval(pg_get_serial_sequence('articles_article', 'id'), %s)", [next_id])
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for definition in definitions:
                cursor.execute(definition)
            cursor.execute("DROP TABLE bench_load_indexes")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
    done = time.perf_counter()
    print(file=sys.stderr)
    return {
        "vendor": connection.vendor,
        "articles": loaded,
        "mentions": mentions_loaded,
        "entities": len(entities),
        "sources": len(sources),
        "duplicates_skipped": duplicates,
        "load_s": round(copied - started),
        "index_s": round(done - copied),
        "articles_per_s": round(loaded / (done - started)),
        # CPU seconds of this process and its workers: what the load costs on an idle machine, whatever the load
        # average of a shared one did to the wall time.
        "cpu_s": round(
            sum(
                resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
                for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
            )
        ),
        "loadavg_1min_at_end": round(os.getloadavg()[0], 1),
    }


def _prepared(items, pool, workers: int):
    """(records, prepared) per chunk, ``workers`` chunks at a time (bounded memory: imap would read ahead all)."""
    size = BATCH // max(workers, 1)
    chunks = _chunks(items, size)
    while group := list(itertools.islice(chunks, max(workers, 1))):
        results = pool.map(_prepare, group) if pool else [_prepare(chunk) for chunk in group]
        yield from zip(group, results, strict=True)


def _chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _rows_write(connection, table: str, columns: list[str], rows: list) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    print(json.dumps(load(args.corpus, limit=args.limit, workers=args.workers)))


if __name__ == "__main__":
    main()
