"""What the search index system check (articles.search.checks) needs to stay cheap, and the SQLite trigger.

PostgreSQL: a partial index of the articles without search vectors. It holds only those rows (none in a
healthy archive), so counting them is an index scan of almost nothing at any archive size, where a
``search_stemmed IS NULL`` count would otherwise read the whole table (GIN cannot answer IS NULL).
SQLite: the FTS delete trigger, re-created in case an earlier migration's table rebuild dropped it.
"""

from django.db import migrations

from articles.migrations._sqlite_fts import fts_delete_trigger_restore

POSTGRES_FORWARD = (
    "CREATE INDEX IF NOT EXISTS article_unindexed_idx ON articles_article (id) WHERE search_stemmed IS NULL"
)
POSTGRES_BACKWARD = "DROP INDEX IF EXISTS article_unindexed_idx"


def _forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    fts_delete_trigger_restore(apps, schema_editor)


def _backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("articles", "0015_editors_unlock_and_history")]
    operations = [migrations.RunPython(_forward, _backward)]
