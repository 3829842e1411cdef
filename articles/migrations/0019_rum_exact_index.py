"""PostgreSQL: the exact-word vector (``search_exact``, phrases) indexed with RUM instead of GIN where the
``rum`` extension is available; GIN kept for the stemmed vector (most searches) and everywhere else.

RUM (Debian ``postgresql-15-rum``) keeps each lexeme's positions in the index, so a phrase (``<->``) is
answered from the index without reading and rechecking every candidate's stored vector, and
``ORDER BY search_exact <=> query`` ranks from the index. Measured side by side (bench/bench_rum.py,
docs/PERFORMANCE.md "Round 2"): phrases are several times faster on RUM, the stemmed vector's searches
are not (and its RUM index is larger and dearer to update), so only ``search_exact`` moves.

Its price is on the write side: inserting articles cost 2.8 times as long with the RUM index (3,000
articles: 13.7 s with GIN, 38.5 s with RUM for ``search_exact``), so an ingest-heavy deployment may keep
GIN with ``SEARCH_PHRASE_INDEX=gin`` in the environment of ``migrate``.

A deployment without the extension (``CREATE EXTENSION rum`` impossible: package missing, or no right to
create it) keeps its GIN index and is told so on the console; nothing else changes (the queries are the
same ``@@`` conditions, the planner picks whichever index exists). SQLite keeps FTS5 (nothing to do).
Reversible: the GIN index is re-created.
"""

import os
import sys

from django.db import migrations

RUM_INDEX = "article_search_exact_rum"
GIN_INDEX = "article_search_exact_gin"


def rum_available(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        return cursor.fetchone() is not None


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    if os.environ.get("SEARCH_PHRASE_INDEX", "rum") == "gin":
        sys.stdout.write(
            "\n  articles 0019_rum_exact_index: SEARCH_PHRASE_INDEX=gin, phrases keep the GIN index "
            "article_search_exact_gin (inserts about 2.8 times cheaper, phrases about 9 times slower to count).\n"
        )
        return
    if not rum_available(schema_editor):
        sys.stdout.write(
            "\n  articles 0019_rum_exact_index: the PostgreSQL extension 'rum' is not installed on the server "
            "(Debian: apt-get install postgresql-15-rum); phrases keep the GIN index article_search_exact_gin "
            "(slower phrases, nothing else changes). Run `manage.py migrate articles 0018_archive_generation` "
            "and then `migrate` again after installing it.\n"
        )
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS rum")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {RUM_INDEX} ON articles_article USING rum (search_exact rum_tsvector_ops)"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON articles_article USING gin (search_exact)")
    schema_editor.execute(f"DROP INDEX IF EXISTS {RUM_INDEX}")


class Migration(migrations.Migration):
    # Index builds of a large table: not in one transaction with the rest.
    atomic = False
    dependencies = [("articles", "0018_archive_generation")]
    operations = [migrations.RunPython(forward, backward)]
