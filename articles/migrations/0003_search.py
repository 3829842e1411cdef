"""Full-text search storage, by database vendor (no model state changes).

PostgreSQL: two tsvector columns on articles_article written by articles.search (a stemmed one,
title weight A over body weight B, and an exact one), each GIN-indexed, plus a NULLS LAST date
index for "newest first". SQLite: an FTS5 table keyed by the article id and a trigger that drops
an article's row when the article is deleted.
"""

from django.db import migrations

from articles.migrations._sqlite_fts import FTS_DELETE_TRIGGER

POSTGRES_FORWARD = [
    "ALTER TABLE articles_article ADD COLUMN search_stemmed tsvector, ADD COLUMN search_exact tsvector",
    # Word searches: search_stemmed @@ tsquery (articles.search.postgres).
    "CREATE INDEX article_search_stemmed_gin ON articles_article USING gin (search_stemmed)",
    # Quoted phrases and the exact-form ranking boost: search_exact @@ tsquery.
    "CREATE INDEX article_search_exact_gin ON articles_article USING gin (search_exact)",
    # "Newest first" puts undated articles last; the default DESC index puts them first.
    "CREATE INDEX article_published_nl_idx ON articles_article (published_on DESC NULLS LAST, id DESC)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS article_published_nl_idx",
    "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_stemmed, DROP COLUMN IF EXISTS search_exact",
]
SQLITE_FORWARD = [
    # rowid = articles_article.id; columns hold pre-processed keys (articles.search.arabic).
    "CREATE VIRTUAL TABLE IF NOT EXISTS article_fts USING fts5("
    "title_stem, body_stem, title_exact, body_exact, tokenize='unicode61 remove_diacritics 0')",
    FTS_DELETE_TRIGGER,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS article_fts_delete",
    "DROP TABLE IF EXISTS article_fts",
]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("articles", "0002_topics")]
    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
